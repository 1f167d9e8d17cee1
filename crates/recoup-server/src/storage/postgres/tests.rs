//! The PostgreSQL engine's registry half against a real server: one private PostgreSQL for the
//! whole test binary (`recoup_store_pg::harness`), a fresh database per test. Where the SQLite
//! engine has a test of the same behaviour, these assert the same.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use recoup_api::ErrorCode;
use recoup_core::{FixedClock, GenerationId, Policy};
use recoup_core::{TimeDelta, Timestamp};
use recoup_store::EventCursor;
use recoup_store_pg::harness::PgServer;
use uuid::Uuid;

use super::PgStorage;
use crate::error::AppError;
use crate::storage::Storage;
use crate::storage::identity::Refusal;
use crate::storage::{
    Account, EventSettings, FailureRow, Identity, NewTokenRow, Providers, TokenHash, WebhookRow,
    Webhooks,
};

/// One server for the whole test binary; the harness's guardian stops it when the binary ends
/// (a `static` is never dropped).
static SERVER: OnceLock<PgServer> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

fn t0() -> Timestamp {
    "2031-01-01T00:00:00Z".parse().expect("a timestamp")
}

fn later(secs: i64) -> Timestamp {
    t0().checked_add(TimeDelta::seconds(secs))
        .expect("a time after t0")
}

/// A new empty database for one test, and its URL.
fn fresh_database(test: &str) -> String {
    let server = SERVER.get_or_init(|| {
        PgServer::start_new()
            .unwrap_or_else(|e| panic!("the tests' own PostgreSQL must start: {e}"))
    });
    let n = NEXT_DB.fetch_add(1, Ordering::Relaxed);
    let name: String = format!("srv{n}_{test}").chars().take(60).collect();
    server
        .create_database(&name)
        .unwrap_or_else(|e| panic!("database {name} must be created: {e}"))
}

async fn open(url: &str, events: EventSettings) -> PgStorage {
    PgStorage::open(
        &crate::state::Database::at(url, 4),
        Arc::new(FixedClock(t0())),
        events,
    )
    .await
    .unwrap_or_else(|e| panic!("the engine must open on {url}: {e:?}"))
}

/// An engine on a fresh database, the endpoint's clock at [`t0`].
async fn engine(test: &str) -> PgStorage {
    open(&fresh_database(test), EventSettings::default()).await
}

fn token(secret: &str, expires_at: Option<Timestamp>) -> NewTokenRow {
    NewTokenRow {
        token_id: Uuid::now_v7(),
        hash: TokenHash::of(secret),
        prefix: secret.chars().take(6).collect(),
        label: format!("label of {secret}"),
        expires_at,
    }
}

/// The code an operation was refused with (`None`: it was not refused).
fn code<T>(r: Result<T, AppError>) -> Option<ErrorCode> {
    r.err().map(|e| e.0.code)
}

/// One number a query answers.
async fn count(s: &PgStorage, sql: &str) -> i64 {
    s.client()
        .await
        .expect("a connection")
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql} must run: {e}"))
        .get(0)
}

/// The actions of the audit log, oldest first.
async fn audit_actions(s: &PgStorage) -> Vec<String> {
    let mut page = s.audit_page(None, 100).await.expect("the audit log reads");
    page.reverse();
    page.into_iter().map(|e| e.action).collect()
}

/// Appends events of the given types to an account's ledger, as its triggers would (under
/// the account's lock, which numbers them).
async fn add_events(s: &PgStorage, account: Uuid, types: &[&str]) {
    let mut client = s.client().await.expect("a connection");
    let tx = client.transaction().await.expect("a transaction");
    recoup_store_pg::lock_account(&tx, account)
        .await
        .expect("the account locks");
    for t in types {
        tx.execute(
            "INSERT INTO events (account_id, type, at, data) VALUES ($1, $2, $3, '{}'::jsonb)",
            &[&account, t, &t0().as_millis()],
        )
        .await
        .expect("an event inserts");
    }
    tx.commit().await.expect("the events commit");
}

#[tokio::test]
async fn an_account_made_with_a_token_authenticates_with_its_clock() {
    let s = engine("authenticates").await;
    let (account, hash) = (Uuid::now_v7(), TokenHash::of("rk_test"));
    s.create_account(account, hash, t0())
        .await
        .expect("the account is created");
    assert_eq!(
        s.authenticate(hash).await.expect("authenticates"),
        Some(Account {
            id: account,
            offset_ms: 0
        }),
        "a new account's token signs it in, with the endpoint's clock"
    );
    assert_eq!(
        s.advance_clock(account, 5_000).await.expect("moves"),
        Some(5_000),
        "advancing answers the new offset"
    );
    assert_eq!(
        s.advance_clock(account, 1_000).await.expect("moves"),
        Some(6_000),
        "a second advance adds to the first"
    );
    assert_eq!(
        s.authenticate(hash)
            .await
            .expect("authenticates")
            .map(|a| a.offset_ms),
        Some(6_000),
        "the token authenticates with the offset its clock moved to"
    );
    assert_eq!(
        s.clock_offset_ms(account).await.expect("reads"),
        Some(6_000),
        "the offset is stored"
    );
    assert_eq!(
        audit_actions(&s).await,
        vec!["account.create"],
        "the account's creation is audited"
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM token_hashes").await,
        1,
        "the token's hash is in the lookup table too"
    );
}

#[tokio::test]
async fn an_unknown_account_or_token_is_none_not_an_error() {
    let s = engine("unknown_none").await;
    let nobody = Uuid::now_v7();
    assert_eq!(
        (
            s.authenticate(TokenHash::of("rk_nobody")).await.ok(),
            s.clock_offset_ms(nobody).await.ok(),
            s.advance_clock(nobody, 1_000).await.ok(),
        ),
        (Some(None), Some(None), Some(None)),
        "the handlers answer 401 or 404 from a None; an error would be a 500"
    );
    assert_eq!(
        s.refusal(TokenHash::of("rk_nobody"), t0())
            .await
            .expect("reads"),
        Refusal::Unknown,
        "an unknown token is refused as unknown"
    );
}

