// What an execution's history says about each state: entered, left, failed, failed and caught, or still
// running; its last input and output; and which state each event belongs to (events are linked to the
// state that caused them through previousEventId, which keeps Parallel branches apart).

const FAILURE = /(Failed|TimedOut|Aborted)$/;
const ATTEMPT = /(Scheduled|Started)$/;
const EXECUTION_END = new Set(['ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

/** The `…EventDetails` member of a history event (empty when it has none). */
export function details(event) {
  const member = Object.keys(event).find((key) => key.endsWith('EventDetails'));
  return member ? event[member] : {};
}

/**
 * Reads a history (in event order) of an execution whose status is `executionStatus`. Answers
 * `{ states, stateOfEvent, failedState }`: per state name its `outcome` (succeeded, failed, caught, running),
 * `input`, `output`, `error`, `cause`, `type` and `entries`; the state each event belongs to; and the state
 * the execution failed in, if it failed.
 */
export function analyse(events, executionStatus) {
  const byId = new Map(events.map((event) => [event.id, event]));
  const owners = new Map();
  const owner = (event) => {
    const path = [];
    let current = event;
    let name = null;
    while (current) {
      if (owners.has(current.id)) {
        name = owners.get(current.id);
        break;
      }
      path.push(current.id);
      if (current.type.endsWith('StateEntered')) {
        name = details(current).name ?? null;
        break;
      }
      if (current.type.endsWith('StateExited') || current.type === 'ExecutionStarted') break;
      current = byId.get(current.previousEventId);
    }
    for (const id of path) owners.set(id, name);
    return name;
  };
  const states = new Map();
  const state = (name, type) => {
    if (!states.has(name)) {
      states.set(name, { name, type, entries: 0, exits: 0, failed: false, caught: false, pending: null });
    }
    return states.get(name);
  };
  let failedState = null;
  for (const event of events) {
    const type = event.type;
    const d = details(event);
    if (type.endsWith('StateEntered')) {
      const s = state(d.name, type.replace('StateEntered', ''));
      s.entries += 1;
      s.input = d.input;
      s.pending = null;
      if (type === 'FailStateEntered') s.failed = true;
    } else if (type.endsWith('StateExited')) {
      const s = state(d.name, type.replace('StateExited', ''));
      s.exits += 1;
      s.output = d.output;
      if (s.pending) {
        s.caught = true;
        s.error = s.pending.error;
        s.cause = s.pending.cause;
        s.pending = null;
      }
    } else if (EXECUTION_END.has(type)) {
      const name = owner(event);
      if (name !== null && states.has(name)) {
        const s = states.get(name);
        s.failed = true;
        s.error = d.error ?? s.pending?.error ?? s.error;
        s.cause = d.cause ?? s.pending?.cause ?? s.cause;
        failedState = name;
      }
    } else if (FAILURE.test(type)) {
      const name = owner(event);
      if (name !== null && states.has(name)) states.get(name).pending = { error: d.error, cause: d.cause };
    } else if (ATTEMPT.test(type)) {
      const name = owner(event);
      if (name !== null && states.has(name)) states.get(name).pending = null;
    }
  }
  for (const s of states.values()) {
    if (s.failed) s.outcome = 'failed';
    else if (s.entries > s.exits) s.outcome = executionStatus === 'RUNNING' ? 'running' : 'failed';
    else if (s.caught) s.outcome = 'caught';
    else s.outcome = 'succeeded';
    if (s.outcome === 'failed' && s.pending) {
      s.error = s.error ?? s.pending.error;
      s.cause = s.cause ?? s.pending.cause;
    }
  }
  const stateOfEvent = new Map(events.map((event) => [event.id, owner(event)]));
  return { states, stateOfEvent, failedState };
}
