//! `recoup admin providers`: the generation service's keys (register one, list them, revoke
//! one). A key is printed once, when it is made.

use super::Admin;
use crate::args::ProvidersCommand;
use crate::error::{CliError, Result};
use crate::output::Output;

/// Longest provider name, in characters (the endpoint's bound, checked here before sending).
const NAME_LEN_MAX: usize = recoup_api::PROVIDER_NAME_LEN_MAX;

pub(super) fn run(admin: &Admin, command: ProvidersCommand) -> Result<Output> {
    match command {
        ProvidersCommand::Create { name } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > NAME_LEN_MAX {
                return Err(CliError::Input {
                    field: "name",
                    problem: format!("must be 1 to {NAME_LEN_MAX} characters"),
                });
            }
            let created = admin
                .client
                .admin_create_provider(name)
                .map_err(|e| admin.refused("providers create", e))?;
            let human = format!(
                "Provider {} registered.\nKey (shown once, keep it secret): {}",
                created.provider_id, created.key
            );
            Ok(Output::new(&created, human))
        }
        ProvidersCommand::List => {
            let list = admin
                .client
                .admin_providers()
                .map_err(|e| admin.refused("providers list", e))?;
            let human = if list.is_empty() {
                "No providers.".to_owned()
            } else {
                list.iter()
                    .map(|p| {
                        let state = p
                            .revoked_at
                            .map_or_else(|| "active".to_owned(), |t| format!("revoked {t}"));
                        format!(
                            "{}  {}  created {}  {state}",
                            p.provider_id, p.name, p.created_at
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Ok(Output::new(&list, human))
        }
        ProvidersCommand::Revoke { provider_id } => {
            let revoked = admin
                .client
                .admin_revoke_provider(provider_id)
                .map_err(|e| admin.refused("providers revoke", e))?;
            let human = format!(
                "Provider {} ({}): key revoked.",
                revoked.provider_id, revoked.name
            );
            Ok(Output::new(&revoked, human))
        }
    }
}
