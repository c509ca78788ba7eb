//! Node configuration, layered: built-in defaults < TOML file < `STATEHOUSE_*` environment < command-line flags.

use std::path::PathBuf;

use figment::providers::Env;
use figment::providers::Format;
use figment::providers::Serialized;
use figment::providers::Toml;
use figment::Figment;
use serde::Deserialize;
use serde::Serialize;

/// Keys set only in the TOML file (tables of their own); every other key of [`Config`] may also come from
/// a `STATEHOUSE_<KEY>` environment variable.
const FILE_ONLY_KEYS: &[&str] = &["credentials", "throttle"];

/// Where Step Functions Local reads the path of its mock configuration file; read as `mock_config`.
pub const SFN_MOCK_CONFIG_ENV: &str = "SFN_MOCK_CONFIG";

/// Environment variables holding one API credential, added to `credentials` (its account is `account`).
pub const ACCESS_KEY_ID_ENV: &str = "STATEHOUSE_ACCESS_KEY_ID";
/// The secret of the credential named by [`ACCESS_KEY_ID_ENV`].
pub const SECRET_ACCESS_KEY_ENV: &str = "STATEHOUSE_SECRET_ACCESS_KEY";

/// How API callers are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Every request is accepted, as Step Functions Local does.
    #[default]
    None,
    /// Requests must carry an AWS Signature Version 4 made with one of `credentials`.
    Sigv4,
}

/// How the server writes its own logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (tracing-subscriber's JSON format).
    Json,
}

/// An access key a caller may sign API requests with.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// The caller's account; the node's `account` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("account", &self.account)
            .finish()
    }
}

/// Everything a node needs to start. Every key is documented in `config/single.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the Step Functions API listens on (`host:port`; port 0 picks a free port).
    pub listen: String,
    /// Directory holding the Raft log and the replicated state.
    pub data_dir: PathBuf,
    /// AWS region written into every ARN.
    pub region: String,
    /// AWS account id written into every ARN.
    pub account: String,
    /// This node's id in the cluster.
    pub node_id: u64,
    /// Longest time GetActivityTask waits for a task, in seconds (AWS: 60).
    pub activity_poll_seconds: u64,
    /// Log filter (tracing `EnvFilter` syntax); `RUST_LOG` overrides it.
    pub log: String,
    /// `text` (the default) or `json`: the format of the server's own logs.
    pub log_format: LogFormat,
    /// Where execution logs (state machines with a `loggingConfiguration` level other than `OFF`) are
    /// written as CloudWatch-format JSON lines: `stdout` (the default), `off`, or a file path.
    pub execution_log: String,
    /// Service integrations: `integration -> URL`, e.g. `"lambda:invoke" = "http://127.0.0.1:9000/"`.
    pub connectors: std::collections::BTreeMap<String, String>,
    /// Address of this node's cluster port (Raft and forwarding between nodes); empty: no cluster port.
    pub cluster_listen: String,
    /// The secret every node of the cluster holds; it signs all traffic between nodes.
    pub cluster_secret: String,
    /// The initial voters as `id=host:port` cluster addresses; the lowest id initializes the cluster.
    pub initial_members: Vec<String>,
    /// Wait to be added by `statehouse cluster add-node` instead of initializing a cluster.
    pub join: bool,
    /// How long a node may stay silent before the leader moves its shards, in milliseconds.
    pub failure_timeout_ms: u64,
    /// `none` (no authentication, the default) or `sigv4` (AWS Signature Version 4).
    pub auth: AuthMode,
    /// The access keys callers may sign with when `auth = "sigv4"`.
    pub credentials: Vec<Credential>,
    /// Request rates per operation name (e.g. `StartExecution`), per account, on each node; an operation
    /// not listed is not throttled.
    pub throttle: std::collections::BTreeMap<String, ThrottleRule>,
    /// RUNNING standard executions an account may have at once; StartExecution beyond it fails with
    /// `ExecutionLimitExceeded` (AWS: 1,000,000 per account and region).
    pub open_executions_per_account: u64,
    /// PEM file with the API's certificate chain; set with `tls_key`, the API speaks HTTPS only.
    pub tls_cert: PathBuf,
    /// PEM file with the private key of `tls_cert`.
    pub tls_key: PathBuf,
    /// Raft log entries between two snapshots of the state; the log behind a snapshot is purged, and a
    /// node that fell behind the purged log catches up from the snapshot.
    pub snapshot_every: u64,
    /// Log bytes (MiB) appended since the last snapshot that make the next one due, whatever the entry count.
    pub snapshot_log_mib: u64,
    /// No snapshot is built before the log appended since the last one reaches this multiple of that
    /// snapshot's size, so that snapshots of a large state cost a bounded multiple of the log they purge
    /// (0 leaves only `snapshot_every` and `snapshot_log_mib`).
    pub snapshot_state_ratio: f64,
    /// How long a closed execution (its record and history) is kept, in seconds (AWS: 90 days).
    pub history_retention_seconds: u64,
    /// A mock configuration file in Step Functions Local's format (test cases of mocked Task states, run by
    /// StartExecution on `<stateMachineArn>#<test case>`); empty: none. `SFN_MOCK_CONFIG` sets it too.
    pub mock_config: PathBuf,
    /// What every Wait duration and Retry interval of new executions is multiplied by, from 0 to 1: below 1,
    /// workflows run faster than real time (for tests). 1 (the default) is real time.
    pub wait_time_scale: f64,
}

