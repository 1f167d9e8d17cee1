//! The active policy and price list. Activation appends a row; the newest row of a kind is in
//! force. Until one is activated, the built-in documents are.

use recoup_core::Timestamp;
use rusqlite::OptionalExtension;

use recoup_core::{DocumentError, Policy, PriceList};

use crate::Store;
use crate::codec::ms;
use crate::error::{Result, StoreError};

impl Store {
    /// The policy in force: the last one activated, or the built-in one.
    pub fn policy(&self) -> Result<Policy> {
        let Some((seq, body)) = self.document("policy")? else {
            return Ok(Policy::builtin());
        };
        // Parsed once per activation: every claim reads the policy, and parsing is the costly part.
        if let Some((cached, p)) = self.policy_cache.borrow().as_ref()
            && *cached == seq
        {
            return Ok(p.clone());
        }
        let policy = Policy::from_json(body.as_bytes()).map_err(stored_invalid)?;
        *self.policy_cache.borrow_mut() = Some((seq, policy.clone()));
        Ok(policy)
    }

    /// The price list in force: the last one activated, or the built-in one.
    pub fn prices(&self) -> Result<PriceList> {
        let Some((seq, body)) = self.document("prices")? else {
            return Ok(PriceList::builtin());
        };
        if let Some((cached, p)) = self.prices_cache.borrow().as_ref()
            && *cached == seq
        {
            return Ok(p.clone());
        }
        let prices = PriceList::from_json(body.as_bytes()).map_err(stored_invalid)?;
        *self.prices_cache.borrow_mut() = Some((seq, prices.clone()));
        Ok(prices)
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

    fn document(&self, kind: &str) -> Result<Option<(i64, String)>> {
        self.conn
            .prepare_cached(
                "SELECT seq, body FROM documents WHERE kind = ?1 ORDER BY seq DESC LIMIT 1",
            )
            .and_then(|mut stmt| stmt.query_row([kind], |r| Ok((r.get(0)?, r.get(1)?))))
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// A stored document was valid when activated; failing now means the file was edited by hand.
fn stored_invalid(e: DocumentError) -> StoreError {
    StoreError::decode(format!("the stored document no longer validates: {e}"))
}
