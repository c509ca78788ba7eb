//! Starting a node: logging, the cluster port, the Raft node, the execution actors, the shard controller
//! and the API server.

use std::io;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use actix_web::App;
use actix_web::HttpServer;
use tracing_subscriber::EnvFilter;

use crate::actors::ExecutionSupervisor;
use crate::api;
use crate::api::sigv4::Verifier;
use crate::api::ApiState;
use crate::api::Throttle;
use crate::config::AuthMode;
use crate::config::Config;
use crate::config::LogFormat;
use crate::connectors::Connectors;
use crate::engine::TokenVerifier;
use crate::engine::WaitTimeScale;
use crate::mocks::MockConfig;
use crate::peer_service::PeerService;
use crate::raft::NodeOptions;
use crate::raft::RaftNode;

/// Sets up tracing with `filter` (unless `RUST_LOG` is set), as text lines or JSON objects.
pub fn init_logging(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Runs a node until it is interrupted (Ctrl-C or SIGTERM).
pub fn run(config: Config) -> io::Result<()> {
    config.check().map_err(io::Error::other)?;
    let mocks = match config.mock_config.as_os_str().is_empty() {
        true => MockConfig::default(),
        false => MockConfig::load(&config.mock_config).map_err(io::Error::other)?,
    };
    let tls = match config.tls() {
        true => Some(crate::tls::server_config(&config.tls_cert, &config.tls_key)?),
        false => None,
    };
    crate::execution_log::install(&crate::execution_log::Destination::parse(&config.execution_log))?;
    let listener = TcpListener::bind(&config.listen)?;
    let cluster_listener = match config.cluster_listen.as_str() {
        "" => None,
        address => Some(TcpListener::bind(address)?),
    };
    actix_web::rt::System::new().block_on(serve(config, mocks, listener, tls, cluster_listener))
}

async fn serve(
    config: Config,
    mocks: MockConfig,
    listener: TcpListener,
    tls: Option<rustls::ServerConfig>,
    cluster_listener: Option<TcpListener>,
) -> io::Result<()> {
    crate::metrics::install();
    let address = listener.local_addr()?.to_string();
    let cluster_address = match &cluster_listener {
        Some(cluster) => cluster.local_addr()?.to_string(),
        None => address.clone(),
    };
    let options = NodeOptions {
        id: config.node_id,
        data_dir: config.data_dir.clone(),
        cluster_address: cluster_address.clone(),
        initial_members: config.members().map_err(io::Error::other)?,
        join: config.join,
        secret: config.cluster_secret.clone(),
        snapshot_policy: config.snapshot_policy(),
    };
    let (node, notices) = RaftNode::open(&options).await.map_err(io::Error::other)?;
    let peer_service = web::Data::new(PeerService::new(node.clone(), config.cluster_secret.clone()));
    let peer_server = match cluster_listener {
        Some(cluster) => {
            let service = peer_service.clone();
            let server =
                HttpServer::new(move || App::new().app_data(service.clone()).configure(crate::peer_service::configure))
                    .workers(2)
                    .listen(cluster)?
                    .run();
            let handle = server.handle();
            actix_web::rt::spawn(server);
            println!("statehouse cluster port on {cluster_address}");
            Some(handle)
        }
        None => None,
    };
    node.form_cluster(&options).await.map_err(io::Error::other)?;
    let executions = ExecutionSupervisor::new(node.clone(), Connectors::new(config.connectors.clone()), mocks);
    actix_web::rt::spawn(crate::controller::run(node.clone(), Duration::from_millis(config.failure_timeout_ms)));
    actix_web::rt::spawn(crate::retention::run(node.clone(), Duration::from_secs(config.history_retention_seconds)));
    let state = web::Data::new(ApiState {
        node: node.clone(),
        config: config.clone(),
        executions: executions.clone(),
        sigv4: (config.auth == AuthMode::Sigv4).then(|| Verifier::new(&config)),
        throttle: Throttle::new(&config.throttle),
        // The cluster's token key is known once the cluster has formed.
        token_verifier: TokenVerifier::new(node.token_key()),
        wait_time_scale: WaitTimeScale::new(config.wait_time_scale).map_err(io::Error::other)?,
    });
    // Executions reach the API (Step Functions integrations) before any of them runs.
    let api = api::InProcessApi::new(Arc::downgrade(&state.clone().into_inner()));
    executions.connectors().serve_states_with(Arc::new(api));
    peer_service.set_supervisor(executions.clone());
    actix_web::rt::spawn(executions.clone().follow(notices));
    let resumed = executions.resume_all().map_err(|e| io::Error::other(e.message))?;
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let console = web::Data::new(crate::console::Console::new(&config));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(console.clone())
            .configure(api::configure)
            .configure(crate::console::configure)
    })
    .workers(workers);
    let (server, scheme) = match tls {
        Some(tls) => (server.listen_rustls_0_23(listener, tls)?, "https"),
        None => (server.listen(listener)?, "http"),
    };
    let server = server.run();
    let api = server.handle();
    tracing::info!(%address, node = config.node_id, data_dir = %config.data_dir.display(), resumed, "statehouse listening");
    println!("statehouse listening on {scheme}://{address}");
    // A node whose storage failed exits instead of answering from a state it can no longer change: its
    // supervisor restarts it, and it recovers from its durable state once the cause (a full disk) is gone.
    let result = tokio::select! {
        result = server => result,
        fault = node.stopped_by_fault() => {
            tracing::error!(%fault, "the Raft core stopped; exiting");
            api.stop(false).await;
            Err(io::Error::other(format!("the Raft core stopped: {fault}")))
        }
    };
    if let Some(peer_server) = peer_server {
        peer_server.stop(true).await;
    }
    node.shutdown().await;
    result
}
