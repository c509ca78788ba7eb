//! The `statehouse` command: the server and its tools.

use std::path::PathBuf;

use clap::Parser;
use clap::Subcommand;
use statehouse::config::Config;
use statehouse::config::Overrides;

/// mimalloc instead of the system allocator: every request and every step allocates, and glibc's malloc
/// took a fifth of the server's CPU under the workflow load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Cluster administration: status, add-node, remove-node.
    Cluster(statehouse::cluster_cli::ClusterArgs),
    /// Load-tests a cluster: heartbeat, workflow or activity scenario.
    Load(statehouse::load::LoadArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config, overrides } => {
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
