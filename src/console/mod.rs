//! The web console at `/console`: state machines drawn as graphs, executions with their path coloured by
//! outcome and their history streamed live, activities with their queues, and the cluster. Its pages and
//! scripts are compiled into the binary (`assets`), and it reads everything through the API's own
//! operations (`operations`) or read-only views of this node (graph drawing, execution stream, activity
//! queues, cluster); the only changes it can make are StopExecution and RedriveExecution, through the
//! same code path as the API.
//!
//! With `auth = "sigv4"` a user logs in with an access key pair and gets a signed, expiring HttpOnly
//! session cookie (`session`); with auth off the console acts for the configured account. Requests that
//! act must come from the console's own pages (`caller`).

mod activities;
mod assets;
mod caller;
mod cluster;
mod drawing;
mod graph;
mod login;
mod node_metrics;
mod operations;
mod session;
mod stream;

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use actix_web::web;

use crate::config::Config;
use session::Sessions;

/// The console's own state, next to the API's.
pub struct Console {
    sessions: Sessions,
    /// Execution streams open on this node.
    streams: Arc<AtomicUsize>,
    /// Whether session cookies are marked `Secure` (the API serves HTTPS).
    secure_cookies: bool,
}

impl Console {
    /// The console of a node configured by `config`.
    pub fn new(config: &Config) -> Console {
        Console {
            sessions: Sessions::new(config),
            streams: Arc::new(AtomicUsize::new(0)),
            secure_cookies: config.tls(),
        }
    }
}

/// Adds the console's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console", web::get().to(assets::index))
        .route("/console/", web::get().to(assets::index))
        .route("/console/assets/{name}", web::get().to(assets::asset))
        .route("/console/api/session", web::get().to(login::session))
        .route("/console/api/login", web::post().to(login::login))
        .route("/console/api/logout", web::post().to(login::logout))
        .route("/console/api/op/{operation}", web::post().to(operations::call))
        .route("/console/api/graph", web::post().to(drawing::graph))
        .route("/console/api/stream", web::get().to(stream::open))
        .route("/console/api/activity-queues", web::post().to(activities::queues))
        .route("/console/api/cluster", web::get().to(cluster::overview));
}
