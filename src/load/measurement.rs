//! `Measurement`: what the measured phase of a scenario recorded — its main operation, further named
//! latencies, and one sample for the scenario's own figures — and its travelling form, in which agents
//! send it to the coordinator to be merged exactly.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;

use serde::Deserialize;
use serde::Serialize;

use super::report::Recorder;
use super::report::RecorderSnapshot;

/// The recorders of one measured phase.
pub struct Measurement {
    pub main: Arc<Recorder>,
    pub others: BTreeMap<String, Arc<Recorder>>,
    /// An identifier the scenario reads its own figures from (the workflow: one succeeded execution).
    pub sample: Arc<Mutex<Option<String>>>,
}

/// A [`Measurement`] that travels as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeasurementSnapshot {
    pub main: RecorderSnapshot,
    pub others: BTreeMap<String, RecorderSnapshot>,
    pub sample: Option<String>,
}

impl Measurement {
    /// A measurement recording into `main` and nothing else yet.
    pub fn new(main: Arc<Recorder>) -> Measurement {
        Measurement { main, others: BTreeMap::new(), sample: Arc::default() }
    }

    /// Adds a recorder for a further latency called `name`; it is shared with the measured loop.
    pub fn other(&mut self, name: &str) -> Arc<Recorder> {
        self.others.entry(name.to_string()).or_insert_with(|| Arc::new(Recorder::new())).clone()
    }

    /// The sample, if one was kept.
    pub fn sample(&self) -> Option<String> {
        self.sample.lock().expect("sample lock").clone()
    }

    /// This measurement, ready to travel.
    pub fn snapshot(&self) -> MeasurementSnapshot {
        MeasurementSnapshot {
            main: self.main.snapshot(),
            others: self.others.iter().map(|(name, r)| (name.clone(), r.snapshot())).collect(),
            sample: self.sample(),
        }
    }

    /// Merges another generator's measurement of the same run into this one.
    pub fn absorb(&mut self, snapshot: &MeasurementSnapshot) -> Result<(), String> {
        self.main.absorb(&snapshot.main)?;
        for (name, other) in &snapshot.others {
            self.other(name).absorb(other)?;
        }
        let mut sample = self.sample.lock().expect("sample lock");
        if sample.is_none() {
            sample.clone_from(&snapshot.sample);
        }
        Ok(())
    }
}