#[tokio::test]
async fn a_revoked_or_expired_token_or_a_disabled_account_is_refused_with_its_reason() {
    let s = engine("refusals").await;
    let account = Uuid::now_v7();
    let first = token("rk_first", None);
    s.create_admin_account(
        account,
        None,
        first.clone(),
        "ops".into(),
        serde_json::json!({}),
        t0(),
    )
    .await
    .expect("the account is created");
    let expired = token("rk_expired", Some(t0()));
    let revoked = token("rk_revoked", None);
    for t in [&expired, &revoked] {
        s.issue_token(account, t.clone(), "ops".into(), t0())
            .await
            .expect("a token is issued");
    }
    s.revoke_token(account, revoked.token_id, "ops".into(), t0())
        .await
        .expect("the token is revoked");
    assert_eq!(
        (
            s.authenticate(expired.hash).await.expect("reads"),
            s.authenticate(revoked.hash).await.expect("reads"),
        ),
        (None, None),
        "an expired token (at the endpoint's clock) and a revoked one do not authenticate"
    );
    assert_eq!(
        (
            s.refusal(expired.hash, t0()).await.expect("reads"),
            s.refusal(revoked.hash, t0()).await.expect("reads"),
            s.refusal(first.hash, t0()).await.expect("reads"),
        ),
        (Refusal::Expired, Refusal::Revoked, Refusal::Unknown),
        "each is refused with its reason; a usable one is answered unknown, as by SQLite"
    );
    s.disable_account(account, "ops".into(), t0())
        .await
        .expect("disables");
    s.disable_account(account, "ops".into(), later(5))
        .await
        .expect("disabling again is not an error");
    assert_eq!(
        s.authenticate(first.hash).await.expect("reads"),
        None,
        "a disabled account's token does not authenticate"
    );
    assert_eq!(
        s.refusal(first.hash, t0()).await.expect("reads"),
        Refusal::Disabled,
        "and is refused as disabled"
    );
    let seen = s
        .admin_account(account, t0())
        .await
        .expect("reads")
        .expect("the account exists");
    assert_eq!(
        seen.disabled_at,
        Some(t0()),
        "the first disable's time is kept"
    );
    assert_eq!(
        seen.active_tokens, 1,
        "the active tokens exclude the expired and the revoked one"
    );
    assert_eq!(
        audit_actions(&s).await,
        vec![
            "account.create",
            "token.issue",
            "token.issue",
            "token.revoke",
            "account.disable"
        ],
        "every change is audited once; the second disable records nothing"
    );
    assert_eq!(
        code(s.disable_account(Uuid::now_v7(), "ops".into(), t0()).await),
        Some(ErrorCode::NotFound),
        "disabling an unknown account is not found"
    );
}

#[tokio::test]
async fn signing_in_twice_with_one_subject_answers_one_account() {
    let s = engine("sign_in").await;
    let (first, made) = s
        .sign_in("user-1".into(), None, t0())
        .await
        .expect("signs in");
    assert!(made, "the first sign-in makes the account");
    assert_eq!(
        first.offset_ms, 0,
        "a new account's clock is the endpoint's"
    );
    let (again, made_again) = s
        .sign_in("user-1".into(), None, later(1))
        .await
        .expect("signs in again");
    assert_eq!(
        (again.id, made_again),
        (first.id, false),
        "the same subject answers the same account, not a new one"
    );
    let other = s
        .create_admin_account(
            Uuid::now_v7(),
            Some("user-1".into()),
            token("rk_other", None),
            "ops".into(),
            serde_json::json!({}),
            t0(),
        )
        .await;
    assert_eq!(
        code(other),
        Some(ErrorCode::SubjectTaken),
        "two accounts cannot share a subject"
    );
    assert_eq!(
        (
            count(&s, "SELECT count(*) FROM accounts").await,
            count(&s, "SELECT count(*) FROM tokens").await,
            count(&s, "SELECT count(*) FROM token_hashes").await,
            count(&s, "SELECT count(*) FROM account_subjects").await,
        ),
        (1, 0, 0, 1),
        "the refused account wrote nothing: no account, token or lookup row"
    );
    assert_eq!(
        audit_actions(&s).await,
        vec!["account.create"],
        "only the sign-in's account is audited"
    );
    let detail = s.audit_page(None, 1).await.expect("reads")[0]
        .detail
        .clone();
    assert_eq!(
        (
            detail["subject"].as_str(),
            s.audit_page(None, 1).await.expect("reads")[0]
                .actor
                .as_str()
        ),
        (Some("user-1"), "jwt"),
        "the sign-in is audited as jwt with its subject"
    );
    s.disable_account(first.id, "ops".into(), t0())
        .await
        .expect("disables");
    assert_eq!(
        code(s.sign_in("user-1".into(), None, t0()).await),
        Some(ErrorCode::AccountDisabled),
        "a disabled account's subject is refused"
    );
}

#[tokio::test]
async fn a_sign_in_with_an_allowance_makes_the_account_and_its_grant_together_or_nothing() {
    let s = engine("sign_in_allowance").await;
    let refused = s.sign_in("user-2".into(), Some(0), t0()).await;
    assert!(
        refused.is_err(),
        "a starting grant of 0 credits is refused by the ledger"
    );
    assert_eq!(
        (
            count(&s, "SELECT count(*) FROM accounts").await,
            count(&s, "SELECT count(*) FROM account_subjects").await,
            count(&s, "SELECT count(*) FROM audit").await,
            count(&s, "SELECT count(*) FROM grants").await,
        ),
        (0, 0, 0, 0),
        "the account, its subject, its audit record and the grant are one transaction"
    );
    let (account, created) = s
        .sign_in("user-2".into(), Some(10), t0())
        .await
        .expect("a valid allowance signs in");
    assert!(created, "the first sign-in makes the account");
    let balance = Storage::balance(&s, account.id, t0())
        .await
        .expect("the balance reads");
    assert_eq!(
        balance.totals.available, 10,
        "the starting allowance is in the new account's ledger"
    );
    let (again, created) = s
        .sign_in("user-2".into(), Some(10), t0())
        .await
        .expect("signs in again");
    assert_eq!(
        (again.id, created),
        (account.id, false),
        "the second sign-in finds the account"
    );
    assert_eq!(
        Storage::balance(&s, account.id, t0())
            .await
            .expect("the balance reads")
            .totals
            .granted,
        10,
        "and grants nothing more"
    );
}

