//! `docs/openapi.yaml`, parsed, and a small checker of answers against it: the documented
//! statuses of each route, JSON Schema (the subset the document uses: `$ref`, `type` with
//! `null`, `required`, `properties`, `additionalProperties`, `items`, `enum`, `const`, `oneOf`,
//! `format` uuid and date-time, bounds), and the error codes each error status may carry.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;

/// The path of the document, from this crate.
pub const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.yaml");

/// The document as JSON values, parsed once.
pub fn doc() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let text = std::fs::read_to_string(DOC_PATH)
            .unwrap_or_else(|e| panic!("cannot read {DOC_PATH}: {e}"));
        serde_saphyr::from_str::<Value>(&text)
            .unwrap_or_else(|e| panic!("{DOC_PATH} is not valid YAML: {e}"))
    })
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Every (METHOD, path template) the document describes.
pub fn documented_routes() -> BTreeSet<(String, String)> {
    let paths = doc()["paths"]
        .as_object()
        .expect("the document has no `paths`");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Whether a concrete path (no query) matches a template like `/v1/generations/{id}/output`.
pub fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// The operation documented for a concrete request, with its path template.
pub fn operation(method: &str, path: &str) -> Option<(String, &'static Value)> {
    let path = path.split('?').next().unwrap_or(path);
    let paths = doc()["paths"].as_object()?;
    // A literal template wins over one with parameters.
    let mut candidates: Vec<(&String, &Value)> = paths
        .iter()
        .filter(|(t, _)| path_matches(t, path))
        .collect();
    candidates.sort_by_key(|(t, _)| t.matches('{').count());
    let (template, item) = candidates.first()?;
    let op = item.get(method.to_lowercase())?;
    Some(((*template).clone(), op))
}

/// Follows a local `$ref` (`#/components/...`).
pub fn resolve(v: &'static Value) -> &'static Value {
    let mut v = v;
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let pointer = r
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("only local $ref are supported, got {r}"));
                v = doc()
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {r} in {DOC_PATH}"));
            }
            None => return v,
        }
    }
    panic!("$ref chain too long in {DOC_PATH}")
}

/// A component schema by name.
pub fn schema(name: &str) -> &'static Value {
    doc()
        .pointer(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("{DOC_PATH} has no schema {name}"))
}

/// The values of a component schema's `enum`.
pub fn enum_values(name: &str) -> BTreeSet<String> {
    resolve(schema(name))["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("schema {name} has no enum"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("{name}: non-string enum value {v}"))
                .to_owned()
        })
        .collect()
}

