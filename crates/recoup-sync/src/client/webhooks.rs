//! The admin calls that manage webhook receivers (register, list, remove, send a test event,
//! list the deliveries given up on) and an account's `balance.low` threshold, with the admin
//! token.

use recoup_api::{
    BalanceThreshold, BalanceThresholdSet, WebhookCreate, WebhookCreated, WebhookFailure,
    WebhookTestResult, WebhookView,
};
use uuid::Uuid;

use super::{Client, ClientResult, body};
use crate::transport::{Method, Transport};

impl<T: Transport> Client<T> {
    /// `POST /v1/admin/webhooks` (admin): register a receiver of `events` at `url`; its signing
    /// secret is in the answer, once.
    pub fn admin_create_webhook(
        &self,
        url: &str,
        events: &[String],
    ) -> ClientResult<WebhookCreated> {
        let req = WebhookCreate {
            url: url.to_owned(),
            events: events.to_vec(),
        };
        self.json(self.call(Method::Post, "/v1/admin/webhooks", Some(body(&req)?), &[])?)
    }

    /// `GET /v1/admin/webhooks` (admin): the receivers, removed ones included, without their
    /// secrets.
    pub fn admin_webhooks(&self) -> ClientResult<Vec<WebhookView>> {
        self.json(self.call(Method::Get, "/v1/admin/webhooks", None, &[])?)
    }

    /// `DELETE /v1/admin/webhooks/{id}` (admin): remove a receiver; it gets no more events.
    pub fn admin_remove_webhook(&self, webhook: Uuid) -> ClientResult<WebhookView> {
        let path = format!("/v1/admin/webhooks/{webhook}");
        self.json(self.call(Method::Delete, &path, None, &[])?)
    }

    /// `POST /v1/admin/webhooks/{id}/test` (admin): send one signed `webhook.test` event now;
    /// answers what the receiver did with it (a refusal by the receiver is an answer, not an
    /// error).
    pub fn admin_test_webhook(&self, webhook: Uuid) -> ClientResult<WebhookTestResult> {
        let path = format!("/v1/admin/webhooks/{webhook}/test");
        self.json(self.call(Method::Post, &path, None, &[])?)
    }

    /// `GET /v1/admin/webhooks/{id}/failures` (admin): the deliveries to a receiver given up on
    /// after the retry period, each with the event as it would have been delivered.
    pub fn admin_webhook_failures(&self, webhook: Uuid) -> ClientResult<Vec<WebhookFailure>> {
        let path = format!("/v1/admin/webhooks/{webhook}/failures");
        self.json(self.call(Method::Get, &path, None, &[])?)
    }

    /// `PUT /v1/admin/accounts/{account}/balance-low` (admin): the balance below which the
    /// account's webhooks get `balance.low`; `None` for the endpoint's default. Answers the
    /// account's own threshold now in force.
    pub fn admin_set_balance_threshold(
        &self,
        account: Uuid,
        threshold: Option<u64>,
    ) -> ClientResult<Option<u64>> {
        let path = format!("/v1/admin/accounts/{account}/balance-low");
        let r = self.call(
            Method::Put,
            &path,
            Some(body(&BalanceThreshold { threshold })?),
            &[],
        )?;
        self.json::<BalanceThresholdSet>(r).map(|a| a.threshold)
    }
}
