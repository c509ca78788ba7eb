// State machines: name, type, status and creation date, a page at a time.

import { call } from './api.js';
import { h, clear, formatDate, statusBadge, table, route, errorBox, section } from './dom.js';

const PAGE_SIZE = 50;

/** The list of state machines. */
export function stateMachinesPage(main, context) {
  const body = h('div');
  main.append(h('h1', { text: 'State machines' }), section('All state machines', {}, body));
  const tokens = [undefined];
  const load = async (index) => {
    const page = await call('ListStateMachines', { maxResults: PAGE_SIZE, ...(tokens[index] ? { nextToken: tokens[index] } : {}) });
    if (!context.alive()) return;
    tokens[index + 1] = page.nextToken;
    const described = await Promise.all(page.stateMachines.map((m) =>
      call('DescribeStateMachine', { stateMachineArn: m.stateMachineArn }).catch(() => null)));
    if (!context.alive()) return;
    const rows = page.stateMachines.map((machine, i) => [
      h('a', { href: route('state-machine', machine.stateMachineArn), class: 'machine-link', text: machine.name }),
      machine.type,
      described[i] ? statusBadge(described[i].status) : '—',
      formatDate(machine.creationDate),
    ]);
    const pager = h('div', { class: 'pager' },
      h('button', { text: 'Previous', disabled: index === 0, onclick: () => load(index - 1) }),
      h('span', { class: 'muted', text: `Page ${index + 1}` }),
      h('button', { text: 'Next', disabled: !page.nextToken, onclick: () => load(index + 1) }));
    clear(body).append(
      rows.length ? table(['Name', 'Type', 'Status', 'Created'], rows, { id: 'state-machines' })
        : h('p', { class: 'muted', text: 'No state machines yet. Create one with CreateStateMachine.' }),
      pager);
  };
  load(0).catch((error) => context.alive() && clear(body).append(errorBox(error)));
}