/// Validates `value` against `schema`, collecting every problem with its JSON path.
pub fn validate(schema: &'static Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let s = resolve(schema);
    if let Some(c) = s.get("const")
        && c != value
    {
        errors.push(format!("{at}: expected {c}, got {value}"));
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(value)
    {
        errors.push(format!(
            "{at}: {value} is not one of {}",
            Value::from(e.clone())
        ));
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !types.iter().any(|t| type_matches(t, value)) {
            errors.push(format!("{at}: expected type {types:?}, got {value}"));
            return;
        }
    }
    if let Some(options) = s.get("oneOf").and_then(Value::as_array) {
        let mut matched = 0;
        let mut why = Vec::new();
        for (i, o) in options.iter().enumerate() {
            let mut e = Vec::new();
            validate(o, value, &format!("{at}<oneOf {i}>"), &mut e);
            if e.is_empty() {
                matched += 1;
            } else {
                why.extend(e);
            }
        }
        if matched != 1 {
            errors.push(format!(
                "{at}: matches {matched} of the oneOf options, not exactly one ({})",
                why.join("; ")
            ));
        }
    }
    match value {
        Value::Object(map) => {
            if let Some(req) = s.get("required").and_then(Value::as_array) {
                for r in req.iter().filter_map(Value::as_str) {
                    if !map.contains_key(r) {
                        errors.push(format!("{at}: required field `{r}` is missing"));
                    }
                }
            }
            let props = s.get("properties").and_then(Value::as_object);
            for (k, v) in map {
                let here = format!("{at}.{k}");
                match props.and_then(|p| p.get(k)) {
                    Some(ps) => validate(ps, v, &here, errors),
                    None => match s.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{at}: field `{k}` is not documented"));
                        }
                        Some(extra @ Value::Object(_)) => validate(extra, v, &here, errors),
                        _ => {}
                    },
                }
            }
        }
        Value::Array(items) => {
            if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
                && items.len() as u64 > max
            {
                errors.push(format!("{at}: {} items, at most {max}", items.len()));
            }
            if let Some(item) = s.get("items") {
                for (i, v) in items.iter().enumerate() {
                    validate(item, v, &format!("{at}[{i}]"), errors);
                }
            }
        }
        Value::String(text) => {
            match s.get("format").and_then(Value::as_str) {
                Some("uuid") if text.parse::<uuid::Uuid>().is_err() => {
                    errors.push(format!("{at}: {text:?} is not a UUID"));
                }
                Some("date-time") if text.parse::<recoup_core::Timestamp>().is_err() => {
                    errors.push(format!("{at}: {text:?} is not an RFC 3339 timestamp"));
                }
                _ => {}
            }
            let len = text.chars().count() as u64;
            if let Some(min) = s.get("minLength").and_then(Value::as_u64)
                && len < min
            {
                errors.push(format!("{at}: shorter than {min}"));
            }
            if let Some(max) = s.get("maxLength").and_then(Value::as_u64)
                && len > max
            {
                errors.push(format!("{at}: longer than {max}"));
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if let Some(min) = s.get("minimum").and_then(Value::as_f64)
                && x < min
            {
                errors.push(format!("{at}: {n} is below the minimum {min}"));
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64)
                && x > max
            {
                errors.push(format!("{at}: {n} is above the maximum {max}"));
            }
        }
        _ => {}
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

/// Validates against a named component schema; panics with every problem.
pub fn assert_valid(name: &str, value: &Value) {
    let mut errors = Vec::new();
    validate(schema(name), value, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "does not match schema {name}: {errors:#?}\nvalue: {value:#}"
    );
}

/// An answer as the client saw it.
pub struct Answer<'a> {
    /// Method.
    pub method: &'a str,
    /// Path with query.
    pub path: &'a str,
    /// Status.
    pub status: u16,
    /// Content-Type, if any.
    pub content_type: Option<&'a str>,
    /// Header lookup (case-insensitive name).
    pub header: &'a dyn Fn(&str) -> Option<String>,
    /// Body bytes.
    pub body: &'a [u8],
}

/// Checks one answer against the document: the route is documented, the status is documented
/// for it (explicitly: `default` does not count), the body matches the documented content and
/// schema, error codes are among those documented for the status, documented headers are there.
pub fn check_answer(a: &Answer<'_>) -> Result<(), String> {
    let ctx = format!("{} {} -> {}", a.method, a.path, a.status);
    let Some((template, op)) = operation(a.method, a.path) else {
        return Err(format!("{ctx}: route not in {DOC_PATH}"));
    };
    let Some(response) = op["responses"].get(a.status.to_string()) else {
        return Err(format!(
            "{ctx}: status {} is not documented for {} {template}; body: {}",
            a.status,
            a.method,
            String::from_utf8_lossy(a.body)
        ));
    };
    let response = resolve(response);
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        for name in headers.keys() {
            if name.eq_ignore_ascii_case("cache-control") {
                continue;
            }
            if (a.header)(name).is_none() {
                return Err(format!("{ctx}: documented header {name} is missing"));
            }
        }
    }
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        if !a.body.is_empty() {
            return Err(format!(
                "{ctx}: no body documented, got {:?}",
                String::from_utf8_lossy(a.body)
            ));
        }
        return Ok(());
    };
    let ct = a
        .content_type
        .map(|c| c.split(';').next().unwrap_or(c).trim().to_owned())
        .ok_or_else(|| format!("{ctx}: no Content-Type"))?;
    let Some(media) = content.get(&ct) else {
        return Err(format!(
            "{ctx}: Content-Type {ct} not documented (documented: {:?}); body: {}",
            content.keys().collect::<Vec<_>>(),
            String::from_utf8_lossy(a.body)
        ));
    };
    if ct != "application/json" {
        if a.body.is_empty() {
            return Err(format!("{ctx}: empty {ct} body"));
        }
        return Ok(());
    }
    let value: Value = serde_json::from_slice(a.body).map_err(|e| {
        format!(
            "{ctx}: body is not JSON ({e}): {}",
            String::from_utf8_lossy(a.body)
        )
    })?;
    let mut errors = Vec::new();
    validate(&media["schema"], &value, "$", &mut errors);
    if !errors.is_empty() {
        return Err(format!(
            "{ctx}: body does not match the documented schema: {errors:#?}\nbody: {value:#}"
        ));
    }
    if let Some(codes) = response.get("x-error-codes").and_then(Value::as_array) {
        let code = &value["code"];
        if !codes.contains(code) {
            return Err(format!(
                "{ctx}: error code {code} not among those documented for this status: {}",
                Value::from(codes.clone())
            ));
        }
    }
    Ok(())
}

