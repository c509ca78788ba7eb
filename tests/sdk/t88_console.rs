//! The web console's server side over HTTP: the login and its session cookie (forged, altered and expired
//! cookies refused), the operations the console may call, the graph drawing and the execution stream;
//! then the execution log that `loggingConfiguration` asks for, and `--log-format json`.

use std::io::BufRead;
use std::io::BufReader;
use std::io::Read;
use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::process::Stdio;
use std::time::Duration;
use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Hmac;
use hmac::Mac;
use serde_json::json;
use serde_json::Value;
use sha2::Sha256;

use crate::server::signed_client;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::PASS_MACHINE;
use crate::server::ROLE;

const CONSOLE_CONFIG: &str = r#"
auth = "sigv4"
[[credentials]]
access_key_id = "AKIDCONSOLE"
secret_access_key = "console-secret"
account = "111111111111"
"#;

/// An HTTP answer: status, headers (lower-case names) and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    fn error_code(&self) -> String {
        self.json()["__type"].as_str().unwrap_or_default().rsplit('#').next().unwrap_or_default().to_string()
    }
}

/// One HTTP/1.1 request on a fresh connection, read to its end.
fn http(address: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let headers: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.get(9..12)).and_then(|s| s.parse().ok()).expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer { status, headers, body: body.to_string() }
}

const CONSOLE: (&str, &str) = ("X-Statehouse-Console", "1");
const JSON: (&str, &str) = ("Content-Type", "application/json");

/// A console call of `operation` with `cookie`.
fn console_call(address: &str, cookie: &str, operation: &str, input: Value) -> Answer {
    let cookie = format!("statehouse_session={cookie}");
    let headers = [CONSOLE, JSON, ("Cookie", cookie.as_str())];
    http(address, "POST", &format!("/console/api/op/{operation}"), &headers, &input.to_string())
}

/// A session cookie value for `access_key_id` expiring at `expires_ms`, signed as the console signs them.
fn session_cookie(access_key_id: &str, secret: &str, expires_ms: i64) -> String {
    let mac = |key: &[u8], data: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    };
    let payload = format!("{}.{expires_ms}", URL_SAFE_NO_PAD.encode(access_key_id));
    let key = mac(secret.as_bytes(), b"statehouse console session v1");
    format!("{payload}.{}", hex::encode(mac(&key, payload.as_bytes())))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64
}

