//! History retention: a closed execution is forgotten once `history_retention_seconds` have passed since
//! it closed; a running one is kept however old it is.

use std::time::Duration;
use std::time::Instant;

use aws_sdk_sfn::types::ExecutionStatus;

use crate::server::code;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::PASS_MACHINE;
use crate::server::ROLE;

const SLEEPER: &str = r#"{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":3600,"End":true}}}"#;

#[tokio::test]
async fn closed_executions_are_forgotten_after_the_retention_and_running_ones_are_kept() {
    let server = TestServer::start_with_config("history_retention_seconds = 2");
    let sfn = server.client();
    let pass = sfn.create_state_machine().name("pass").definition(PASS_MACHINE).role_arn(ROLE).send().await.unwrap();
    let sleeper = sfn.create_state_machine().name("sleeper").definition(SLEEPER).role_arn(ROLE).send().await.unwrap();
    let running = sfn.start_execution().state_machine_arn(sleeper.state_machine_arn()).send().await.unwrap();
    let done = sfn.start_execution().state_machine_arn(pass.state_machine_arn()).send().await.unwrap();
    let closed_at = Instant::now();
    assert_eq!(wait_closed(&sfn, done.execution_arn()).await.status(), &ExecutionStatus::Succeeded);

    tracing::info!("--- the closed execution disappears, history and all, after its retention and not before");
    let forgotten = loop {
        let described = sfn.describe_execution().execution_arn(done.execution_arn()).send().await;
        if described.is_err() && code(described) == "ExecutionDoesNotExist" {
            break closed_at.elapsed();
        }
        assert!(closed_at.elapsed() < Duration::from_secs(30), "forgotten within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(forgotten >= Duration::from_secs(2), "kept for its retention ({forgotten:?})");
    let history = sfn.get_execution_history().execution_arn(done.execution_arn()).send().await;
    assert_eq!(code(history), "ExecutionDoesNotExist");
    let listed = sfn.list_executions().state_machine_arn(pass.state_machine_arn()).send().await.unwrap();
    assert!(listed.executions().is_empty(), "no longer listed");

    tracing::info!("--- the running execution, older than the retention, is still there");
    let described = sfn.describe_execution().execution_arn(running.execution_arn()).send().await.unwrap();
    assert_eq!(described.status(), &ExecutionStatus::Running);
}
