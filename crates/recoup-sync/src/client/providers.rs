//! The provider API's calls (with a provider key as the token) and the admin calls that manage
//! provider keys (with the admin token).

use recoup_api::{
    ProviderCreate, ProviderCreated, ProviderFailure, ProviderGeneration, ProviderGenerationView,
    ProviderView,
};
use recoup_core::GenerationId;
use uuid::Uuid;

use super::{Client, ClientResult, api_error, body};
use crate::transport::{Method, Request, Transport};

impl<T: Transport> Client<T> {
    /// `POST /v1/admin/providers` (admin): register a provider; its key is in the answer, once.
    pub fn admin_create_provider(&self, name: &str) -> ClientResult<ProviderCreated> {
        let req = ProviderCreate {
            name: name.to_owned(),
        };
        self.json(self.call(Method::Post, "/v1/admin/providers", Some(body(&req)?), &[])?)
    }

    /// `GET /v1/admin/providers` (admin): the providers, oldest first, without their keys.
    pub fn admin_providers(&self) -> ClientResult<Vec<ProviderView>> {
        self.json(self.call(Method::Get, "/v1/admin/providers", None, &[])?)
    }

    /// `DELETE /v1/admin/providers/{id}` (admin): revoke a provider's key.
    pub fn admin_revoke_provider(&self, provider: Uuid) -> ClientResult<ProviderView> {
        let path = format!("/v1/admin/providers/{provider}");
        self.json(self.call(Method::Delete, &path, None, &[])?)
    }

    /// `POST /v1/provider/generations` (provider key): a generation started; its price is held.
    pub fn provider_start(&self, req: &ProviderGeneration) -> ClientResult<ProviderGenerationView> {
        self.json(self.call(
            Method::Post,
            "/v1/provider/generations",
            Some(body(req)?),
            &[],
        )?)
    }

    /// `PUT /v1/provider/generations/{id}/output` (provider key): the output's bytes, of
    /// `media_type`; the hold is captured.
    pub fn provider_output(
        &self,
        id: GenerationId,
        media_type: &str,
        bytes: Vec<u8>,
    ) -> ClientResult<ProviderGenerationView> {
        let mut headers = vec![
            ("accept".to_owned(), "application/json".to_owned()),
            ("content-type".to_owned(), media_type.to_owned()),
        ];
        if let Some(token) = &self.token {
            headers.push(("authorization".to_owned(), format!("Bearer {token}")));
        }
        let request = Request {
            method: Method::Put,
            path: format!("/v1/provider/generations/{id}/output"),
            headers,
            body: bytes,
        };
        let r = self.transport.send(&request)?;
        if (200..300).contains(&r.status) {
            self.json(r)
        } else {
            Err(api_error(&r))
        }
    }

    /// `POST /v1/provider/generations/{id}/failure` (provider key): a technical failure; the
    /// hold is voided.
    pub fn provider_failure(
        &self,
        id: GenerationId,
        reason: &str,
    ) -> ClientResult<ProviderGenerationView> {
        let path = format!("/v1/provider/generations/{id}/failure");
        let req = ProviderFailure {
            reason: reason.to_owned(),
        };
        self.json(self.call(Method::Post, &path, Some(body(&req)?), &[])?)
    }
}
