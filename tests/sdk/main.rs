//! End-to-end tests: a real statehouse process driven through the official `aws-sdk-sfn` client
//! (and raw HTTP where the wire protocol itself is the subject).

mod cluster;
mod server;
mod t10_activities;
mod t10_protocol;
mod t10_state_machines;
mod t10_tags;
mod t12_versions;
mod t20_executions;
mod t24_redrive;
mod t26_map_runs;
mod t30_language;
mod t32_jsonata;
mod t36_mocks;
mod t38_test_state;
mod t40_tasks;
mod t42_swf;
mod t44_sfn_integration;
mod t50_durability;
mod t52_decisions;
mod t54_retention;
mod t55_snapshots;
mod t60_metrics;
mod t65_load;
mod t66_load_agents;
mod t70_cluster;
mod t72_deadlines;
mod t80_auth;
mod t82_tls;
mod t85_limits;
mod t88_console;
