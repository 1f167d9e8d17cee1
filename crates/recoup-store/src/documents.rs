//! The active policy and price list. Activation appends a row; the newest row of a kind is in
//! force. Until one is activated, the built-in documents are.

use jiff::Timestamp;
use rusqlite::OptionalExtension;

use recoup_core::{DocumentError, Policy, PriceList};

use crate::Store;
use crate::codec::ms;
use crate::error::{Result, StoreError};

impl Store {
    /// The policy in force: the last one activated, or the built-in one.
    pub fn policy(&self) -> Result<Policy> {
        match self.document("policy")? {
            Some(body) => Policy::from_json(body.as_bytes()).map_err(stored_invalid),
            None => Ok(Policy::builtin()),
        }
    }

    /// The price list in force: the last one activated, or the built-in one.
    pub fn prices(&self) -> Result<PriceList> {
        match self.document("prices")? {
            Some(body) => PriceList::from_json(body.as_bytes()).map_err(stored_invalid),
            None => Ok(PriceList::builtin()),
        }
    }

    /// Validates `bytes` as a policy and makes it the one in force. A document that does not
    /// validate is refused and the policy in force stays.
    pub fn activate_policy_json(&mut self, bytes: &[u8], now: Timestamp) -> Result<Policy> {
        let policy = Policy::from_json(bytes)?;
        let body = policy.to_json();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO documents (kind, version, body, activated_at) VALUES ('policy', ?1, ?2, ?3)",
                rusqlite::params![policy.version(), body, ms(now)],
            )?;
            Ok(())
        })?;
        Ok(policy)
    }

    /// Validates `bytes` as a price list and makes it the one in force.
    pub fn activate_prices_json(&mut self, bytes: &[u8], now: Timestamp) -> Result<PriceList> {
        let prices = PriceList::from_json(bytes)?;
        let body = prices.to_json();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO documents (kind, version, body, activated_at) VALUES ('prices', ?1, ?2, ?3)",
                rusqlite::params![prices.version(), body, ms(now)],
            )?;
            Ok(())
        })?;
        Ok(prices)
    }

    fn document(&self, kind: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT body FROM documents WHERE kind = ?1 ORDER BY seq DESC LIMIT 1",
                [kind],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// A stored document was valid when activated; failing now means the file was edited by hand.
fn stored_invalid(e: DocumentError) -> StoreError {
    StoreError::decode(format!("the stored document no longer validates: {e}"))
}
