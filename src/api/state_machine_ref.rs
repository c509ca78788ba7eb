//! A state machine ARN as clients send it: the state machine itself (`…:stateMachine:Name`), one of its
//! versions (`…:stateMachine:Name:3`) or one of its aliases (`…:stateMachine:Name:PROD`), and what such an
//! ARN resolves to when an execution starts through it.

use super::AccountView;
use crate::arn::Arn;
use crate::arn::ResourceKind;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::store::AliasRecord;
use crate::store::StateMachineRecord;
use crate::store::VersionRecord;

/// What a state machine ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateMachineRef {
    Machine { arn: String },
    Version { machine_arn: String, number: u64 },
    Alias { machine_arn: String, name: String },
}

/// Whether `name` is an acceptable alias name: `^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`, so never a number.
pub fn is_valid_alias_name(name: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    !name.is_empty() && name.chars().all(allowed) && name.chars().any(|c| !c.is_ascii_digit())
}

impl StateMachineRef {
    /// Parses a state machine, version or alias ARN of the caller's account; another account's state machine
    /// does not exist, and a Distributed Map label (`Name/label`) is not accepted here.
    pub fn parse(state: &AccountView<'_>, arn: &str) -> Result<StateMachineRef, AwsError> {
        let invalid = || AwsError::new(ErrorCode::InvalidArn, format!("Invalid Arn: 'Invalid ARN: {arn}'"));
        let parsed = Arn::parse(arn, &[ResourceKind::StateMachine])
            .map_err(|e| AwsError::new(ErrorCode::InvalidArn, e.to_string()))?;
        if !state.arns.owns(&parsed) {
            return Err(AwsError::state_machine_does_not_exist(arn));
        }
        if parsed.name().contains('/') {
            return Err(AwsError::invalid_because(
                "API_DOES_NOT_SUPPORT_LABELED_ARNS",
                format!("This operation does not support a labelled state machine ARN: '{arn}'"),
            ));
        }
        let machine_arn = state.arns.state_machine(parsed.name());
        match parsed.parts.as_slice() {
            [_] => Ok(StateMachineRef::Machine { arn: machine_arn }),
            [_, qualifier] if qualifier.bytes().all(|b| b.is_ascii_digit()) => {
                let number = qualifier.parse().map_err(|_| invalid())?;
                Ok(StateMachineRef::Version { machine_arn, number })
            }
            [_, qualifier] if is_valid_alias_name(qualifier) => {
                Ok(StateMachineRef::Alias { machine_arn, name: qualifier.to_string() })
            }
            _ => Err(invalid()),
        }
    }

    /// The ARN of the state machine itself.
    pub fn machine_arn(&self) -> &str {
        match self {
            StateMachineRef::Machine { arn } => arn,
            StateMachineRef::Version { machine_arn, .. } | StateMachineRef::Alias { machine_arn, .. } => machine_arn,
        }
    }

    /// The ARN as it names its resource.
    pub fn arn(&self) -> String {
        match self {
            StateMachineRef::Machine { arn } => arn.clone(),
            StateMachineRef::Version { machine_arn, number } => version_arn(machine_arn, *number),
            StateMachineRef::Alias { machine_arn, name } => format!("{machine_arn}:{name}"),
        }
    }
}

/// Parses an ARN that must name a state machine itself, not a version or an alias; answers it.
pub fn unqualified(state: &AccountView<'_>, arn: &str) -> Result<String, AwsError> {
    match StateMachineRef::parse(state, arn)? {
        StateMachineRef::Machine { arn } => Ok(arn),
        _ => Err(AwsError::new(
            ErrorCode::ValidationException,
            format!("This operation takes an unqualified state machine ARN, not a version or alias ARN: '{arn}'"),
        )),
    }
}

/// `<state machine ARN>:<number>`.
pub fn version_arn(machine_arn: &str, number: u64) -> String {
    format!("{machine_arn}:{number}")
}

/// A state machine as an execution started through a reference runs it.
pub struct Resolved {
    /// The state machine with the definition, role, logging and tracing of the revision to run.
    pub machine: StateMachineRecord,
    pub version_arn: Option<String>,
    pub alias_arn: Option<String>,
}

