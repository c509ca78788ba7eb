//! State machine resources through the SDK: create, idempotency, describe, update, list, delete, validate.

use aws_sdk_sfn::types::StateMachineType;

use crate::server::code;
use crate::server::TestServer;
use crate::server::PASS_MACHINE;
use crate::server::ROLE;

#[tokio::test]
async fn state_machine_lifecycle() {
    let server = TestServer::start();
    let sfn = server.client();

    // Create, then create again identically: same ARN and creation date.
    let created = sfn.create_state_machine().name("m1").definition(PASS_MACHINE).role_arn(ROLE).send().await.unwrap();
    assert_eq!(created.state_machine_arn(), "arn:aws:states:us-east-1:123456789012:stateMachine:m1");
    let again = sfn.create_state_machine().name("m1").definition(PASS_MACHINE).role_arn(ROLE).send().await.unwrap();
    assert_eq!(again.creation_date(), created.creation_date());

    // Same name with another definition or type: StateMachineAlreadyExists.
    let other = PASS_MACHINE.replace("argument1", "argument2");
    let r = sfn.create_state_machine().name("m1").definition(&other).role_arn(ROLE).send().await;
    assert_eq!(code(r), "StateMachineAlreadyExists");
    let r = sfn
        .create_state_machine()
        .name("m1")
        .definition(PASS_MACHINE)
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .send()
        .await;
    assert_eq!(code(r), "StateMachineAlreadyExists");

    // Bad input: name, definition, role ARN.
    let r = sfn.create_state_machine().name("bad name").definition(PASS_MACHINE).role_arn(ROLE).send().await;
    assert_eq!(code(r), "InvalidName");
    let r = sfn
        .create_state_machine()
        .name("m2")
        .definition("{\"StartAt\":\"Nope\",\"States\":{}}")
        .role_arn(ROLE)
        .send()
        .await;
    assert_eq!(code(r), "InvalidDefinition");
    let r = sfn.create_state_machine().name("m2").definition("not json").role_arn(ROLE).send().await;
    assert_eq!(code(r), "InvalidDefinition");
    let r = sfn.create_state_machine().name("m2").definition(PASS_MACHINE).role_arn("role").send().await;
    assert_eq!(code(r), "InvalidArn");
    let list = sfn.list_state_machines().send().await.unwrap();
    assert_eq!(list.state_machines().len(), 1, "failed creates change nothing");

    // Describe shows what was created, with logging/tracing defaults.
    let arn = created.state_machine_arn();
    let d = sfn.describe_state_machine().state_machine_arn(arn).send().await.unwrap();
    assert_eq!(d.name(), "m1");
    assert_eq!(d.definition(), PASS_MACHINE);
    assert_eq!(d.role_arn(), ROLE);
    assert_eq!(d.r#type(), &StateMachineType::Standard);
    assert_eq!(d.status().unwrap().as_str(), "ACTIVE");
    assert_eq!(d.logging_configuration().unwrap().level().unwrap().as_str(), "OFF");
    assert!(!d.tracing_configuration().unwrap().enabled());

    // Update returns a revision and an update date; describe reflects it.
    let u = sfn.update_state_machine().state_machine_arn(arn).definition(&other).send().await.unwrap();
    let revision = u.revision_id().expect("revision id").to_string();
    let d = sfn.describe_state_machine().state_machine_arn(arn).send().await.unwrap();
    assert_eq!(d.definition(), other);
    assert_eq!(d.revision_id(), Some(revision.as_str()));
    let r = sfn.update_state_machine().state_machine_arn(arn).send().await;
    assert_eq!(code(r), "MissingRequiredParameter");
    let r = sfn.update_state_machine().state_machine_arn(arn).definition("{}").send().await;
    assert_eq!(code(r), "InvalidDefinition");
    assert_eq!(sfn.describe_state_machine().state_machine_arn(arn).send().await.unwrap().definition(), other);

    // Errors for missing and malformed ARNs.
    let missing = "arn:aws:states:us-east-1:123456789012:stateMachine:nope";
    assert_eq!(code(sfn.describe_state_machine().state_machine_arn(missing).send().await), "StateMachineDoesNotExist");
    assert_eq!(code(sfn.describe_state_machine().state_machine_arn("nope").send().await), "InvalidArn");
    assert_eq!(
        code(sfn.update_state_machine().state_machine_arn(missing).role_arn(ROLE).send().await),
        "StateMachineDoesNotExist"
    );

    // Pagination: 5 machines, 2 per page, every machine exactly once.
    for i in 0..4 {
        sfn.create_state_machine()
            .name(format!("page-{i}"))
            .definition(PASS_MACHINE)
            .role_arn(ROLE)
            .send()
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = sfn.list_state_machines().max_results(2).set_next_token(token).send().await.unwrap();
        assert!(page.state_machines().len() <= 2);
        names.extend(page.state_machines().iter().map(|m| m.name().to_string()));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    names.sort();
    assert_eq!(names, ["m1", "page-0", "page-1", "page-2", "page-3"]);
    assert_eq!(code(sfn.list_state_machines().next_token("forged").send().await), "InvalidToken");

    // Delete: idempotent, then gone.
    sfn.delete_state_machine().state_machine_arn(arn).send().await.unwrap();
    sfn.delete_state_machine().state_machine_arn(arn).send().await.unwrap();
    assert_eq!(code(sfn.describe_state_machine().state_machine_arn(arn).send().await), "StateMachineDoesNotExist");
}

#[tokio::test]
async fn validate_state_machine_definition() {
    let server = TestServer::start();
    let sfn = server.client();
    let ok = sfn.validate_state_machine_definition().definition(PASS_MACHINE).send().await.unwrap();
    assert_eq!(ok.result().as_str(), "OK");
    assert!(ok.diagnostics().is_empty());
    let bad = sfn
        .validate_state_machine_definition()
        .definition(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Missing"}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.result().as_str(), "FAIL");
    assert!(!bad.diagnostics().is_empty());
    assert!(bad.diagnostics().iter().all(|d| !d.code().is_empty() && !d.message().is_empty()));

    // A Map iteration may read an outer variable but not assign its name.
    let shadowing = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"count":0},"Next":"M"},
        "M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"I","States":{
          "I":{"Type":"Pass","Assign":{"count.$":"States.MathAdd($count, 1)"},"End":true}}}}}}"#;
    let found = sfn.validate_state_machine_definition().definition(shadowing).send().await.unwrap();
    assert_eq!(found.result().as_str(), "FAIL");
    let locations: Vec<_> = found.diagnostics().iter().map(|d| d.location().unwrap_or_default()).collect();
    assert_eq!(locations, ["/States/M/ItemProcessor/States/I/Assign/count.$"]);
    let created = sfn.create_state_machine().name("shadowing").definition(shadowing).role_arn(ROLE).send().await;
    assert_eq!(code(created), "InvalidDefinition");
    let readable =
        shadowing.replace(r#"{"count.$":"States.MathAdd($count, 1)"}"#, r#"{"next.$":"States.MathAdd($count, 1)"}"#);
    let found = sfn.validate_state_machine_definition().definition(&readable).send().await.unwrap();
    assert_eq!(found.result().as_str(), "OK", "{:?}", found.diagnostics());
}
