//! The `statehouse` command: the server and its tools.

use std::path::PathBuf;

use clap::Parser;
use clap::Subcommand;
use statehouse::config::AuthMode;
use statehouse::config::Config;
use statehouse::config::LogFormat;
use statehouse::config::Overrides;

#[derive(Parser)]
#[command(
    name = "statehouse",
    version,
    about = "A Raft-replicated workflow service speaking the AWS Step Functions API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a node (one-node cluster by default: 127.0.0.1:8083, data in ./statehouse-data).
    Serve {
        /// TOML configuration file (see config/single.toml).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Address to serve the API on, e.g. 127.0.0.1:8083.
        #[arg(long)]
        listen: Option<String>,
        /// Directory for the Raft log and state.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// AWS region used in ARNs.
        #[arg(long)]
        region: Option<String>,
        /// AWS account id used in ARNs.
        #[arg(long)]
        account: Option<String>,
        /// This node's id in the cluster.
        #[arg(long)]
        node_id: Option<u64>,
        /// Address of the cluster port (Raft and forwarding), e.g. 127.0.0.1:9083.
        #[arg(long)]
        cluster_listen: Option<String>,
        /// Wait to be added with `statehouse cluster add-node` instead of initializing a cluster.
        #[arg(long)]
        join: bool,
        /// API authentication: none (the default) or sigv4 (requests signed with a configured credential).
        #[arg(long, value_enum)]
        auth: Option<AuthMode>,
        /// Format of the server's own logs: text (the default) or json (one JSON object per line).
        #[arg(long, value_enum)]
        log_format: Option<LogFormat>,
        /// Mock configuration file in Step Functions Local's format (also STATEHOUSE_MOCK_CONFIG or
        /// SFN_MOCK_CONFIG): run its test cases with StartExecution on `<stateMachineArn>#<test case>`.
        #[arg(long)]
        mock_config: Option<PathBuf>,
    },
    /// Cluster administration: status, add-node, remove-node.
    Cluster(statehouse::cluster_cli::ClusterArgs),
    /// Load-tests a cluster: heartbeat, workflow or activity scenario.
    Load(statehouse::load::LoadArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            config,
            listen,
            data_dir,
            region,
            account,
            node_id,
            cluster_listen,
            join,
            auth,
            log_format,
            mock_config,
        } => {
            let overrides = Overrides {
                listen,
                data_dir,
                region,
                account,
                node_id,
                cluster_listen,
                join,
                auth,
                log_format,
                mock_config,
            };
            let config = match Config::load(config.as_deref(), &overrides) {
                Ok(config) => config,
                Err(e) => {
                    eprintln!("statehouse: invalid configuration: {e}");
                    return std::process::ExitCode::from(2);
                }
            };
            statehouse::server::init_logging(&config.log, config.log_format);
            match statehouse::server::run(config) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("statehouse: {e}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
        Command::Load(args) => statehouse::load::run(args),
        Command::Cluster(args) => statehouse::cluster_cli::run(args),
    }
}
