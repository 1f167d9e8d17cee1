// The UI's catalogs (src/locales/*.ftl) and the source that uses them: complete, consistent, and
// no user-visible words written outside them.
import { FluentBundle, FluentResource, type FluentVariable } from "@fluent/bundle";
import { parse as parseFtl, Message, Junk, SelectExpression, VariableReference, Term, Visitor, Identifier } from "@fluent/syntax";
import { parse as parseSvelte } from "svelte/compiler";
import { afterEach, describe, expect, it } from "vitest";
import { CATALOGS, LANGUAGES, formatNumber, pickLanguage, setLang, t, type Lang } from "../src/lib/i18n.svelte";
import { credits, formatDateTime, formatDuration, formatWhen } from "../src/lib/format";

// The UI's source as text (Vite reads it; no Node APIs needed), keyed "components/Toasts.svelte".
// Generated bindings and the screenshot mock are not the UI's words.
const SOURCES: Record<string, string> = Object.fromEntries(
  Object.entries(
    import.meta.glob(["../src/**/*.{ts,svelte}", "!../src/lib/bindings/**", "!../src/mock/**"], {
      query: "?raw", import: "default", eager: true,
    }) as Record<string, string>,
  ).map(([k, v]) => [k.replace("../src/", ""), v]),
);
const files = (ext: RegExp) => Object.keys(SOURCES).filter((f) => ext.test(f));

/** Per message id: its attributes, the variables it reads and which of them select plural forms. */
interface Shape { attrs: string[]; vars: Set<string>; plural: Set<string> }

const shapeCache = new Map<Lang, Map<string, Shape>>();
function shapes(lang: Lang): Map<string, Shape> {
  let cached = shapeCache.get(lang);
  if (!cached) shapeCache.set(lang, (cached = readShapes(lang)));
  return cached;
}

function readShapes(lang: Lang): Map<string, Shape> {
  const res = parseFtl(CATALOGS[lang], {});
  const out = new Map<string, Shape>();
  for (const e of res.body) {
    if (!(e instanceof Message)) continue;
    const vars = new Set<string>();
    const plural = new Set<string>();
    class V extends Visitor {
      visitVariableReference(node: VariableReference) { vars.add(node.id.name); }
      visitSelectExpression(node: SelectExpression) {
        if (node.selector instanceof VariableReference &&
            node.variants.some((v) => v.key instanceof Identifier && ["one", "few", "many"].includes(v.key.name)))
          plural.add(node.selector.id.name);
        this.genericVisit(node);
      }
    }
    new V().visit(e);
    out.set(e.id.name, { attrs: e.attributes.map((a) => a.id.name).sort(), vars, plural });
  }
  return out;
}

const bundles = new Map<Lang, FluentBundle>();
const bundle = (lang: Lang) => {
  let b = bundles.get(lang);
  if (!b) {
    b = new FluentBundle(lang, { useIsolating: false });
    b.addResource(new FluentResource(CATALOGS[lang]));
    bundles.set(lang, b);
  }
  return b;
};

/** Formats `id` with every variable it reads set (numbers: 5 unless given), collecting errors. */
function format(lang: Lang, id: string, over: Record<string, FluentVariable> = {}): { text: string; errors: Error[] } {
  const b = bundle(lang);
  const m = b.getMessage(id);
  const errors: Error[] = [];
  if (!m?.value) return { text: "", errors: [new Error(`${id} has no value in ${lang}`)] };
  const args: Record<string, FluentVariable> = {};
  for (const v of shapes(lang).get(id)?.vars ?? []) args[v] = 5;
  return { text: b.formatPattern(m.value, { ...args, ...over }, errors), errors };
}

afterEach(() => setLang("en"));

describe("catalogs", () => {
  it("parse with no Fluent errors (no junk, no duplicate ids, every message formats)", () => {
    for (const lang of LANGUAGES) {
      const junk = parseFtl(CATALOGS[lang], {}).body.filter((e): e is Junk => e instanceof Junk);
      expect(junk.map((j) => `${j.annotations.map((a) => a.message).join("; ")}: ${j.content.slice(0, 80)}`),
        `${lang}.ftl has entries Fluent cannot parse`).toEqual([]);
      const dup = new FluentBundle(lang).addResource(new FluentResource(CATALOGS[lang]));
      expect(dup.map(String), `${lang}.ftl: addResource errors (duplicate ids)`).toEqual([]);
      for (const id of shapes(lang).keys()) {
        const { errors } = format(lang, id);
        expect(errors.map(String), `${lang}.ftl: formatting ${id} fails`).toEqual([]);
      }
    }
  });

  it("have exactly the same message ids, attributes and variables in English and French", () => {
    const en = shapes("en");
    const fr = shapes("fr");
    expect([...fr.keys()].filter((k) => !en.has(k)), "ids in fr.ftl that en.ftl lacks").toEqual([]);
    expect([...en.keys()].filter((k) => !fr.has(k)), "ids in en.ftl that fr.ftl lacks").toEqual([]);
    for (const [id, s] of en) {
      const f = fr.get(id)!;
      expect(f.attrs, `attributes of ${id}`).toEqual(s.attrs);
      expect([...f.vars].sort(), `variables of ${id} (fr vs en)`).toEqual([...s.vars].sort());
    }
  });

  it("write French with its typographic spaces (no-break before : ; ! ?, none left ordinary)", () => {
    for (const id of shapes("fr").keys()) {
      const { text } = format("fr", id);
      expect(text, `fr ${id}: an ordinary space or none before : ; ! ?`).not.toMatch(/[^\u00a0\u202f][:;!?](?=\s|$)/);
    }
  });
});