#[tokio::test]
async fn tokens_are_issued_listed_and_revoked_once_with_their_audit_records() {
    let s = engine("tokens").await;
    let account = Uuid::now_v7();
    let first = token("rk_one", None);
    s.create_admin_account(
        account,
        Some("sub".into()),
        first.clone(),
        "ops".into(),
        serde_json::json!({"why": "test"}),
        t0(),
    )
    .await
    .expect("the account is created");
    let second = token("rk_two", Some(later(3_600)));
    s.issue_token(account, second.clone(), "ops".into(), later(1))
        .await
        .expect("issues");
    let listed = s.tokens(account).await.expect("lists");
    assert_eq!(
        listed
            .iter()
            .map(|t| (
                t.token_id,
                t.prefix.as_str(),
                t.label.as_str(),
                t.expires_at
            ))
            .collect::<Vec<_>>(),
        vec![
            (first.token_id, "rk_one", "label of rk_one", None),
            (
                second.token_id,
                "rk_two",
                "label of rk_two",
                Some(later(3_600))
            ),
        ],
        "both tokens are listed, oldest first, without their secrets"
    );
    s.revoke_token(account, first.token_id, "ops".into(), later(2))
        .await
        .expect("revokes");
    s.revoke_token(account, first.token_id, "ops".into(), later(9))
        .await
        .expect("revoking again is not an error");
    let revoked_at = s.tokens(account).await.expect("lists")[0].revoked_at;
    assert_eq!(
        revoked_at,
        Some(later(2)),
        "a second revocation keeps the first time"
    );
    assert_eq!(
        code(
            s.revoke_token(account, Uuid::now_v7(), "ops".into(), t0())
                .await
        ),
        Some(ErrorCode::NotFound),
        "revoking a token the account does not have is not found"
    );
    assert_eq!(
        code(s.tokens(Uuid::now_v7()).await),
        Some(ErrorCode::NotFound),
        "listing an unknown account's tokens is not found"
    );
    assert_eq!(
        code(
            s.issue_token(Uuid::now_v7(), token("rk_x", None), "ops".into(), t0())
                .await
        ),
        Some(ErrorCode::NotFound),
        "issuing to an unknown account is not found"
    );
    s.disable_account(account, "ops".into(), t0())
        .await
        .expect("disables");
    assert_eq!(
        code(
            s.issue_token(account, token("rk_three", None), "ops".into(), t0())
                .await
        ),
        Some(ErrorCode::InvalidState),
        "a disabled account gets no new token"
    );
    assert_eq!(
        (
            count(&s, "SELECT count(*) FROM tokens").await,
            count(&s, "SELECT count(*) FROM token_hashes").await,
        ),
        (2, 2,),
        "the refused tokens wrote nothing, in either table"
    );
    let page = s.audit_page(None, 100).await.expect("reads");
    let issue = page
        .iter()
        .find(|e| e.action == "token.issue")
        .expect("the issue is audited");
    assert_eq!(
        (
            issue.target.clone(),
            issue.detail["prefix"].as_str(),
            issue.actor.as_str()
        ),
        (
            format!("{account}/{}", second.token_id),
            Some("rk_two"),
            "ops"
        ),
        "the issue's audit record names the token and who issued it"
    );
    assert_eq!(
        audit_actions(&s).await,
        vec![
            "account.create",
            "token.issue",
            "token.revoke",
            "account.disable"
        ],
        "one record per change, none for the refusals or the repeated revocation"
    );
}

#[tokio::test]
async fn accounts_are_listed_by_id_after_a_cursor() {
    let s = engine("accounts_page").await;
    let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    for (i, id) in ids.iter().enumerate() {
        s.create_account(*id, TokenHash::of(&format!("rk_{i}")), t0())
            .await
            .expect("created");
    }
    let all = s.admin_accounts(None, 10, t0()).await.expect("lists");
    assert_eq!(
        all.iter().map(|a| a.account_id).collect::<Vec<_>>(),
        ids,
        "every account, oldest first"
    );
    let after = s
        .admin_accounts(Some(ids[0]), 1, t0())
        .await
        .expect("lists");
    assert_eq!(
        after.iter().map(|a| a.account_id).collect::<Vec<_>>(),
        vec![ids[1]],
        "a page starts after its cursor and holds at most its limit"
    );
    assert_eq!(
        s.admin_account(Uuid::now_v7(), t0()).await.expect("reads"),
        None,
        "an unknown account is None"
    );
}

#[tokio::test]
async fn admin_credentials_are_added_revoked_and_name_their_actor() {
    let s = engine("admin_credentials").await;
    let boot = TokenHash::of("boot-secret");
    s.put_bootstrap(boot, t0()).await.expect("stores");
    assert_eq!(
        s.admin_actor(boot).await.expect("reads"),
        Some(crate::storage::BOOTSTRAP_CREDENTIAL.to_owned()),
        "the credential given at start is the bootstrap actor"
    );
    assert!(
        s.revoke_admin_credential("bootstrap", later(1))
            .await
            .expect("revokes"),
        "the bootstrap credential can be revoked"
    );
    s.put_bootstrap(boot, later(2)).await.expect("stores");
    assert_eq!(
        s.admin_actor(boot).await.expect("reads"),
        None,
        "a revoked bootstrap credential stays revoked while the same secret is given"
    );
    let new_boot = TokenHash::of("new-boot-secret");
    s.put_bootstrap(new_boot, later(3)).await.expect("stores");
    assert_eq!(
        s.admin_actor(new_boot).await.expect("reads"),
        Some("bootstrap".to_owned()),
        "a new secret replaces it"
    );
    let alice = TokenHash::of("alice-secret");
    s.add_admin_credential("alice", alice, t0())
        .await
        .expect("adds");
    assert_eq!(
        s.admin_actor(alice).await.expect("reads"),
        Some("alice".to_owned()),
        "a named credential names its actor"
    );
    assert_eq!(
        code(
            s.add_admin_credential("alice", TokenHash::of("other"), t0())
                .await
        ),
        Some(ErrorCode::InvalidInput),
        "a name taken is refused as the SQLite engine refuses it"
    );
    assert!(
        s.revoke_admin_credential("alice", later(4))
            .await
            .expect("revokes"),
        "alice is revoked"
    );
    assert!(
        !s.revoke_admin_credential("nobody", later(4))
            .await
            .expect("answers"),
        "revoking a name nobody has is false"
    );
    assert_eq!(
        s.admin_actor(alice).await.expect("reads"),
        None,
        "a revoked credential names no actor"
    );
    assert_eq!(
        code(s.add_admin_credential("alice", alice, later(5)).await),
        Some(ErrorCode::InvalidInput),
        "a revoked credential's name stays taken"
    );
    let listed = s.admin_credentials().await.expect("lists");
    assert_eq!(
        listed
            .iter()
            .map(|c| (c.name.as_str(), c.revoked_at))
            .collect::<Vec<_>>(),
        vec![("alice", Some(later(4))), ("bootstrap", None)],
        "credentials are listed by name with their revocation"
    );
    assert_eq!(
        audit_actions(&s).await,
        vec![
            "admin_credential.revoke",
            "admin_credential.add",
            "admin_credential.revoke"
        ],
        "adds and revocations are audited; the refused add wrote nothing"
    );
}

