//! `GET /metrics`: the Prometheus page reflects real traffic (requests by operation and code, heartbeats,
//! a fired heartbeat timeout, Raft commit latency, fsync batching, applied index).

use std::collections::HashMap;
use std::io::Read;
use std::io::Write;
use std::net::TcpStream;

use crate::server::code;
use crate::server::scrape;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;

#[tokio::test]
async fn metrics_page_counts_real_traffic() {
    let server = TestServer::start();
    let sfn = server.client();

    eprintln!("--- two activity tasks with a 1 s heartbeat window: one kept alive and completed, one left to time out");
    {
        let activity = sfn.create_activity().name("metrics").send().await.unwrap();
        let definition = serde_json::json!({"StartAt": "Work", "States": {"Work": {
            "Type": "Task", "Resource": activity.activity_arn(), "HeartbeatSeconds": 1, "TimeoutSeconds": 60, "End": true}}});
        let machine = sfn
            .create_state_machine()
            .name("metrics")
            .role_arn(ROLE)
            .definition(definition.to_string())
            .send()
            .await
            .unwrap();
        let mut executions = HashMap::new();
        for name in ["kept", "dropped"] {
            let started = sfn
                .start_execution()
                .state_machine_arn(machine.state_machine_arn())
                .name(name)
                .input(format!(r#"{{"name":"{name}"}}"#))
                .send()
                .await
                .unwrap();
            executions.insert(name, started.execution_arn().to_string());
        }
        let mut tokens = HashMap::new();
        while tokens.len() < 2 {
            let task = sfn.get_activity_task().activity_arn(activity.activity_arn()).send().await.unwrap();
            if let (Some(token), Some(input)) = (task.task_token(), task.input()) {
                let input: serde_json::Value = serde_json::from_str(input).unwrap();
                tokens.insert(input["name"].as_str().unwrap().to_string(), token.to_string());
            }
        }
        for _ in 0..3 {
            sfn.send_task_heartbeat().task_token(&tokens["kept"]).send().await.unwrap();
        }
        assert_eq!(code(sfn.send_task_heartbeat().task_token("forged").send().await), "InvalidToken");
        sfn.send_task_success().task_token(&tokens["kept"]).output("{}").send().await.unwrap();
        let kept = wait_closed(&sfn, &executions["kept"]).await;
        assert_eq!(kept.status().as_str(), "SUCCEEDED");
        let dropped = wait_closed(&sfn, &executions["dropped"]).await;
        assert_eq!(dropped.status().as_str(), "FAILED", "the heartbeat window passed");
    }

    eprintln!("--- the page counts exactly that traffic, by operation and code");
    {
        let page = scrape(&server.address);
        let get = |key: &str| page.get(key).copied().unwrap_or_else(|| panic!("{key} missing from {page:#?}"));
        assert_eq!(get(r#"statehouse_api_requests_total{operation="SendTaskHeartbeat",code="ok"}"#), 3.0);
        assert_eq!(get(r#"statehouse_api_requests_total{operation="SendTaskHeartbeat",code="InvalidToken"}"#), 1.0);
        assert_eq!(get(r#"statehouse_api_requests_total{operation="StartExecution",code="ok"}"#), 2.0);
        assert_eq!(get(r#"statehouse_api_request_duration_seconds_count{operation="StartExecution"}"#), 2.0);
        assert_eq!(get("statehouse_heartbeats_total"), 3.0);
        assert_eq!(get("statehouse_timeouts_fired_total"), 1.0);
        assert!(page.contains_key("statehouse_open_executions"));
        assert!(get("statehouse_raft_applied_index") >= 8.0, "every write above went through the log");
        assert_eq!(get("statehouse_raft_applied_index"), get("statehouse_raft_last_log_index"));
        assert!(get("statehouse_raft_commit_duration_seconds_count") >= 6.0);
        let fsyncs = get("statehouse_raft_log_fsyncs_total");
        assert!(fsyncs >= 1.0 && get("statehouse_raft_appends_per_fsync_count") == fsyncs);
        assert!(page.contains_key("statehouse_open_tokens"));
    }

    eprintln!("--- unknown targets share one label value instead of one series each");
    {
        let mut stream = TcpStream::connect(&server.address).unwrap();
        let request = "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStepFunctions.Nope123\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
        stream.write_all(request.as_bytes()).unwrap();
        stream.read_to_string(&mut String::new()).unwrap();
        let page = scrape(&server.address);
        assert_eq!(
            page.get(r#"statehouse_api_requests_total{operation="unknown",code="UnknownOperationException"}"#),
            Some(&1.0)
        );
        assert!(!page.keys().any(|k| k.contains("Nope123")));
    }
}
