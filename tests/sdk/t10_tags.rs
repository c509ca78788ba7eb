//! Tags on state machines and activities.

use aws_sdk_sfn::types::Tag;

use crate::server::code;
use crate::server::TestServer;
use crate::server::PASS_MACHINE;
use crate::server::ROLE;

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

#[tokio::test]
async fn tags_are_per_resource_and_limited() {
    let server = TestServer::start();
    let sfn = server.client();
    let machine = sfn
        .create_state_machine()
        .name("tagged")
        .definition(PASS_MACHINE)
        .role_arn(ROLE)
        .tags(tag("team", "a"))
        .send()
        .await
        .unwrap();
    let arn = machine.state_machine_arn();
    let activity = sfn.create_activity().name("tagged").send().await.unwrap();

    sfn.tag_resource().resource_arn(arn).tags(tag("env", "dev")).tags(tag("team", "b")).send().await.unwrap();
    let mut tags: Vec<(String, String)> = sfn
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect();
    tags.sort();
    assert_eq!(tags, [("env".to_string(), "dev".to_string()), ("team".to_string(), "b".to_string())]);
    assert!(sfn.list_tags_for_resource().resource_arn(activity.activity_arn()).send().await.unwrap().tags().is_empty());

    sfn.untag_resource().resource_arn(arn).tag_keys("team").tag_keys("absent").send().await.unwrap();
    let left = sfn.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
    assert_eq!(left.tags().len(), 1);

    let many: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    assert_eq!(code(sfn.tag_resource().resource_arn(arn).set_tags(Some(many)).send().await), "TooManyTags");
    assert_eq!(sfn.list_tags_for_resource().resource_arn(arn).send().await.unwrap().tags().len(), 1, "unchanged");

    let missing = "arn:aws:states:us-east-1:123456789012:stateMachine:missing";
    assert_eq!(code(sfn.tag_resource().resource_arn(missing).tags(tag("a", "b")).send().await), "ResourceNotFound");
    assert_eq!(code(sfn.list_tags_for_resource().resource_arn(missing).send().await), "ResourceNotFound");
    assert_eq!(code(sfn.list_tags_for_resource().resource_arn("bogus").send().await), "InvalidArn");
}
