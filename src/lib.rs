//! statehouse: a self-hosted, Raft-replicated workflow service that speaks the AWS Step Functions API.
//!
//! Module map (see `docs/architecture.md`):
//! - [`api`]: the awsJson1_0 front end (routing by `X-Amz-Target`, shapes, errors, pagination).
//! - [`asl`]: the States Language model, parser and validator.
//! - [`engine`]: the pure interpreter; no IO, no clock.
//! - [`history`]: stored history events and their wire form.
//! - [`actors`]: one actix actor per open execution.
//! - [`raft`]: openraft type config, commands, log store, state machine, node.
//! - [`store`]: the replicated state in redb and the codec.
//! - [`cluster`]: shards, ownership epochs, the wire between nodes.
//! - [`connectors`]: service integrations called over HTTP; [`mocks`]: mocked integrations for test cases.
//! - [`execution_log`]: execution history events as CloudWatch execution-log JSON lines.
//! - [`console`]: the web console at `/console`.
//! - [`peer_service`]: the cluster port; [`controller`]: moves shards off dead nodes and balances them.

pub mod actors;
pub mod api;
pub mod arn;
pub mod asl;
pub mod aws_error;
pub mod clock;
pub mod cluster;
pub mod cluster_cli;
pub mod config;
pub mod connectors;
pub mod console;
pub mod controller;
pub mod decision;
pub mod engine;
pub mod execution_log;
pub mod history;
pub mod load;
pub mod metrics;
pub mod mocks;
pub mod names;
pub mod peer_service;
pub mod raft;
pub mod retention;
pub mod server;
pub mod store;
pub mod tls;
