// The console's entry point: learns the session, shows the login when one is needed, and draws the page
// the location's hash names (#/state-machines, #/state-machine/ARN, #/executions?…, #/execution/ARN,
// #/activities, #/cluster).

import { getJson, onSessionLost, postJson } from './api.js';
import { h, clear, errorBox } from './dom.js';
import { loginPage } from './login.js';
import { stateMachinesPage } from './state_machines.js';
import { stateMachinePage } from './state_machine.js';
import { executionsPage } from './executions.js';
import { executionPage } from './execution.js';
import { activitiesPage } from './activities.js';
import { clusterPage } from './cluster.js';

const ROUTES = [
  [/^#\/state-machines$/, 'state-machine', stateMachinesPage],
  [/^#\/state-machine\/([^?]+)$/, 'state-machine', stateMachinePage],
  [/^#\/executions(?:\?(.*))?$/, 'execution', executionsPage],
  [/^#\/execution\/([^?]+)$/, 'execution', executionPage],
  [/^#\/activities$/, 'activities', activitiesPage],
  [/^#\/cluster$/, 'cluster', clusterPage],
];

const main = document.getElementById('main');
let session = null;
let leave = null;
let generation = 0;

async function start(reason) {
  session = await getJson('/console/api/session');
  showWho();
  if (!session.authenticated) {
    document.getElementById('nav').hidden = true;
    loginPage(main, reason, () => start());
    return;
  }
  document.getElementById('nav').hidden = false;
  show();
}

function showWho() {
  const who = clear(document.getElementById('who'));
  if (!session.authenticated) return;
  who.append(h('span', { class: 'muted', text: `account ${session.account} · ${session.region} · node ${session.nodeId}` }));
  if (session.auth === 'sigv4') {
    who.append(h('button', { class: 'link-button', id: 'logout', text: 'Log out', onclick: async () => {
      await postJson('/console/api/logout', {});
      start();
    } }));
  }
}

function show() {
  if (leave) leave();
  leave = null;
  generation += 1;
  const mine = generation;
  const hash = window.location.hash || '#/state-machines';
  const match = ROUTES.map(([pattern, nav, page]) => [hash.match(pattern), nav, page]).find(([m]) => m);
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('active', Boolean(match) && link.dataset.nav === match[1]);
  }
  clear(main);
  if (!match) {
    main.append(errorBox(`No console page at ${hash}`));
    return;
  }
  const [found, , page] = match;
  const context = {
    session,
    param: found[1] === undefined ? undefined : decodeURIComponent(found[1]),
    query: new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : ''),
    alive: () => mine === generation,
  };
  try {
    const left = page(main, context);
    if (typeof left === 'function') leave = left;
  } catch (error) {
    main.append(errorBox(error));
  }
}

onSessionLost((error) => {
  if (leave) leave();
  leave = null;
  start(error.message);
});
window.addEventListener('hashchange', () => {
  if (session && session.authenticated) show();
});
start().catch((error) => clear(main).append(errorBox(error)));
