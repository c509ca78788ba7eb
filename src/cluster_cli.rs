//! `statehouse cluster`: the admin commands, talking to any node's API port.

use bytes::Bytes;
use clap::Args;
use clap::Subcommand;
use http_body_util::BodyExt;
use http_body_util::Full;
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use serde_json::Value;

use crate::cluster::sign;
use crate::cluster::SIGNATURE_HEADER;

/// Arguments of `statehouse cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// API endpoint of any node.
    #[arg(long, default_value = "http://127.0.0.1:8083", global = true)]
    endpoint: String,
    /// The cluster secret (needed for membership changes).
    #[arg(long, env = "STATEHOUSE_CLUSTER_SECRET", hide_env_values = true, global = true)]
    secret: Option<String>,
    #[command(subcommand)]
    command: ClusterCommand,
}

#[derive(Debug, Subcommand)]
enum ClusterCommand {
    /// Members, leader, each node's applied index and the shard map.
    Status {
        /// Print the raw JSON.
        #[arg(long)]
        json: bool,
    },
    /// Adds a started node (`serve --join`) as a learner, then as a voter.
    AddNode {
        #[arg(long)]
        id: u64,
        /// The new node's cluster address, host:port.
        #[arg(long)]
        address: String,
    },
    /// Removes a node; its shards move to the others.
    RemoveNode {
        #[arg(long)]
        id: u64,
    },
}

/// Runs a cluster command; the process exit code.
pub fn run(args: ClusterArgs) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("statehouse cluster: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("statehouse cluster: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn execute(args: ClusterArgs) -> Result<(), String> {
    let endpoint = args.endpoint.trim_end_matches('/');
    match args.command {
        ClusterCommand::Status { json } => {
            let status = call(&format!("{endpoint}/cluster/status"), None, None).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status).unwrap_or_default());
            } else {
                print_status(&status);
            }
            Ok(())
        }
        ClusterCommand::AddNode { id, address } => {
            let body = json!({ "id": id, "address": address });
            call(&format!("{endpoint}/cluster/add-node"), Some(body), args.secret.as_deref()).await?;
            println!("node {id} added as a voter");
            Ok(())
        }
        ClusterCommand::RemoveNode { id } => {
            call(&format!("{endpoint}/cluster/remove-node"), Some(json!({ "id": id })), args.secret.as_deref()).await?;
            println!("node {id} removed");
            Ok(())
        }
    }
}

fn print_status(status: &Value) {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    println!("node {} sees leader {} (term {})", status["nodeId"], status["leader"], status["term"]);
    let members: Vec<&Value> = status["members"].as_array().into_iter().flatten().collect();
    let width = members.iter().map(|m| text(&m["address"]).len()).max().unwrap_or(0).max("address".len());
    println!("{:>4}  {:<width$} {:>6} {:>9} {:>8} {:>7}", "id", "address", "voter", "reachable", "applied", "shards");
    for m in members {
        println!(
            "{:>4}  {:<width$} {:>6} {:>9} {:>8} {:>7}",
            text(&m["id"]),
            text(&m["address"]),
            text(&m["voter"]),
            text(&m["reachable"]),
            text(&m["appliedIndex"]),
            text(&m["shards"])
        );
    }
    let shards = status["shardMap"].as_array().map_or(0, Vec::len);
    let max_epoch = status["shardMap"].as_array().into_iter().flatten().filter_map(|s| s["epoch"].as_u64()).max();
    println!("{shards} shards, highest epoch {}", max_epoch.unwrap_or(0));
}

async fn call(url: &str, body: Option<Value>, secret: Option<&str>) -> Result<Value, String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = match body {
        None => Request::get(url).body(Full::new(Bytes::new())),
        Some(body) => {
            let bytes = body.to_string().into_bytes();
            let secret = secret.ok_or("membership changes need --secret or STATEHOUSE_CLUSTER_SECRET")?;
            Request::post(url)
                .header("content-type", "application/json")
                .header(SIGNATURE_HEADER, sign(secret, &bytes))
                .body(Full::new(Bytes::from(bytes)))
        }
    }
    .map_err(|e| e.to_string())?;
    let response = client.request(request).await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    let bytes = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(format!("{url}: HTTP {status}: {}", value["message"].as_str().unwrap_or("(no message)")));
    }
    Ok(value)
}
