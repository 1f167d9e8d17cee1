//! The registry's part of the readiness check (`GET /v1/ready`).

use super::registry::Registry;
use crate::error::AppError;

impl Registry {
    /// Answers a trivial query: the database file is open and readable.
    pub(crate) fn answers(&self) -> Result<(), AppError> {
        let one: i64 = self.conn.query_row("SELECT 1", [], |r| r.get(0))?;
        if one != 1 {
            return Err(AppError::internal("the registry answered SELECT 1 wrongly"));
        }
        Ok(())
    }
}
