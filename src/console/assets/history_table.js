// An execution's event history as a table: one row per event (id, type, state, time since the start,
// timestamp); a click on a row opens its details beneath it, JSON payloads indented.

import { h, formatDate, formatDuration, prettyJson } from './dom.js';
import { details } from './outcomes.js';

const FAILURE = /(Failed|TimedOut|Aborted)$/;

/** An empty history table; `append` adds events in order. */
export function historyTable() {
  const body = h('tbody');
  const element = h('table', { class: 'history', id: 'history' },
    h('thead', {}, h('tr', {}, ['ID', 'Type', 'Step', 'Elapsed', 'Timestamp'].map((title) => h('th', { text: title })))),
    body);
  const append = (events, stateOfEvent, startSeconds) => {
    for (const event of events) {
      const failure = FAILURE.test(event.type) || event.type === 'FailStateEntered';
      const row = h('tr', { class: `history-row${failure ? ' history-failure' : ''}`, 'data-event-id': event.id, tabindex: 0 },
        h('td', { text: event.id }),
        h('td', { class: 'event-type', text: event.type }),
        h('td', { text: stateOfEvent.get(event.id) ?? '' }),
        h('td', { text: formatDuration(event.timestamp - startSeconds) }),
        h('td', { text: formatDate(event.timestamp) }));
      const toggle = () => {
        const open = row.nextElementSibling;
        if (open && open.classList.contains('history-details')) {
          open.remove();
          row.classList.remove('expanded');
          return;
        }
        row.classList.add('expanded');
        row.after(h('tr', { class: 'history-details' }, h('td', { colspan: 5 }, h('pre', { class: 'json', text: readable(event) }))));
      };
      row.addEventListener('click', toggle);
      row.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          toggle();
        }
      });
      body.append(row);
    }
  };
  return { element, append, rows: () => body.querySelectorAll('tr.history-row').length };
}

/** An event's details with the JSON text of inputs, outputs and parameters unfolded. */
function readable(event) {
  const d = { ...details(event) };
  for (const member of ['input', 'output', 'parameters']) {
    if (typeof d[member] === 'string') {
      try {
        d[member] = JSON.parse(d[member]);
      } catch {
        // Not JSON: shown as it is.
      }
    }
  }
  return prettyJson(d);
}
