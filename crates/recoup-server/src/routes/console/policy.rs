//! The console's policy page: the version in force and the history, a draft checked against
//! the version in force (what it changes, cell by cell), and publishing it.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use recoup_api::ErrorCode;
use recoup_api::console::{
    ConsolePolicy, PolicyChange, PolicyCheck, PolicyPublish, PolicyPublished, PolicyVersionDetail,
};
use recoup_core::{Policy, PolicyDocument};
use serde_json::Value;

use super::super::admin::publish;
use super::super::{AppResult, Shared, json, read_body};
use super::{operator, operator_acting};
use crate::error::AppError;
use crate::state::AppState;

/// A stored document, read back (it validated when it was published).
fn stored_document(text: &str) -> AppResult<PolicyDocument> {
    serde_json::from_str(text)
        .map_err(|e| AppError::internal(format!("a published policy no longer reads: {e}")))
}

pub(super) async fn policy(
    State(state): Shared,
    headers: HeaderMap,
) -> AppResult<Json<ConsolePolicy>> {
    operator(&state, &headers).await?;
    let published = state.published()?;
    let history = state.storage.policy_versions().await?;
    let in_force = history
        .iter()
        .find(|v| v.seq == published.signed.seq)
        .cloned();
    Ok(Json(ConsolePolicy {
        in_force,
        document: published.policy.to_document(),
        history,
    }))
}

pub(super) async fn version(
    State(state): Shared,
    headers: HeaderMap,
    Path(seq): Path<u64>,
) -> AppResult<Json<PolicyVersionDetail>> {
    operator(&state, &headers).await?;
    let (row, document) = state.storage.policy_version(seq).await?.ok_or_else(|| {
        AppError::api(
            ErrorCode::NotFound,
            format!("no published policy number {seq}: the history lists the ones there are"),
        )
    })?;
    Ok(Json(PolicyVersionDetail {
        row,
        document: stored_document(&document)?,
    }))
}

/// A draft read and validated as publishing would; its version label must be new. Answers the
/// policy and the publication number in force (0: none).
async fn checked_draft(state: &AppState, document: PolicyDocument) -> AppResult<(Policy, u64)> {
    let policy = Policy::from_document(document)
        .map_err(|e| AppError::api(ErrorCode::InvalidDocument, e.to_string()))?;
    let history = state.storage.policy_versions().await?;
    if let Some(taken) = history.iter().find(|v| v.version == policy.version()) {
        return Err(AppError::api(
            ErrorCode::PolicyVersionTaken,
            format!(
                "version {:?} was published already (number {}): give the draft a new version label",
                taken.version, taken.seq
            ),
        ));
    }
    Ok((policy, history.first().map_or(0, |v| v.seq)))
}

pub(super) async fn check(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<PolicyCheck>> {
    operator_acting(&state, &headers).await?;
    let draft: PolicyDocument = serde_json::from_slice(&read_body(body).await?)
        .map_err(|e| AppError::api(ErrorCode::InvalidDocument, format!("the draft: {e}")))?;
    let (policy, _) = checked_draft(&state, draft).await?;
    let published = state.published()?;
    let document = policy.to_document();
    Ok(Json(PolicyCheck {
        changes: changes(&published.policy.to_document(), &document),
        document,
        against_seq: published.signed.seq,
    }))
}

pub(super) async fn publish_draft(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<PolicyPublished>> {
    let session = operator_acting(&state, &headers).await?;
    let draft: PolicyPublish = json(&read_body(body).await?)?;
    let (policy, in_force) = checked_draft(&state, draft.document).await?;
    if draft.against_seq != in_force {
        return Err(AppError::api(
            ErrorCode::InvalidState,
            format!(
                "the policy in force changed since this draft was checked (number {} then, {in_force} now): review the changes again before publishing",
                draft.against_seq
            ),
        ));
    }
    let signed = publish(&state, session.actor, policy).await?;
    let (row, _) = state
        .storage
        .policy_version(signed.seq)
        .await?
        .ok_or_else(|| AppError::internal("a policy just published cannot be read back"))?;
    Ok(Json(PolicyPublished {
        row,
        signature: signed.signature,
    }))
}

/// What `after` changes against `before`, one value each, in path order: objects by key, a
/// list of names (the excluded surfaces) as one `true`/`false` per name.
pub(crate) fn changes(before: &PolicyDocument, after: &PolicyDocument) -> Vec<PolicyChange> {
    let mut b = std::collections::BTreeMap::new();
    let mut a = std::collections::BTreeMap::new();
    flatten(
        "",
        &serde_json::to_value(before).unwrap_or(Value::Null),
        &mut b,
    );
    flatten(
        "",
        &serde_json::to_value(after).unwrap_or(Value::Null),
        &mut a,
    );
    let paths: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    paths
        .into_iter()
        .filter(|p| b.get(*p) != a.get(*p))
        .map(|p| {
            // A name of a list (an excluded surface) is listed or not: absent is `false`.
            let listed = |m: &std::collections::BTreeMap<String, String>| match m.get(p) {
                None if p.starts_with("excluded_surfaces.") => Some("false".to_owned()),
                v => v.cloned(),
            };
            PolicyChange {
                path: p.clone(),
                before: listed(&b),
                after: listed(&a),
            }
        })
        .collect()
}

fn flatten(prefix: &str, v: &Value, out: &mut std::collections::BTreeMap<String, String>) {
    let path = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&path(k), v, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                let key = item
                    .as_str()
                    .map_or_else(|| item.to_string(), str::to_owned);
                out.insert(path(&key), "true".to_owned());
            }
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_names_each_cell_it_changes_and_nothing_else() {
        let before = Policy::builtin().to_document();
        let mut after = before.clone();
        after.version = "next".to_owned();
        let eraser = after
            .features
            .get_mut("ai_shadows")
            .expect("the built-in lists ai_shadows");
        let ios = *eraser.get("ios").expect("and its iOS cell");
        eraser.insert("ios".to_owned(), !ios);
        after.safeguards.refunds_max += 1;
        // One surface more or less excluded, whichever the built-in has.
        let toggled = recoup_core::Surface::ALL[0];
        if after.excluded_surfaces.contains(&toggled) {
            after.excluded_surfaces.retain(|s| *s != toggled);
        } else {
            after.excluded_surfaces.push(toggled);
        }
        let got = changes(&before, &after);
        let paths: Vec<&str> = got.iter().map(|c| c.path.as_str()).collect();
        let mut want = vec![
            "features.ai_shadows.ios".to_owned(),
            "safeguards.refunds_max".to_owned(),
            "version".to_owned(),
        ];
        want.push(format!("excluded_surfaces.{}", toggled.as_str()));
        want.sort();
        assert_eq!(
            paths, want,
            "every changed value and only those, in path order"
        );
        let cell = got
            .iter()
            .find(|c| c.path == "features.ai_shadows.ios")
            .expect("the cell");
        assert_eq!(
            cell.before.as_deref(),
            Some(ios.to_string().as_str()),
            "the value in force"
        );
        assert_eq!(
            cell.after.as_deref(),
            Some((!ios).to_string().as_str()),
            "the draft's"
        );
        let surface = got
            .iter()
            .find(|c| c.path.starts_with("excluded_surfaces."))
            .expect("the surface");
        let flags = [surface.before.as_deref(), surface.after.as_deref()];
        assert!(
            flags == [Some("true"), Some("false")] || flags == [Some("false"), Some("true")],
            "a surface is listed or not, never absent: {surface:?}"
        );
        assert!(
            changes(&before, &before).is_empty(),
            "a draft equal to the policy in force changes nothing"
        );
    }
}
