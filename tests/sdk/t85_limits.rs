//! Limits a shared scheduler enforces: per-operation request rates (`[throttle]`) and RUNNING executions
//! per account (`open_executions_per_account`).

use aws_sdk_sfn::config::retry::RetryConfig;

use crate::server::code;
use crate::server::config_for;
use crate::server::signed_client;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;
use crate::server::TWO_ACCOUNTS;

#[tokio::test]
async fn an_operation_over_its_rate_is_throttled_and_others_are_not() {
    let server = TestServer::start_with_config("[throttle]\nListStateMachines = { rate = 0.001, burst = 2 }\n");
    let sfn = aws_sdk_sfn::Client::from_conf(config_for(&server.address).retry_config(RetryConfig::disabled()).build());
    for _ in 0..2 {
        sfn.list_state_machines().send().await.expect("within the burst");
    }
    assert_eq!(code(sfn.list_state_machines().send().await), "ThrottlingException");
    sfn.list_activities().send().await.expect("an operation without a rule is not throttled");

    let retrying = server.client();
    let refused = retrying.list_state_machines().send().await;
    assert_eq!(code(refused), "ThrottlingException", "SDK retries meet the same empty bucket");
}

/// Waits an hour: stays RUNNING until stopped.
const WAITING_MACHINE: &str = r#"{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":3600,"End":true}}}"#;

async fn create_waiting_machine(sfn: &aws_sdk_sfn::Client) -> String {
    let created = sfn
        .create_state_machine()
        .name("hold")
        .definition(WAITING_MACHINE)
        .role_arn(ROLE)
        .send()
        .await
        .expect("create");
    created.state_machine_arn().to_string()
}

async fn start(sfn: &aws_sdk_sfn::Client, machine: &str, name: &str) -> Result<String, String> {
    match sfn.start_execution().state_machine_arn(machine).name(name).send().await {
        Ok(started) => Ok(started.execution_arn().to_string()),
        Err(e) => Err(code::<_, ()>(Err(e))),
    }
}

#[tokio::test]
async fn an_account_at_its_open_execution_limit_cannot_start_more_until_one_ends() {
    let server = TestServer::start_with_config(&format!("open_executions_per_account = 2\n{TWO_ACCOUNTS}"));
    let alpha = signed_client(&server.address, "AKIDALPHA", "alpha-secret");
    let beta = signed_client(&server.address, "AKIDBETA", "beta-secret");
    let alpha_machine = create_waiting_machine(&alpha).await;
    let beta_machine = create_waiting_machine(&beta).await;

    let first = start(&alpha, &alpha_machine, "first").await.expect("first start");
    start(&alpha, &alpha_machine, "second").await.expect("second start");
    assert_eq!(start(&alpha, &alpha_machine, "third").await, Err("ExecutionLimitExceeded".to_string()));
    assert_eq!(
        start(&alpha, &alpha_machine, "first").await,
        Ok(first.clone()),
        "repeating an open execution's start is idempotent, not a new execution"
    );
    let refused = first.replace(":first", ":third");
    let lookup = alpha.describe_execution().execution_arn(&refused).send().await;
    assert_eq!(code(lookup), "ExecutionDoesNotExist", "a refused start leaves nothing behind");
    start(&beta, &beta_machine, "first").await.expect("another account has its own limit");

    let server = server.kill_and_restart();
    let alpha = signed_client(&server.address, "AKIDALPHA", "alpha-secret");
    assert_eq!(
        start(&alpha, &alpha_machine, "third").await,
        Err("ExecutionLimitExceeded".to_string()),
        "the count survives a restart"
    );
    alpha.stop_execution().execution_arn(&first).send().await.expect("stop");
    assert_eq!(wait_closed(&alpha, &first).await.status().as_str(), "ABORTED");
    start(&alpha, &alpha_machine, "third").await.expect("a stopped execution frees its place");
}
