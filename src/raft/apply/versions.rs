//! Applying the version and alias commands: publish and delete versions, create, update and delete aliases,
//! and what deleting a state machine removes of them.

use redb::ReadableTable;

use super::done;
use super::Writer;
use crate::raft::AliasUpdate;
use crate::raft::Applied;
use crate::raft::Refusal;
use crate::raft::VersionPublish;
use crate::store::aliases_in;
use crate::store::decode;
use crate::store::encode;
use crate::store::tables::*;
use crate::store::AliasRecord;
use crate::store::AliasRoute;
use crate::store::StateMachineRecord;
use crate::store::StateMachineStatus;
use crate::store::StoreError;
use crate::store::VersionRecord;

/// Most aliases a state machine may have.
pub const MAX_ALIASES: usize = 100;

impl Writer<'_> {
    fn versions_of(&self, machine_arn: &str) -> Result<Vec<VersionRecord>, StoreError> {
        let table = self.txn.open_table(VERSIONS)?;
        let mut versions = Vec::new();
        for row in table.range((machine_arn, 0)..=(machine_arn, u64::MAX))? {
            versions.push(decode(row?.1.value())?);
        }
        Ok(versions)
    }

    fn aliases_of(&self, machine_arn: &str) -> Result<Vec<AliasRecord>, StoreError> {
        aliases_in(&self.txn.open_table(ALIASES)?, machine_arn)
    }

    fn save_alias(&mut self, machine_arn: &str, alias: &AliasRecord) -> Result<(), StoreError> {
        let bytes = encode(alias);
        self.count(machine_arn.len() + alias.name.len(), bytes.len());
        self.txn.open_table(ALIASES)?.insert((machine_arn, alias.name.as_str()), bytes.as_slice())?;
        Ok(())
    }

    /// The first route whose version does not exist, as a refusal.
    fn missing_version(&self, machine_arn: &str, routing: &[AliasRoute]) -> Result<Option<Refusal>, StoreError> {
        let table = self.txn.open_table(VERSIONS)?;
        for route in routing {
            if table.get((machine_arn, route.version))?.is_none() {
                return Ok(Some(Refusal::ResourceNotFound { arn: format!("{machine_arn}:{}", route.version) }));
            }
        }
        Ok(None)
    }

    /// The state machine, or the refusal when it is missing or being deleted.
    fn usable_machine(&self, machine_arn: &str) -> Result<Result<StateMachineRecord, Refusal>, StoreError> {
        Ok(match self.load_machine(machine_arn)? {
            None => Err(Refusal::StateMachineDoesNotExist { arn: machine_arn.to_string() }),
            Some(m) if m.status == StateMachineStatus::Deleting => {
                Err(Refusal::StateMachineDeleting { arn: machine_arn.to_string() })
            }
            Some(m) => Ok(m),
        })
    }

    pub(super) fn publish_version(&mut self, publish: &VersionPublish) -> Result<Applied, StoreError> {
        let arn = publish.machine_arn.as_str();
        let machine = match self.usable_machine(arn)? {
            Ok(machine) => machine,
            Err(refusal) => return Ok(Applied::Refused(refusal)),
        };
        let current = match &publish.revision_id {
            Some(id) => *id == machine.revision_id,
            None => machine.revision_ms == machine.creation_ms,
        };
        if !current {
            return Ok(Applied::Refused(Refusal::Conflict {
                message: format!(
                    "Failed to publish the State Machine version for revision {}. The current State Machine revision \
                     is {}.",
                    publish.revision_id.as_deref().unwrap_or("INITIAL"),
                    machine.revision_id
                ),
            }));
        }
        let versions = self.versions_of(arn)?;
        if let Some(existing) = versions.iter().find(|v| v.revision_id == machine.revision_id) {
            return Ok(done(existing.creation_ms));
        }
        if versions.len() as u64 >= publish.limit {
            return Ok(Applied::Refused(Refusal::QuotaExceeded {
                message: format!("The state machine '{arn}' already has {} versions", publish.limit),
            }));
        }
        let number = self.txn.open_table(LAST_VERSION)?.get(arn)?.map_or(0, |v| v.value()) + 1;
        let version = VersionRecord {
            number,
            revision_id: machine.revision_id.clone(),
            description: publish.description.clone(),
            creation_ms: publish.creation_ms,
        };
        let bytes = encode(&version);
        self.count(arn.len() + 8, bytes.len());
        self.txn.open_table(VERSIONS)?.insert((arn, number), bytes.as_slice())?;
        self.txn.open_table(LAST_VERSION)?.insert(arn, number)?;
        self.count(arn.len(), 8);
        Ok(done(publish.creation_ms))
    }

    pub(super) fn delete_version(&mut self, machine_arn: &str, number: u64) -> Result<Applied, StoreError> {
        let routed_by =
            self.aliases_of(machine_arn)?.into_iter().find(|alias| alias.routing.iter().any(|r| r.version == number));
        if let Some(alias) = routed_by {
            return Ok(Applied::Refused(Refusal::Conflict {
                message: format!(
                    "Version to be deleted must not be referenced by an alias. Current list of aliases referencing \
                     this version: [{}]",
                    alias.name
                ),
            }));
        }
        self.txn.open_table(VERSIONS)?.remove((machine_arn, number))?;
        Ok(done(0))
    }

    pub(super) fn create_alias(&mut self, machine_arn: &str, alias: &AliasRecord) -> Result<Applied, StoreError> {
        match self.usable_machine(machine_arn)? {
            Err(Refusal::StateMachineDoesNotExist { arn }) => {
                return Ok(Applied::Refused(Refusal::ResourceNotFound { arn }))
            }
            Err(refusal) => return Ok(Applied::Refused(refusal)),
            Ok(_) => {}
        }
        let aliases = self.aliases_of(machine_arn)?;
        if let Some(existing) = aliases.iter().find(|a| a.name == alias.name) {
            if existing.description == alias.description && existing.routing == alias.routing {
                return Ok(done(existing.creation_ms));
            }
            return Ok(Applied::Refused(Refusal::Conflict {
                message: "Failed to create alias because an alias with the same name and a different routing \
                          configuration already exists."
                    .to_string(),
            }));
        }
        if let Some(refusal) = self.missing_version(machine_arn, &alias.routing)? {
            return Ok(Applied::Refused(refusal));
        }
        if aliases.len() >= MAX_ALIASES {
            return Ok(Applied::Refused(Refusal::QuotaExceeded {
                message: format!("The state machine '{machine_arn}' already has {MAX_ALIASES} aliases"),
            }));
        }
        self.save_alias(machine_arn, alias)?;
        Ok(done(alias.creation_ms))
    }

    pub(super) fn update_alias(&mut self, update: &AliasUpdate) -> Result<Applied, StoreError> {
        let machine_arn = update.machine_arn.as_str();
        let alias_arn = format!("{machine_arn}:{}", update.name);
        let found = match self.txn.open_table(ALIASES)?.get((machine_arn, update.name.as_str()))? {
            Some(v) => Some(decode::<AliasRecord>(v.value())?),
            None => None,
        };
        let Some(mut alias) = found else {
            return Ok(Applied::Refused(Refusal::ResourceNotFound { arn: alias_arn }));
        };
        if let Err(Refusal::StateMachineDeleting { arn }) = self.usable_machine(machine_arn)? {
            return Ok(Applied::Refused(Refusal::StateMachineDeleting { arn }));
        }
        if let Some(routing) = &update.routing {
            if let Some(refusal) = self.missing_version(machine_arn, routing)? {
                return Ok(Applied::Refused(refusal));
            }
            alias.routing = routing.clone();
        }
        if let Some(description) = &update.description {
            alias.description = Some(description.clone());
        }
        alias.update_ms = update.update_ms;
        self.save_alias(machine_arn, &alias)?;
        Ok(done(update.update_ms))
    }

    pub(super) fn delete_alias(&mut self, machine_arn: &str, name: &str) -> Result<Applied, StoreError> {
        self.txn.open_table(ALIASES)?.remove((machine_arn, name))?;
        Ok(done(0))
    }

    /// Whether the version an execution is to run still exists.
    pub(super) fn version_exists(&self, machine_arn: &str, number: u64) -> Result<bool, StoreError> {
        Ok(self.txn.open_table(VERSIONS)?.get((machine_arn, number))?.is_some())
    }

    /// Removes every version and alias of a state machine, and its version counter.
    pub(super) fn remove_versions_and_aliases(&mut self, machine_arn: &str) -> Result<(), StoreError> {
        self.txn.open_table(VERSIONS)?.retain_in((machine_arn, 0)..=(machine_arn, u64::MAX), |_, _| false)?;
        let names: Vec<String> = self.aliases_of(machine_arn)?.into_iter().map(|a| a.name).collect();
        let mut aliases = self.txn.open_table(ALIASES)?;
        for name in &names {
            aliases.remove((machine_arn, name.as_str()))?;
        }
        self.txn.open_table(LAST_VERSION)?.remove(machine_arn)?;
        Ok(())
    }
}
