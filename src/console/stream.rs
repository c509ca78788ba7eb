//! `GET /console/api/stream?executionArn=…&after=…`: an execution's history as server-sent events, for the live
//! execution page. Each open stream reads this node's replica every `POLL_INTERVAL` for events after the
//! last one sent (`id:` is the event id, so a reconnecting browser resumes with `Last-Event-ID`), sends
//! `history` events, then one `execution` summary and `end` once the execution has closed. Streams are
//! bounded: at most `MAX_STREAMS` open on a node, each for at most `MAX_AGE` (the browser reconnects).

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use actix_web::web;
use actix_web::web::Bytes;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::caller;
use super::Console;
use crate::api::error_response;
use crate::api::executions;
use crate::api::AccountView;
use crate::api::ApiState;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::wire_seconds;
use crate::raft::RaftNode;
use crate::store::ExecutionRecord;

/// How often an open stream reads the replica.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Most events one read sends.
const EVENTS_PER_READ: usize = 500;
/// Most streams open at once on one node.
const MAX_STREAMS: usize = 64;
/// Longest one stream stays open before the browser has to reconnect.
const MAX_AGE: Duration = Duration::from_secs(10 * 60);
/// Longest a stream stays silent (a comment keeps proxies from closing it).
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The event types that close an execution.
const CLOSING: &[&str] = &["ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"];

/// Query of the stream.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamQuery {
    execution_arn: Option<String>,
    /// Send only the events after this id (the page read the earlier ones through GetExecutionHistory).
    after: Option<u64>,
}

/// A place among the open streams, given back when the stream ends.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(open: &Arc<AtomicUsize>) -> Option<Slot> {
        let taken = open.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < MAX_STREAMS).then_some(n + 1));
        taken.ok().map(|_| Slot(open.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One open stream.
struct Tail {
    node: RaftNode,
    arn: String,
    /// The id of the last event sent.
    after: u64,
    opened: Instant,
    last_sent: Instant,
    /// Whether the execution had closed when the stream opened.
    closed_at_open: bool,
    finished: bool,
    _slot: Slot,
}

/// Opens the stream of an execution the caller's account owns.
pub async fn open(request: HttpRequest, state: web::Data<ApiState>, console: web::Data<Console>) -> HttpResponse {
    let query = match web::Query::<StreamQuery>::from_query(request.query_string()) {
        Ok(query) => query.into_inner(),
        Err(e) => return error_response(&AwsError::new(ErrorCode::ValidationException, format!("Bad query: {e}"))),
    };
    let opened = caller::account(&request, &state, &console).and_then(|account| {
        let arn = query.execution_arn.as_deref().ok_or_else(|| {
            AwsError::new(ErrorCode::ValidationException, "The executionArn query parameter is required")
        })?;
        let record = executions::load(&AccountView::new(&state, account), arn)?;
        let slot = Slot::take(&console.streams).ok_or_else(|| {
            AwsError::new(ErrorCode::ThrottlingException, "Too many execution streams are open on this node")
        })?;
        Ok((record, slot))
    });
    let (record, slot) = match opened {
        Ok(opened) => opened,
        Err(error) => return error_response(&error),
    };
    let after = request
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or(query.after)
        .unwrap_or(0);
    let tail = Tail {
        node: state.node.clone(),
        arn: record.arn.clone(),
        after,
        opened: Instant::now(),
        last_sent: Instant::now(),
        closed_at_open: record.stop_ms.is_some(),
        finished: false,
        _slot: slot,
    };
    let first = format!("retry: 2000\nevent: execution\ndata: {}\n\n", summary(&record));
    let head = futures::stream::once(async move { Ok::<Bytes, actix_web::Error>(Bytes::from(first)) });
    let rest =
        futures::stream::unfold(tail, |tail| async move { tail.next().await.map(|(chunk, tail)| (Ok(chunk), tail)) });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .streaming(futures::StreamExt::chain(head, rest))
}

impl Tail {
    /// Waits for the next chunk to send; `None` ends the stream.
    async fn next(mut self) -> Option<(Bytes, Tail)> {
        let mut first_read = true;
        while !self.finished && self.opened.elapsed() < MAX_AGE {
            if !first_read {
                tokio::time::sleep(POLL_INTERVAL).await;
            }
            first_read = false;
            let chunk = match self.read() {
                Ok(chunk) => chunk,
                Err(error) => {
                    tracing::warn!(execution = %self.arn, error = %error.message, "execution stream cannot read the history");
                    return None;
                }
            };
            if !chunk.is_empty() {
                self.last_sent = Instant::now();
                return Some((Bytes::from(chunk), self));
            }
            if self.last_sent.elapsed() >= KEEP_ALIVE {
                self.last_sent = Instant::now();
                return Some((Bytes::from_static(b": keep-alive\n\n"), self));
            }
        }
        None
    }

    /// The events after the last one sent, and the closing summary once the execution has closed.
    fn read(&mut self) -> Result<String, AwsError> {
        let store = &self.node.store;
        let page = store.history(&self.arn, Some(self.after + 1), false, EVENTS_PER_READ)?;
        let mut chunk = String::new();
        let mut closed = self.closed_at_open && page.items.is_empty();
        for event in &page.items {
            chunk.push_str(&format!("id: {}\nevent: history\ndata: {}\n\n", event.id, event.to_wire(true)));
            self.after = event.id;
            closed |= CLOSING.contains(&event.event_type.as_str());
        }
        if closed && page.next.is_none() {
            if let Some(record) = store.execution(&self.arn)? {
                chunk.push_str(&format!("event: execution\ndata: {}\n\n", summary(&record)));
            }
            chunk.push_str("event: end\ndata: {}\n\n");
            self.finished = true;
        }
        Ok(chunk)
    }
}

/// The execution's status and result, as DescribeExecution names them.
fn summary(record: &ExecutionRecord) -> Value {
    let mut summary = json!({
        "executionArn": record.arn,
        "status": record.status.as_str(),
        "startDate": wire_seconds(record.start_ms),
    });
    let optional = [("output", &record.output), ("error", &record.error), ("cause", &record.cause)];
    for (member, value) in optional {
        if let Some(value) = value {
            summary[member] = json!(value);
        }
    }
    if let Some(stop) = record.stop_ms {
        summary["stopDate"] = json!(wire_seconds(stop));
    }
    summary
}
