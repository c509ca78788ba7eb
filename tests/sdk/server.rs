//! A real statehouse process for tests: spawned from the built binary on a free port in a temp dir,
//! killable with SIGKILL and restartable on the same data directory.

use std::collections::HashMap;
use std::io::BufRead;
use std::io::BufReader;
use std::io::Read;
use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Child;
use std::process::Command;
use std::process::Stdio;
use std::time::Duration;

use aws_sdk_sfn::config::BehaviorVersion;
use aws_sdk_sfn::config::Credentials;
use aws_sdk_sfn::config::Region;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Sends StartSyncExecution, which the SDK addresses to `sync-<endpoint>`, to the loopback endpoint itself,
/// keeping the `sync-` Host header it was signed with (as a DNS name for `sync-<endpoint>` would).
#[derive(Debug)]
struct StripHostPrefix;

impl Intercept for StripHostPrefix {
    fn name(&self) -> &'static str {
        "StripHostPrefix"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let uri = context.request().uri().to_string();
        if let Some((_, rest)) = uri.split_once("://sync-") {
            let host = format!("sync-{}", rest.split('/').next().unwrap_or_default());
            context.request_mut().headers_mut().insert("host", host);
            context.request_mut().set_uri(uri.replace("://sync-", "://"))?;
        }
        Ok(())
    }
}

pub struct TestServer {
    child: Child,
    pub address: String,
    pub data_dir: PathBuf,
    config: PathBuf,
    env: Vec<(String, String)>,
    _temp: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Starts a one-node server with a fresh data directory.
    pub fn start() -> TestServer {
        TestServer::start_with_config("")
    }

    /// Starts a one-node server with a fresh data directory and the given TOML configuration.
    pub fn start_with_config(toml: &str) -> TestServer {
        TestServer::start_with_env(toml, &[])
    }

    /// Starts a one-node server with the given TOML configuration and extra environment variables.
    pub fn start_with_env(toml: &str, env: &[(&str, &str)]) -> TestServer {
        let temp = tempfile::tempdir().expect("temp dir");
        let data_dir = temp.path().join("data");
        let config = temp.path().join("node.toml");
        std::fs::write(&config, toml).expect("write config");
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut server = TestServer::spawn(data_dir, config, env);
        server._temp = Some(temp);
        server
    }

    fn spawn(data_dir: PathBuf, config: PathBuf, env: Vec<(String, String)>) -> TestServer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_statehouse"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&config)
            .arg("--data-dir")
            .arg(&data_dir)
            .env("STATEHOUSE_ACTIVITY_POLL_SECONDS", "1")
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn statehouse");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let announced = line.strip_prefix("statehouse listening on ");
                if let Some(address) = announced.and_then(|url| url.split_once("://")).map(|(_, address)| address) {
                    let _ = tx.send(address.to_string());
                }
            }
        });
        let address = rx.recv_timeout(Duration::from_secs(60)).expect("server announces its address");
        TestServer { child, address, data_dir, config, env, _temp: None }
    }

    /// An SDK client pointed at this server.
    pub fn client(&self) -> aws_sdk_sfn::Client {
        client_for(&self.address)
    }

    /// Kills the process with SIGKILL (no shutdown) and starts a new one on the same data directory.
    pub fn kill_and_restart(mut self) -> TestServer {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
        let temp = self._temp.take();
        let mut next = TestServer::spawn(self.data_dir.clone(), self.config.clone(), self.env.clone());
        next._temp = temp;
        next
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An SDK client pointed at the API at `address` (`host:port`).
pub fn client_for(address: &str) -> aws_sdk_sfn::Client {
    aws_sdk_sfn::Client::from_conf(config_for(address).build())
}

/// The SDK configuration of [`client_for`], to adjust before building a client.
pub fn config_for(address: &str) -> aws_sdk_sfn::config::Builder {
    aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "SECRETTEST", None, None, "static"))
        .endpoint_url(format!("http://{address}"))
        .interceptor(StripHostPrefix)
}

