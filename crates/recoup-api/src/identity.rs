//! The admin API for accounts, their tokens and the audit log: what an operator sends and what
//! the endpoint answers (`/v1/admin/accounts…`, `/v1/admin/audit`).

use recoup_core::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest `subject` (the product's sign-in subject, a JWT's `sub`), in characters (Unicode
/// scalar values, what JSON Schema's `maxLength` counts).
pub const SUBJECT_CHARS_MAX: usize = 255;

/// Longest token label, in characters (what JSON Schema's `maxLength` counts).
pub const TOKEN_LABEL_CHARS_MAX: usize = 100;

/// Most days a token can be issued for (ten years).
pub const TOKEN_EXPIRY_DAYS_MAX: u32 = 3_650;

/// Most items one page of an admin listing holds.
pub const ADMIN_PAGE_MAX: u32 = 200;

/// `POST /v1/admin/accounts`: a new account, with an optional starting allowance and sign-in
/// subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// Credits granted at creation (an allowance that does not expire); none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowance: Option<u64>,
    /// The product's sign-in subject (a JWT's `sub`) this account answers to; unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// An account made by an admin, with its first token (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccountAnswer {
    /// The account.
    pub account_id: Uuid,
    /// Its first bearer token. Shown once; the endpoint keeps only a hash.
    pub token: String,
}

/// An account as an admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAccount {
    /// The account.
    pub account_id: Uuid,
    /// Its sign-in subject, when it has one.
    pub subject: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was disabled (its tokens and sign-ins are refused from then on).
    pub disabled_at: Option<Timestamp>,
    /// Its tokens that are neither revoked nor expired.
    pub active_tokens: u32,
}

/// A page of accounts, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPage {
    /// The accounts.
    pub accounts: Vec<AdminAccount>,
    /// Pass as `after` for the next page; absent on the last one.
    pub next: Option<Uuid>,
}

/// `POST /v1/admin/accounts/{account}/tokens`: a new token for an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What it is for (shown in listings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// It stops working this many days from now (1 to [`TOKEN_EXPIRY_DAYS_MAX`]); never when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
}

/// A token as listed: never the secret, only its first characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// The token's id (to revoke it).
    pub token_id: Uuid,
    /// Its first characters, to recognise it.
    pub prefix: String,
    /// What it is for.
    pub label: String,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}

/// A token just issued: the secret, shown this once, and what a listing shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    /// The bearer token. Shown once; the endpoint keeps only a hash.
    pub token: String,
    /// What listings show of it.
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// One record of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its position (increasing).
    pub seq: u64,
    /// When it happened (the endpoint's time).
    pub at: Timestamp,
    /// Who acted: an admin credential's name, `provider:<id>`, or `jwt`.
    pub actor: String,
    /// What was done (`account.create`, `token.revoke`, `grant`, …).
    pub action: String,
    /// What it was done to (an account id, `account/token`, a policy version…).
    pub target: String,
    /// The particulars, never a secret.
    pub detail: serde_json::Value,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    /// The records.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last one.
    pub next: Option<u64>,
}
