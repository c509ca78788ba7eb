//! Durability: everything acknowledged survives `kill -9`, and the node keeps accepting writes after it.

use aws_sdk_sfn::types::ExecutionStatus;

use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::PASS_MACHINE;
use crate::server::ROLE;

const WAIT_THEN_PASS: &str = r#"{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":2,"Next":"P"},"P":{"Type":"Pass","Result":{"woke":true},"End":true}}}"#;

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let server = TestServer::start();
    let sfn = server.client();

    tracing::info!("--- acknowledge resources and executions, then kill -9");
    let machine =
        sfn.create_state_machine().name("durable").definition(PASS_MACHINE).role_arn(ROLE).send().await.unwrap();
    let sleeper =
        sfn.create_state_machine().name("sleeper").definition(WAIT_THEN_PASS).role_arn(ROLE).send().await.unwrap();
    let activity = sfn.create_activity().name("durable-activity").send().await.unwrap();
    let mut finished = Vec::new();
    for i in 0..20 {
        let e = sfn
            .start_execution()
            .state_machine_arn(machine.state_machine_arn())
            .name(format!("e{i}"))
            .send()
            .await
            .unwrap();
        finished.push(e.execution_arn().to_string());
    }
    for arn in &finished {
        wait_closed(&sfn, arn).await;
    }
    let sleeping = sfn.start_execution().state_machine_arn(sleeper.state_machine_arn()).name("s").send().await.unwrap();
    let server = server.kill_and_restart();
    let sfn = server.client();

    tracing::info!("--- everything acknowledged is there");
    let d = sfn.describe_state_machine().state_machine_arn(machine.state_machine_arn()).send().await.unwrap();
    assert_eq!(d.definition(), PASS_MACHINE);
    assert_eq!(d.creation_date(), machine.creation_date());
    sfn.describe_activity().activity_arn(activity.activity_arn()).send().await.unwrap();
    for arn in &finished {
        let d = sfn.describe_execution().execution_arn(arn).send().await.unwrap();
        assert_eq!(d.status(), &ExecutionStatus::Succeeded, "{arn}");
        let h = sfn.get_execution_history().execution_arn(arn).send().await.unwrap();
        let ids: Vec<i64> = h.events().iter().map(|e| e.id()).collect();
        assert_eq!(ids, (1..=6).collect::<Vec<_>>(), "history of {arn} is complete, without gaps");
    }

    tracing::info!("--- an execution parked in a Wait resumes and finishes after the restart");
    let d = wait_closed(&sfn, sleeping.execution_arn()).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    assert_eq!(d.output(), Some(r#"{"woke":true}"#));

    tracing::info!("--- new writes continue");
    let e = sfn.start_execution().state_machine_arn(machine.state_machine_arn()).name("after").send().await.unwrap();
    assert_eq!(wait_closed(&sfn, e.execution_arn()).await.status(), &ExecutionStatus::Succeeded);
    sfn.create_activity().name("after-restart").send().await.unwrap();
    assert_eq!(sfn.list_activities().send().await.unwrap().activities().len(), 2);
}