#[tokio::test]
async fn the_console_logs_in_with_a_key_pair_and_refuses_forged_and_expired_sessions() {
    let server = TestServer::start_with_config(CONSOLE_CONFIG);
    let address = server.address.as_str();
    let sfn = signed_client(address, "AKIDCONSOLE", "console-secret");
    let machine = sfn.create_state_machine().name("greeter").definition(PASS_MACHINE).role_arn(ROLE).send().await;
    let machine = machine.expect("create").state_machine_arn().to_string();

    tracing::info!("--- the page is served from the binary, locked to its own origin; data needs a login");
    {
        let page = http(address, "GET", "/console", &[], "");
        assert_eq!(page.status, 200);
        assert!(page.body.contains("/console/assets/app.js"));
        assert!(page.header("content-security-policy").is_some_and(|csp| csp.contains("default-src 'self'")));
        let script = http(address, "GET", "/console/assets/execution.js", &[], "");
        assert_eq!(script.header("content-type"), Some("text/javascript; charset=utf-8"));
        let session = http(address, "GET", "/console/api/session", &[], "").json();
        assert_eq!(session["authenticated"], false);
        assert_eq!(session["auth"], "sigv4");
        let anonymous = http(address, "POST", "/console/api/op/ListStateMachines", &[CONSOLE, JSON], "{}");
        assert_eq!((anonymous.status, anonymous.error_code().as_str()), (403, "MissingAuthenticationTokenException"));
    }

    tracing::info!("--- a wrong pair gets the AWS error; the right one an HttpOnly session cookie without the secret");
    let cookie = {
        let login = |pair: Value, headers: &[(&str, &str)]| {
            http(address, "POST", "/console/api/login", headers, &pair.to_string())
        };
        let wrong = login(json!({"accessKeyId": "AKIDCONSOLE", "secretAccessKey": "guess"}), &[CONSOLE, JSON]);
        assert_eq!((wrong.status, wrong.error_code().as_str()), (400, "InvalidSignatureException"));
        let unknown =
            login(json!({"accessKeyId": "AKIDNOBODY", "secretAccessKey": "console-secret"}), &[CONSOLE, JSON]);
        assert_eq!(unknown.error_code(), "UnrecognizedClientException");
        let pair = json!({"accessKeyId": "AKIDCONSOLE", "secretAccessKey": "console-secret"});
        let from_elsewhere = login(pair.clone(), &[JSON]);
        assert_eq!(from_elsewhere.error_code(), "AccessDeniedException", "a request not sent by the console's pages");
        let cross_site = login(pair.clone(), &[CONSOLE, JSON, ("Sec-Fetch-Site", "cross-site")]);
        assert_eq!(cross_site.error_code(), "AccessDeniedException");
        let good = login(pair, &[CONSOLE, JSON]);
        assert_eq!(good.status, 200);
        assert_eq!(good.json()["account"], "111111111111");
        let set_cookie = good.header("set-cookie").expect("a session cookie");
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age=43200"] {
            assert!(set_cookie.contains(attribute), "{attribute} in {set_cookie}");
        }
        assert!(!set_cookie.contains("console-secret"));
        let value = set_cookie.strip_prefix("statehouse_session=").and_then(|v| v.split(';').next()).expect("value");
        value.to_string()
    };

    tracing::info!("--- with the cookie the console reads through the API and acts only through Stop");
    {
        let listed = console_call(address, &cookie, "ListStateMachines", json!({}));
        assert_eq!(listed.status, 200);
        assert_eq!(listed.json()["stateMachines"][0]["stateMachineArn"], machine.as_str());
        let delete = console_call(address, &cookie, "DeleteStateMachine", json!({"stateMachineArn": machine}));
        assert_eq!(delete.error_code(), "AccessDeniedException");
        let still = sfn.describe_state_machine().state_machine_arn(&machine).send().await.expect("still there");
        assert_eq!(still.status(), Some(&aws_sdk_sfn::types::StateMachineStatus::Active));
        let missing =
            console_call(address, &cookie, "DescribeExecution", json!({"executionArn": format!("{machine}:x")}));
        assert_eq!(missing.error_code(), "InvalidArn", "the API's own validation answers");
    }

    tracing::info!("--- forged, altered and expired cookies are refused");
    {
        let (payload, signature) = cookie.rsplit_once('.').expect("signed");
        let flipped = if signature.starts_with('0') { "1" } else { "0" };
        let forged = format!("{payload}.{flipped}{}", &signature[1..]);
        assert_eq!(
            console_call(address, &forged, "ListStateMachines", json!({})).error_code(),
            "InvalidSignatureException"
        );
        let (key, _) = payload.split_once('.').expect("key and expiry");
        let extended = format!("{key}.{}.{signature}", now_ms() + 365 * 24 * 3600 * 1000);
        assert_eq!(
            console_call(address, &extended, "ListStateMachines", json!({})).error_code(),
            "InvalidSignatureException"
        );
        let guessed = session_cookie("AKIDCONSOLE", "not-the-secret", now_ms() + 60_000);
        assert_eq!(
            console_call(address, &guessed, "ListStateMachines", json!({})).error_code(),
            "InvalidSignatureException"
        );
        let expired = session_cookie("AKIDCONSOLE", "console-secret", now_ms() - 1);
        let answer = console_call(address, &expired, "ListStateMachines", json!({}));
        assert_eq!(answer.error_code(), "ExpiredTokenException");
        let fresh = session_cookie("AKIDCONSOLE", "console-secret", now_ms() + 60_000);
        assert_eq!(
            console_call(address, &fresh, "ListStateMachines", json!({})).status,
            200,
            "the same scheme, unexpired"
        );
        let logout = http(address, "POST", "/console/api/logout", &[CONSOLE, JSON], "{}");
        assert!(logout.header("set-cookie").is_some_and(|c| c.contains("Max-Age=0")));
    }

    tracing::info!("--- the graph of a definition, and AWS's error for a bad one");
    {
        let cookie_header = format!("statehouse_session={cookie}");
        let headers = [CONSOLE, ("Content-Type", "text/plain"), ("Cookie", cookie_header.as_str())];
        let graph = http(address, "POST", "/console/api/graph", &headers, PASS_MACHINE);
        assert_eq!(graph.header("content-type"), Some("image/svg+xml"));
        assert!(graph.body.contains(r#"data-state="State_1" data-type="Pass""#));
        let bad = http(address, "POST", "/console/api/graph", &headers, r#"{"StartAt":"Nowhere","States":{}}"#);
        assert_eq!(bad.error_code(), "InvalidDefinition");
    }

    tracing::info!("--- an execution's stream sends its history, then its end");
    {
        let started =
            sfn.start_execution().state_machine_arn(&machine).name("streamed").input(r#"{"n":1}"#).send().await;
        let arn = started.expect("start").execution_arn().to_string();
        wait_closed(&sfn, &arn).await;
        let cookie_header = format!("statehouse_session={cookie}");
        let path = format!("/console/api/stream?executionArn={}", arn.replace(':', "%3A"));
        let stream = http(address, "GET", &path, &[("Cookie", cookie_header.as_str())], "");
        assert_eq!(stream.header("content-type"), Some("text/event-stream"));
        let events = sfn.get_execution_history().execution_arn(&arn).send().await.expect("history").events().len();
        assert_eq!(stream.body.matches("event: history").count(), events);
        assert!(stream.body.contains(r#""status":"SUCCEEDED""#));
        assert!(stream.body.contains("event: end"));
        let later =
            http(address, "GET", &format!("{path}&after={}", events - 1), &[("Cookie", cookie_header.as_str())], "");
        assert_eq!(later.body.matches("event: history").count(), 1, "a stream resumes after a given event");
        let other = http(
            address,
            "GET",
            &path.replace("111111111111", "222222222222"),
            &[("Cookie", cookie_header.as_str())],
            "",
        );
        assert_eq!(other.error_code(), "ExecutionDoesNotExist", "another account's execution");
        let cookie_only = [("Cookie", cookie_header.as_str())];
        let unnamed = http(address, "GET", "/console/api/stream", &cookie_only, "");
        assert_eq!(unnamed.error_code(), "ValidationException");
        let bad_after = http(address, "GET", &format!("{path}&after=soon"), &cookie_only, "");
        assert_eq!(bad_after.error_code(), "ValidationException");
        let queues = http(address, "POST", "/console/api/activity-queues", &[CONSOLE, JSON, cookie_only[0]], "[1,");
        assert_eq!(queues.error_code(), "SerializationException");
    }
}

/// The lines of `path` once it holds at least `count` of them (bounded wait: the log is written in the
/// background).
fn log_lines(path: &std::path::Path, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
        if lines.len() >= count || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn executions_are_logged_as_their_logging_configuration_asks() {
    let log = tempfile::NamedTempFile::new().expect("log file");
    let server = TestServer::start_with_config(&format!("execution_log = \"{}\"\n", log.path().display()));
    let sfn = server.client();
    let failing = r#"{"StartAt":"Check","States":{"Check":{"Type":"Pass","Next":"No"},"No":{"Type":"Fail","Error":"Nope","Cause":"never"}}}"#;
    let destination = aws_sdk_sfn::types::LogDestination::builder()
        .cloud_watch_logs_log_group(
            aws_sdk_sfn::types::CloudWatchLogsLogGroup::builder()
                .log_group_arn("arn:aws:logs:us-east-1:123456789012:log-group:runs:*")
                .build(),
        )
        .build();
    let machine = |name: &'static str, level, data: bool| {
        let logging = aws_sdk_sfn::types::LoggingConfiguration::builder()
            .level(level)
            .include_execution_data(data)
            .destinations(destination.clone())
            .build();
        sfn.create_state_machine().name(name).definition(failing).role_arn(ROLE).logging_configuration(logging).send()
    };
    use aws_sdk_sfn::types::LogLevel;
    let all = machine("logs-all", LogLevel::All, true).await.expect("ALL").state_machine_arn().to_string();
    let errors = machine("logs-errors", LogLevel::Error, false).await.expect("ERROR").state_machine_arn().to_string();
    let quiet = sfn.create_state_machine().name("logs-off").definition(failing).role_arn(ROLE).send().await;
    let quiet = quiet.expect("OFF").state_machine_arn().to_string();
    let mut runs = Vec::new();
    for machine in [&quiet, &errors, &all] {
        let run = sfn.start_execution().state_machine_arn(machine).input(r#"{"secret":"data"}"#).send().await;
        let arn = run.expect("start").execution_arn().to_string();
        wait_closed(&sfn, &arn).await;
        runs.push(arn);
    }

    tracing::info!("--- ALL logs every event with its data, ERROR only failures without data, OFF nothing");
    let history = sfn.get_execution_history().execution_arn(&runs[2]).send().await.expect("history").events().len();
    let lines = log_lines(log.path(), history + 2);
    let of = |arn: &str| lines.iter().filter(|l| l["execution_arn"] == arn).collect::<Vec<_>>();
    assert!(of(&runs[0]).is_empty(), "a machine without logging writes nothing");
    let error_lines = of(&runs[1]);
    let types: Vec<&str> = error_lines.iter().map(|l| l["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(types, ["FailStateEntered", "ExecutionFailed"]);
    assert!(error_lines[0]["details"].get("input").is_none(), "includeExecutionData = false");
    assert_eq!(error_lines[1]["details"]["error"], "Nope");
    let all_lines = of(&runs[2]);
    assert_eq!(all_lines.len(), history);
    let first = all_lines[0];
    assert_eq!(first["type"], "ExecutionStarted");
    assert_eq!(first["id"], "1");
    assert_eq!(first["previous_event_id"], "0");
    assert_eq!(first["redrive_count"], "0");
    assert!(first["event_timestamp"].as_str().is_some_and(|t| t.parse::<i64>().is_ok()));
    assert_eq!(first["details"]["input"], r#"{"secret":"data"}"#);
    let ids: Vec<&str> = all_lines.iter().map(|l| l["id"].as_str().unwrap_or_default()).collect();
    let expected: Vec<String> = (1..=history).map(|i| i.to_string()).collect();
    assert_eq!(ids, expected, "in event order");

    tracing::info!("--- EXPRESS executions, which keep no history, are logged too");
    let logging = aws_sdk_sfn::types::LoggingConfiguration::builder()
        .level(LogLevel::All)
        .include_execution_data(true)
        .destinations(destination.clone())
        .build();
    let express = sfn
        .create_state_machine()
        .name("logs-express")
        .r#type(aws_sdk_sfn::types::StateMachineType::Express)
        .definition(PASS_MACHINE)
        .role_arn(ROLE)
        .logging_configuration(logging)
        .send()
        .await
        .expect("EXPRESS machine");
    let run = sfn.start_sync_execution().state_machine_arn(express.state_machine_arn()).input("{}").send().await;
    let arn = run.expect("sync run").execution_arn().to_string();
    let lines = log_lines(log.path(), history + 2 + 6);
    let types: Vec<&str> = lines
        .iter()
        .filter(|l| l["execution_arn"] == arn.as_str())
        .map(|l| l["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn log_format_json_writes_the_servers_own_logs_as_json_objects() {
    let data = tempfile::tempdir().expect("data dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--data-dir"])
        .arg(data.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut logged = None;
    for line in stdout.lines().map_while(Result::ok) {
        if let Ok(object) = serde_json::from_str::<Value>(&line) {
            if object["fields"]["message"] == "statehouse listening" {
                logged = Some(object);
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let logged = logged.expect("a JSON log line for the start");
    assert_eq!(logged["level"], "INFO");
    assert!(logged["fields"]["address"].as_str().is_some_and(|a| a.starts_with("127.0.0.1:")));
}
