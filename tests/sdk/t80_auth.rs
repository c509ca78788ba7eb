//! SigV4 authentication (`auth = "sigv4"`): signed SDK calls pass, unsigned, unknown-key, wrong-secret,
//! skewed and tampered requests get the errors AWS sends; each account sees only its own resources.

use std::io::Read;
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;
use std::time::SystemTime;

use aws_sdk_sfn::config::retry::RetryConfig;
use aws_sdk_sfn::config::Credentials;
use aws_sigv4::http_request::sign;
use aws_sigv4::http_request::SignableBody;
use aws_sigv4::http_request::SignableRequest;
use aws_sigv4::http_request::SignatureLocation;
use aws_sigv4::http_request::SigningSettings;
use aws_sigv4::sign::v4;
use aws_smithy_async::time::SharedTimeSource;
use aws_smithy_async::time::TimeSource;

use crate::server::code;
use crate::server::config_for;
use crate::server::raw_post;
use crate::server::signed_client;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::PASS_MACHINE;
use crate::server::ROLE;
use crate::server::TWO_ACCOUNTS;

/// A clock running `offset` behind the real one.
#[derive(Debug)]
struct LateClock {
    offset: Duration,
}

impl TimeSource for LateClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() - self.offset
    }
}

/// The path and query of a request presigned in the query string for `target` with `body`.
fn presign(address: &str, headers: &[(&str, &str)], body: &str) -> String {
    let identity = Credentials::new("AKIDALPHA", "alpha-secret", None, None, "test").into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(300));
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("states")
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .expect("signing params")
        .into();
    let url = format!("http://{address}/");
    let request = SignableRequest::new("POST", &url, headers.iter().copied(), SignableBody::Bytes(body.as_bytes()))
        .expect("signable");
    let (instructions, _) = sign(request, &params).expect("sign").into_parts();
    let mut signed = http::Request::builder().uri(&url).body(()).expect("request");
    instructions.apply_to_request_http1x(&mut signed);
    signed.uri().path_and_query().expect("path and query").to_string()
}

