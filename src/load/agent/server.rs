//! `statehouse load agent --listen ADDR --secret S`: waits for a coordinator's signed run request, runs
//! that share of the measured phase against the endpoints it names, and answers with its measurement.
//! One run at a time; a stop request ends it early. Prints `statehouse load agent listening on
//! http://ADDR` once it accepts requests.

use std::collections::HashSet;
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::web;
use actix_web::App;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::HttpServer;
use serde::de::DeserializeOwned;

use super::wire::now_ms;
use super::wire::signature;
use super::wire::verify_signature;
use super::wire::RunRequest;
use super::wire::RunResult;
use super::wire::StopRequest;
use super::wire::MAX_REQUEST_AGE_MS;
use super::wire::RESULT_PATH;
use super::wire::RUN_PATH;
use super::wire::SIGNATURE_HEADER;
use super::wire::STOP_PATH;
use crate::load::args::AgentArgs;
use crate::load::client::SfnClient;
use crate::load::report::Recorder;
use crate::load::workload::Generator;

/// Largest request accepted (a heartbeat workload carries its tokens).
const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

struct AgentState {
    secret: String,
    /// The stop flag of the run in progress.
    running: Mutex<Option<Arc<AtomicBool>>>,
    /// Nonces already accepted.
    seen: Mutex<HashSet<String>>,
}

/// Runs the agent until it is interrupted.
pub fn serve(args: &AgentArgs) -> ExitCode {
    if args.secret.len() < 8 {
        eprintln!("statehouse load agent: the secret must have at least 8 characters");
        return ExitCode::FAILURE;
    }
    let state = web::Data::new(AgentState {
        secret: args.secret.clone(),
        running: Mutex::new(None),
        seen: Mutex::new(HashSet::new()),
    });
    let served = (|| {
        let listener = TcpListener::bind(&args.listen)?;
        let address = listener.local_addr()?;
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(state.clone())
                    .app_data(web::PayloadConfig::new(MAX_REQUEST_BYTES))
                    .route(RUN_PATH, web::post().to(run))
                    .route(STOP_PATH, web::post().to(stop))
            })
            .workers(1)
            .listen(listener)?
            .run();
            println!("statehouse load agent listening on http://{address}");
            server.await
        })
    })();
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("statehouse load agent: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Why a request was refused.
struct Refusal(StatusCode, String);

impl Refusal {
    fn response(self) -> HttpResponse {
        HttpResponse::build(self.0).body(self.1)
    }
}

/// The request, if it is signed with the agent's secret, fresh, and not seen before.
fn authenticated<T: DeserializeOwned>(
    state: &AgentState,
    request: &HttpRequest,
    path: &str,
    body: &[u8],
    issued_at: impl Fn(&T) -> (u64, String),
) -> Result<T, Refusal> {
    let signed = request.headers().get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !verify_signature(&state.secret, path, body, signed) {
        eprintln!("statehouse load agent: refused a request from {:?}: wrong secret", request.peer_addr());
        return Err(Refusal(StatusCode::UNAUTHORIZED, "the request is not signed with this agent's secret".into()));
    }
    let parsed: T = serde_json::from_slice(body).map_err(|e| Refusal(StatusCode::BAD_REQUEST, e.to_string()))?;
    let (issued_at_ms, nonce) = issued_at(&parsed);
    if now_ms().abs_diff(issued_at_ms) > MAX_REQUEST_AGE_MS {
        return Err(Refusal(StatusCode::UNAUTHORIZED, "the request is stale (or the clocks disagree)".into()));
    }
    if !state.seen.lock().expect("nonces lock").insert(nonce) {
        return Err(Refusal(StatusCode::UNAUTHORIZED, "the request was already used".into()));
    }
    Ok(parsed)
}

async fn run(request: HttpRequest, body: web::Bytes, state: web::Data<AgentState>) -> HttpResponse {
    let run: RunRequest =
        match authenticated(&state, &request, RUN_PATH, &body, |r: &RunRequest| (r.issued_at_ms, r.nonce.clone())) {
            Ok(run) => run,
            Err(refused) => return refused.response(),
        };
    let stop_requested = Arc::new(AtomicBool::new(false));
    {
        let mut running = state.running.lock().expect("run lock");
        if running.is_some() {
            return HttpResponse::Conflict().body("this agent is already running a load");
        }
        *running = Some(stop_requested.clone());
    }
    let measured = async {
        let client = SfnClient::new(&run.endpoints)?;
        actix_web::rt::time::sleep(Duration::from_millis(run.start_at_ms.saturating_sub(now_ms()))).await;
        let generator = Generator { client: &client, pacing: &run.pacing, part: run.part, stop_requested };
        run.workload.measure(&generator, Arc::new(Recorder::new())).await
    }
    .await;
    *state.running.lock().expect("run lock") = None;
    match measured {
        Ok(measurement) => {
            let body = serde_json::to_vec(&RunResult { measurement: measurement.snapshot() })
                .expect("a measurement serializes");
            HttpResponse::Ok()
                .insert_header((SIGNATURE_HEADER, signature(&state.secret, RESULT_PATH, &body)))
                .content_type("application/json")
                .body(body)
        }
        Err(e) => HttpResponse::InternalServerError().body(e),
    }
}

async fn stop(request: HttpRequest, body: web::Bytes, state: web::Data<AgentState>) -> HttpResponse {
    let issued = |r: &StopRequest| (r.issued_at_ms, r.nonce.clone());
    if let Err(refused) = authenticated(&state, &request, STOP_PATH, &body, issued) {
        return refused.response();
    }
    if let Some(stop_requested) = state.running.lock().expect("run lock").as_ref() {
        stop_requested.store(true, Ordering::Relaxed);
    }
    HttpResponse::Ok().finish()
}