describe("the source's message ids", () => {
  const sources = files(/\.(ts|svelte)$/).filter((f) => !f.endsWith("i18n.svelte.ts"));
  const used = new Map<string, string>();
  for (const f of sources) {
    const text = SOURCES[f]!;
    for (const m of text.matchAll(/\bt\(\s*"([^"]+)"/g)) used.set(m[1]!, f);
  }

  it("are all string literals (so this scan finds them)", () => {
    for (const f of sources) {
      const bad = [...SOURCES[f]!.matchAll(/\bt\(\s*(?!")[^)\s]/g)].map((m) => m[0]);
      expect(bad, `${f} calls t() with something other than a "literal" id`).toEqual([]);
    }
    expect(used.size, "t() calls found in src").toBeGreaterThan(100);
  });

  it("all exist in both catalogs", () => {
    for (const lang of LANGUAGES) {
      const ids = shapes(lang);
      const missing = [...used].filter(([id]) => !ids.has(id)).map(([id, f]) => `${id} (${f})`);
      expect(missing, `ids used in src but missing from ${lang}.ftl`).toEqual([]);
    }
  });

  it("cover every catalog id (no dead keys)", () => {
    const dead = [...shapes("en").keys()].filter((id) => !used.has(id));
    expect(dead, "ids in the catalogs that no t() call uses").toEqual([]);
  });

  it("are what the UI's notifications say (notify() is never given a literal sentence)", () => {
    for (const f of sources) {
      const bad = [...SOURCES[f]!.matchAll(/\bnotify\(\s*["'`]/g)].map((m) => m[0]);
      expect(bad, `${f}: notify() with a hard-coded text`).toEqual([]);
    }
  });
});

describe("components", () => {
  // Text that is not a word and may stay in markup: the "R" of the logo (aria-hidden, a mark).
  const ALLOWED = new Set(["R"]);
  const VISIBLE_ATTRS = new Set(["aria-label", "title", "placeholder", "alt", "label", "aria-description", "aria-placeholder"]);
  const hasLetter = (s: string) => /\p{L}/u.test(s) && !ALLOWED.has(s.trim());

  type Node = { type?: string; [k: string]: unknown };

  /** String literals in an expression that would reach the screen (not ids, comparisons, keys). */
  function literalsIn(expr: Node, out: string[]) {
    if (!expr || typeof expr !== "object") return;
    switch (expr.type) {
      case "Literal":
        if (typeof expr.value === "string" && hasLetter(expr.value)) out.push(expr.value);
        return;
      case "TemplateElement": {
        const v = (expr.value as { cooked: string }).cooked;
        if (hasLetter(v)) out.push(v);
        return;
      }
      case "CallExpression": // t("id", …), find(…), event handlers: arguments are not text
        return literalsIn(expr.callee as Node, out);
      case "BinaryExpression": // x === "video"
        return;
      case "MemberExpression":
        return literalsIn(expr.object as Node, out);
      case "Property":
        return literalsIn(expr.value as Node, out);
      case "ArrowFunctionExpression":
      case "FunctionExpression":
        return; // handlers
    }
    for (const [k, v] of Object.entries(expr)) {
      if (k === "loc" || k === "start" || k === "end" || k === "leadingComments" || k === "trailingComments") continue;
      if (Array.isArray(v)) v.forEach((c) => literalsIn(c as Node, out));
      else if (v && typeof v === "object") literalsIn(v as Node, out);
    }
  }

  function walk(node: Node, found: string[]) {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach((n) => walk(n as Node, found));
    switch (node.type) {
      case "Text":
        if (hasLetter(node.data as string)) found.push(`text "${(node.data as string).trim()}"`);
        return;
      case "Comment":
        return;
      case "StyleDirective": // style:left="{x}px": CSS, not text
      case "ClassDirective":
        return;
      case "ExpressionTag": {
        const lits: string[] = [];
        literalsIn(node.expression as Node, lits);
        found.push(...lits.map((l) => `literal "${l}" in {…}`));
        return;
      }
      case "Attribute": {
        if (!VISIBLE_ATTRS.has(node.name as string) || node.value === true) return;
        const parts = (Array.isArray(node.value) ? node.value : [node.value]) as Node[];
        for (const p of parts) {
          if (p.type === "Text" && hasLetter(p.data as string)) found.push(`${node.name as string}="${p.data as string}"`);
          if (p.type === "ExpressionTag") {
            const lits: string[] = [];
            literalsIn(p.expression as Node, lits);
            found.push(...lits.map((l) => `${node.name as string}={… "${l}" …}`));
          }
        }
        return;
      }
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === "expression" || k === "metadata" || k === "parent") continue; // {#if x}, {#each xs as x}: logic, not text
      if (v && typeof v === "object") walk(v as Node, found);
    }
  }

  for (const f of files(/\.svelte$/)) {
    it(`${f} has no hard-coded user-visible text`, () => {
      const ast = parseSvelte(SOURCES[f]!, { modern: true }) as unknown as { fragment: Node };
      const found: string[] = [];
      walk(ast.fragment, found);
      expect(found, `${f}: words written outside the catalogs`).toEqual([]);
    });
  }
});

describe("plural forms", () => {
  const plurals = [...shapes("en")].filter(([, s]) => s.plural.size > 0);

  it("exist for counts (credits, generations, entries, …)", () => {
    expect(plurals.length, "messages with a plural selector").toBeGreaterThanOrEqual(10);
  });

  it("differ between 1 and 2 in both languages wherever a count selects the form", () => {
    for (const lang of LANGUAGES) {
      for (const [id, s] of plurals) {
        for (const v of s.plural) {
          const one = format(lang, id, { [v]: 1 }).text;
          const two = format(lang, id, { [v]: 2 }).text;
          // Not just the digit: the words change with the form.
          expect(one.replaceAll("1", "2"), `${lang} ${id}: $${v}=1 reads like $${v}=2 ("${one}")`).not.toBe(two);
        }
      }
    }
  });

  it("treat 0 as singular in French and plural in English", () => {
    for (const [id, s] of plurals) {
      for (const v of s.plural) {
        const fr0 = format("fr", id, { [v]: 0 }).text;
        const fr1 = format("fr", id, { [v]: 1 }).text;
        expect(fr0.replaceAll("0", "1"), `fr ${id}: $${v}=0 uses the singular`).toBe(fr1);
        const en0 = format("en", id, { [v]: 0 }).text;
        const en2 = format("en", id, { [v]: 2 }).text;
        expect(en0.replaceAll("0", "2"), `en ${id}: $${v}=0 uses the plural`).toBe(en2);
      }
    }
  });

  it("read naturally through t()", () => {
    expect(t("credits", { count: 1 }), "en 1").toBe("1 credit");
    expect(t("credits", { count: 4 }), "en 4").toBe("4 credits");
    setLang("fr");
    expect(t("credits", { count: 0 }), "fr 0 is singular").toBe("0\u00a0crédit");
    expect(t("credits", { count: 1 }), "fr 1").toBe("1\u00a0crédit");
    expect(t("credits", { count: 4 }), "fr 4").toBe("4\u00a0crédits");
  });
});

describe("language and formatting", () => {
  it("negotiates the browser's languages to one the UI speaks", () => {
    expect(pickLanguage(["fr-CA", "en"]), "fr-CA").toBe("fr");
    expect(pickLanguage(["de-DE"]), "an unknown language").toBe("en");
    expect(pickLanguage([]), "none").toBe("en");
  });

  it("switches every word at once", () => {
    expect(t("nav-settings"), "en").toBe("Settings");
    setLang("fr");
    expect(t("nav-settings"), "fr").toBe("Réglages");
    expect(formatDuration(2 * 86400 + 4 * 3600), "fr duration").toBe("2\u00a0j 4\u00a0h");
  });

  it("groups numbers as each language does", () => {
    expect(formatNumber(1234), "en grouping").toBe("1,234");
    expect(credits(1234), "en credits").toBe("1,234 credits");
    setLang("fr");
    expect(formatNumber(1234), "fr grouping: a narrow no-break space").toBe("1\u202f234");
    expect(credits(1234), "fr credits").toBe("1\u202f234\u00a0crédits");
  });

  it("formats dates and times for the language", () => {
    const iso = "2025-03-07T10:05:00Z";
    const en = formatDateTime(iso);
    expect(en, "en month").toMatch(/Mar/);
    setLang("fr");
    const fr = formatDateTime(iso);
    expect(fr, "fr month").toMatch(/mars/);
    expect(fr, "fr differs from en").not.toBe(en);
    const now = new Date();
    expect(formatWhen(new Date(now.getTime()).toISOString(), now), "fr today, from Intl.RelativeTimeFormat").toMatch(/^aujourd’hui à /);
    setLang("en");
    expect(formatWhen(new Date(now.getTime()).toISOString(), now), "en today").toMatch(/^today /);
  });
});

// Terms (-app-name) are not messages: the dead-key check above only looks at messages.
it("keeps the same terms in both catalogs", () => {
  const terms = (lang: Lang) => parseFtl(CATALOGS[lang], {}).body.filter((e): e is Term => e instanceof Term).map((e) => e.id.name);
  expect(terms("fr"), "terms of fr.ftl").toEqual(terms("en"));
});