/// The security a route documents: `none`, `accountToken`, `adminToken` or `providerKey`.
pub fn security(op: &Value) -> &'static str {
    let s = op
        .get("security")
        .or_else(|| doc().get("security"))
        .and_then(Value::as_array);
    match s.and_then(|s| s.first()).and_then(Value::as_object) {
        None => "none",
        Some(m) if m.contains_key("accountToken") => "accountToken",
        Some(m) if m.contains_key("adminToken") => "adminToken",
        Some(m) if m.contains_key("providerKey") => "providerKey",
        Some(m) => panic!("unknown security scheme {m:?}"),
    }
}

#[test]
fn the_document_describes_exactly_the_routes_the_router_serves() {
    let documented = documented_routes();
    let served: BTreeSet<(String, String)> = recoup_server::ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{DOC_PATH} and recoup_server::ROUTES differ: served but undocumented {missing:?}, documented but not served {extra:?}"
    );
}

#[test]
fn every_ref_in_the_document_resolves_and_every_operation_is_complete() {
    fn walk(v: &'static Value, at: &str, refs: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if k == "$ref" {
                        refs.push((at.to_owned(), v.as_str().unwrap_or_default().to_owned()));
                    } else {
                        walk(v, &format!("{at}/{k}"), refs);
                    }
                }
            }
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, v)| walk(v, &format!("{at}/{i}"), refs)),
            _ => {}
        }
    }
    let d = doc();
    assert_eq!(
        d["openapi"].as_str(),
        Some("3.1.0"),
        "the document is OpenAPI 3.1"
    );
    let mut refs = Vec::new();
    walk(d, "", &mut refs);
    assert!(refs.len() > 50, "the document uses $ref throughout");
    for (at, r) in refs {
        let target = r.strip_prefix('#').and_then(|p| d.pointer(p));
        assert!(target.is_some(), "$ref {r} at {at} does not resolve");
    }
    for (method, path) in documented_routes() {
        let (_, op) = operation(&method, &path).expect("a documented route resolves");
        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} has no responses"));
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path} documents no success status"
        );
        assert!(
            responses.contains_key("default"),
            "{method} {path} documents no default (500/503) answer"
        );
        assert!(
            op.get("operationId").and_then(Value::as_str).is_some(),
            "{method} {path} has no operationId"
        );
        let auth = security(op);
        for (status, r) in responses {
            let r = resolve(r);
            if status == "401" {
                assert_ne!(
                    auth, "none",
                    "{method} {path}: a public route documents 401"
                );
            }
            if let Some(codes) = r.get("x-error-codes").and_then(Value::as_array) {
                for code in codes {
                    let c: recoup_api::ErrorCode = serde_json::from_value(code.clone())
                        .unwrap_or_else(|e| {
                            panic!("{method} {path} {status}: unknown code {code}: {e}")
                        });
                    if status != "default" {
                        assert_eq!(
                            c.http_status().to_string(),
                            *status,
                            "{method} {path}: code {code} is answered with {} by the server, documented under {status}",
                            c.http_status()
                        );
                    }
                }
            } else if status.starts_with('4') || status.starts_with('5') || status == "default" {
                panic!("{method} {path} {status}: an error answer without x-error-codes");
            }
        }
        if auth != "none" {
            assert!(
                responses.contains_key("401"),
                "{method} {path}: an authenticated route must document 401"
            );
        }
        let sandbox = op.get("x-sandbox-only") == Some(&Value::Bool(true));
        assert_eq!(
            sandbox,
            responses.contains_key("403"),
            "{method} {path}: sandbox-only routes (and only they) document 403 sandbox_only"
        );
    }
}

/// Every `ErrorCode` the endpoint can answer with (`ErrorCode::all()` is exhaustive by construction).
fn all_error_codes() -> Vec<recoup_api::ErrorCode> {
    // The endpoint's share of the one vocabulary: every code that can reach HTTP.
    recoup_api::ErrorCode::all()
        .filter(|c| c.reaches_http())
        .collect()
}

