//! The cluster port: serves [`PeerRequest`]s from the other nodes. Every request must carry the HMAC of its
//! body under the cluster secret; anything else is refused before it is decoded.

use std::sync::Arc;
use std::sync::OnceLock;

use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;

use crate::actors::ExecutionSupervisor;
use crate::aws_error::AwsError;
use crate::cluster::verify;
use crate::cluster::PeerRequest;
use crate::cluster::PeerStatus;
use crate::cluster::PEER_PATH;
use crate::cluster::SIGNATURE_HEADER;
use crate::raft::RaftNode;
use crate::store::decode;
use crate::store::encode;

/// Largest peer request accepted (a batch of log entries or a snapshot chunk).
const MAX_PEER_REQUEST_BYTES: usize = 256 * 1024 * 1024;

/// What the cluster port serves from.
pub struct PeerService {
    node: RaftNode,
    secret: String,
    supervisor: OnceLock<Arc<ExecutionSupervisor>>,
}

impl PeerService {
    /// The service of `node`, checking requests against `secret`.
    pub fn new(node: RaftNode, secret: String) -> PeerService {
        PeerService { node, secret, supervisor: OnceLock::new() }
    }

    /// Routed calls are served once the node's actors are running.
    pub fn set_supervisor(&self, supervisor: Arc<ExecutionSupervisor>) {
        let _ = self.supervisor.set(supervisor);
    }

    async fn answer(&self, request: PeerRequest) -> Vec<u8> {
        let raft = &self.node.raft;
        match request {
            PeerRequest::AppendEntries(rpc) => encode(&raft.append_entries(rpc).await.map_err(|e| e.to_string())),
            PeerRequest::Vote(rpc) => encode(&raft.vote(rpc).await.map_err(|e| e.to_string())),
            PeerRequest::InstallSnapshot(rpc) => encode(&raft.install_snapshot(*rpc).await.map_err(|e| e.to_string())),
            PeerRequest::Propose(batch) => encode(&self.node.commit_as_leader(batch).await),
            PeerRequest::Routed(routed) => match self.supervisor.get() {
                Some(supervisor) => supervisor.serve(routed).await,
                None => encode(&Err::<(), AwsError>(AwsError::unavailable("the node is still starting; retry"))),
            },
            PeerRequest::Ping { grant } => {
                if let Some(grant) = grant {
                    self.node.accept_lease(grant);
                }
                let metrics = raft.metrics().borrow().clone();
                encode(&PeerStatus {
                    node_id: self.node.id,
                    applied_index: metrics.last_applied.map(|l| l.index),
                    leader: metrics.current_leader,
                })
            }
            PeerRequest::ReadIndex => encode(&self.node.read_index().await),
            PeerRequest::AddNode { id, address } => encode(&self.node.add_node(id, address).await),
            PeerRequest::RemoveNode { id } => encode(&self.node.remove_node(id).await),
            PeerRequest::Metrics => {
                let text = match self.supervisor.get() {
                    Some(supervisor) => crate::metrics::render(&crate::metrics::Sample::take(&self.node, supervisor)),
                    None => String::new(),
                };
                encode(&text)
            }
        }
    }
}

/// Routes of the cluster port.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_PEER_REQUEST_BYTES)).route(PEER_PATH, web::post().to(handle));
}

async fn handle(request: HttpRequest, body: web::Bytes, service: web::Data<PeerService>) -> HttpResponse {
    let signature = request.headers().get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !verify(&service.secret, &body, signature) {
        tracing::warn!(peer = ?request.peer_addr(), "refused a cluster request without a valid signature");
        return HttpResponse::Unauthorized().body("the request is not signed with this cluster's secret");
    }
    match decode::<PeerRequest>(&body) {
        Ok(peer_request) => HttpResponse::Ok().body(service.answer(peer_request).await),
        Err(e) => HttpResponse::BadRequest().body(e.to_string()),
    }
}
