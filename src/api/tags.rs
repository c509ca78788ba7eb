//! Tag operations on state machines and activities: TagResource, UntagResource, ListTagsForResource.

use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use serde_json::Value;

use super::validate::Constraints;
use super::AccountView;
use crate::arn::Arn;
use crate::arn::ResourceKind;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::names::is_valid_tag_text;
use crate::raft::Command;
use crate::store::Tag;
use crate::store::MAX_TAGS;

/// A tag as the API spells it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TagShape {
    key: Option<String>,
    value: Option<String>,
}

/// Checks tags against the model constraints and AWS's tag rules.
pub fn validate_tags(tags: Vec<TagShape>, resource: &str) -> Result<Vec<Tag>, AwsError> {
    if tags.len() > MAX_TAGS {
        return Err(AwsError::with_resource(
            ErrorCode::TooManyTags,
            format!("Too many tags: a resource can have at most {MAX_TAGS} tags: '{resource}'"),
            resource,
        ));
    }
    let mut c = Constraints::default();
    for (i, tag) in tags.iter().enumerate() {
        c.required(&format!("tags.{}.member.key", i + 1), &tag.key, 1, 128);
        c.length(&format!("tags.{}.member.value", i + 1), tag.value.as_ref(), 0, 256);
    }
    c.finish()?;
    tags.into_iter()
        .map(|t| {
            let key = t.key.unwrap_or_default();
            let value = t.value.unwrap_or_default();
            if !is_valid_tag_text(&key) || !is_valid_tag_text(&value) || key.starts_with("aws:") {
                return Err(AwsError::new(
                    ErrorCode::ValidationException,
                    format!("1 validation error detected: Value '{key}' at 'tags' failed to satisfy constraint: Tag keys and values may contain only letters, digits, whitespace and _.:/=+-@, and keys may not start with 'aws:'"),
                ));
            }
            Ok(Tag { key, value })
        })
        .collect()
}

/// Parses a taggable resource's ARN; another account's resource is not found.
fn resource_arn(state: &AccountView<'_>, arn: &str) -> Result<(), AwsError> {
    let parsed = Arn::parse(arn, &[ResourceKind::StateMachine, ResourceKind::Activity])
        .map_err(|e| AwsError::new(ErrorCode::InvalidArn, e.to_string()))?;
    if !state.arns.owns(&parsed) {
        return Err(AwsError::resource_not_found(arn));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagResourceInput {
    resource_arn: Option<String>,
    tags: Option<Vec<TagShape>>,
}

pub async fn tag(state: &AccountView<'_>, input: TagResourceInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("resourceArn", &input.resource_arn, 1, 256);
    if input.tags.is_none() {
        c.required("tags", &None, 0, 0);
    }
    c.finish()?;
    resource_arn(state, arn)?;
    let tags = validate_tags(input.tags.unwrap_or_default(), arn)?;
    state.node.propose(arn, Command::TagResource { arn: arn.to_string(), tags }).await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UntagResourceInput {
    resource_arn: Option<String>,
    tag_keys: Option<Vec<String>>,
}

pub async fn untag(state: &AccountView<'_>, input: UntagResourceInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("resourceArn", &input.resource_arn, 1, 256);
    if input.tag_keys.is_none() {
        c.required("tagKeys", &None, 0, 0);
    }
    for (i, key) in input.tag_keys.iter().flatten().enumerate() {
        c.length(&format!("tagKeys.{}.member", i + 1), Some(key), 1, 128);
    }
    c.finish()?;
    resource_arn(state, arn)?;
    let keys = input.tag_keys.unwrap_or_default();
    state.node.propose(arn, Command::UntagResource { arn: arn.to_string(), keys }).await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTagsInput {
    resource_arn: Option<String>,
}

pub async fn list(state: &AccountView<'_>, input: ListTagsInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("resourceArn", &input.resource_arn, 1, 256);
    c.finish()?;
    resource_arn(state, arn)?;
    let store = &state.node.store;
    let exists = store.state_machine(arn)?.is_some() || store.activity(arn)?.is_some();
    if !exists {
        return Err(AwsError::resource_not_found(arn));
    }
    let tags = store.tags(arn)?;
    let tags: Vec<Value> = tags.iter().map(|t| json!({ "key": t.key, "value": t.value })).collect();
    Ok(json!({ "tags": tags }))
}