fn spellings<T: serde::Serialize>(values: &[T]) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| {
            serde_json::to_value(v)
                .expect("serializes")
                .as_str()
                .expect("a unit variant serializes as a string")
                .to_owned()
        })
        .collect()
}

#[test]
fn the_documented_enumerations_are_the_rust_ones() {
    use recoup_core::{
        ClaimReason, Feature, GenerationStatus, GrantKind, MediaKind, Platform, Surface,
    };
    use recoup_store::{ClaimOutcome, EntryKind, SyncState};
    let cases: Vec<(&str, BTreeSet<String>)> = vec![
        ("ErrorCode", spellings(&all_error_codes())),
        ("Platform", spellings(Platform::ALL)),
        ("Surface", spellings(Surface::ALL)),
        ("Feature", spellings(Feature::ALL)),
        ("MediaKind", spellings(MediaKind::ALL)),
        ("GenerationStatus", spellings(GenerationStatus::ALL)),
        ("ClaimReason", spellings(ClaimReason::ALL)),
        ("GrantKind", spellings(GrantKind::ALL)),
        (
            "ClaimOutcome",
            spellings(&[
                ClaimOutcome::Refunded,
                ClaimOutcome::NotRefunded,
                ClaimOutcome::InReview,
            ]),
        ),
        (
            "SyncState",
            spellings(&[
                SyncState::Queued,
                SyncState::Sent,
                SyncState::Acknowledged,
                SyncState::Quarantined,
            ]),
        ),
        (
            "EntryKind",
            spellings(&[
                EntryKind::Grant,
                EntryKind::Hold,
                EntryKind::Capture,
                EntryKind::Void,
                EntryKind::HoldExpired,
                EntryKind::Refund,
                EntryKind::Expire,
            ]),
        ),
    ];
    for (name, rust) in cases {
        assert_eq!(
            enum_values(name),
            rust,
            "{DOC_PATH}: enum {name} differs from the Rust type's serde spellings"
        );
    }
    // Enumerations without an ALL list: every documented value must deserialize into the Rust
    // type (the server cannot send what the type cannot hold), and the document's list of
    // reason codes is part of the verdict codes.
    for v in enum_values("ReasonCode") {
        let parsed: Result<recoup_core::ReasonCode, _> =
            serde_json::from_value(Value::from(v.clone()));
        assert!(
            parsed.is_ok(),
            "ReasonCode {v} is not a recoup_core::ReasonCode"
        );
    }
    let verdict = enum_values("VerdictCode");
    assert!(
        enum_values("ReasonCode").is_subset(&verdict),
        "every policy reason code is a possible verdict code"
    );
    for extra in [
        "not_clearly_unusable",
        "not_found",
        "not_refundable",
        "already_claimed",
    ] {
        assert!(verdict.contains(extra), "VerdictCode lists {extra}");
    }
}

#[test]
fn the_documented_shapes_match_what_serde_writes() {
    use recoup_api::{ApiError, ErrorCode, GeneratorSettings};
    use recoup_core::Policy;
    assert_valid(
        "ApiError",
        &serde_json::to_value(ApiError::new(ErrorCode::InvalidInput, "x")).unwrap(),
    );
    assert_valid(
        "GeneratorSettings",
        &serde_json::to_value(GeneratorSettings {
            failure_rate: 0.5,
            bad_rate: 0.0,
        })
        .unwrap(),
    );
    // The built-in policy document is a valid PolicyDocument, and so is the shipped default.
    let builtin: Value = serde_json::from_str(&Policy::builtin().to_json()).unwrap();
    assert_valid("PolicyDocument", &builtin);
    let shipped: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/policy.default.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_valid("PolicyDocument", &shipped);
    // The checker itself refuses what it should.
    let mut errors = Vec::new();
    validate(
        schema("ApiError"),
        &serde_json::json!({"code": "teleport", "message": "x", "extra": 1}),
        "$",
        &mut errors,
    );
    assert_eq!(
        errors.len(),
        2,
        "an unknown enum value and an undocumented field are both caught: {errors:?}"
    );
    let mut errors = Vec::new();
    validate(
        schema("Change"),
        &serde_json::json!({"kind": "grant", "row": {"grant_id": "nope"}}),
        "$",
        &mut errors,
    );
    assert!(!errors.is_empty(), "a malformed change is caught");
}