/// Loads a version of a state machine, or StateMachineDoesNotExist naming the version.
pub fn load_version(state: &AccountView<'_>, machine_arn: &str, number: u64) -> Result<VersionRecord, AwsError> {
    state
        .node
        .store
        .version(machine_arn, number)?
        .ok_or_else(|| AwsError::state_machine_does_not_exist(&version_arn(machine_arn, number)))
}

/// Loads an alias of a state machine, or ResourceNotFound naming the alias.
pub fn load_alias(state: &AccountView<'_>, machine_arn: &str, name: &str) -> Result<AliasRecord, AwsError> {
    state
        .node
        .store
        .alias(machine_arn, name)?
        .ok_or_else(|| AwsError::resource_not_found(&format!("{machine_arn}:{name}")))
}

/// `machine` as version `version` of it has it.
pub fn as_version(
    state: &AccountView<'_>,
    machine: &StateMachineRecord,
    version: &VersionRecord,
) -> Result<StateMachineRecord, AwsError> {
    let revision =
        state.node.store.revision(&machine.arn, &version.revision_id)?.ok_or_else(|| {
            AwsError::internal(format!("revision {} of {} is missing", version.revision_id, machine.arn))
        })?;
    Ok(StateMachineRecord {
        definition: revision.definition,
        role_arn: revision.role_arn,
        revision_id: version.revision_id.clone(),
        revision_ms: revision.revision_ms,
        logging: revision.logging,
        tracing: revision.tracing,
        ..machine.clone()
    })
}

/// What an execution started through `reference` runs: the state machine's current revision, the version,
/// or a version the alias picks at random by its weights.
pub fn resolve(
    state: &AccountView<'_>,
    reference: &StateMachineRef,
    machine: StateMachineRecord,
) -> Result<Resolved, AwsError> {
    match reference {
        StateMachineRef::Machine { .. } => Ok(Resolved { machine, version_arn: None, alias_arn: None }),
        StateMachineRef::Version { machine_arn, number } => {
            let version = load_version(state, machine_arn, *number)?;
            Ok(Resolved {
                machine: as_version(state, &machine, &version)?,
                version_arn: Some(version_arn(machine_arn, *number)),
                alias_arn: None,
            })
        }
        StateMachineRef::Alias { machine_arn, name } => {
            let alias = state
                .node
                .store
                .alias(machine_arn, name)?
                .ok_or_else(|| AwsError::state_machine_does_not_exist(&reference.arn()))?;
            let number = pick_version(&alias, rand::random_range(0..100));
            let version = load_version(state, machine_arn, number)?;
            Ok(Resolved {
                machine: as_version(state, &machine, &version)?,
                version_arn: Some(version_arn(machine_arn, number)),
                alias_arn: Some(reference.arn()),
            })
        }
    }
}

/// The version an alias routes the draw `roll` (uniform in 0..100) to.
fn pick_version(alias: &AliasRecord, roll: u8) -> u64 {
    let mut bound = 0u32;
    for route in &alias.routing {
        bound += u32::from(route.weight);
        if u32::from(roll) < bound {
            return route.version;
        }
    }
    alias.routing.last().map_or(0, |route| route.version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AliasRoute;

    #[test]
    fn alias_names_are_never_numbers() {
        assert!(is_valid_alias_name("PROD"));
        assert!(is_valid_alias_name("v1.2-beta_3"));
        assert!(!is_valid_alias_name("12"));
        assert!(!is_valid_alias_name(""));
        assert!(!is_valid_alias_name("a b"));
        assert!(!is_valid_alias_name("a:b"));
    }

    #[test]
    fn an_alias_routes_each_roll_by_the_weights() {
        let routing = vec![AliasRoute { version: 1, weight: 90 }, AliasRoute { version: 2, weight: 10 }];
        let alias = AliasRecord { name: "a".into(), description: None, routing, creation_ms: 0, update_ms: 0 };
        let counts = (0..100u8).fold([0; 2], |mut counts, roll| {
            counts[pick_version(&alias, roll) as usize - 1] += 1;
            counts
        });
        assert_eq!(counts, [90, 10]);
    }
}
