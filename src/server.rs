//! Starting a node: logging, the Raft node, the execution actors and the HTTP server.

use std::io;
use std::net::TcpListener;

use actix_web::web;
use actix_web::App;
use actix_web::HttpServer;
use tracing_subscriber::EnvFilter;

use crate::actors::ExecutionSupervisor;
use crate::api;
use crate::api::ApiState;
use crate::arn::ArnBuilder;
use crate::config::Config;
use crate::connectors::Connectors;
use crate::raft::RaftNode;

/// Sets up tracing with `filter` unless `RUST_LOG` is set.
pub fn init_logging(filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}

/// Runs a node until it is interrupted (Ctrl-C or SIGTERM).
pub fn run(config: Config) -> io::Result<()> {
    let listener = TcpListener::bind(&config.listen)?;
    let address = listener.local_addr()?;
    actix_web::rt::System::new().block_on(serve(config, listener, address.to_string()))
}

async fn serve(config: Config, listener: TcpListener, address: String) -> io::Result<()> {
    crate::metrics::install();
    let node = RaftNode::start_single(config.node_id, &address, &config.data_dir).await.map_err(io::Error::other)?;
    let executions = ExecutionSupervisor::new(node.clone(), Connectors::new(config.connectors.clone()));
    let resumed = executions.resume_all().map_err(|e| io::Error::other(e.message))?;
    let state = web::Data::new(ApiState {
        node: node.clone(),
        arns: ArnBuilder { region: config.region.clone(), account: config.account.clone() },
        config: config.clone(),
        executions,
    });
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let server = HttpServer::new(move || App::new().app_data(state.clone()).configure(api::configure))
        .workers(workers)
        .listen(listener)?
        .run();
    tracing::info!(%address, data_dir = %config.data_dir.display(), resumed, "statehouse listening");
    println!("statehouse listening on http://{address}");
    let result = server.await;
    node.shutdown().await;
    result
}
