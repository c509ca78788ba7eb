//! State machine versions and aliases: publishing, listing and describing versions, starting executions
//! through version and alias ARNs (an alias splits them by weight), the conflicts AWS reports, and both
//! surviving a restart.

use std::collections::HashMap;

use aws_sdk_sfn::operation::create_state_machine_alias::CreateStateMachineAliasError;
use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::types::RoutingConfigurationListItem;
use aws_sdk_sfn::types::ValidationExceptionReason;

use crate::server::code;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;

/// A Pass machine whose output names its version of the definition.
fn definition(n: u32) -> String {
    format!(r#"{{"StartAt":"P","States":{{"P":{{"Type":"Pass","Result":{{"v":{n}}},"End":true}}}}}}"#)
}

fn route(version_arn: &str, weight: i32) -> RoutingConfigurationListItem {
    RoutingConfigurationListItem::builder().state_machine_version_arn(version_arn).weight(weight).build().unwrap()
}

/// Creates a machine publishing `definition(1)` as version 1, then publishes `definition(2)` as version 2;
/// answers the machine ARN and the two version ARNs.
async fn machine_with_two_versions(sfn: &aws_sdk_sfn::Client, name: &str) -> (String, String, String) {
    let created = sfn
        .create_state_machine()
        .name(name)
        .definition(definition(1))
        .role_arn(ROLE)
        .publish(true)
        .send()
        .await
        .unwrap();
    let machine = created.state_machine_arn().to_string();
    let updated =
        sfn.update_state_machine().state_machine_arn(&machine).definition(definition(2)).publish(true).send().await;
    let v2 = updated.unwrap().state_machine_version_arn().unwrap().to_string();
    (machine, created.state_machine_version_arn().unwrap().to_string(), v2)
}

#[tokio::test]
async fn versions_are_published_listed_described_and_run() {
    let server = TestServer::start();
    let sfn = server.client();

    tracing::info!("--- create with publish=true makes version 1, described with its description");
    let created = sfn
        .create_state_machine()
        .name("versioned")
        .definition(definition(1))
        .role_arn(ROLE)
        .publish(true)
        .version_description("first")
        .send()
        .await
        .unwrap();
    let machine = created.state_machine_arn().to_string();
    let v1 = format!("{machine}:1");
    assert_eq!(created.state_machine_version_arn(), Some(v1.as_str()));
    let d = sfn.describe_state_machine().state_machine_arn(&v1).send().await.unwrap();
    assert_eq!(d.state_machine_arn(), v1);
    assert_eq!(d.definition(), definition(1));
    assert_eq!(d.description(), Some("first"));
    assert_eq!(d.revision_id(), None, "version 1 is the machine's initial revision");

    tracing::info!("--- publishing an unchanged machine answers the latest version");
    let again = sfn.publish_state_machine_version().state_machine_arn(&machine).send().await.unwrap();
    assert_eq!(again.state_machine_version_arn(), v1);

    tracing::info!("--- publish after an update, with its revision id, then publish through UpdateStateMachine");
    let update = sfn.update_state_machine().state_machine_arn(&machine).definition(definition(2)).send().await.unwrap();
    assert_eq!(update.state_machine_version_arn(), None);
    let v2 = sfn
        .publish_state_machine_version()
        .state_machine_arn(&machine)
        .revision_id(update.revision_id().unwrap())
        .description("second")
        .send()
        .await
        .unwrap();
    assert_eq!(v2.state_machine_version_arn(), format!("{machine}:2"));
    let v3 = sfn
        .update_state_machine()
        .state_machine_arn(&machine)
        .definition(definition(3))
        .publish(true)
        .version_description("third")
        .send()
        .await
        .unwrap();
    assert_eq!(v3.state_machine_version_arn(), Some(format!("{machine}:3").as_str()));
    let d = sfn.describe_state_machine().state_machine_arn(format!("{machine}:2")).send().await.unwrap();
    assert_eq!((d.definition(), d.description()), (definition(2).as_str(), Some("second")));
    assert_eq!(d.revision_id(), update.revision_id());

    tracing::info!("--- versions are listed newest first, page by page");
    let page = sfn.list_state_machine_versions().state_machine_arn(&machine).max_results(2).send().await.unwrap();
    let arns: Vec<&str> = page.state_machine_versions().iter().map(|v| v.state_machine_version_arn()).collect();
    assert_eq!(arns, [format!("{machine}:3"), format!("{machine}:2")]);
    let rest = sfn
        .list_state_machine_versions()
        .state_machine_arn(&machine)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = rest.state_machine_versions().iter().map(|v| v.state_machine_version_arn()).collect();
    assert_eq!(arns, [v1.as_str()]);
    assert!(rest.next_token().is_none());

    tracing::info!("--- an execution through version 1 runs version 1's definition and says so");
    let e = sfn.start_execution().state_machine_arn(&v1).send().await.unwrap();
    let d = wait_closed(&sfn, e.execution_arn()).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    assert_eq!(d.output(), Some(r#"{"v":1}"#));
    assert_eq!(d.state_machine_arn(), machine);
    assert_eq!(d.state_machine_version_arn(), Some(v1.as_str()));
    assert_eq!(d.state_machine_alias_arn(), None);
    let for_execution =
        sfn.describe_state_machine_for_execution().execution_arn(e.execution_arn()).send().await.unwrap();
    assert_eq!(for_execution.definition(), definition(1));
    let history = sfn.get_execution_history().execution_arn(e.execution_arn()).send().await.unwrap();
    let started = history.events()[0].execution_started_event_details().unwrap();
    assert_eq!(started.state_machine_version_arn(), Some(v1.as_str()));

    tracing::info!("--- the unqualified ARN runs the current revision, with no version");
    let current = sfn.start_execution().state_machine_arn(&machine).send().await.unwrap();
    let d = wait_closed(&sfn, current.execution_arn()).await;
    assert_eq!(d.output(), Some(r#"{"v":3}"#));
    assert_eq!(d.state_machine_version_arn(), None);

    tracing::info!("--- ListExecutions on a version ARN lists the executions started through it");
    let listed = sfn.list_executions().state_machine_arn(&v1).send().await.unwrap();
    let arns: Vec<&str> = listed.executions().iter().map(|x| x.execution_arn()).collect();
    assert_eq!(arns, [e.execution_arn()]);
    assert_eq!(listed.executions()[0].state_machine_version_arn(), Some(v1.as_str()));
    let all = sfn.list_executions().state_machine_arn(&machine).send().await.unwrap();
    assert_eq!(all.executions().len(), 2);

    tracing::info!("--- StartSyncExecution runs an EXPRESS machine's version");
    let express = sfn
        .create_state_machine()
        .name("versioned-express")
        .definition(definition(1))
        .role_arn(ROLE)
        .r#type(aws_sdk_sfn::types::StateMachineType::Express)
        .publish(true)
        .send()
        .await
        .unwrap();
    let express_v1 = express.state_machine_version_arn().unwrap();
    sfn.update_state_machine()
        .state_machine_arn(express.state_machine_arn())
        .definition(definition(2))
        .send()
        .await
        .unwrap();
    let sync = sfn.start_sync_execution().state_machine_arn(express_v1).send().await.unwrap();
    assert_eq!(sync.output(), Some(r#"{"v":1}"#));

    tracing::info!("--- a version that does not exist");
    let missing = format!("{machine}:99");
    assert_eq!(code(sfn.describe_state_machine().state_machine_arn(&missing).send().await), "StateMachineDoesNotExist");
    assert_eq!(code(sfn.start_execution().state_machine_arn(&missing).send().await), "StateMachineDoesNotExist");
}

#[tokio::test]
async fn an_alias_splits_executions_by_weight() {
    let server = TestServer::start();
    let sfn = server.client();
    let (machine, v1, v2) = machine_with_two_versions(&sfn, "routed").await;

    tracing::info!("--- an alias routes 90/10 over two versions");
    let alias = sfn
        .create_state_machine_alias()
        .name("live")
        .description("canary")
        .routing_configuration(route(&v1, 90))
        .routing_configuration(route(&v2, 10))
        .send()
        .await
        .unwrap();
    let alias_arn = alias.state_machine_alias_arn().to_string();
    assert_eq!(alias_arn, format!("{machine}:live"));
    let d = sfn.describe_state_machine_alias().state_machine_alias_arn(&alias_arn).send().await.unwrap();
    assert_eq!(d.name(), Some("live"));
    assert_eq!(d.description(), Some("canary"));
    let routing: Vec<(&str, i32)> =
        d.routing_configuration().iter().map(|r| (r.state_machine_version_arn(), r.weight())).collect();
    assert_eq!(routing, [(v1.as_str(), 90), (v2.as_str(), 10)]);

    tracing::info!("--- 200 executions through the alias use both versions in a plausible split");
    for i in 0..200 {
        sfn.start_execution().state_machine_arn(&alias_arn).name(format!("e{i}")).send().await.unwrap();
    }
    let listed = sfn.list_executions().state_machine_arn(&alias_arn).max_results(1000).send().await.unwrap();
    assert_eq!(listed.executions().len(), 200);
    let mut by_version: HashMap<String, usize> = HashMap::new();
    for item in listed.executions() {
        assert_eq!(item.state_machine_alias_arn(), Some(alias_arn.as_str()));
        *by_version.entry(item.state_machine_version_arn().unwrap().to_string()).or_default() += 1;
    }
    let (ones, twos) = (by_version.get(&v1).copied().unwrap_or(0), by_version.get(&v2).copied().unwrap_or(0));
    assert_eq!(ones + twos, 200, "{by_version:?}");
    // Version 2's count is Binomial(200, 0.1): mean 20, standard deviation 4.2. Outside 3..=50 (1.5% to 25%)
    // has a probability below 2e-7 (P(X <= 2) = 1.9e-7, P(X > 50) = 3e-10), while a router that ignored the
    // weights (0, 100 or 50/50) lands outside at once.
    assert!((3..=50).contains(&twos), "version 2 ran {twos} of 200 executions: {by_version:?}");
    let through_v2 = sfn.list_executions().state_machine_arn(&v2).max_results(1000).send().await.unwrap();
    assert_eq!(through_v2.executions().len(), twos, "ListExecutions on the version ARN agrees");

    tracing::info!("--- each version's executions run that version's definition");
    for (version, output) in [(&v1, r#"{"v":1}"#), (&v2, r#"{"v":2}"#)] {
        let item = listed.executions().iter().find(|e| e.state_machine_version_arn() == Some(version)).unwrap();
        let d = wait_closed(&sfn, item.execution_arn()).await;
        assert_eq!(d.output(), Some(output));
        assert_eq!(d.state_machine_alias_arn(), Some(alias_arn.as_str()));
    }

    tracing::info!("--- updating the alias moves every new execution to version 2");
    let before = sfn.describe_state_machine_alias().state_machine_alias_arn(&alias_arn).send().await.unwrap();
    sfn.update_state_machine_alias()
        .state_machine_alias_arn(&alias_arn)
        .routing_configuration(route(&v2, 100))
        .send()
        .await
        .unwrap();
    let after = sfn.describe_state_machine_alias().state_machine_alias_arn(&alias_arn).send().await.unwrap();
    assert_eq!(after.routing_configuration().len(), 1);
    assert_eq!(after.description(), Some("canary"), "a routing update keeps the description");
    assert_eq!(after.creation_date(), before.creation_date());
    for i in 0..10 {
        let e = sfn.start_execution().state_machine_arn(&alias_arn).name(format!("after{i}")).send().await.unwrap();
        let d = sfn.describe_execution().execution_arn(e.execution_arn()).send().await.unwrap();
        assert_eq!(d.state_machine_version_arn(), Some(v2.as_str()));
    }

    tracing::info!("--- aliases are listed for the machine and for the versions they route to");
    let of_machine = sfn.list_state_machine_aliases().state_machine_arn(&machine).send().await.unwrap();
    let arns: Vec<&str> = of_machine.state_machine_aliases().iter().map(|a| a.state_machine_alias_arn()).collect();
    assert_eq!(arns, [alias_arn.as_str()]);
    let of_v1 = sfn.list_state_machine_aliases().state_machine_arn(&v1).send().await.unwrap();
    assert!(of_v1.state_machine_aliases().is_empty());
    let of_v2 = sfn.list_state_machine_aliases().state_machine_arn(&v2).send().await.unwrap();
    assert_eq!(of_v2.state_machine_aliases().len(), 1);
}

#[tokio::test]
async fn conflicts_and_invalid_requests_are_refused_as_aws_does() {
    let server = TestServer::start();
    let sfn = server.client();
    let (machine, v1, v2) = machine_with_two_versions(&sfn, "guarded").await;
    let alias =
        sfn.create_state_machine_alias().name("prod").routing_configuration(route(&v1, 100)).send().await.unwrap();
    let alias_arn = alias.state_machine_alias_arn().to_string();

    tracing::info!("--- a version an alias routes to cannot be deleted");
    let refused = sfn.delete_state_machine_version().state_machine_version_arn(&v1).send().await;
    assert_eq!(code(refused), "ConflictException");

    tracing::info!("--- publishing with a stale revision id is a conflict");
    let stale = sfn.publish_state_machine_version().state_machine_arn(&machine).revision_id("INITIAL").send().await;
    assert_eq!(code(stale), "ConflictException");

    tracing::info!("--- bad routing configurations and alias names are ValidationException");
    let other = sfn
        .create_state_machine()
        .name("other")
        .definition(definition(9))
        .role_arn(ROLE)
        .publish(true)
        .send()
        .await
        .unwrap();
    let other_v1 = other.state_machine_version_arn().unwrap();
    let bad: [(&str, Vec<RoutingConfigurationListItem>); 6] = [
        ("weights under 100", vec![route(&v1, 60), route(&v2, 30)]),
        ("weight over 100", vec![route(&v1, 101)]),
        ("one version twice", vec![route(&v1, 50), route(&v1, 50)]),
        ("a state machine ARN", vec![route(&machine, 100)]),
        ("versions of two machines", vec![route(&v1, 50), route(other_v1, 50)]),
        ("three routes", vec![route(&v1, 50), route(&v2, 25), route(other_v1, 25)]),
    ];
    for (what, routing) in bad {
        let result = sfn.create_state_machine_alias().name("bad").set_routing_configuration(Some(routing)).send().await;
        assert_eq!(code(result), "ValidationException", "{what}");
    }
    let uneven = sfn
        .create_state_machine_alias()
        .name("uneven")
        .routing_configuration(route(&v1, 70))
        .routing_configuration(route(&v2, 29))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let CreateStateMachineAliasError::ValidationException(uneven) = uneven else { panic!("{uneven:?}") };
    assert_eq!(uneven.reason(), Some(&ValidationExceptionReason::InvalidRoutingConfiguration));
    assert_eq!(uneven.message(), Some("Sum of routing configuration weights must equal 100. Received: [70, 29]"));
    let numeric = sfn.create_state_machine_alias().name("123").routing_configuration(route(&v1, 100)).send().await;
    assert_eq!(code(numeric), "ValidationException", "an alias name may not look like a version number");
    let update = sfn
        .update_state_machine_alias()
        .state_machine_alias_arn(&alias_arn)
        .routing_configuration(route(&v1, 50))
        .send()
        .await;
    assert_eq!(code(update), "ValidationException");

    tracing::info!("--- create is idempotent for the same alias and a conflict for another one of the same name");
    let same = sfn.create_state_machine_alias().name("prod").routing_configuration(route(&v1, 100)).send().await;
    assert_eq!(same.unwrap().creation_date(), alias.creation_date());
    let different = sfn.create_state_machine_alias().name("prod").routing_configuration(route(&v2, 100)).send().await;
    assert_eq!(code(different), "ConflictException");

    tracing::info!("--- aliases and versions that do not exist");
    let nowhere = format!("{machine}:nowhere");
    assert_eq!(
        code(sfn.describe_state_machine_alias().state_machine_alias_arn(&nowhere).send().await),
        "ResourceNotFound"
    );
    let update = sfn.update_state_machine_alias().state_machine_alias_arn(&nowhere).description("x").send().await;
    assert_eq!(code(update), "ResourceNotFound");
    let to_missing = sfn
        .create_state_machine_alias()
        .name("dangling")
        .routing_configuration(route(&format!("{machine}:42"), 100))
        .send()
        .await;
    assert_eq!(code(to_missing), "ResourceNotFound");
    assert_eq!(code(sfn.start_execution().state_machine_arn(&nowhere).send().await), "StateMachineDoesNotExist");

    tracing::info!("--- a state machine has at most 100 aliases");
    for i in 1..100 {
        sfn.create_state_machine_alias()
            .name(format!("a{i}"))
            .routing_configuration(route(&v2, 100))
            .send()
            .await
            .unwrap();
    }
    let over = sfn.create_state_machine_alias().name("a100").routing_configuration(route(&v2, 100)).send().await;
    assert_eq!(code(over), "ServiceQuotaExceededException");
    let first = sfn.list_state_machine_aliases().state_machine_arn(&machine).max_results(60).send().await.unwrap();
    let rest = sfn
        .list_state_machine_aliases()
        .state_machine_arn(&machine)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!((first.state_machine_aliases().len(), rest.state_machine_aliases().len()), (60, 40));
    assert!(rest.next_token().is_none());
    for i in 1..100 {
        let arn = format!("{machine}:a{i}");
        sfn.delete_state_machine_alias().state_machine_alias_arn(arn).send().await.unwrap();
    }

    tracing::info!("--- delete the alias, then its version; numbers are never reused");
    sfn.delete_state_machine_alias().state_machine_alias_arn(&alias_arn).send().await.unwrap();
    sfn.delete_state_machine_alias().state_machine_alias_arn(&alias_arn).send().await.expect("deleting again is fine");
    assert_eq!(
        code(sfn.describe_state_machine_alias().state_machine_alias_arn(&alias_arn).send().await),
        "ResourceNotFound"
    );
    sfn.delete_state_machine_version().state_machine_version_arn(&v1).send().await.unwrap();
    sfn.delete_state_machine_version().state_machine_version_arn(&v2).send().await.unwrap();
    let listed = sfn.list_state_machine_versions().state_machine_arn(&machine).send().await.unwrap();
    assert!(listed.state_machine_versions().is_empty());
    assert_eq!(code(sfn.start_execution().state_machine_arn(&v1).send().await), "StateMachineDoesNotExist");
    let update =
        sfn.update_state_machine().state_machine_arn(&machine).definition(definition(3)).publish(true).send().await;
    assert_eq!(update.unwrap().state_machine_version_arn(), Some(format!("{machine}:3").as_str()));

    tracing::info!("--- deleting the state machine deletes its versions and aliases");
    sfn.create_state_machine_alias()
        .name("last")
        .routing_configuration(route(&format!("{machine}:3"), 100))
        .send()
        .await
        .unwrap();
    sfn.delete_state_machine().state_machine_arn(&machine).send().await.unwrap();
    let v3 = format!("{machine}:3");
    assert_eq!(code(sfn.describe_state_machine().state_machine_arn(&v3).send().await), "StateMachineDoesNotExist");
    let last = format!("{machine}:last");
    assert_eq!(
        code(sfn.describe_state_machine_alias().state_machine_alias_arn(&last).send().await),
        "ResourceNotFound"
    );
}

#[tokio::test]
async fn versions_and_aliases_survive_a_restart() {
    let server = TestServer::start();
    let sfn = server.client();
    let (machine, v1, v2) = machine_with_two_versions(&sfn, "lasting").await;
    let alias = sfn
        .create_state_machine_alias()
        .name("split")
        .routing_configuration(route(&v1, 50))
        .routing_configuration(route(&v2, 50))
        .send()
        .await
        .unwrap();

    tracing::info!("--- kill -9 and restart");
    let server = server.kill_and_restart();
    let sfn = server.client();

    tracing::info!("--- versions, the alias and the version counter are all there");
    let listed = sfn.list_state_machine_versions().state_machine_arn(&machine).send().await.unwrap();
    let arns: Vec<&str> = listed.state_machine_versions().iter().map(|v| v.state_machine_version_arn()).collect();
    assert_eq!(arns, [v2.as_str(), v1.as_str()]);
    let d = sfn.describe_state_machine_alias().state_machine_alias_arn(alias.state_machine_alias_arn()).send().await;
    assert_eq!(d.unwrap().routing_configuration().len(), 2);
    let e = sfn.start_execution().state_machine_arn(alias.state_machine_alias_arn()).send().await.unwrap();
    let d = wait_closed(&sfn, e.execution_arn()).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    assert!([Some(v1.as_str()), Some(v2.as_str())].contains(&d.state_machine_version_arn()));
    let update =
        sfn.update_state_machine().state_machine_arn(&machine).definition(definition(3)).publish(true).send().await;
    assert_eq!(update.unwrap().state_machine_version_arn(), Some(format!("{machine}:3").as_str()));
}
