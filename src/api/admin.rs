//! The cluster admin endpoints on the API port: `GET /cluster/status` for anyone who can reach the API, and
//! membership changes (`POST /cluster/add-node`, `POST /cluster/remove-node`) only for callers who sign the
//! body with the cluster secret. Changes are carried out by the leader.

use std::time::Duration;

use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;

use super::ApiState;
use crate::aws_error::AwsError;
use crate::cluster::verify;
use crate::cluster::NodeId;
use crate::cluster::PeerRequest;
use crate::cluster::PeerStatus;
use crate::cluster::SIGNATURE_HEADER;

/// How long a membership change may take (a learner catching up included).
const CHANGE_TIMEOUT: Duration = Duration::from_secs(60);

/// Body of `POST /cluster/add-node`.
#[derive(Debug, Serialize, Deserialize)]
pub struct AddNode {
    pub id: NodeId,
    /// The new node's cluster address (`host:port`).
    pub address: String,
}

/// Body of `POST /cluster/remove-node`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RemoveNode {
    pub id: NodeId,
}

/// Adds the admin routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/cluster/status", web::get().to(status))
        .route("/cluster/add-node", web::post().to(add_node))
        .route("/cluster/remove-node", web::post().to(remove_node));
}

async fn status(state: web::Data<ApiState>) -> HttpResponse {
    HttpResponse::Ok().json(cluster_status(&state).await)
}

/// The cluster as this node sees it: members (pinged), the leader, the term and the shard map.
pub async fn cluster_status(state: &ApiState) -> serde_json::Value {
    let node = &state.node;
    let metrics = node.raft.metrics().borrow().clone();
    let voters = node.voters();
    let map = node.shard_map();
    let mut members = Vec::new();
    for (id, address) in node.members() {
        let status: Option<PeerStatus> = if id == node.id {
            Some(PeerStatus {
                node_id: id,
                applied_index: metrics.last_applied.map(|l| l.index),
                leader: metrics.current_leader,
            })
        } else {
            node.peers.call(&address, &PeerRequest::Ping { grant: None }, Duration::from_millis(500)).await.ok()
        };
        members.push(json!({
            "id": id,
            "address": address,
            "voter": voters.contains(&id),
            "reachable": status.is_some(),
            "appliedIndex": status.as_ref().and_then(|s| s.applied_index),
            "shards": map.iter().filter(|(_, owner, _)| *owner == id).count(),
        }));
    }
    let shards: Vec<_> =
        map.iter().map(|(shard, owner, epoch)| json!({ "shard": shard.0, "owner": owner, "epoch": epoch.0 })).collect();
    json!({
        "nodeId": node.id,
        "leader": metrics.current_leader,
        "term": metrics.current_term,
        "members": members,
        "shardMap": shards,
    })
}

fn signed(state: &ApiState, request: &HttpRequest, body: &[u8]) -> bool {
    let signature = request.headers().get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    !state.config.cluster_secret.is_empty() && verify(&state.config.cluster_secret, body, signature)
}

async fn on_leader(state: &ApiState, request: PeerRequest) -> Result<(), AwsError> {
    let node = &state.node;
    let leader = node.leader().ok_or_else(|| AwsError::unavailable("the cluster has no leader right now; retry"))?;
    let address =
        node.peer_address(leader).ok_or_else(|| AwsError::unavailable("the leader's address is unknown; retry"))?;
    let answer: Result<(), AwsError> = node
        .peers
        .call(&address, &request, CHANGE_TIMEOUT)
        .await
        .map_err(|e| AwsError::unavailable(format!("the leader did not answer: {e}")))?;
    answer
}

fn answer(result: Result<(), AwsError>) -> HttpResponse {
    match result {
        Ok(()) => HttpResponse::Ok().json(json!({})),
        Err(error) => super::protocol::error_response(&error),
    }
}

async fn add_node(request: HttpRequest, body: web::Bytes, state: web::Data<ApiState>) -> HttpResponse {
    if !signed(&state, &request, &body) {
        return HttpResponse::Forbidden().json(json!({ "message": "membership changes need the cluster secret" }));
    }
    match serde_json::from_slice::<AddNode>(&body) {
        Ok(add) => answer(on_leader(&state, PeerRequest::AddNode { id: add.id, address: add.address }).await),
        Err(e) => HttpResponse::BadRequest().json(json!({ "message": e.to_string() })),
    }
}

async fn remove_node(request: HttpRequest, body: web::Bytes, state: web::Data<ApiState>) -> HttpResponse {
    if !signed(&state, &request, &body) {
        return HttpResponse::Forbidden().json(json!({ "message": "membership changes need the cluster secret" }));
    }
    match serde_json::from_slice::<RemoveNode>(&body) {
        Ok(remove) => answer(on_leader(&state, PeerRequest::RemoveNode { id: remove.id }).await),
        Err(e) => HttpResponse::BadRequest().json(json!({ "message": e.to_string() })),
    }
}
