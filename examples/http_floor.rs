//! The HTTP floor for benchmarks: an actix-web server that answers `{}` to every `POST /`, with the same
//! worker count and content type as statehouse, so `scripts/bench/heartbeat.sh` can compare heartbeat
//! ingestion against the cost of HTTP alone. It uses statehouse's allocator too. Prints `http_floor listening on http://ADDR`.
//!
//! Usage: `http_floor [ADDR]` (default `127.0.0.1:0`, a free port).

use std::net::TcpListener;

use actix_web::web;
use actix_web::App;
use actix_web::HttpResponse;
use actix_web::HttpServer;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn answer(_body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().content_type("application/x-amz-json-1.0").body("{}")
}

fn main() -> std::io::Result<()> {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = TcpListener::bind(address)?;
    println!("http_floor listening on http://{}", listener.local_addr()?);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    actix_web::rt::System::new().block_on(
        HttpServer::new(|| App::new().route("/", web::post().to(answer))).workers(workers).listen(listener)?.run(),
    )
}