#[tokio::test]
async fn the_audit_log_refuses_to_change_or_lose_a_record_and_pages_newest_first() {
    let s = engine("audit").await;
    for i in 0..5 {
        s.audit(
            "ops".into(),
            "grant",
            format!("acct-{i}"),
            serde_json::json!({"credits": i}),
            t0(),
        )
        .await
        .expect("appends");
    }
    let client = s.client().await.expect("a connection");
    let update = client.execute("UPDATE audit SET actor = 'x'", &[]).await;
    let delete = client.execute("DELETE FROM audit", &[]).await;
    let truncate = client.execute("TRUNCATE audit", &[]).await;
    let codes: Vec<Option<String>> = [&update, &delete, &truncate]
        .iter()
        .map(|r| {
            r.as_ref()
                .err()
                .and_then(|e| e.as_db_error())
                .map(|d| d.code().code().to_owned())
        })
        .collect();
    assert_eq!(
        codes,
        vec![Some("RC001".to_owned()); 3],
        "update, delete and truncate are refused as append-only: {update:?} {delete:?} {truncate:?}"
    );
    let first = s.audit_page(None, 2).await.expect("reads");
    assert_eq!(
        first.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(),
        vec!["acct-4", "acct-3"],
        "the first page is the newest records"
    );
    let before = first.last().map(|e| e.seq);
    let next = s.audit_page(before, 10).await.expect("reads");
    assert_eq!(
        next.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(),
        vec!["acct-2", "acct-1", "acct-0"],
        "the next page is older than the last seen"
    );
    assert_eq!(
        next[0].detail,
        serde_json::json!({"credits": 2}),
        "the detail is kept as written"
    );
}

#[tokio::test]
async fn providers_are_created_looked_up_by_key_and_revoked_once() {
    let s = engine("providers").await;
    let (p1, p2) = (Uuid::now_v7(), Uuid::now_v7());
    let (k1, k2) = (TokenHash::of("pk_one"), TokenHash::of("pk_two"));
    s.create_provider(p1, "gen-a".into(), k1, t0())
        .await
        .expect("creates");
    s.create_provider(p2, "gen-b".into(), k2, later(1))
        .await
        .expect("creates");
    assert_eq!(
        (
            s.provider_by_key(k1).await.expect("reads"),
            s.provider_by_key(TokenHash::of("pk_none"))
                .await
                .expect("reads"),
        ),
        (Some(p1), None),
        "a key names its provider; an unknown key none"
    );
    let revoked = s
        .revoke_provider(p1, later(2))
        .await
        .expect("revokes")
        .expect("the provider exists");
    let again = s
        .revoke_provider(p1, later(9))
        .await
        .expect("revokes")
        .expect("the provider exists");
    assert_eq!(
        (revoked.revoked_at, again.revoked_at),
        (Some(later(2)), Some(later(2))),
        "a second revocation answers the provider with its first revocation time"
    );
    assert_eq!(
        s.provider_by_key(k1).await.expect("reads"),
        None,
        "a revoked key names no provider"
    );
    assert_eq!(
        s.revoke_provider(Uuid::now_v7(), t0())
            .await
            .expect("answers"),
        None,
        "revoking an unknown provider is None"
    );
    let listed = s.providers(10).await.expect("lists");
    assert_eq!(
        listed
            .iter()
            .map(|p| (p.provider_id, p.name.as_str()))
            .collect::<Vec<_>>(),
        vec![(p1, "gen-a"), (p2, "gen-b")],
        "providers are listed oldest first"
    );
    assert_eq!(
        s.providers(1).await.expect("lists").len(),
        1,
        "at most the limit"
    );
}

#[tokio::test]
async fn a_generation_is_indexed_once_and_the_first_record_wins() {
    let s = engine("index_generation").await;
    let (a1, a2) = (Uuid::now_v7(), Uuid::now_v7());
    for (a, secret) in [(a1, "rk_a1"), (a2, "rk_a2")] {
        s.create_account(a, TokenHash::of(secret), t0())
            .await
            .expect("created");
    }
    let (p1, p2) = (Uuid::now_v7(), Uuid::now_v7());
    s.create_provider(p1, "one".into(), TokenHash::of("pk1"), t0())
        .await
        .expect("creates");
    s.create_provider(p2, "two".into(), TokenHash::of("pk2"), t0())
        .await
        .expect("creates");
    let generation = GenerationId::new_v7();
    assert_eq!(
        s.generation_owner(generation).await.expect("reads"),
        None,
        "an unknown generation has no owner"
    );
    assert_eq!(
        s.index_generation(generation, a1, p1, t0())
            .await
            .expect("indexes"),
        (a1, p1),
        "the first record is answered"
    );
    assert_eq!(
        s.index_generation(generation, a2, p2, later(1))
            .await
            .expect("indexes"),
        (a1, p1),
        "a second record of the same generation answers the first"
    );
    assert_eq!(
        s.generation_owner(generation).await.expect("reads"),
        Some((a1, p1)),
        "the owner is the first record's"
    );
    assert_eq!(
        s.output_record(a1, generation).await.expect("reads"),
        None,
        "no output is recorded for it"
    );
}

fn webhook(url: &str, at: Timestamp) -> WebhookRow {
    WebhookRow {
        webhook_id: Uuid::now_v7(),
        url: url.to_owned(),
        events: vec!["claim.decided".to_owned(), "refund.posted".to_owned()],
        secret: "whsec_test".to_owned(),
        created_at: at,
        removed_at: None,
    }
}

#[tokio::test]
async fn a_webhook_removed_twice_keeps_its_first_removal_time() {
    let s = engine("webhooks").await;
    let (w1, w2) = (
        webhook("https://a.example/hook", t0()),
        webhook("https://b.example/hook", later(1)),
    );
    s.create_webhook(w1.clone()).await.expect("creates");
    s.create_webhook(w2.clone()).await.expect("creates");
    assert_eq!(
        s.webhooks().await.expect("lists"),
        vec![w1.clone(), w2.clone()],
        "receivers are listed oldest first, as stored (event types in order)"
    );
    let removed = s
        .remove_webhook(w1.webhook_id, later(2))
        .await
        .expect("removes")
        .expect("it exists");
    let again = s
        .remove_webhook(w1.webhook_id, later(5))
        .await
        .expect("removes")
        .expect("it exists");
    assert_eq!(
        (removed.removed_at, again.removed_at),
        (Some(later(2)), Some(later(2))),
        "removing twice answers the first removal time"
    );
    assert_eq!(
        s.remove_webhook(Uuid::now_v7(), t0())
            .await
            .expect("answers"),
        None,
        "removing an unknown receiver is None"
    );
    assert_eq!(
        s.webhooks().await.expect("lists").len(),
        2,
        "a removed receiver is still listed"
    );
}

