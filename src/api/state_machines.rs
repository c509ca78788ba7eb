//! State machine operations: Create, Describe, Update, Delete, List, ValidateStateMachineDefinition and
//! DescribeStateMachineForExecution. Create and Update publish a version when asked to (see `versions`).

use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use serde_json::Value;

use super::pagination::decode_token;
use super::pagination::encode_token;
use super::state_machine_ref::as_version;
use super::state_machine_ref::load_version;
use super::state_machine_ref::unqualified;
use super::state_machine_ref::StateMachineRef;
use super::tags::validate_tags;
use super::tags::TagShape;
use super::validate::page_size;
use super::validate::Constraints;
use super::versions;
use super::AccountView;
use crate::asl::Definition;
use crate::asl::InvalidDefinition;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::now_ms;
use crate::clock::wire_seconds;
use crate::names::is_valid_name;
use crate::raft::Command;
use crate::raft::StateMachineUpdate;
use crate::store::StateMachineRecord;
use crate::store::StateMachineStatus;
use crate::store::StateMachineType;

const MAX_DEFINITION_BYTES: usize = 1_048_576;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStateMachineInput {
    name: Option<String>,
    definition: Option<String>,
    role_arn: Option<String>,
    #[serde(rename = "type")]
    machine_type: Option<String>,
    logging_configuration: Option<Value>,
    tracing_configuration: Option<Value>,
    encryption_configuration: Option<Value>,
    tags: Option<Vec<TagShape>>,
    publish: Option<bool>,
    version_description: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStateMachineOutput {
    state_machine_arn: String,
    creation_date: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    state_machine_version_arn: Option<String>,
}

/// Parses a definition for a machine of `machine_type`, as CreateStateMachine/UpdateStateMachine do.
pub fn parse_definition(text: &str, machine_type: StateMachineType) -> Result<Definition, AwsError> {
    let invalid = |e: InvalidDefinition| AwsError::new(ErrorCode::InvalidDefinition, e.to_string());
    let definition = Definition::parse(text).map_err(invalid)?;
    if machine_type == StateMachineType::Express {
        let diagnostics = definition.express_violations();
        if !diagnostics.is_empty() {
            return Err(invalid(InvalidDefinition { diagnostics }));
        }
    }
    Ok(definition)
}

/// Checks a role ARN is at least shaped like an ARN.
fn check_role_arn(role: &str) -> Result<(), AwsError> {
    if role.starts_with("arn:") {
        Ok(())
    } else {
        Err(AwsError::new(ErrorCode::InvalidArn, format!("Invalid Arn: 'Invalid ARN prefix: {role}'")))
    }
}

/// LoggingConfiguration as stored: validated, defaults filled in, canonical JSON text.
fn logging_configuration(value: Option<&Value>) -> Result<String, AwsError> {
    let invalid = |m: &str| AwsError::new(ErrorCode::InvalidLoggingConfiguration, m.to_string());
    let value = value.cloned().unwrap_or_else(|| json!({}));
    let level = value.get("level").and_then(Value::as_str).unwrap_or("OFF");
    if !["ALL", "ERROR", "FATAL", "OFF"].contains(&level) {
        return Err(invalid(&format!("Invalid logging level: '{level}'")));
    }
    let include = value.get("includeExecutionData").and_then(Value::as_bool).unwrap_or(false);
    let destinations = value.get("destinations").and_then(Value::as_array).cloned().unwrap_or_default();
    if destinations.len() > 1 {
        return Err(invalid("Logging configuration can have at most one destination."));
    }
    if level != "OFF" && destinations.is_empty() {
        return Err(invalid("Invalid Logging Configuration: Must specify exactly one Log Destination."));
    }
    let mut logging = json!({ "level": level, "includeExecutionData": include });
    if !destinations.is_empty() {
        logging["destinations"] = Value::Array(destinations);
    }
    Ok(logging.to_string())
}

/// TracingConfiguration as stored.
fn tracing_configuration(value: Option<&Value>) -> Result<String, AwsError> {
    let enabled = match value.map(|v| v.get("enabled")) {
        None | Some(None) => false,
        Some(Some(Value::Bool(b))) => *b,
        Some(Some(_)) => {
            return Err(AwsError::new(
                ErrorCode::InvalidTracingConfiguration,
                "Invalid Tracing Configuration: 'enabled' must be true or false.",
            ))
        }
    };
    Ok(json!({ "enabled": enabled }).to_string())
}

/// EncryptionConfiguration: AWS-owned keys only (there is no KMS here).
pub fn encryption_configuration(value: Option<&Value>) -> Result<Option<String>, AwsError> {
    let Some(value) = value else { return Ok(None) };
    match value.get("type").and_then(Value::as_str) {
        Some("AWS_OWNED_KEY") => Ok(Some(json!({ "type": "AWS_OWNED_KEY" }).to_string())),
        Some("CUSTOMER_MANAGED_KMS_KEY") => Err(AwsError::new(
            ErrorCode::InvalidEncryptionConfiguration,
            "Customer managed KMS keys are not available on this server; use AWS_OWNED_KEY.",
        )),
        _ => Err(AwsError::new(
            ErrorCode::ValidationException,
            "1 validation error detected: Value null at 'encryptionConfiguration.type' failed to satisfy constraint: Member must not be null",
        )),
    }
}

/// A version description without `publish` is refused, as AWS does.
fn check_version_description(publish: Option<bool>, description: Option<&String>) -> Result<(), AwsError> {
    if description.is_some() && publish != Some(true) {
        return Err(AwsError::new(
            ErrorCode::ValidationException,
            "Version description can only be set when publish is true",
        ));
    }
    Ok(())
}

pub async fn create(
    state: &AccountView<'_>,
    input: CreateStateMachineInput,
) -> Result<CreateStateMachineOutput, AwsError> {
    let mut c = Constraints::default();
    let name = c.required("name", &input.name, 1, 80);
    let definition = c.required("definition", &input.definition, 1, MAX_DEFINITION_BYTES);
    let role_arn = c.required("roleArn", &input.role_arn, 1, 256);
    c.one_of("type", input.machine_type.as_ref(), &["STANDARD", "EXPRESS"]);
    c.length("versionDescription", input.version_description.as_ref(), 0, 256);
    c.finish()?;
    if !is_valid_name(name) {
        return Err(AwsError::new(ErrorCode::InvalidName, format!("Invalid Name: '{name}'")));
    }
    check_role_arn(role_arn)?;
    check_version_description(input.publish, input.version_description.as_ref())?;
    let machine_type = match input.machine_type.as_deref() {
        Some("EXPRESS") => StateMachineType::Express,
        _ => StateMachineType::Standard,
    };
    parse_definition(definition, machine_type)?;
    let tags = validate_tags(input.tags.unwrap_or_default(), name)?;
    let arn = state.arns.state_machine(name);
    let now = now_ms();
    let machine = StateMachineRecord {
        arn: arn.clone(),
        name: name.to_string(),
        machine_type,
        status: StateMachineStatus::Active,
        creation_ms: now,
        definition: definition.to_string(),
        role_arn: role_arn.to_string(),
        revision_id: uuid::Uuid::new_v4().to_string(),
        revision_ms: now,
        logging: logging_configuration(input.logging_configuration.as_ref())?,
        tracing: tracing_configuration(input.tracing_configuration.as_ref())?,
        encryption: encryption_configuration(input.encryption_configuration.as_ref())?,
    };
    let created = state.node.propose(&arn, Command::CreateStateMachine { machine, tags }).await?;
    let state_machine_version_arn = match input.publish {
        Some(true) => Some(versions::publish(state, &arn, Some("INITIAL"), input.version_description).await?.0),
        _ => None,
    };
    Ok(CreateStateMachineOutput {
        state_machine_arn: arn,
        creation_date: wire_seconds(created),
        state_machine_version_arn,
    })
}

/// Loads a state machine that exists, or StateMachineDoesNotExist.
pub fn load(state: &AccountView<'_>, arn: &str) -> Result<StateMachineRecord, AwsError> {
    state.node.store.state_machine(arn)?.ok_or_else(|| AwsError::state_machine_does_not_exist(arn))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeStateMachineInput {
    state_machine_arn: Option<String>,
    included_data: Option<String>,
}

pub async fn describe(state: &AccountView<'_>, input: DescribeStateMachineInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineArn", &input.state_machine_arn, 1, 256);
    c.one_of("includedData", input.included_data.as_ref(), &["ALL_DATA", "METADATA_ONLY"]);
    c.finish()?;
    let reference = StateMachineRef::parse(state, arn)?;
    let machine = load(state, reference.machine_arn())?;
    let (machine, version) = match &reference {
        StateMachineRef::Machine { .. } => (machine, None),
        StateMachineRef::Version { machine_arn, number } => {
            let version = load_version(state, machine_arn, *number)?;
            (as_version(state, &machine, &version)?, Some(version))
        }
        StateMachineRef::Alias { .. } => {
            let message = format!("Describe an alias with DescribeStateMachineAlias: '{arn}'");
            return Err(AwsError::new(ErrorCode::ValidationException, message));
        }
    };
    let definition = if input.included_data.as_deref() == Some("METADATA_ONLY") {
        "{}".to_string()
    } else {
        machine.definition.clone()
    };
    let mut out = json!({
        "stateMachineArn": machine.arn,
        "name": machine.name,
        "status": machine.status.as_str(),
        "definition": definition,
        "roleArn": machine.role_arn,
        "type": machine.machine_type.as_str(),
        "creationDate": wire_seconds(machine.creation_ms),
        "loggingConfiguration": serde_json::from_str::<Value>(&machine.logging).unwrap_or_default(),
        "tracingConfiguration": serde_json::from_str::<Value>(&machine.tracing).unwrap_or_default(),
    });
    if machine.revision_ms != machine.creation_ms {
        out["revisionId"] = json!(machine.revision_id);
    }
    if let Some(version) = version {
        out["stateMachineArn"] = json!(reference.arn());
        out["creationDate"] = json!(wire_seconds(version.creation_ms));
        if let Some(description) = version.description {
            out["description"] = json!(description);
        }
    }
    if let Some(encryption) = &machine.encryption {
        out["encryptionConfiguration"] = serde_json::from_str(encryption).unwrap_or_default();
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStateMachineInput {
    state_machine_arn: Option<String>,
    definition: Option<String>,
    role_arn: Option<String>,
    logging_configuration: Option<Value>,
    tracing_configuration: Option<Value>,
    encryption_configuration: Option<Value>,
    publish: Option<bool>,
    version_description: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStateMachineOutput {
    update_date: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state_machine_version_arn: Option<String>,
}

pub async fn update(
    state: &AccountView<'_>,
    input: UpdateStateMachineInput,
) -> Result<UpdateStateMachineOutput, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineArn", &input.state_machine_arn, 1, 256);
    c.length("definition", input.definition.as_ref(), 1, MAX_DEFINITION_BYTES);
    c.length("roleArn", input.role_arn.as_ref(), 1, 256);
    c.length("versionDescription", input.version_description.as_ref(), 0, 256);
    c.finish()?;
    unqualified(state, arn)?;
    check_version_description(input.publish, input.version_description.as_ref())?;
    if input.definition.is_none()
        && input.role_arn.is_none()
        && input.logging_configuration.is_none()
        && input.tracing_configuration.is_none()
        && input.encryption_configuration.is_none()
    {
        return Err(AwsError::new(
            ErrorCode::MissingRequiredParameter,
            "Either the definition, the roleArn, the loggingConfiguration, the tracingConfiguration or the encryptionConfiguration must be specified",
        ));
    }
    if let Some(role) = &input.role_arn {
        check_role_arn(role)?;
    }
    let machine = load(state, arn)?;
    if let Some(definition) = &input.definition {
        parse_definition(definition, machine.machine_type)?;
    }
    if machine.status == StateMachineStatus::Deleting {
        return Err(AwsError::state_machine_deleting(arn));
    }
    if let Some(encryption) = input.encryption_configuration.as_ref() {
        if encryption_configuration(Some(encryption))? != machine.encryption {
            return Err(AwsError::new(
                ErrorCode::InvalidEncryptionConfiguration,
                "The encryption configuration of a state machine cannot be changed on this server",
            ));
        }
    }
    let update = StateMachineUpdate {
        arn: arn.to_string(),
        definition: input.definition.clone(),
        role_arn: input.role_arn.clone(),
        logging: input.logging_configuration.as_ref().map(|v| logging_configuration(Some(v))).transpose()?,
        tracing: input.tracing_configuration.as_ref().map(|v| tracing_configuration(Some(v))).transpose()?,
        revision_id: uuid::Uuid::new_v4().to_string(),
        update_ms: now_ms(),
    };
    if input.publish != Some(true) {
        let revision_id = update.revision_id.clone();
        let updated = state.node.propose(arn, Command::UpdateStateMachine { update }).await?;
        return Ok(UpdateStateMachineOutput {
            update_date: wire_seconds(updated),
            revision_id: Some(revision_id),
            state_machine_version_arn: None,
        });
    }
    // Publishing an update that changes nothing publishes (or finds) the current revision's version.
    let (revision_id, update_ms) = if changes_nothing(&machine, &update) {
        let revision = (machine.revision_ms != machine.creation_ms).then(|| machine.revision_id.clone());
        (revision, machine.revision_ms)
    } else {
        let revision_id = update.revision_id.clone();
        (Some(revision_id), state.node.propose(arn, Command::UpdateStateMachine { update }).await?)
    };
    let expected = revision_id.as_deref().unwrap_or("INITIAL");
    let (version_arn, _) = versions::publish(state, arn, Some(expected), input.version_description).await?;
    Ok(UpdateStateMachineOutput {
        update_date: wire_seconds(update_ms),
        revision_id,
        state_machine_version_arn: Some(version_arn),
    })
}

/// Whether `update` would leave `machine` as it is.
fn changes_nothing(machine: &StateMachineRecord, update: &StateMachineUpdate) -> bool {
    update.definition.as_ref().is_none_or(|d| *d == machine.definition)
        && update.role_arn.as_ref().is_none_or(|r| *r == machine.role_arn)
        && update.logging.as_ref().is_none_or(|l| *l == machine.logging)
        && update.tracing.as_ref().is_none_or(|t| *t == machine.tracing)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteStateMachineInput {
    state_machine_arn: Option<String>,
}

pub async fn delete(state: &AccountView<'_>, input: DeleteStateMachineInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineArn", &input.state_machine_arn, 1, 256);
    c.finish()?;
    unqualified(state, arn)?;
    state.node.propose(arn, Command::DeleteStateMachine { arn: arn.to_string() }).await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListInput {
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub async fn list(state: &AccountView<'_>, input: ListInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    c.range("maxResults", input.max_results, 0, 1000);
    c.length("nextToken", input.next_token.as_ref(), 1, 1024);
    c.finish()?;
    const SCOPE: &str = "ListStateMachines";
    let from = input.next_token.as_deref().map(|t| decode_token(state.node.token_key(), SCOPE, t)).transpose()?;
    let from = from.map(|k| String::from_utf8(k).unwrap_or_default());
    let own = state.arns.state_machine("");
    let page = state.node.store.list_state_machines(&own, from.as_deref(), page_size(input.max_results))?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|m| {
            json!({
                "stateMachineArn": m.arn,
                "name": m.name,
                "type": m.machine_type.as_str(),
                "creationDate": wire_seconds(m.creation_ms),
            })
        })
        .collect();
    let mut out = json!({ "stateMachines": items });
    if let Some(next) = page.next {
        out["nextToken"] = json!(encode_token(state.node.token_key(), SCOPE, &next));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateInput {
    definition: Option<String>,
    #[serde(rename = "type")]
    machine_type: Option<String>,
    severity: Option<String>,
    max_results: Option<i64>,
}

pub async fn validate_definition(_state: &AccountView<'_>, input: ValidateInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let definition = c.required("definition", &input.definition, 1, MAX_DEFINITION_BYTES);
    c.one_of("type", input.machine_type.as_ref(), &["STANDARD", "EXPRESS"]);
    c.one_of("severity", input.severity.as_ref(), &["ERROR", "WARNING"]);
    c.range("maxResults", input.max_results, 0, 100);
    c.finish()?;
    let limit = match input.max_results {
        Some(n) if n > 0 => n as usize,
        _ => 100,
    };
    let diagnostics = match Definition::parse(definition) {
        Ok(parsed) if input.machine_type.as_deref() == Some("EXPRESS") => parsed.express_violations(),
        Ok(_) => Vec::new(),
        Err(invalid) => invalid.diagnostics,
    };
    let failed = diagnostics.iter().any(|d| d.severity == crate::asl::Severity::Error);
    let shown: Vec<Value> = diagnostics
        .iter()
        .take(limit)
        .map(|d| {
            let mut item = json!({
                "severity": match d.severity { crate::asl::Severity::Error => "ERROR", crate::asl::Severity::Warning => "WARNING" },
                "code": d.code,
                "message": d.message,
            });
            if let Some(location) = &d.location {
                item["location"] = json!(location);
            }
            item
        })
        .collect();
    Ok(json!({
        "result": if failed { "FAIL" } else { "OK" },
        "diagnostics": shown,
        "truncated": diagnostics.len() > limit,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeForExecutionInput {
    execution_arn: Option<String>,
    included_data: Option<String>,
}

pub async fn describe_for_execution(
    state: &AccountView<'_>,
    input: DescribeForExecutionInput,
) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("executionArn", &input.execution_arn, 1, 256);
    c.one_of("includedData", input.included_data.as_ref(), &["ALL_DATA", "METADATA_ONLY"]);
    c.finish()?;
    let execution = super::executions::load(state, arn)?;
    let revision = state
        .node
        .store
        .revision(&execution.state_machine_arn, &execution.revision_id)?
        .ok_or_else(|| AwsError::execution_does_not_exist(arn))?;
    let name = execution.state_machine_arn.rsplit(':').next().unwrap_or_default().to_string();
    let definition =
        if input.included_data.as_deref() == Some("METADATA_ONLY") { "{}".to_string() } else { revision.definition };
    Ok(json!({
        "stateMachineArn": execution.state_machine_arn,
        "name": name,
        "definition": definition,
        "roleArn": revision.role_arn,
        "updateDate": wire_seconds(revision.revision_ms),
        "loggingConfiguration": serde_json::from_str::<Value>(&revision.logging).unwrap_or_default(),
        "tracingConfiguration": serde_json::from_str::<Value>(&revision.tracing).unwrap_or_default(),
        "revisionId": execution.revision_id,
    }))
}
