//! Limits a shared scheduler enforces: per-operation request rates (`[throttle]`).

use aws_sdk_sfn::config::retry::RetryConfig;

use crate::server::code;
use crate::server::config_for;
use crate::server::TestServer;

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
