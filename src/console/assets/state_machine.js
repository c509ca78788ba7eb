// One state machine: its graph, definition, configuration, versions and aliases, tags and executions.

import { call } from './api.js';
import { h, clear, formatDate, statusBadge, table, errorBox, section, jsonBlock, route, prettyJson } from './dom.js';
import { drawGraph, onStateClick } from './graph.js';
import { versionsAndAliases } from './versions.js';
import { executionList, STATUSES } from './executions.js';

/** Finds the definition of state `name` anywhere in a definition (names are unique across it). */
export function findState(definition, name) {
  const search = (body) => {
    if (!body || !body.States) return null;
    for (const [stateName, state] of Object.entries(body.States)) {
      if (stateName === name) return state;
      const nested = [...(state.Branches || []), state.ItemProcessor || state.Iterator].map(search).find(Boolean);
      if (nested) return nested;
    }
    return null;
  };
  try {
    return search(JSON.parse(definition));
  } catch {
    return null;
  }
}

/** The page of the state machine `context.param`. */
export function stateMachinePage(main, context) {
  const arn = context.param;
  const head = h('div', { class: 'page-head' }, h('h1', { text: arn.split(':').pop() }));
  const summary = section('Details', { id: 'machine-details' }, h('p', { class: 'muted', text: 'Loading…' }));
  const graph = h('div', { class: 'graph', id: 'graph' });
  const stateInfo = h('div', { class: 'state-info', id: 'state-info' },
    h('p', { class: 'muted', text: 'Select a state to see its definition.' }));
  const definition = section('Definition', { id: 'definition' });
  const versions = section('Versions and aliases', { id: 'versions' }, h('p', { class: 'muted', text: 'Loading…' }));
  const tags = section('Tags', { id: 'tags' }, h('p', { class: 'muted', text: 'Loading…' }));
  const status = h('select', { id: 'filter-status', 'aria-label': 'Status' },
    h('option', { value: '', text: 'Any status' }), STATUSES.map((s) => h('option', { value: s, text: s })));
  const executions = h('div');
  main.append(head, summary,
    section('Graph', {}, h('div', { class: 'graph-layout' }, graph, stateInfo)),
    definition, versions, tags,
    section('Executions', { id: 'machine-executions' }, h('div', { class: 'filters' }, h('label', { text: 'Status' }), status),
      executions));
  const fail = (target) => (error) => context.alive() && target.append(errorBox(error));

  call('DescribeStateMachine', { stateMachineArn: arn }).then(async (machine) => {
    if (!context.alive()) return;
    const logging = machine.loggingConfiguration || {};
    clear(summary).append(h('h2', { text: 'Details' }), h('dl', { class: 'facts' },
      h('dt', { text: 'ARN' }), h('dd', { class: 'mono', text: machine.stateMachineArn }),
      h('dt', { text: 'Type' }), h('dd', { text: machine.type }),
      h('dt', { text: 'Status' }), h('dd', {}, statusBadge(machine.status)),
      h('dt', { text: 'Created' }), h('dd', { text: formatDate(machine.creationDate) }),
      h('dt', { text: 'Role' }), h('dd', { class: 'mono', text: machine.roleArn }),
      h('dt', { text: 'Revision' }), h('dd', { class: 'mono', text: machine.revisionId || '—' }),
      h('dt', { text: 'Logging' }),
      h('dd', { text: `${logging.level || 'OFF'}${logging.includeExecutionData ? ', with execution data' : ''}` })));
    definition.append(jsonBlock(machine.definition, 'json definition-json'));
    if (machine.type === 'STANDARD') {
      const list = () => executionList(executions, context, arn, status.value);
      status.addEventListener('change', list);
      list();
    } else {
      executions.append(h('p', { class: 'muted', text: 'EXPRESS executions keep no history here: see the execution log.' }));
    }
    const svg = await drawGraph(graph, machine.definition);
    if (!context.alive() || !svg) return;
    onStateClick(svg, (name) => {
      clear(stateInfo).append(h('h3', { text: name }), h('pre', { class: 'json', text: prettyJson(findState(machine.definition, name)) }));
    });
  }).catch(fail(summary));

  versionsAndAliases(arn, context.session).then(({ versions: list, aliases }) => {
    if (!context.alive()) return;
    clear(versions).append(h('h2', { text: 'Versions and aliases' }),
      h('h3', { text: 'Versions' }),
      list.length ? table(['Version', 'Created'], list.map((v) => [
        h('a', { href: route('state-machine', v.stateMachineVersionArn), text: v.stateMachineVersionArn.split(':').pop() }),
        formatDate(v.creationDate)]))
        : h('p', { class: 'muted empty-versions', text: 'None' }),
      h('h3', { text: 'Aliases' }),
      aliases.length ? table(['Alias', 'Created'], aliases.map((a) => [a.stateMachineAliasArn.split(':').pop(), formatDate(a.creationDate)]))
        : h('p', { class: 'muted empty-aliases', text: 'None' }));
  }).catch(fail(versions));

  call('ListTagsForResource', { resourceArn: arn }).then((answer) => {
    if (!context.alive()) return;
    clear(tags).append(h('h2', { text: 'Tags' }), answer.tags.length
      ? table(['Key', 'Value'], answer.tags.map((t) => [t.key, t.value]), { id: 'tag-table' })
      : h('p', { class: 'muted', text: 'No tags.' }));
  }).catch(fail(tags));
}