/// A token bucket: `burst` requests at once, refilled at `rate` requests per second.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleRule {
    pub rate: f64,
    pub burst: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8083".into(),
            data_dir: PathBuf::from("statehouse-data"),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            node_id: 1,
            activity_poll_seconds: 60,
            log: "info".into(),
            log_format: LogFormat::Text,
            execution_log: "stdout".into(),
            connectors: Default::default(),
            cluster_listen: String::new(),
            cluster_secret: String::new(),
            initial_members: Vec::new(),
            join: false,
            failure_timeout_ms: 3_000,
            auth: AuthMode::None,
            credentials: Vec::new(),
            throttle: Default::default(),
            open_executions_per_account: 1_000_000,
            tls_cert: PathBuf::new(),
            tls_key: PathBuf::new(),
            snapshot_every: 20_000,
            snapshot_log_mib: 256,
            snapshot_state_ratio: 1.0,
            history_retention_seconds: 90 * 24 * 3600,
            mock_config: PathBuf::new(),
            wait_time_scale: 1.0,
        }
    }
}

/// Values given on the command line (`statehouse serve` flags); each one set overrides every other layer.
#[derive(Debug, Clone, Default, Serialize, clap::Args)]
pub struct Overrides {
    /// Address to serve the API on, e.g. 127.0.0.1:8083.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Directory for the Raft log and state.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// AWS region used in ARNs.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// AWS account id used in ARNs.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// This node's id in the cluster.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<u64>,
    /// Address of the cluster port (Raft and forwarding), e.g. 127.0.0.1:9083.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_listen: Option<String>,
    /// Wait to be added with `statehouse cluster add-node` instead of initializing a cluster.
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub join: bool,
    /// API authentication: none (the default) or sigv4 (requests signed with a configured credential).
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthMode>,
    /// Format of the server's own logs: text (the default) or json (one JSON object per line).
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    /// Mock configuration file in Step Functions Local's format (also STATEHOUSE_MOCK_CONFIG or
    /// SFN_MOCK_CONFIG): run its test cases with StartExecution on `<stateMachineArn>#<test case>`.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mock_config: Option<PathBuf>,
}

impl Config {
    /// The keys an environment variable may set: the fields of [`Config`] but the file-only tables. Other
    /// `STATEHOUSE_*` variables are not configuration.
    fn env_keys() -> Vec<String> {
        let defaults = serde_json::to_value(Config::default()).expect("the configuration serializes");
        let keys = defaults.as_object().into_iter().flat_map(|fields| fields.keys());
        keys.filter(|key| !FILE_ONLY_KEYS.contains(&key.as_str())).cloned().collect()
    }