#[tokio::test]
async fn a_failed_delivery_is_recorded_once_and_listed_newest_first() {
    let s = engine("webhook_failures").await;
    let account = Uuid::now_v7();
    s.create_account(account, TokenHash::of("rk_f"), t0())
        .await
        .expect("created");
    let w = webhook("https://a.example/hook", t0());
    s.create_webhook(w.clone()).await.expect("creates");
    let failure = |event: Uuid, at: Timestamp, error: &str| FailureRow {
        webhook_id: w.webhook_id,
        event_id: event,
        account_id: account,
        event_type: "refund.posted".to_owned(),
        body: r#"{"b":1,"a":2}"#.to_owned(),
        attempts: 7,
        last_error: error.to_owned(),
        failed_at: at,
    };
    let (e1, e2) = (Uuid::now_v7(), Uuid::now_v7());
    s.record_webhook_failure(failure(e1, later(1), "503"))
        .await
        .expect("records");
    s.record_webhook_failure(failure(e2, later(2), "timeout"))
        .await
        .expect("records");
    s.record_webhook_failure(failure(e1, later(3), "again"))
        .await
        .expect("a repeat is not an error");
    let listed = s.webhook_failures(w.webhook_id, 10).await.expect("lists");
    assert_eq!(
        listed,
        vec![
            failure(e2, later(2), "timeout"),
            failure(e1, later(1), "503")
        ],
        "newest first, the repeat kept once as first recorded, the body byte for byte"
    );
    assert_eq!(
        s.webhook_failures(w.webhook_id, 1)
            .await
            .expect("lists")
            .len(),
        1,
        "at most the limit"
    );
    assert!(
        s.webhook_failures(Uuid::now_v7(), 10)
            .await
            .expect("lists")
            .is_empty(),
        "another receiver has none"
    );
}

#[tokio::test]
async fn pending_events_page_after_the_cursor_and_the_cursor_never_goes_back() {
    let s = engine("pending_events").await;
    let account = Uuid::now_v7();
    s.create_account(account, TokenHash::of("rk_e"), t0())
        .await
        .expect("created");
    add_events(
        &s,
        account,
        &[
            "claim.decided",
            "balance.low",
            "refund.posted",
            "claim.decided",
        ],
    )
    .await;
    let consumer = Uuid::now_v7();
    let types = vec!["claim.decided".to_owned(), "refund.posted".to_owned()];
    let (cursor, events) = s
        .pending_events(account, consumer, types.clone(), 2)
        .await
        .expect("reads");
    assert_eq!(cursor, None, "a new consumer has no cursor");
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 3],
        "the first page: its types only, oldest first, at most the limit"
    );
    let at = EventCursor {
        after_seq: 3,
        attempts: 2,
        failing_since: Some(later(1)),
        next_attempt_at: Some(later(60)),
        last_error: Some("503".to_owned()),
    };
    s.set_event_cursor(account, consumer, at.clone())
        .await
        .expect("records");
    let (cursor, events) = s
        .pending_events(account, consumer, types.clone(), 10)
        .await
        .expect("reads");
    assert_eq!(
        cursor,
        Some(at.clone()),
        "the cursor reads back as recorded"
    );
    assert_eq!(
        events
            .iter()
            .map(|e| (e.seq, e.event_type.as_str()))
            .collect::<Vec<_>>(),
        vec![(4, "claim.decided")],
        "the next page starts after the cursor"
    );
    let back = s
        .set_event_cursor(
            account,
            consumer,
            EventCursor {
                after_seq: 2,
                ..EventCursor::default()
            },
        )
        .await;
    let negative = s
        .set_event_cursor(
            account,
            consumer,
            EventCursor {
                after_seq: -1,
                ..EventCursor::default()
            },
        )
        .await;
    assert!(
        back.is_err() && negative.is_err(),
        "a cursor going back or negative is refused: {back:?} {negative:?}"
    );
    assert_eq!(
        s.pending_events(account, consumer, types.clone(), 10)
            .await
            .expect("reads")
            .0,
        Some(at),
        "the refused cursors wrote nothing"
    );
    assert_eq!(
        code(
            s.set_event_cursor(Uuid::now_v7(), consumer, EventCursor::default())
                .await
        ),
        Some(ErrorCode::NotFound),
        "a cursor of an unknown account is not found"
    );
    let (cursor, events) = s
        .pending_events(Uuid::now_v7(), consumer, types, 10)
        .await
        .expect("reads");
    assert!(
        cursor.is_none() && events.is_empty(),
        "an unknown account has no events, as an empty ledger"
    );
}

#[tokio::test]
async fn accounts_behind_are_those_with_events_some_consumer_has_not_had() {
    let s = engine("accounts_behind").await;
    let (quiet, caught_up, behind) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for (a, secret) in [(quiet, "rk_q"), (caught_up, "rk_c"), (behind, "rk_b")] {
        s.create_account(a, TokenHash::of(secret), t0())
            .await
            .expect("created");
    }
    add_events(&s, caught_up, &["claim.decided", "refund.posted"]).await;
    add_events(&s, behind, &["claim.decided", "refund.posted"]).await;
    let (c1, c2) = (Uuid::now_v7(), Uuid::now_v7());
    let all_seen = EventCursor {
        after_seq: 2,
        ..EventCursor::default()
    };
    for c in [c1, c2] {
        s.set_event_cursor(caught_up, c, all_seen.clone())
            .await
            .expect("records");
    }
    s.set_event_cursor(behind, c1, all_seen.clone())
        .await
        .expect("records");
    s.set_event_cursor(
        behind,
        c2,
        EventCursor {
            after_seq: 1,
            ..EventCursor::default()
        },
    )
    .await
    .expect("records");
    assert_eq!(
        s.accounts_behind(vec![c1, c2]).await.expect("reads"),
        vec![behind],
        "only the account with an event one consumer has not had; none without events"
    );
    assert_eq!(
        s.accounts_behind(vec![c1]).await.expect("reads"),
        Vec::<Uuid>::new(),
        "for the consumer that had everything, none"
    );
    let new_consumer = Uuid::now_v7();
    let mut expected = vec![caught_up, behind];
    expected.sort();
    assert_eq!(
        s.accounts_behind(vec![new_consumer]).await.expect("reads"),
        expected,
        "a consumer with no cursor is behind on every account with events"
    );
    assert!(
        s.accounts_behind(Vec::new())
            .await
            .expect("reads")
            .is_empty(),
        "with no consumer nobody is behind"
    );
}

