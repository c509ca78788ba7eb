//! Node configuration, layered: built-in defaults < TOML file < `STATEHOUSE_*` environment < command-line flags.

use std::path::PathBuf;

use figment::providers::Env;
use figment::providers::Format;
use figment::providers::Serialized;
use figment::providers::Toml;
use figment::Figment;
use serde::Deserialize;
use serde::Serialize;

/// The configuration keys; other `STATEHOUSE_*` environment variables are not configuration.
const KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "region",
    "account",
    "node_id",
    "activity_poll_seconds",
    "log",
    "connectors",
    "cluster_listen",
    "cluster_secret",
    "initial_members",
    "join",
    "failure_timeout_ms",
];

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
            connectors: Default::default(),
            cluster_listen: String::new(),
            cluster_secret: String::new(),
            initial_members: Vec::new(),
            join: false,
            failure_timeout_ms: 3_000,
        }
    }
}

/// Values given on the command line; each one set overrides every other layer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_listen: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub join: bool,
}

impl Config {
    /// Loads the layered configuration.
    pub fn load(file: Option<&std::path::Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("STATEHOUSE_").filter(|key| KEYS.iter().any(|k| key.as_str().eq_ignore_ascii_case(k))))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)
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

    /// Checks the cluster keys fit together.
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
            let overrides = Overrides { account: Some("222222222222".into()), ..Default::default() };
            let config = Config::load(Some(std::path::Path::new("node.toml")), &overrides).expect("loads");
            assert_eq!(config.listen, "127.0.0.1:9000", "file beats default");
            assert_eq!(config.region, "ap-south-1", "env beats file");
            assert_eq!(config.account, "222222222222", "flag beats env");
            assert_eq!(config.data_dir, PathBuf::from("statehouse-data"), "default stays");
            assert_eq!(config.activity_poll_seconds, 3, "env keys with underscores");
            Ok(())
        });
    }
}
