//! State machine versions: PublishStateMachineVersion (and `publish` on Create/UpdateStateMachine),
//! ListStateMachineVersions and DeleteStateMachineVersion.

use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::pagination::decode_token;
use super::pagination::encode_token;
use super::state_machine_ref::unqualified;
use super::state_machine_ref::version_arn;
use super::state_machine_ref::StateMachineRef;
use super::validate::page_size;
use super::validate::Constraints;
use super::AccountView;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::now_ms;
use crate::clock::wire_seconds;
use crate::raft::Command;
use crate::raft::VersionPublish;

/// Most versions a state machine may have.
pub const MAX_VERSIONS: u64 = 1000;

/// The `revisionId` that names a state machine's first revision (one never updated).
const INITIAL_REVISION: &str = "INITIAL";

/// Publishes the current revision of `machine_arn` as a version, or finds the version already published of
/// it; `revision_id` is the revision the caller expects to be current (`None`: whatever is current now).
/// Answers the version's ARN and creation time.
pub async fn publish(
    state: &AccountView<'_>,
    machine_arn: &str,
    revision_id: Option<&str>,
    description: Option<String>,
) -> Result<(String, i64), AwsError> {
    let machine = super::state_machines::load(state, machine_arn)?;
    let expected = match revision_id {
        Some(INITIAL_REVISION) => None,
        Some(id) => Some(id.to_string()),
        None => Some(machine.revision_id.clone()),
    };
    let publish = VersionPublish {
        machine_arn: machine_arn.to_string(),
        revision_id: expected.clone(),
        description,
        creation_ms: now_ms(),
        limit: MAX_VERSIONS,
    };
    let created = state.node.propose(machine_arn, Command::PublishStateMachineVersion { publish }).await?;
    let published_revision = match expected {
        Some(id) => id,
        None => super::state_machines::load(state, machine_arn)?.revision_id,
    };
    let versions = state.node.store.list_versions(machine_arn, None, MAX_VERSIONS as usize)?;
    let version = versions.items.iter().find(|v| v.revision_id == published_revision).ok_or_else(|| {
        AwsError::new(
            ErrorCode::ConflictException,
            format!("The version published of '{machine_arn}' was deleted by a concurrent request"),
        )
    })?;
    Ok((version_arn(machine_arn, version.number), created))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishStateMachineVersionInput {
    state_machine_arn: Option<String>,
    revision_id: Option<String>,
    description: Option<String>,
}

pub async fn publish_version(
    state: &AccountView<'_>,
    input: PublishStateMachineVersionInput,
) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineArn", &input.state_machine_arn, 1, 256);
    c.length("description", input.description.as_ref(), 0, 256);
    c.finish()?;
    let machine_arn = unqualified(state, arn)?;
    let (version_arn, created) =
        publish(state, &machine_arn, input.revision_id.as_deref(), input.description.clone()).await?;
    Ok(json!({ "stateMachineVersionArn": version_arn, "creationDate": wire_seconds(created) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListStateMachineVersionsInput {
    state_machine_arn: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub async fn list(state: &AccountView<'_>, input: ListStateMachineVersionsInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineArn", &input.state_machine_arn, 1, 256);
    c.length("nextToken", input.next_token.as_ref(), 1, 1024);
    c.range("maxResults", input.max_results, 0, 1000);
    c.finish()?;
    let machine_arn = unqualified(state, arn)?;
    let scope = format!("ListStateMachineVersions:{machine_arn}");
    let from = match input.next_token.as_deref() {
        Some(token) => Some(super::validate::decoded::<u64>(&decode_token(state.node.token_key(), &scope, token)?)?),
        None => None,
    };
    let page = state.node.store.list_versions(&machine_arn, from, page_size(input.max_results))?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|v| {
            json!({
                "stateMachineVersionArn": version_arn(&machine_arn, v.number),
                "creationDate": wire_seconds(v.creation_ms),
            })
        })
        .collect();
    let mut out = json!({ "stateMachineVersions": items });
    if let Some(next) = page.next {
        out["nextToken"] = json!(encode_token(state.node.token_key(), &scope, &next));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteStateMachineVersionInput {
    state_machine_version_arn: Option<String>,
}

pub async fn delete(state: &AccountView<'_>, input: DeleteStateMachineVersionInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineVersionArn", &input.state_machine_version_arn, 1, 2000);
    c.finish()?;
    let StateMachineRef::Version { machine_arn, number } = StateMachineRef::parse(state, arn)? else {
        return Err(AwsError::new(ErrorCode::ValidationException, format!("Not a state machine version ARN: '{arn}'")));
    };
    state
        .node
        .propose(&machine_arn, Command::DeleteStateMachineVersion { machine_arn: machine_arn.clone(), number })
        .await?;
    Ok(json!({}))
}
