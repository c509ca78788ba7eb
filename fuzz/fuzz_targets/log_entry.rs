//! The bincode decoder on everything it reads from disk or the network: Raft log entries, proposals,
//! peer requests, decisions, stored records and engine state. Whatever decodes is encoded again.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;
use statehouse::cluster::PeerRequest;
use statehouse::decision::Decision;
use statehouse::engine::ExecutionState;
use statehouse::raft::Proposal;
use statehouse::raft::TypeConfig;
use statehouse::store::decode;
use statehouse::store::encode;
use statehouse::store::ActivityRecord;
use statehouse::store::ExecutionRecord;
use statehouse::store::OpenTask;
use statehouse::store::StateMachineRecord;

fn exercise<T>(bytes: &[u8])
where
    T: Serialize + DeserializeOwned,
{
    if let Ok(value) = decode::<T>(bytes) {
        let _ = encode(&value);
    }
}

fuzz_target!(|data: &[u8]| {
    exercise::<openraft::Entry<TypeConfig>>(data);
    exercise::<Proposal>(data);
    exercise::<PeerRequest>(data);
    exercise::<ExecutionRecord>(data);
    exercise::<StateMachineRecord>(data);
    exercise::<ActivityRecord>(data);
    exercise::<ExecutionState>(data);
    exercise::<Decision>(data);
    exercise::<OpenTask>(data);
});