    /// Loads the layered configuration; a credential in the environment is added to the file's.
    pub fn load(file: Option<&std::path::Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let env_keys = Config::env_keys();
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        let mut config: Config = figment
            .merge(Env::raw().only(&[SFN_MOCK_CONFIG_ENV]).map(|_| "mock_config".into()))
            .merge(
                Env::prefixed("STATEHOUSE_")
                    .filter(move |key| env_keys.iter().any(|k| key.as_str().eq_ignore_ascii_case(k))),
            )
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)?;
        if let (Ok(access_key_id), Ok(secret_access_key)) =
            (std::env::var(ACCESS_KEY_ID_ENV), std::env::var(SECRET_ACCESS_KEY_ENV))
        {
            config.credentials.push(Credential { access_key_id, secret_access_key, account: None });
        }
        Ok(config)
    }

    /// When a node builds a snapshot of its state.
    pub fn snapshot_policy(&self) -> crate::raft::SnapshotPolicy {
        crate::raft::SnapshotPolicy {
            every_entries: self.snapshot_every,
            log_bytes: self.snapshot_log_mib << 20,
            state_ratio: self.snapshot_state_ratio,
        }
    }

    /// The initial voters, parsed from `initial_members`.
    pub fn members(&self) -> Result<std::collections::BTreeMap<u64, String>, String> {
        self.initial_members
            .iter()
            .map(|member| {
                let (id, address) = member
                    .split_once('=')
                    .ok_or_else(|| format!("initial member '{member}' is not of the form id=host:port"))?;
                let id = id.trim().parse::<u64>().map_err(|e| format!("initial member '{member}': bad id: {e}"))?;
                Ok((id, address.trim().to_string()))
            })
            .collect()
    }

    /// Whether the API serves HTTPS (`tls_cert` and `tls_key` set).
    pub fn tls(&self) -> bool {
        !self.tls_cert.as_os_str().is_empty()
    }

    /// Checks the keys fit together.
    pub fn check(&self) -> Result<(), String> {
        let members = self.members()?;
        if !members.is_empty() && !members.contains_key(&self.node_id) {
            return Err(format!("node_id {} is not one of the initial_members", self.node_id));
        }
        let clustered = !self.cluster_listen.is_empty();
        if (!members.is_empty() || self.join) && !clustered {
            return Err("initial_members and join need a cluster_listen address".into());
        }
        if clustered && self.cluster_secret.len() < 16 {
            return Err("cluster_secret must be set (16 characters or more) when cluster_listen is".into());
        }
        if self.auth == AuthMode::Sigv4 && self.credentials.is_empty() {
            return Err(format!(
                "auth = \"sigv4\" needs [[credentials]] or {ACCESS_KEY_ID_ENV} and {SECRET_ACCESS_KEY_ENV}"
            ));
        }
        for (operation, rule) in &self.throttle {
            if !(rule.rate.is_finite() && rule.rate > 0.0) || rule.burst == 0 {
                return Err(format!("throttle.{operation} needs a rate above 0 and a burst of at least 1"));
            }
        }
        if self.tls_cert.as_os_str().is_empty() != self.tls_key.as_os_str().is_empty() {
            return Err("tls_cert and tls_key are set together".into());
        }
        crate::engine::WaitTimeScale::new(self.wait_time_scale)?;
        let shortest_failure_timeout = 2 * crate::cluster::LEASE.as_millis() as u64;
        if self.failure_timeout_ms < shortest_failure_timeout {
            return Err(format!(
                "failure_timeout_ms must be at least {shortest_failure_timeout}: twice the owner lease, so that a \
                 silent node's lease ends before its shards move"
            ));
        }
        if self.snapshot_every == 0 || self.snapshot_log_mib == 0 {
            return Err("snapshot_every and snapshot_log_mib must be at least 1".into());
        }
        if !(self.snapshot_state_ratio >= 0.0 && self.snapshot_state_ratio.is_finite()) {
            return Err("snapshot_state_ratio must be a number of at least 0".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for credential in &self.credentials {
            if credential.access_key_id.is_empty() || credential.secret_access_key.is_empty() {
                return Err("every credential needs an access_key_id and a secret_access_key".into());
            }
            if !seen.insert(&credential.access_key_id) {
                return Err(format!("access key id '{}' is listed twice", credential.access_key_id));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err, reason = "figment's Jail closure returns figment::Error by value")]
    fn layers_override_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "node.toml",
                "listen = \"127.0.0.1:9000\"\nregion = \"eu-west-1\"\naccount = \"111111111111\"",
            )?;
            jail.set_env("STATEHOUSE_REGION", "ap-south-1");
            jail.set_env("STATEHOUSE_ACTIVITY_POLL_SECONDS", "3");
            jail.set_env("STATEHOUSE_BIN", "not a configuration key");
            jail.set_env("STATEHOUSE_EXECUTION_LOG", "runs.jsonl");
            jail.set_env("STATEHOUSE_LOG_FORMAT", "json");
            jail.set_env("STATEHOUSE_HISTORY_RETENTION_SECONDS", "60");
            let overrides = Overrides { account: Some("222222222222".into()), ..Default::default() };
            let config = Config::load(Some(std::path::Path::new("node.toml")), &overrides).expect("loads");
            assert_eq!(config.listen, "127.0.0.1:9000", "file beats default");
            assert_eq!(config.region, "ap-south-1", "env beats file");
            assert_eq!(config.account, "222222222222", "flag beats env");
            assert_eq!(config.data_dir, PathBuf::from("statehouse-data"), "default stays");
            assert_eq!(config.activity_poll_seconds, 3, "env keys with underscores");
            assert_eq!(config.execution_log, "runs.jsonl");
            assert_eq!(config.log_format, LogFormat::Json);
            assert_eq!(config.history_retention_seconds, 60, "every field is a key the environment may set");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err, reason = "figment's Jail closure returns figment::Error by value")]
    fn credentials_come_from_the_file_and_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "node.toml",
                "auth = \"sigv4\"\n[[credentials]]\naccess_key_id = \"AKIDFILE\"\nsecret_access_key = \"s1\"\naccount = \"111111111111\"",
            )?;
            jail.set_env(ACCESS_KEY_ID_ENV, "AKIDENV");
            jail.set_env(SECRET_ACCESS_KEY_ENV, "s2");
            let config = Config::load(Some(std::path::Path::new("node.toml")), &Overrides::default()).expect("loads");
            assert_eq!(config.auth, AuthMode::Sigv4);
            let keys: Vec<_> =
                config.credentials.iter().map(|c| (c.access_key_id.as_str(), c.account.clone())).collect();
            assert_eq!(keys, vec![("AKIDFILE", Some("111111111111".into())), ("AKIDENV", None)]);
            assert_eq!(config.check(), Ok(()));
            let flag = Overrides { auth: Some(AuthMode::None), ..Default::default() };
            let config = Config::load(Some(std::path::Path::new("node.toml")), &flag).expect("loads");
            assert_eq!(config.auth, AuthMode::None, "the flag beats the file");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err, reason = "figment's Jail closure returns figment::Error by value")]
    fn the_mock_configuration_comes_from_step_functions_locals_variable_too() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(SFN_MOCK_CONFIG_ENV, "/sfn/MockConfigFile.json");
            let config = Config::load(None, &Overrides::default()).expect("loads");
            assert_eq!(config.mock_config, PathBuf::from("/sfn/MockConfigFile.json"));
            jail.set_env("STATEHOUSE_MOCK_CONFIG", "/statehouse/mocks.json");
            let config = Config::load(None, &Overrides::default()).expect("loads");
            assert_eq!(config.mock_config, PathBuf::from("/statehouse/mocks.json"), "statehouse's own variable wins");
            let flag = Overrides { mock_config: Some("flag.json".into()), ..Default::default() };
            assert_eq!(Config::load(None, &flag).expect("loads").mock_config, PathBuf::from("flag.json"));
            Ok(())
        });
    }

    #[test]
    fn wait_time_scale_is_refused_outside_zero_to_one() {
        for (scale, ok) in [(0.0, true), (0.01, true), (1.0, true), (1.5, false), (-1.0, false)] {
            let config = Config { wait_time_scale: scale, ..Config::default() };
            assert_eq!(config.check().is_ok(), ok, "{scale}");
        }
    }

    #[test]
    fn sigv4_without_credentials_is_refused() {
        let config = Config { auth: AuthMode::Sigv4, ..Config::default() };
        assert!(config.check().unwrap_err().contains("needs [[credentials]]"));
    }

    #[test]
    fn the_shipped_configuration_files_load_and_pass_the_checks() {
        for name in ["single", "node1", "node2", "node3"] {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("config/{name}.toml"));
            let config = Config::load(Some(&path), &Overrides::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(config.check(), Ok(()), "{name}");
        }
        let single = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/single.toml");
        let config = Config::load(Some(&single), &Overrides::default()).expect("loads");
        assert_eq!(config, Config::default(), "single.toml documents the defaults");
    }
}