#[tokio::test]
async fn a_balance_threshold_is_set_and_cleared_in_the_accounts_meta() {
    let url = fresh_database("threshold");
    let s = open(
        &url,
        EventSettings {
            balance_low_default: Some(20),
            ..EventSettings::default()
        },
    )
    .await;
    let account = Uuid::now_v7();
    s.create_account(account, TokenHash::of("rk_t"), t0())
        .await
        .expect("created");
    let meta = |key: &'static str| {
        let s = s.clone();
        async move {
            s.client()
                .await
                .expect("a connection")
                .query_opt(
                    "SELECT value FROM meta WHERE account_id = $1 AND key = $2",
                    &[&account, &key],
                )
                .await
                .expect("reads")
                .map(|r| r.get::<_, String>(0))
        }
    };
    assert_eq!(
        (
            meta("events").await,
            meta("events.balance_low_default").await
        ),
        (Some("on".to_owned()), Some("20".to_owned())),
        "a new account's ledger has events on and the endpoint's default threshold"
    );
    assert!(
        s.set_balance_threshold(account, Some(50))
            .await
            .expect("sets"),
        "a known account's threshold is set"
    );
    assert_eq!(
        meta("events.balance_low").await,
        Some("50".to_owned()),
        "its own threshold is stored"
    );
    assert!(
        s.set_balance_threshold(account, None)
            .await
            .expect("clears"),
        "and cleared"
    );
    assert_eq!(
        meta("events.balance_low").await,
        None,
        "the default applies again"
    );
    assert!(
        !s.set_balance_threshold(Uuid::now_v7(), Some(1))
            .await
            .expect("answers"),
        "an unknown account is false"
    );
    let reopened = open(
        &url,
        EventSettings {
            balance_low_default: None,
            ..EventSettings::default()
        },
    )
    .await;
    drop(reopened);
    assert_eq!(
        meta("events.balance_low_default").await,
        None,
        "an endpoint opened without a default removes the old one from every account"
    );
}