#[tokio::test]
async fn signed_requests_pass_and_the_rest_get_aws_errors() {
    let server = TestServer::start_with_config(TWO_ACCOUNTS);

    tracing::info!("--- a request signed with a configured credential is served, StartSyncExecution's sync- host too");
    {
        let sfn = signed_client(&server.address, "AKIDALPHA", "alpha-secret");
        let machine = sfn
            .create_state_machine()
            .name("signed")
            .definition(PASS_MACHINE)
            .role_arn(ROLE)
            .send()
            .await
            .expect("signed create");
        assert!(machine.state_machine_arn().starts_with("arn:aws:states:us-east-1:"));
        let express = sfn
            .create_state_machine()
            .name("signed-express")
            .r#type(aws_sdk_sfn::types::StateMachineType::Express)
            .definition(PASS_MACHINE)
            .role_arn(ROLE)
            .send()
            .await
            .expect("signed express create");
        let sync = sfn
            .start_sync_execution()
            .state_machine_arn(express.state_machine_arn())
            .send()
            .await
            .expect("signed sync execution (Host: sync-...)");
        assert_eq!(sync.status(), &aws_sdk_sfn::types::SyncExecutionStatus::Succeeded);
    }

    tracing::info!("--- an unsigned request is MissingAuthenticationTokenException, 403");
    {
        let headers = [
            ("Host", server.address.as_str()),
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", "AWSStepFunctions.ListStateMachines"),
        ];
        let (status, body) = raw_post(&server.address, "/", &headers, "{}");
        assert_eq!(status, 403);
        assert_eq!(body["__type"], "com.amazon.coral.service#MissingAuthenticationTokenException");
        assert_eq!(body["message"], "Missing Authentication Token");
    }

    tracing::info!("--- an unknown access key is UnrecognizedClientException");
    {
        let sfn = signed_client(&server.address, "AKIDNOBODY", "alpha-secret");
        let err = sfn.list_state_machines().send().await.expect_err("unknown key");
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
        assert_eq!(code(Err::<(), _>(err)), "UnrecognizedClientException");
    }

    tracing::info!("--- a known key with the wrong secret is InvalidSignatureException");
    {
        let sfn = signed_client(&server.address, "AKIDALPHA", "beta-secret");
        let err = sfn.list_activities().send().await.expect_err("wrong secret");
        let message = err.as_service_error().and_then(|e| e.meta().message()).unwrap_or_default().to_string();
        assert_eq!(code(Err::<(), _>(err)), "InvalidSignatureException");
        assert!(message.starts_with("The request signature we calculated does not match"), "{message}");
    }

    tracing::info!("--- a request signed 20 minutes ago is InvalidSignatureException: Signature expired");
    {
        let late = SharedTimeSource::new(LateClock { offset: Duration::from_secs(20 * 60) });
        let conf = config_for(&server.address)
            .credentials_provider(Credentials::new("AKIDALPHA", "alpha-secret", None, None, "test"))
            .retry_config(RetryConfig::disabled())
            .time_source(late.clone())
            .build();
        let err = aws_sdk_sfn::Client::from_conf(conf).list_state_machines().send().await.expect_err("expired");
        let message = err.as_service_error().and_then(|e| e.meta().message()).unwrap_or_default().to_string();
        assert_eq!(code(Err::<(), _>(err)), "InvalidSignatureException");
        assert!(message.starts_with("Signature expired: ") && message.contains(" is now earlier than "), "{message}");

        // With retries on, the SDK learns the server's clock from the Date header and signs again.
        let conf = config_for(&server.address)
            .credentials_provider(Credentials::new("AKIDALPHA", "alpha-secret", None, None, "test"))
            .time_source(late)
            .build();
        aws_sdk_sfn::Client::from_conf(conf).list_state_machines().send().await.expect("skew corrected");
    }

    tracing::info!("--- a presigned request (signature in the query string) is served; tampering with it is not");
    {
        let body = r#"{"name":"presigned"}"#;
        let headers = [
            ("host", server.address.as_str()),
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "AWSStepFunctions.CreateActivity"),
        ];
        let path = presign(&server.address, &headers, body);
        assert!(path.contains("X-Amz-Signature="), "{path}");
        let (status, answer) = raw_post(&server.address, &path, &headers, body);
        assert_eq!(status, 200, "{answer}");
        assert!(answer["activityArn"].as_str().unwrap_or_default().ends_with(":activity:presigned"), "{answer}");

        let (status, answer) = raw_post(&server.address, &path, &headers, r#"{"name":"tampered"}"#);
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "com.amazon.coral.service#InvalidSignatureException");
    }

    tracing::info!("--- refused requests are counted by operation and error code; /metrics needs no signature");
    {
        let mut stream = TcpStream::connect(&server.address).expect("connect");
        write!(stream, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").expect("write");
        let mut page = String::new();
        stream.read_to_string(&mut page).expect("read");
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        for (operation, code) in [
            ("ListStateMachines", "MissingAuthenticationTokenException"),
            ("ListStateMachines", "UnrecognizedClientException"),
            ("ListActivities", "InvalidSignatureException"),
            ("CreateActivity", "ok"),
        ] {
            let series = format!(r#"statehouse_api_requests_total{{operation="{operation}",code="{code}"}}"#);
            assert!(page.contains(&series), "{series} in\n{page}");
        }
    }
}

#[tokio::test]
async fn each_account_sees_only_its_own_resources() {
    let server = TestServer::start_with_config(TWO_ACCOUNTS);
    let alpha = signed_client(&server.address, "AKIDALPHA", "alpha-secret");
    let beta = signed_client(&server.address, "AKIDBETA", "beta-secret");

    tracing::info!("--- the caller's account is the account of every ARN it creates; names may repeat across accounts");
    let activity = alpha.create_activity().name("work").send().await.expect("activity").activity_arn().to_string();
    assert_eq!(activity, "arn:aws:states:us-east-1:111111111111:activity:work");
    let definition =
        format!(r#"{{"StartAt":"Work","States":{{"Work":{{"Type":"Task","Resource":"{activity}","End":true}}}}}}"#);
    let machine = alpha
        .create_state_machine()
        .name("shared")
        .definition(&definition)
        .role_arn(ROLE)
        .send()
        .await
        .expect("alpha machine")
        .state_machine_arn()
        .to_string();
    assert_eq!(machine, "arn:aws:states:us-east-1:111111111111:stateMachine:shared");
    let beta_machine =
        beta.create_state_machine().name("shared").definition(PASS_MACHINE).role_arn(ROLE).send().await.expect("beta");
    assert_eq!(beta_machine.state_machine_arn(), "arn:aws:states:us-east-1:222222222222:stateMachine:shared");
    let execution = alpha
        .start_execution()
        .state_machine_arn(&machine)
        .name("run")
        .send()
        .await
        .expect("start")
        .execution_arn()
        .to_string();
    assert_eq!(execution, "arn:aws:states:us-east-1:111111111111:execution:shared:run");

    tracing::info!("--- another account's ARNs do not exist for the caller");
    {
        assert_eq!(
            code(beta.describe_state_machine().state_machine_arn(&machine).send().await),
            "StateMachineDoesNotExist"
        );
        assert_eq!(code(beta.start_execution().state_machine_arn(&machine).send().await), "StateMachineDoesNotExist");
        assert_eq!(
            code(beta.delete_state_machine().state_machine_arn(&machine).send().await),
            "StateMachineDoesNotExist"
        );
        assert_eq!(code(beta.list_executions().state_machine_arn(&machine).send().await), "StateMachineDoesNotExist");
        assert_eq!(code(beta.describe_execution().execution_arn(&execution).send().await), "ExecutionDoesNotExist");
        assert_eq!(code(beta.stop_execution().execution_arn(&execution).send().await), "ExecutionDoesNotExist");
        assert_eq!(code(beta.get_execution_history().execution_arn(&execution).send().await), "ExecutionDoesNotExist");
        assert_eq!(code(beta.describe_activity().activity_arn(&activity).send().await), "ActivityDoesNotExist");
        assert_eq!(code(beta.get_activity_task().activity_arn(&activity).send().await), "ActivityDoesNotExist");
        assert_eq!(code(beta.list_tags_for_resource().resource_arn(&machine).send().await), "ResourceNotFound");
    }

    tracing::info!("--- List* shows each account its own resources only");
    {
        let listed = beta.list_state_machines().send().await.expect("beta list");
        let arns: Vec<&str> = listed.state_machines().iter().map(|m| m.state_machine_arn()).collect();
        assert_eq!(arns, vec![beta_machine.state_machine_arn()]);
        let listed = alpha.list_state_machines().send().await.expect("alpha list");
        let arns: Vec<&str> = listed.state_machines().iter().map(|m| m.state_machine_arn()).collect();
        assert_eq!(arns, vec![machine.as_str()]);
        assert!(beta.list_activities().send().await.expect("beta activities").activities().is_empty());
        assert_eq!(alpha.list_activities().send().await.expect("alpha activities").activities().len(), 1);
    }

    tracing::info!("--- a task token of one account's execution is InvalidToken to another; its owner completes it");
    {
        let mut token = None;
        for _ in 0..20 {
            let task = alpha.get_activity_task().activity_arn(&activity).send().await.expect("poll");
            if let Some(t) = task.task_token() {
                token = Some(t.to_string());
                break;
            }
        }
        let token = token.expect("alpha's worker gets the task");
        assert_eq!(code(beta.send_task_heartbeat().task_token(&token).send().await), "InvalidToken");
        assert_eq!(code(beta.send_task_success().task_token(&token).output("{}").send().await), "InvalidToken");
        assert_eq!(code(beta.send_task_failure().task_token(&token).send().await), "InvalidToken");
        alpha.send_task_success().task_token(&token).output(r#"{"done":true}"#).send().await.expect("owner succeeds");
        let closed = wait_closed(&alpha, &execution).await;
        assert_eq!(closed.status(), &aws_sdk_sfn::types::ExecutionStatus::Succeeded);
        assert_eq!(closed.output(), Some(r#"{"done":true}"#));
    }
}
