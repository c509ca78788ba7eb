// The state machine graph: drawn by the node (SVG, one `g.state[data-state]` per state), coloured here by
// the outcome of each state in an execution.

import { postText } from './api.js';

export const OUTCOMES = ['succeeded', 'failed', 'caught', 'running', 'notreached'];
const LABELS = { succeeded: 'Succeeded', failed: 'Failed', caught: 'Caught error', running: 'In progress', notreached: 'Not reached' };

/** Draws `definition` (ASL JSON text) into `container`; answers the SVG element. */
export async function drawGraph(container, definition) {
  const svg = await postText('/console/api/graph', definition);
  container.innerHTML = svg;
  return container.querySelector('svg');
}

/** Colours each state of `svg` by `states` (name → { outcome }); states missing there were not reached. */
export function colourGraph(svg, states) {
  for (const node of svg.querySelectorAll('g.state')) {
    const outcome = states.get(node.dataset.state)?.outcome ?? 'notreached';
    for (const name of OUTCOMES) node.classList.remove(`st-${name}`);
    node.classList.add(`st-${outcome}`);
    node.dataset.outcome = outcome;
  }
}

/** Calls `onSelect(name)` when a state of `svg` is clicked, and marks it selected. */
export function onStateClick(svg, onSelect) {
  svg.addEventListener('click', (event) => {
    const node = event.target.closest('g.state');
    if (!node) return;
    event.stopPropagation();
    for (const other of svg.querySelectorAll('g.state.selected')) other.classList.remove('selected');
    node.classList.add('selected');
    onSelect(node.dataset.state);
  });
}

/** The colour legend of the outcomes. */
export function legend(h) {
  return h('ul', { class: 'legend' }, OUTCOMES.map((outcome) =>
    h('li', {}, h('span', { class: `swatch swatch-${outcome}`, 'data-outcome': outcome }), LABELS[outcome])));
}

/** The readable name of an outcome. */
export function outcomeLabel(outcome) {
  return LABELS[outcome] ?? outcome;
}
