//! `GET /console/api/cluster`: the cluster status (members, leader, term, shard map with owners and
//! epochs) with each reachable node's request and commit counters, read over the cluster port.

use std::time::Duration;

use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use serde_json::json;

use super::caller;
use super::node_metrics;
use super::Console;
use crate::api::admin::cluster_status;
use crate::api::error_response;
use crate::api::ApiState;
use crate::cluster::PeerRequest;

/// How long a node may take to send its metrics.
const METRICS_TIMEOUT: Duration = Duration::from_millis(500);

/// The cluster as this node sees it, with per-node counters.
pub async fn overview(request: HttpRequest, state: web::Data<ApiState>, console: web::Data<Console>) -> HttpResponse {
    if let Err(error) = caller::account(&request, &state, &console) {
        return error_response(&error);
    }
    let mut status = cluster_status(&state).await;
    let members: Vec<(u64, String)> = state.node.members().into_iter().collect();
    let readings = futures::future::join_all(members.iter().map(|(id, address)| {
        let state = &state;
        async move {
            let text = if *id == state.node.id {
                Some(crate::metrics::render(&crate::metrics::Sample::take(&state.node, &state.executions)))
            } else {
                state.node.peers.call::<String>(address, &PeerRequest::Metrics, METRICS_TIMEOUT).await.ok()
            };
            (*id, text.map(|t| node_metrics::read(&t)))
        }
    }))
    .await;
    if let Some(members) = status["members"].as_array_mut() {
        for member in members {
            let id = member["id"].as_u64();
            if let Some((_, Some(metrics))) = readings.iter().find(|(reading, _)| Some(*reading) == id) {
                member["metrics"] = json!(metrics);
            }
        }
    }
    HttpResponse::Ok().json(status)
}
