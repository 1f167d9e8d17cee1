//! Typed calls to the endpoint's admin routes for accounts, their tokens and the audit log
//! (with the admin credential as the client's token).

use recoup_api::{
    AccountPage, AdminAccount, AuditPage, IssuedToken, NewAccount, NewAccountAnswer, NewToken,
    TokenInfo,
};
use uuid::Uuid;

use crate::client::{Client, ClientResult, body};
use crate::transport::{Method, Transport};

impl<T: Transport> Client<T> {
    /// `POST /v1/admin/accounts` (admin): a new account and its first token (shown once).
    pub fn admin_create_account(&self, req: &NewAccount) -> ClientResult<NewAccountAnswer> {
        self.json(self.call(Method::Post, "/v1/admin/accounts", Some(body(req)?), &[])?)
    }

    /// `GET /v1/admin/accounts` (admin): a page of accounts after `after`, oldest first.
    pub fn admin_accounts(&self, after: Option<Uuid>, limit: u32) -> ClientResult<AccountPage> {
        let path = match after {
            Some(a) => format!("/v1/admin/accounts?after={a}&limit={limit}"),
            None => format!("/v1/admin/accounts?limit={limit}"),
        };
        self.json(self.call(Method::Get, &path, None, &[])?)
    }

    /// `GET /v1/admin/accounts/{account}` (admin).
    pub fn admin_account(&self, account: Uuid) -> ClientResult<AdminAccount> {
        let path = format!("/v1/admin/accounts/{account}");
        self.json(self.call(Method::Get, &path, None, &[])?)
    }

    /// `POST /v1/admin/accounts/{account}/disable` (admin).
    pub fn admin_disable_account(&self, account: Uuid) -> ClientResult<AdminAccount> {
        let path = format!("/v1/admin/accounts/{account}/disable");
        self.json(self.call(Method::Post, &path, None, &[])?)
    }

    /// `POST /v1/admin/accounts/{account}/tokens` (admin): a new token, shown once.
    pub fn admin_issue_token(&self, account: Uuid, req: &NewToken) -> ClientResult<IssuedToken> {
        let path = format!("/v1/admin/accounts/{account}/tokens");
        self.json(self.call(Method::Post, &path, Some(body(req)?), &[])?)
    }

    /// `GET /v1/admin/accounts/{account}/tokens` (admin): prefixes, never secrets.
    pub fn admin_tokens(&self, account: Uuid) -> ClientResult<Vec<TokenInfo>> {
        let path = format!("/v1/admin/accounts/{account}/tokens");
        self.json(self.call(Method::Get, &path, None, &[])?)
    }

    /// `DELETE /v1/admin/accounts/{account}/tokens/{token}` (admin).
    pub fn admin_revoke_token(&self, account: Uuid, token: Uuid) -> ClientResult<TokenInfo> {
        let path = format!("/v1/admin/accounts/{account}/tokens/{token}");
        self.json(self.call(Method::Delete, &path, None, &[])?)
    }

    /// `GET /v1/admin/audit` (admin): the newest `limit` records older than `before`.
    pub fn admin_audit(&self, before: Option<u64>, limit: u32) -> ClientResult<AuditPage> {
        let path = match before {
            Some(b) => format!("/v1/admin/audit?before={b}&limit={limit}"),
            None => format!("/v1/admin/audit?limit={limit}"),
        };
        self.json(self.call(Method::Get, &path, None, &[])?)
    }
}
