// The UI's words: Fluent catalogs (src/locales/<lang>.ftl), one bundle per language, and the
// language in force as reactive state. `t(id, args)` reads it, so anything rendered through `t`
// (or through the formatters below) re-renders when the language changes.
// The language follows AppInfo.language (App.svelte applies it); before app_info answers, the
// browser's languages negotiated to one the UI speaks.
import { FluentBundle, FluentResource, type FluentVariable } from "@fluent/bundle";
import { negotiateLanguages } from "@fluent/langneg";
import enFtl from "../locales/en.ftl?raw";
import frFtl from "../locales/fr.ftl?raw";

export const LANGUAGES = ["en", "fr"] as const;
export type Lang = (typeof LANGUAGES)[number];

/** The catalogs' text, by language (the tests parse them too). */
export const CATALOGS: Record<Lang, string> = { en: enFtl, fr: frFtl };

function makeBundle(lang: Lang): FluentBundle {
  // No bidi isolation marks: both languages are left-to-right, and the marks would end up in
  // copied text and in the end-to-end tests' expectations.
  // The system's own tag first (when it is in this language) so numbers in messages group as
  // the formatters below do; plural rules are the language's either way.
  const b = new FluentBundle([intlLocale(lang), lang], { useIsolating: false });
  b.addResource(new FluentResource(CATALOGS[lang]));
  return b;
}

const bundles: Record<Lang, FluentBundle> = { en: makeBundle("en"), fr: makeBundle("fr") };

/** One of the UI's languages for any tag ("fr-CA" → "fr"), English when none fits. */
export function pickLanguage(requested: readonly string[]): Lang {
  const [best] = negotiateLanguages([...requested], [...LANGUAGES], { defaultLocale: "en", strategy: "lookup" });
  return (LANGUAGES as readonly string[]).includes(best ?? "") ? (best as Lang) : "en";
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === "undefined") return [];
  return navigator.languages?.length ? navigator.languages : navigator.language ? [navigator.language] : [];
}

export const i18n = $state({ lang: pickLanguage(browserLanguages()) as Lang });

/** Sets the language in force (unknown tags are negotiated) and `<html lang>`. */
export function setLang(lang: string): void {
  const next = pickLanguage([lang]);
  i18n.lang = next;
  if (typeof document !== "undefined") document.documentElement.lang = next;
}

export type Args = Record<string, FluentVariable>;

/**
 * The message `id` in the current language, with its arguments. Ids are always string literals
 * (tests/i18n.test.ts finds them by scanning the source). A missing message falls back to English,
 * then to the id itself, so a gap shows as a readable key rather than a blank.
 */
export function t(id: string, args?: Args): string {
  const lang = i18n.lang;
  for (const b of lang === "en" ? [bundles.en] : [bundles[lang], bundles.en]) {
    const m = b.getMessage(id);
    if (m?.value) return b.formatPattern(m.value, args, []);
  }
  return id;
}

/**
 * The name of a language in that language ("English", "Français"): the Settings picker lists each
 * language by its own name whatever the UI's language, so these are not in the catalogs.
 */
export function languageName(lang: string): string {
  return lang === "fr" ? "Français" : lang === "en" ? "English" : lang;
}

// ---- Intl, per language -------------------------------------------------------------------------

/**
 * The locale Intl formats with: the browser's own tag when it is in the UI's language (an
 * en-GB system gets British dates in English, fr-CA Canadian ones in French), else the language.
 */
function intlLocale(lang: Lang): string {
  const own = browserLanguages().find((l) => l.toLowerCase().split("-")[0] === lang);
  if (own) {
    try {
      return Intl.getCanonicalLocales(own)[0] ?? lang;
    } catch {
      return lang;
    }
  }
  return lang;
}

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  let f = cache.get(key) as T | undefined;
  if (!f) cache.set(key, (f = make()));
  return f;
}

/** A whole number with the language's grouping: "1,234" / "1 234". */
export function formatNumber(n: number): string {
  const lang = i18n.lang;
  return cached(`n:${lang}`, () => new Intl.NumberFormat(intlLocale(lang))).format(n);
}

/** Date and time: "Mar 7, 2025, 09:05 AM" / "7 mars 2025, 09:05". */
export function formatDateTimeIntl(d: Date): string {
  const lang = i18n.lang;
  return cached(`dt:${lang}`, () => new Intl.DateTimeFormat(intlLocale(lang), {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  })).format(d);
}

/** Time only: "09:05 AM" / "09:05". */
export function formatTimeIntl(d: Date): string {
  const lang = i18n.lang;
  return cached(`t:${lang}`, () => new Intl.DateTimeFormat(intlLocale(lang), { hour: "2-digit", minute: "2-digit" })).format(d);
}

/** A short day of a chart's axis, in UTC: "Mar 7" / "7 mars". */
export function formatDay(d: Date): string {
  const lang = i18n.lang;
  return cached(`d:${lang}`, () => new Intl.DateTimeFormat(intlLocale(lang), { month: "short", day: "numeric", timeZone: "UTC" })).format(d);
}

/** "today" / "aujourd’hui" (a relative day, from Intl). */
export function todayWord(): string {
  const lang = i18n.lang;
  return cached(`r:${lang}`, () => new Intl.RelativeTimeFormat(intlLocale(lang), { numeric: "auto" })).format(0, "day");
}