#[tokio::test]
async fn a_policy_version_is_published_once() {
    let s = engine("policies").await;
    assert_eq!(
        s.latest_policy().await.expect("reads"),
        None,
        "nothing is published yet"
    );
    let builtin = Policy::builtin();
    let first = s.published_or(&builtin, t0()).await.expect("publishes");
    assert_eq!(
        first.version,
        builtin.version(),
        "the first policy is published when none was"
    );
    let seq = s
        .publish_policy("v-next", r#"{"version":"v-next"}"#, later(1))
        .await
        .expect("publishes");
    assert!(seq > first.seq, "publication numbers increase");
    assert_eq!(
        code(s.publish_policy("v-next", "{}", later(2)).await),
        Some(ErrorCode::PolicyVersionTaken),
        "a version published before is refused as taken"
    );
    let latest = s.latest_policy().await.expect("reads").expect("published");
    assert_eq!(
        (
            latest.seq,
            latest.version.as_str(),
            latest.document.as_str()
        ),
        (seq, "v-next", r#"{"version":"v-next"}"#),
        "the latest is the last accepted, its document byte for byte"
    );
    assert_eq!(
        s.published_or(&builtin, later(3)).await.expect("reads").seq,
        seq,
        "once something is published, published_or answers it and publishes nothing"
    );
}

#[tokio::test]
async fn claims_sent_to_review_are_queued_with_their_claim_and_leave_the_queue_when_decided() {
    use recoup_store::ClaimOutcome;

    let s = engine("reviews").await;
    s.ready().await.expect("the database answers");
    let (account, claims, files) = account_with_claims(&s, &["usable", "usable", "blank"]).await;
    let clock = crate::clock::AccountClock::new(Arc::new(FixedClock(t0())), 0);
    let answers = Storage::adjudicate(&s, account, claims.clone(), clock)
        .await
        .expect("the claims are adjudicated");
    let outcomes: Vec<_> = answers
        .iter()
        .map(|a| a.as_ref().ok().and_then(|c| c.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            Some(ClaimOutcome::InReview),
            Some(ClaimOutcome::InReview),
            Some(ClaimOutcome::Refunded)
        ],
        "a usable output goes to a person, a blank one is refunded at once"
    );
    let queued = Storage::review_queue(&s, 10).await.expect("reads");
    let mut queued_ids: Vec<_> = queued.iter().map(|q| q.claim.claim_id).collect();
    queued_ids.sort();
    let mut in_review = vec![claims[0].claim_id, claims[1].claim_id];
    in_review.sort();
    assert_eq!(
        queued_ids, in_review,
        "both claims in review are queued, with their records, in the claims' transaction"
    );
    let decided = Storage::review(&s, account, claims[0].claim_id, true, later(5))
        .await
        .expect("the review is stored")
        .expect("and the ledger takes it");
    assert_eq!(
        decided.outcome,
        Some(ClaimOutcome::Refunded),
        "an approved claim is refunded"
    );
    let left = Storage::review_queue(&s, 10).await.expect("reads");
    assert_eq!(
        left.iter().map(|q| q.claim.claim_id).collect::<Vec<_>>(),
        vec![claims[1].claim_id],
        "the decided claim left the queue in its decision's transaction"
    );
    let again = Storage::review(&s, account, claims[0].claim_id, false, later(6))
        .await
        .expect("the storage answers");
    assert!(
        again.is_err(),
        "a claim already decided is refused by the ledger"
    );
    for (name, bytes) in files {
        assert_eq!(
            Storage::output(&s, account, name.clone())
                .await
                .expect("reads"),
            Some(bytes),
            "the output {name} is served from the database"
        );
    }
    assert_eq!(
        Storage::output(&s, account, "../../etc/passwd".into())
            .await
            .expect("reads"),
        None,
        "a name that is not an output's is none, not an error"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable_not_internal() {
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/none");
    let opened = PgStorage::open(
        &crate::state::Database::at(&url, 1),
        Arc::new(FixedClock(t0())),
        EventSettings::default(),
    )
    .await;
    assert_eq!(
        code(opened),
        Some(ErrorCode::Unavailable),
        "a refused connection is a 503 to retry, not a 500"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ins_of_one_new_subject_make_one_account() {
    let s = engine("sign_in_race").await;
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.sign_in("racer".into(), None, t0()).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        let answer = t.await.expect("the sign-in task finishes");
        answers.push(answer.unwrap_or_else(|e| panic!("a concurrent sign-in must succeed: {e:?}")));
    }
    let ids: std::collections::HashSet<Uuid> = answers.iter().map(|(a, _)| a.id).collect();
    assert_eq!(
        ids.len(),
        1,
        "every sign-in of the subject answers the same account: {answers:?}"
    );
    assert_eq!(
        answers.iter().filter(|(_, made)| *made).count(),
        1,
        "exactly one of them made it"
    );
    assert_eq!(
        (
            count(&s, "SELECT count(*) FROM accounts").await,
            count(&s, "SELECT count(*) FROM audit").await,
        ),
        (1, 1),
        "the losers wrote nothing: one account, one audit record"
    );
}

#[tokio::test]
async fn an_output_record_reads_back_its_description_and_findings_as_a_value() {
    let s = engine("output_record").await;
    let account = Uuid::now_v7();
    s.create_account(account, TokenHash::of("rk_o"), t0())
        .await
        .expect("created");
    let generation = GenerationId::new_v7();
    let sha = "ab".repeat(32);
    let mut client = s.client().await.expect("a connection");
    let tx = client.transaction().await.expect("a transaction");
    recoup_store_pg::lock_account(&tx, account)
        .await
        .expect("the account locks");
    tx.execute(
        "INSERT INTO generations (account_id, generation_id, feature, platform, surface, media_kind,
             status, cost, charged, price_version, started_at, finished_at, hold_expires_at)
         VALUES ($1, $2, 'recolor', 'web', 'editor', 'image', 'succeeded', 4, 4, 'p1', 0, 1, 60000)",
        &[&account, &generation.0],
    )
    .await
    .expect("a generation inserts");
    tx.execute(
        "INSERT INTO outputs (account_id, generation_id, media_type, size_bytes, sha256, file_name,
             findings, stored_at)
         VALUES ($1, $2, 'image/png', 3, $3, 'g.png', '{\"blank\": false, \"width\": 64}'::jsonb, 1)",
        &[&account, &generation.0, &sha],
    )
    .await
    .expect("an output inserts");
    tx.commit().await.expect("commits");
    let record = s
        .output_record(account, generation)
        .await
        .expect("reads")
        .expect("the output is recorded");
    assert_eq!(
        (
            record.media_type.as_str(),
            record.size_bytes,
            record.sha256.as_str(),
            record.file_name.as_str()
        ),
        ("image/png", 3, sha.as_str(), "g.png"),
        "the output's description reads back as stored"
    );
    let findings: serde_json::Value =
        serde_json::from_str(&record.findings).expect("the findings are JSON");
    assert_eq!(
        findings,
        serde_json::json!({"blank": false, "width": 64}),
        "the findings read back as the same value"
    );
    assert_eq!(
        s.output_record(Uuid::now_v7(), generation)
            .await
            .expect("reads"),
        None,
        "another account's generation has no output: outputs are read by account and generation"
    );
}

#[tokio::test]
async fn an_account_whose_token_cannot_be_stored_is_not_made_at_all() {
    let s = engine("account_rollback").await;
    let taken = token("rk_taken", None);
    s.create_admin_account(
        Uuid::now_v7(),
        None,
        taken.clone(),
        "ops".into(),
        serde_json::json!({}),
        t0(),
    )
    .await
    .expect("the first account is created");
    let mut reused = token("rk_other", None);
    reused.hash = taken.hash;
    let refused = s
        .create_admin_account(
            Uuid::now_v7(),
            Some("sub-2".into()),
            reused,
            "ops".into(),
            serde_json::json!({}),
            t0(),
        )
        .await;
    assert!(
        refused.is_err(),
        "a token whose hash is another token's is refused"
    );
    assert_eq!(
        (
            count(&s, "SELECT count(*) FROM accounts").await,
            count(&s, "SELECT count(*) FROM account_subjects").await,
            count(&s, "SELECT count(*) FROM tokens").await,
            count(&s, "SELECT count(*) FROM meta").await,
            count(&s, "SELECT count(*) FROM audit").await,
        ),
        (1, 0, 1, 1, 1),
        "the refused account left no row: its account, subject, meta and audit record went with the token"
    );
}

#[tokio::test]
async fn a_database_url_that_cannot_work_is_refused_at_start_saying_why_without_its_password() {
    let open = |database: crate::state::Database| async move {
        PgStorage::open(
            &database,
            Arc::new(FixedClock(t0())),
            EventSettings::default(),
        )
        .await
    };
    let refused = open(crate::state::Database::at(
        "mysql://nobody@127.0.0.1/recoup",
        1,
    ))
    .await;
    assert_eq!(
        code(refused),
        Some(ErrorCode::InvalidInput),
        "a URL that is not PostgreSQL's is the operator's input to fix"
    );
    let missing_ca = open(crate::state::Database {
        url: "postgres://recoup:s3cret-pw@127.0.0.1:5432/recoup?sslmode=require".to_owned(),
        pool_size: 1,
        ca_file: Some("/nonexistent/rds-ca.pem".into()),
    })
    .await;
    let Err(e) = missing_ca else {
        panic!("a CA file that is not there cannot be trusted");
    };
    assert_eq!(e.0.code, ErrorCode::InvalidInput, "refused as input: {e:?}");
    assert!(
        e.0.message.contains("/nonexistent/rds-ca.pem"),
        "the message names the file: {}",
        e.0.message
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("postgres://recoup:s3cret-pw@127.0.0.1:{port}/recoup");
    let Err(e) = open(crate::state::Database::at(&url, 1)).await else {
        panic!("nobody listens there");
    };
    assert!(
        e.0.message.contains(&format!("127.0.0.1:{port}")) && !e.0.message.contains("s3cret-pw"),
        "the message names the server and never shows the password: {}",
        e.0.message
    );
}

#[tokio::test]
async fn one_dispatcher_at_a_time_holds_an_accounts_delivery_lease_until_it_expires_or_is_released()
{
    let s = engine("leases").await;
    let account = Uuid::now_v7();
    s.create_account(account, TokenHash::of("rk_lease"), t0())
        .await
        .expect("created");
    let (one, two) = (Uuid::now_v7(), Uuid::now_v7());
    assert!(
        s.lease_events(account, one, t0(), later(30))
            .await
            .expect("asks"),
        "a free account's lease is taken"
    );
    assert!(
        !s.lease_events(account, two, later(10), later(40))
            .await
            .expect("asks"),
        "another dispatcher is refused while it runs"
    );
    assert!(
        s.lease_events(account, one, later(20), later(50))
            .await
            .expect("asks"),
        "its holder renews it"
    );
    assert!(
        !s.lease_events(account, two, later(45), later(75))
            .await
            .expect("asks"),
        "the renewal moved its end"
    );
    assert!(
        s.lease_events(account, two, later(50), later(80))
            .await
            .expect("asks"),
        "once expired (a holder that died), another dispatcher takes it over"
    );
    s.release_events(account, one).await.expect("releases");
    assert!(
        !s.lease_events(account, one, later(51), later(81))
            .await
            .expect("asks"),
        "a former holder's release does not free another's lease"
    );
    s.release_events(account, two).await.expect("releases");
    assert!(
        s.lease_events(account, one, later(52), later(82))
            .await
            .expect("asks"),
        "released, it is free at once"
    );
}

/// An account with a captured generation per verdict of `verdicts` (its output's findings:
/// "blank" is refunded at once, "usable" goes to review), and a claim ready for each:
/// (account, claims, each output's file name and bytes).
async fn account_with_claims(
    s: &PgStorage,
    verdicts: &[&str],
) -> (Uuid, Vec<recoup_store::SubmitClaim>, Vec<(String, Vec<u8>)>) {
    use recoup_core::{ClaimReason, Feature, Platform, Surface};
    use recoup_store::{GrantRequest, StartGeneration, SubmitClaim};

    let account = Uuid::now_v7();
    s.create_account(account, TokenHash::of(&format!("rk_{account}")), t0())
        .await
        .expect("created");
    let grant = GrantRequest::new(
        recoup_core::OpId::new_v7(),
        recoup_core::GrantKind::Allowance,
        1_000,
    );
    Storage::grant(s, account, grant, t0())
        .await
        .expect("granted");
    let (mut claims, mut files) = (Vec::new(), Vec::new());
    for verdict in verdicts {
        let id = GenerationId::new_v7();
        Storage::start_generation(
            s,
            account,
            StartGeneration {
                generation_id: id,
                feature: Feature::ALL[0],
                platform: Platform::Web,
                surface: Surface::Editor,
            },
            t0(),
        )
        .await
        .expect("started");
        let bytes = format!("output of {id}").into_bytes();
        let output = crate::storage::NewOutput {
            sha256: crate::storage::hex_sha256(&bytes),
            bytes: bytes.clone(),
            media_type: "image/png",
            ext: "png",
            findings: serde_json::json!({"verdict": verdict, "detail": "measured"}).to_string(),
        };
        let file_name = output.file_name(id);
        s.capture_output(account, id, output, t0())
            .await
            .expect("the capture is stored")
            .expect("and the ledger takes it");
        claims.push(SubmitClaim {
            claim_id: recoup_core::ClaimId::new_v7(),
            generation_id: id,
            reason: ClaimReason::ALL[0],
            details: format!("{verdict} result"),
            reported_at: None,
        });
        files.push((file_name, bytes));
    }
    (account, claims, files)
}

/// The account's write transactions so far (`accounts.ledger_tx`).
async fn ledger_transactions(s: &PgStorage, account: Uuid) -> i64 {
    s.client()
        .await
        .expect("a connection")
        .query_one(
            "SELECT ledger_tx FROM accounts WHERE account_id = $1",
            &[&account],
        )
        .await
        .expect("the account reads")
        .get(0)
}

/// Waits until `ready` says so (the requests under test reached the state it looks for).
async fn until(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..500 {
        if ready() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{what} did not happen within 5 s");
}

/// Takes the account's row lock in a transaction of its own, as another instance's
/// transaction would hold it; the lock is released when the returned client commits.
async fn hold_account(s: &PgStorage, account: Uuid) -> deadpool_postgres::Object {
    let holder = s.client().await.expect("a connection");
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM accounts WHERE account_id = '{account}' FOR UPDATE"
        ))
        .await
        .expect("the account's row is locked");
    holder
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_waiting_for_their_account_commit_together_and_each_gets_its_own_answer() {
    use recoup_store::ClaimOutcome;

    let s = engine("groups").await;
    let verdicts: Vec<&str> = (0..12)
        .map(|i| if i % 2 == 0 { "blank" } else { "usable" })
        .collect();
    let (account, claims, _) = account_with_claims(&s, &verdicts).await;
    let blank: Vec<bool> = verdicts.iter().map(|v| *v == "blank").collect();
    let before = ledger_transactions(&s, account).await;
    let holder = hold_account(&s, account).await;
    let clock = crate::clock::AccountClock::new(Arc::new(FixedClock(t0())), 0);
    // The first request leads and waits for the row lock; the eleven after it wait for it.
    let send = |i: usize| {
        let (s, claim, clock) = (s.clone(), claims[i].clone(), clock.clone());
        tokio::spawn(async move { Storage::adjudicate(&s, account, vec![claim], clock).await })
    };
    let mut requests = vec![send(0)];
    until("the first request leads", || {
        s.claim_groups.waiting(account) == Some(0)
    })
    .await;
    requests.extend((1..12).map(send));
    until("eleven requests wait", || {
        s.claim_groups.waiting(account) == Some(11)
    })
    .await;
    holder
        .batch_execute("COMMIT")
        .await
        .expect("the lock is released");
    for (i, request) in requests.into_iter().enumerate() {
        let answers = request
            .await
            .expect("the request task ends")
            .expect("the request is answered");
        assert_eq!(
            answers.len(),
            1,
            "request {i} gets one answer for its one claim"
        );
        let record = answers[0]
            .as_ref()
            .unwrap_or_else(|e| panic!("request {i}'s claim is taken: {e}"));
        assert_eq!(
            record.claim_id, claims[i].claim_id,
            "request {i} is answered about its own claim"
        );
        let expected = if blank[i] {
            ClaimOutcome::Refunded
        } else {
            ClaimOutcome::InReview
        };
        assert_eq!(record.outcome, Some(expected), "request {i}'s verdict");
    }
    assert_eq!(
        ledger_transactions(&s, account).await - before,
        2,
        "the first request's transaction, then one for the eleven that waited"
    );
    assert_eq!(
        s.claim_groups.waiting(account),
        None,
        "with nothing waiting the account is idle again"
    );
    let balance = Storage::balance(&s, account, t0()).await.expect("reads");
    assert_eq!(
        balance.totals.refunded,
        6 * balance.totals.spent / 12,
        "the six blank outputs were refunded once each"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_waiting_behind_one_whose_client_went_away_are_still_answered() {
    let s = engine("groups_drop").await;
    let (account, claims, _) =
        account_with_claims(&s, &["blank", "usable", "blank", "usable"]).await;
    let holder = hold_account(&s, account).await;
    let clock = crate::clock::AccountClock::new(Arc::new(FixedClock(t0())), 0);
    let send = |i: usize| {
        let (s, claim, clock) = (s.clone(), claims[i].clone(), clock.clone());
        tokio::spawn(async move { Storage::adjudicate(&s, account, vec![claim], clock).await })
    };
    let leader = send(0);
    until("the first request leads", || {
        s.claim_groups.waiting(account) == Some(0)
    })
    .await;
    let waiting: Vec<_> = (1..4).map(send).collect();
    until("three requests wait", || {
        s.claim_groups.waiting(account) == Some(3)
    })
    .await;
    // The leader's client goes away (axum drops the request's future).
    leader.abort();
    let _ = leader.await;
    holder
        .batch_execute("COMMIT")
        .await
        .expect("the lock is released");
    for (i, request) in waiting.into_iter().enumerate() {
        let answers = tokio::time::timeout(std::time::Duration::from_secs(10), request)
            .await
            .unwrap_or_else(|_| panic!("request {} is answered, not left waiting", i + 1))
            .expect("the request task ends")
            .expect("the request is answered");
        assert_eq!(
            answers[0].as_ref().map(|c| c.claim_id).ok(),
            Some(claims[i + 1].claim_id),
            "request {} is answered about its own claim",
            i + 1
        );
    }
}
