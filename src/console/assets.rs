//! The console's pages, styles and scripts, compiled into the binary and served from
//! `/console/assets/…` with a content security policy that lets them load nothing from elsewhere.

use actix_web::web;
use actix_web::HttpResponse;

/// Same-origin only: no inline scripts, no third-party hosts (the console works offline).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// A file of the console: its name under `/console/assets/`, media type and bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

macro_rules! assets {
    ($($name:literal => $content_type:literal),* $(,)?) => {
        const ASSETS: &[Asset] = &[$(Asset { name: $name, content_type: $content_type, body: include_str!(concat!("assets/", $name)) }),*];
    };
}

assets!(
    "index.html" => "text/html; charset=utf-8",
    "console.css" => "text/css; charset=utf-8",
    "app.js" => "text/javascript; charset=utf-8",
    "api.js" => "text/javascript; charset=utf-8",
    "dom.js" => "text/javascript; charset=utf-8",
    "graph.js" => "text/javascript; charset=utf-8",
    "outcomes.js" => "text/javascript; charset=utf-8",
    "history_table.js" => "text/javascript; charset=utf-8",
    "versions.js" => "text/javascript; charset=utf-8",
    "login.js" => "text/javascript; charset=utf-8",
    "state_machines.js" => "text/javascript; charset=utf-8",
    "state_machine.js" => "text/javascript; charset=utf-8",
    "executions.js" => "text/javascript; charset=utf-8",
    "execution.js" => "text/javascript; charset=utf-8",
    "activities.js" => "text/javascript; charset=utf-8",
    "cluster.js" => "text/javascript; charset=utf-8",
);

/// `GET /console`: the page every view of the console is drawn in.
pub async fn index() -> HttpResponse {
    serve("index.html")
}

/// `GET /console/assets/{name}`.
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    serve(&name)
}

fn serve(name: &str) -> HttpResponse {
    match ASSETS.iter().find(|asset| asset.name == name) {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header(("cache-control", "no-cache"))
            .insert_header(("content-security-policy", CONTENT_SECURITY_POLICY))
            .insert_header(("x-content-type-options", "nosniff"))
            .insert_header(("referrer-policy", "no-referrer"))
            .body(asset.body),
        None => HttpResponse::NotFound().content_type("text/plain").body("no such console file"),
    }
}
