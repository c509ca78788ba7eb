//! State machine aliases: Create, Describe, Update, Delete and ListStateMachineAliases. An alias routes the
//! executions started through it to one or two versions of its state machine by weight.

use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::pagination::decode_token;
use super::pagination::encode_token;
use super::state_machine_ref::is_valid_alias_name;
use super::state_machine_ref::load_alias;
use super::state_machine_ref::version_arn;
use super::state_machine_ref::StateMachineRef;
use super::validate::page_size;
use super::validate::Constraints;
use super::AccountView;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::now_ms;
use crate::clock::wire_seconds;
use crate::raft::AliasUpdate;
use crate::raft::Command;
use crate::store::AliasRecord;
use crate::store::AliasRoute;

/// The model's pattern of alias names.
const ALIAS_NAME_PATTERN: &str = r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$";

/// The `reason` of a ValidationException about a routing configuration.
const INVALID_ROUTING_CONFIGURATION: &str = "INVALID_ROUTING_CONFIGURATION";

/// A `RoutingConfigurationListItem`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingConfigurationListItem {
    state_machine_version_arn: Option<String>,
    weight: Option<i64>,
}

/// Checks the model constraints of a routing configuration.
fn check_routing_shape(c: &mut Constraints, routing: &[RoutingConfigurationListItem]) {
    c.list_length("routingConfiguration", routing.len(), 1, 2);
    for (i, item) in routing.iter().enumerate() {
        let member = format!("routingConfiguration.{}.member", i + 1);
        c.required(&format!("{member}.stateMachineVersionArn"), &item.state_machine_version_arn, 1, 256);
        if item.weight.is_none() {
            c.required(&format!("{member}.weight"), &None, 0, 0);
        }
        c.range(&format!("{member}.weight"), item.weight, 0, 100);
    }
}

/// Resolves a routing configuration to versions of one state machine: that machine's ARN and the routes.
fn routes(
    state: &AccountView<'_>,
    routing: &[RoutingConfigurationListItem],
) -> Result<(String, Vec<AliasRoute>), AwsError> {
    let invalid = |message: String| AwsError::invalid_because(INVALID_ROUTING_CONFIGURATION, message);
    let arns: Vec<&str> = routing.iter().map(|r| r.state_machine_version_arn.as_deref().unwrap_or_default()).collect();
    let received = || format!("[{}]", arns.join(", "));
    let mut machine = None;
    let mut routes = Vec::new();
    for (item, arn) in routing.iter().zip(&arns) {
        let StateMachineRef::Version { machine_arn, number } = StateMachineRef::parse(state, arn)? else {
            return Err(invalid(format!(
                "Routing configuration must contain state machine version ARNs. Received: {}",
                received()
            )));
        };
        if machine.get_or_insert_with(|| machine_arn.clone()) != &machine_arn {
            return Err(invalid(format!(
                "Routing configuration must contain versions of the same state machine. Received: {}",
                received()
            )));
        }
        routes.push(AliasRoute { version: number, weight: item.weight.unwrap_or_default() as u8 });
    }
    if routes.len() == 2 && routes[0].version == routes[1].version {
        return Err(invalid(format!(
            "Routing configuration must contain distinct state machine version ARNs. Received: {}",
            received()
        )));
    }
    let weights: Vec<String> = routes.iter().map(|r| r.weight.to_string()).collect();
    if routes.iter().map(|r| u32::from(r.weight)).sum::<u32>() != 100 {
        return Err(invalid(format!(
            "Sum of routing configuration weights must equal 100. Received: [{}]",
            weights.join(", ")
        )));
    }
    Ok((machine.unwrap_or_default(), routes))
}

/// Parses an ARN that must name an alias: its state machine's ARN and its name.
fn alias_arn(state: &AccountView<'_>, arn: &str) -> Result<(String, String), AwsError> {
    match StateMachineRef::parse(state, arn)? {
        StateMachineRef::Alias { machine_arn, name } => Ok((machine_arn, name)),
        _ => Err(AwsError::new(ErrorCode::InvalidArn, format!("Invalid Arn: 'Not a state machine alias ARN: {arn}'"))),
    }
}

