// One execution: its status (and why it failed), the graph with each state coloured by its outcome, the
// chosen state's input and output, the event history, and Stop / Redrive. While the execution runs, new
// events arrive over server-sent events and everything above is redrawn from them.

import { call, listAll } from './api.js';
import { h, clear, formatDate, formatDuration, statusBadge, errorBox, section, jsonBlock, route, arnName } from './dom.js';
import { drawGraph, colourGraph, onStateClick, legend, outcomeLabel } from './graph.js';
import { analyse } from './outcomes.js';
import { historyTable } from './history_table.js';

/** The page of the execution `context.param`. */
export function executionPage(main, context) {
  const arn = context.param;
  const page = {
    execution: null,
    events: [],
    analysis: { states: new Map(), stateOfEvent: new Map(), failedState: null },
    svg: null,
    selected: null,
    stream: null,
  };
  const statusSlot = h('span', { id: 'execution-status' });
  const title = h('h1', {}, arnName(arn), ' ', statusSlot);
  const actions = h('div', { class: 'actions' });
  const facts = h('dl', { class: 'facts', id: 'execution-facts' });
  const why = h('div', { id: 'why-failed' });
  const graph = h('div', { class: 'graph', id: 'graph' });
  const stateInfo = h('div', { class: 'state-info', id: 'state-info' },
    h('p', { class: 'muted', text: 'Select a state to see its input and output.' }));
  const io = h('div', { class: 'io' });
  const history = historyTable();
  const live = h('span', { class: 'live', id: 'live', hidden: true, text: 'live' });
  main.append(h('div', { class: 'page-head' }, title, actions), why, section('Details', {}, facts),
    section('Graph', {}, legend(h), h('div', { class: 'graph-layout' }, graph, stateInfo)),
    section('Input and output', {}, io),
    section('Event history', { id: 'history-section' }, live, history.element));

  const redraw = () => {
    const e = page.execution;
    if (!e) return;
    page.analysis = analyse(page.events, e.status);
    clear(statusSlot).append(statusBadge(e.status));
    clear(facts).append(
      h('dt', { text: 'ARN' }), h('dd', { class: 'mono', text: e.executionArn }),
      h('dt', { text: 'State machine' }), h('dd', {}, h('a', { href: route('state-machine', e.stateMachineArn), text: arnName(e.stateMachineArn) })),
      h('dt', { text: 'Started' }), h('dd', { text: formatDate(e.startDate) }),
      h('dt', { text: 'Stopped' }), h('dd', { text: formatDate(e.stopDate) }),
      h('dt', { text: 'Duration' }), h('dd', { text: e.stopDate ? formatDuration(e.stopDate - e.startDate) : 'running' }),
      h('dt', { text: 'Events' }), h('dd', { id: 'event-count', text: String(page.events.length) }));
    clear(why);
    if (e.error || e.cause) {
      const failedIn = page.analysis.failedState;
      why.append(h('div', { class: 'why-failed', role: 'alert' },
        h('h2', { text: `Why it ${e.status === 'ABORTED' ? 'stopped' : 'failed'}` }),
        failedIn ? h('p', {}, 'In state ', h('strong', { class: 'failed-state', text: failedIn })) : null,
        e.error ? h('p', {}, 'Error: ', h('code', { class: 'failure-error', text: e.error })) : null,
        e.cause ? h('p', {}, 'Cause: ', h('code', { class: 'failure-cause', text: e.cause })) : null));
    }
    clear(io).append(h('div', {}, h('h3', { text: 'Input' }), jsonBlock(e.input)),
      h('div', {}, h('h3', { text: 'Output' }), e.output !== undefined ? jsonBlock(e.output) : h('p', { class: 'muted', text: '—' })));
    if (page.svg) colourGraph(page.svg, page.analysis.states);
    if (page.selected) showState(page.selected);
    drawActions();
  };

  const showState = (name) => {
    page.selected = name;
    const s = page.analysis.states.get(name);
    clear(stateInfo).append(h('h3', { text: name }));
    if (!s) {
      stateInfo.append(h('p', { class: 'muted', text: 'Not reached.' }));
      return;
    }
    stateInfo.append(h('p', {}, h('span', { class: `badge outcome-${s.outcome}`, text: outcomeLabel(s.outcome) }),
      s.entries > 1 ? ` entered ${s.entries} times` : ''));
    if (s.error || s.cause) stateInfo.append(h('p', {}, 'Error: ', h('code', { text: s.error ?? '' }), ' ', s.cause ?? ''));
    stateInfo.append(h('h4', { text: 'Input' }), s.input !== undefined ? jsonBlock(s.input, 'json state-input') : h('p', { class: 'muted', text: '—' }),
      h('h4', { text: 'Output' }), s.output !== undefined ? jsonBlock(s.output, 'json state-output') : h('p', { class: 'muted', text: '—' }));
  };

  const drawActions = () => {
    const e = page.execution;
    clear(actions);
    if (e.status === 'RUNNING') actions.append(h('button', { class: 'danger', id: 'stop', text: 'Stop', onclick: confirmStop }));
    if (context.session.operations.RedriveExecution && e.redriveStatus === 'REDRIVABLE') {
      actions.append(h('button', { id: 'redrive', text: 'Redrive', onclick: redrive }));
    }
  };

  const confirmStop = () => {
    clear(actions).append(h('span', { text: 'Stop this execution? ' }),
      h('button', { class: 'danger', id: 'confirm-stop', text: 'Stop execution', onclick: stop }),
      h('button', { id: 'cancel-stop', text: 'Cancel', onclick: drawActions }));
  };

  const act = async (operation) => {
    try {
      await call(operation, { executionArn: arn });
      await refresh();
    } catch (error) {
      actions.append(errorBox(error));
    }
  };
  const stop = () => act('StopExecution');
  const redrive = () => act('RedriveExecution');

  const refresh = async () => {
    const described = await call('DescribeExecution', { executionArn: arn });
    if (!context.alive()) return;
    page.execution = described;
    const fresh = await listAll('GetExecutionHistory', { executionArn: arn }, 'events', 25000);
    if (!context.alive()) return;
    arrive(fresh);
    if (described.status === 'RUNNING') follow();
  };

  const arrive = (incoming) => {
    const known = page.events.length ? page.events[page.events.length - 1].id : 0;
    const events = incoming.filter((event) => event.id > known);
    if (events.length) {
      page.events.push(...events);
      page.analysis = analyse(page.events, page.execution.status);
      history.append(events, page.analysis.stateOfEvent, page.execution.startDate);
    }
    redraw();
  };

  const follow = () => {
    if (page.stream) return;
    const after = page.events.length ? page.events[page.events.length - 1].id : 0;
    const stream = new EventSource(`/console/api/stream?executionArn=${encodeURIComponent(arn)}&after=${after}`);
    page.stream = stream;
    live.hidden = false;
    const pending = [];
    stream.addEventListener('history', (message) => {
      pending.push(JSON.parse(message.data));
      queueMicrotask(() => {
        if (pending.length) arrive(pending.splice(0));
      });
    });
    stream.addEventListener('execution', (message) => {
      page.execution = { ...page.execution, ...JSON.parse(message.data) };
      redraw();
    });
    stream.addEventListener('end', () => {
      stream.close();
      page.stream = null;
      live.hidden = true;
      call('DescribeExecution', { executionArn: arn }).then((described) => {
        if (!context.alive()) return;
        page.execution = described;
        redraw();
      }).catch(() => {});
    });
  };

  call('DescribeStateMachineForExecution', { executionArn: arn })
    .then((machine) => drawGraph(graph, machine.definition))
    .then((svg) => {
      if (!context.alive() || !svg) return;
      page.svg = svg;
      onStateClick(svg, showState);
      colourGraph(svg, page.analysis.states);
    })
    .catch((error) => context.alive() && graph.append(errorBox(error)));
  refresh().catch((error) => context.alive() && main.prepend(errorBox(error)));

  return () => {
    if (page.stream) page.stream.close();
  };
}