/// A client signing with `access_key_id`/`secret`; without retries, so each call shows the first answer.
pub fn signed_client(address: &str, access_key_id: &str, secret: &str) -> aws_sdk_sfn::Client {
    let conf = config_for(address)
        .credentials_provider(Credentials::new(access_key_id, secret, None, None, "test"))
        .retry_config(aws_sdk_sfn::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sfn::Client::from_conf(conf)
}

/// The error code of a failed SDK call.
pub fn code<E, R>(result: Result<R, aws_sdk_sfn::error::SdkError<E>>) -> String
where
    E: aws_sdk_sfn::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    use aws_sdk_sfn::error::ProvideErrorMetadata;
    match result {
        Ok(r) => panic!("expected an error, got {r:?}"),
        Err(e) => e.code().unwrap_or("<none>").to_string(),
    }
}

pub const ROLE: &str = "arn:aws:iam::123456789012:role/sfn";

/// A two-state Pass machine whose output is `{"Arg1":"argument1"}` merged as AWS does.
pub const PASS_MACHINE: &str = r#"{"StartAt":"State_1","States":{"State_1":{"Type":"Pass","Parameters":{"Arg1":"argument1"},"Next":"Done"},"Done":{"Type":"Succeed"}}}"#;

/// Polls DescribeExecution until the execution leaves RUNNING (bounded).
pub async fn wait_closed(
    client: &aws_sdk_sfn::Client,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    for _ in 0..400 {
        let d = client.describe_execution().execution_arn(arn).send().await.expect("describe");
        if *d.status() != aws_sdk_sfn::types::ExecutionStatus::Running {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("execution {arn} still running after 10 s");
}

/// Sends one raw HTTP POST; answers the status and the JSON body (`Null` when it is not JSON).
pub fn raw_post(address: &str, path_and_query: &str, headers: &[(&str, &str)], body: &str) -> (u16, serde_json::Value) {
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    let headers: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    let request = format!(
        "POST {path_and_query} HTTP/1.1\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status: u16 = response[9..12].parse().expect("status");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
}

/// SigV4 on, with two credentials: `AKIDALPHA`/`alpha-secret` for account 111111111111 and
/// `AKIDBETA`/`beta-secret` for account 222222222222.
pub const TWO_ACCOUNTS: &str = r#"
auth = "sigv4"
[[credentials]]
access_key_id = "AKIDALPHA"
secret_access_key = "alpha-secret"
account = "111111111111"
[[credentials]]
access_key_id = "AKIDBETA"
secret_access_key = "beta-secret"
account = "222222222222"
"#;

/// `token` with its last character changed (to another one, whatever it was): a token nobody signed.
pub fn forge(token: &str) -> String {
    let (head, last) = token.split_at(token.len() - 1);
    format!("{head}{}", if last == "0" { "1" } else { "0" })
}

/// One metric's value (0 when the page does not show it).
pub fn metric(address: &str, name: &str) -> f64 {
    scrape(address).get(name).copied().unwrap_or(0.0)
}

/// The page's samples by `name{labels}` as rendered.
pub fn scrape(address: &str) -> HashMap<String, f64> {
    let mut stream = TcpStream::connect(address).expect("connect");
    write!(stream, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = response.split("\r\n\r\n").nth(1).expect("body");
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.rsplit_once(' ').map(|(k, v)| (k.to_string(), v.parse().expect("a number"))))
        .collect()
}

/// The types of an execution's history events, in order.
pub async fn history_types(sfn: &aws_sdk_sfn::Client, arn: &str) -> Vec<String> {
    let h = sfn.get_execution_history().execution_arn(arn).max_results(1000).send().await.unwrap();
    h.events().iter().map(|e| e.r#type().as_str().to_string()).collect()
}

/// Polls `activity` as `worker` until a task arrives (each poll waits at most the server's short test poll
/// time); its token and input.
pub async fn take_task(sfn: &aws_sdk_sfn::Client, activity: &str, worker: &str) -> (String, String) {
    for _ in 0..20 {
        let t = sfn.get_activity_task().activity_arn(activity).worker_name(worker).send().await.unwrap();
        if let Some(token) = t.task_token() {
            return (token.to_string(), t.input().unwrap_or_default().to_string());
        }
    }
    panic!("no task for {activity}");
}
