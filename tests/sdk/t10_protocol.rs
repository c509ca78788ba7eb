//! The awsJson1_0 wire protocol as raw HTTP: errors, unknown targets, empty bodies, health.

use std::io::Read;
use std::io::Write;
use std::net::TcpStream;

use crate::server::raw_post;
use crate::server::TestServer;

fn post(address: &str, target: Option<&str>, body: &str) -> (u16, serde_json::Value) {
    let mut headers = vec![("Host", "sync-states.local"), ("Content-Type", "application/x-amz-json-1.0")];
    headers.extend(target.map(|t| ("X-Amz-Target", t)));
    raw_post(address, "/", &headers, body)
}

#[test]
fn wire_protocol_errors_and_empty_bodies() {
    let server = TestServer::start();

    // Unknown operations are UnknownOperationException with a message.
    let (status, body) = post(&server.address, Some("AWSStepFunctions.NoSuchThing"), "{}");
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "com.amazon.coral.service#UnknownOperationException");
    assert!(body["message"].as_str().unwrap().contains("NoSuchThing"));

    // An empty body is `{}`: ListStateMachines answers, CreateActivity reports the missing name.
    let (status, body) = post(&server.address, Some("AWSStepFunctions.ListStateMachines"), "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stateMachines"], serde_json::json!([]));
    let (status, body) = post(&server.address, Some("AWSStepFunctions.CreateActivity"), "");
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "com.amazon.coral.validate#ValidationException");
    assert_eq!(
        body["message"],
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
    );

    // Modeled errors use the SFN namespace; a malformed body is a SerializationException.
    let (_, body) = post(
        &server.address,
        Some("AWSStepFunctions.DescribeExecution"),
        r#"{"executionArn":"invalid_state_machine_arn"}"#,
    );
    assert_eq!(body["__type"], "com.amazonaws.swf.service.v2.model#InvalidArn");
    assert_eq!(body["message"], "Invalid Arn: 'Invalid ARN prefix: invalid_state_machine_arn'");
    let (status, body) = post(&server.address, Some("AWSStepFunctions.ListActivities"), "{not json");
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "com.amazon.coral.service#SerializationException");

    // The body limit is 1 MiB.
    let huge = format!(r#"{{"name":"{}"}}"#, "x".repeat(1024 * 1024 + 10));
    let (status, _) = post(&server.address, Some("AWSStepFunctions.CreateActivity"), &huge);
    assert_eq!(status, 413);

    // Health answers with the node's Raft view.
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"leader\":1"), "{response}");
}
