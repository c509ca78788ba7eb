// Executions of a state machine, filtered by status, a page of 100 at a time (ListExecutions' own
// paging, so thousands page through without loading them all).

import { call, listAll } from './api.js';
import { h, clear, formatDate, formatDuration, statusBadge, table, route, errorBox, section } from './dom.js';

const PAGE_SIZE = 100;
export const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** Fills `container` with the executions of `stateMachineArn` (optionally only those with `status`). */
export function executionList(container, context, stateMachineArn, status) {
  const tokens = [undefined];
  const load = async (index) => {
    const input = { stateMachineArn, maxResults: PAGE_SIZE };
    if (status) input.statusFilter = status;
    if (tokens[index]) input.nextToken = tokens[index];
    const page = await call('ListExecutions', input);
    if (!context.alive()) return;
    tokens[index + 1] = page.nextToken;
    const rows = page.executions.map((e) => [
      h('a', { href: route('execution', e.executionArn), class: 'execution-link', text: e.name }),
      statusBadge(e.status),
      formatDate(e.startDate),
      formatDate(e.stopDate),
      e.stopDate ? formatDuration(e.stopDate - e.startDate) : '—',
    ]);
    clear(container).append(
      rows.length ? table(['Name', 'Status', 'Started', 'Stopped', 'Duration'], rows, { class: 'executions', id: 'executions' })
        : h('p', { class: 'muted', text: 'No executions match.' }),
      h('div', { class: 'pager' },
        h('button', { id: 'previous-page', text: 'Previous', disabled: index === 0, onclick: () => load(index - 1) }),
        h('span', { class: 'muted', id: 'page-number', text: `Page ${index + 1}` }),
        h('button', { id: 'next-page', text: 'Next', disabled: !page.nextToken, onclick: () => load(index + 1) })));
  };
  load(0).catch((error) => context.alive() && clear(container).append(errorBox(error)));
}

/** The executions page: pick a state machine and a status. */
export function executionsPage(main, context) {
  const chosen = context.query.get('stateMachineArn');
  const status = context.query.get('status') || '';
  const machines = h('select', { id: 'filter-machine', 'aria-label': 'State machine' });
  const statuses = h('select', { id: 'filter-status', 'aria-label': 'Status' },
    h('option', { value: '', text: 'Any status' }),
    STATUSES.map((s) => h('option', { value: s, text: s, selected: s === status })));
  const list = h('div');
  const apply = () => {
    const query = new URLSearchParams({ stateMachineArn: machines.value });
    if (statuses.value) query.set('status', statuses.value);
    window.location.hash = `#/executions?${query}`;
  };
  machines.addEventListener('change', apply);
  statuses.addEventListener('change', apply);
  main.append(h('h1', { text: 'Executions' }),
    section('Filter', {}, h('div', { class: 'filters' }, h('label', { text: 'State machine' }), machines,
      h('label', { text: 'Status' }), statuses)),
    section('Executions', {}, list));
  listAll('ListStateMachines', {}, 'stateMachines').then((all) => {
    if (!context.alive()) return;
    const standard = all.filter((m) => m.type === 'STANDARD');
    if (!standard.length) {
      list.append(h('p', { class: 'muted', text: 'No STANDARD state machines: EXPRESS executions have no history here.' }));
      return;
    }
    const selected = chosen && standard.some((m) => m.stateMachineArn === chosen) ? chosen : standard[0].stateMachineArn;
    for (const m of standard) {
      machines.append(h('option', { value: m.stateMachineArn, text: m.name, selected: m.stateMachineArn === selected }));
    }
    executionList(list, context, selected, status);
  }).catch((error) => context.alive() && list.append(errorBox(error)));
}
