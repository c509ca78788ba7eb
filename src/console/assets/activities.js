// Activities with their queues: tasks waiting for a worker (backlog) and workers waiting for a task
// (pollers), refreshed every few seconds while the page is open.

import { listAll, postJson } from './api.js';
import { h, clear, formatDate, table, errorBox, section, refreshing } from './dom.js';

const REFRESH_MS = 3000;

/** The activities page. */
export function activitiesPage(main, context) {
  const body = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  main.append(h('h1', { text: 'Activities' }), section('Activities and their queues', {}, body));
  const load = async () => {
    const activities = await listAll('ListActivities', {}, 'activities');
    const answer = activities.length
      ? await postJson('/console/api/activity-queues', { activityArns: activities.map((a) => a.activityArn) })
      : { queues: [], nodeId: context.session.nodeId };
    if (!context.alive()) return;
    const figure = (queue, member) => {
      if (queue[member] !== undefined) return String(queue[member]);
      return queue.ownerNode ? `on node ${queue.ownerNode}` : '—';
    };
    const rows = activities.map((activity, i) => {
      const queue = answer.queues[i] || {};
      return h('tr', { 'data-activity': activity.name },
        h('td', { text: activity.name }),
        h('td', { class: 'mono', text: activity.activityArn }),
        h('td', { text: formatDate(activity.creationDate) }),
        h('td', { class: 'backlog', text: figure(queue, 'backlog') }),
        h('td', { class: 'pollers', text: figure(queue, 'pollers') }),
        h('td', { text: queue.ownerNode ?? '—' }));
    });
    clear(body).append(rows.length
      ? table(['Name', 'ARN', 'Created', 'Backlog', 'Waiting pollers', 'Queue on node'], rows, { id: 'activities' })
      : h('p', { class: 'muted', text: 'No activities yet. Create one with CreateActivity.' }),
    h('p', { class: 'muted', text: `Queues live on the node owning the activity's shard; this is node ${answer.nodeId}.` }));
  };
  return refreshing(context, REFRESH_MS, load, (error) => clear(body).append(errorBox(error)));
}