fn routing_json(machine_arn: &str, routing: &[AliasRoute]) -> Value {
    routing
        .iter()
        .map(|r| json!({ "stateMachineVersionArn": version_arn(machine_arn, r.version), "weight": r.weight }))
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStateMachineAliasInput {
    description: Option<String>,
    name: Option<String>,
    routing_configuration: Option<Vec<RoutingConfigurationListItem>>,
}

pub async fn create(state: &AccountView<'_>, input: CreateStateMachineAliasInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    c.length("description", input.description.as_ref(), 0, 256);
    let name = c.required("name", &input.name, 1, 80);
    c.pattern("name", input.name.as_ref(), is_valid_alias_name, ALIAS_NAME_PATTERN);
    if input.routing_configuration.is_none() {
        c.required("routingConfiguration", &None, 1, 2);
    }
    let routing = input.routing_configuration.unwrap_or_default();
    check_routing_shape(&mut c, &routing);
    c.finish()?;
    let (machine_arn, routing) = routes(state, &routing)?;
    let now = now_ms();
    let alias = AliasRecord {
        name: name.to_string(),
        description: input.description.clone(),
        routing,
        creation_ms: now,
        update_ms: now,
    };
    let alias_arn = format!("{machine_arn}:{name}");
    let command = Command::CreateStateMachineAlias { machine_arn: machine_arn.clone(), alias };
    let created = state.node.propose(&machine_arn, command).await?;
    Ok(json!({ "stateMachineAliasArn": alias_arn, "creationDate": wire_seconds(created) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateMachineAliasArnInput {
    state_machine_alias_arn: Option<String>,
}

pub async fn describe(state: &AccountView<'_>, input: StateMachineAliasArnInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineAliasArn", &input.state_machine_alias_arn, 1, 256);
    c.finish()?;
    let (machine_arn, name) = alias_arn(state, arn)?;
    let alias = load_alias(state, &machine_arn, &name)?;
    let mut out = json!({
        "stateMachineAliasArn": arn,
        "name": alias.name,
        "routingConfiguration": routing_json(&machine_arn, &alias.routing),
        "creationDate": wire_seconds(alias.creation_ms),
        "updateDate": wire_seconds(alias.update_ms),
    });
    if let Some(description) = &alias.description {
        out["description"] = json!(description);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStateMachineAliasInput {
    state_machine_alias_arn: Option<String>,
    description: Option<String>,
    routing_configuration: Option<Vec<RoutingConfigurationListItem>>,
}

pub async fn update(state: &AccountView<'_>, input: UpdateStateMachineAliasInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineAliasArn", &input.state_machine_alias_arn, 1, 256);
    c.length("description", input.description.as_ref(), 0, 256);
    if let Some(routing) = &input.routing_configuration {
        check_routing_shape(&mut c, routing);
    }
    c.finish()?;
    let (machine_arn, name) = alias_arn(state, arn)?;
    if input.description.is_none() && input.routing_configuration.is_none() {
        return Err(AwsError::invalid_because(
            "MISSING_REQUIRED_PARAMETER",
            "Either the description or the routingConfiguration must be specified",
        ));
    }
    let routing = match &input.routing_configuration {
        Some(routing) => {
            let (routed_machine, routes) = routes(state, routing)?;
            if routed_machine != machine_arn {
                return Err(AwsError::invalid_because(
                    INVALID_ROUTING_CONFIGURATION,
                    format!("Routing configuration must contain versions of the alias's state machine '{machine_arn}'"),
                ));
            }
            Some(routes)
        }
        None => None,
    };
    let update = AliasUpdate {
        machine_arn: machine_arn.clone(),
        name,
        description: input.description.clone(),
        routing,
        update_ms: now_ms(),
    };
    let updated = state.node.propose(&machine_arn, Command::UpdateStateMachineAlias { update }).await?;
    Ok(json!({ "updateDate": wire_seconds(updated) }))
}

pub async fn delete(state: &AccountView<'_>, input: StateMachineAliasArnInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineAliasArn", &input.state_machine_alias_arn, 1, 256);
    c.finish()?;
    let (machine_arn, name) = alias_arn(state, arn)?;
    state
        .node
        .propose(&machine_arn, Command::DeleteStateMachineAlias { machine_arn: machine_arn.clone(), name })
        .await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListStateMachineAliasesInput {
    state_machine_arn: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// Aliases in name order; given a version ARN, only the aliases that route to that version.
pub async fn list(state: &AccountView<'_>, input: ListStateMachineAliasesInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineArn", &input.state_machine_arn, 1, 256);
    c.length("nextToken", input.next_token.as_ref(), 1, 1024);
    c.range("maxResults", input.max_results, 0, 1000);
    c.finish()?;
    let reference = StateMachineRef::parse(state, arn)?;
    let machine = super::state_machines::load(state, reference.machine_arn())?;
    let version = match &reference {
        StateMachineRef::Machine { .. } => None,
        StateMachineRef::Version { number, .. } => {
            if state.node.store.version(&machine.arn, *number)?.is_none() {
                return Err(AwsError::resource_not_found(arn));
            }
            Some(*number)
        }
        StateMachineRef::Alias { .. } => {
            return Err(AwsError::new(
                ErrorCode::InvalidArn,
                format!("Invalid Arn: 'Expected a state machine or version ARN: {arn}'"),
            ))
        }
    };
    let scope = format!("ListStateMachineAliases:{arn}");
    let from = match input.next_token.as_deref() {
        Some(token) => Some(super::validate::decoded::<String>(&decode_token(state.node.token_key(), &scope, token)?)?),
        None => None,
    };
    let limit = page_size(input.max_results);
    let mut matching = state
        .node
        .store
        .aliases(&machine.arn)?
        .into_iter()
        .filter(|a| version.is_none_or(|v| a.routing.iter().any(|r| r.version == v)))
        .filter(|a| from.as_ref().is_none_or(|from| a.name >= *from))
        .peekable();
    let mut items = Vec::new();
    while items.len() < limit {
        let Some(alias) = matching.next() else { break };
        items.push(json!({
            "stateMachineAliasArn": format!("{}:{}", machine.arn, alias.name),
            "creationDate": wire_seconds(alias.creation_ms),
        }));
    }
    let mut out = json!({ "stateMachineAliases": items });
    if let Some(next) = matching.peek() {
        out["nextToken"] = json!(encode_token(state.node.token_key(), &scope, &crate::store::encode(&next.name)));
    }
    Ok(out)
}
