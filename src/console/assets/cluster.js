// The cluster: nodes (leader, reachability, applied index, shards, request rate, Raft commit time) and the
// shard map with owners and epochs. Rates come from two readings of each node's counters.

import { getJson } from './api.js';
import { h, clear, table, errorBox, section, refreshing } from './dom.js';

const REFRESH_MS = 3000;

/** The cluster page. */
export function clusterPage(main, context) {
  const summary = h('p', { id: 'cluster-summary', class: 'muted', text: 'Loading…' });
  const nodes = h('div');
  const shards = h('div');
  main.append(h('h1', { text: 'Cluster' }), summary, section('Nodes', {}, nodes), section('Shard map', {}, shards));
  const previous = new Map();
  const load = async () => {
    const status = await getJson('/console/api/cluster');
    if (!context.alive()) return;
    const now = performance.now() / 1000;
    clear(summary).append(`This console runs on node ${status.nodeId}. Leader: `,
      h('strong', { id: 'leader', text: status.leader ?? 'none' }), ` · term ${status.term}`);
    const rows = status.members.map((member) => {
      const m = member.metrics;
      const before = previous.get(member.id);
      let rate = '—';
      let commit = m && m.commits > 0 ? `${((m.commitSeconds / m.commits) * 1000).toFixed(2)} ms` : '—';
      if (m && before) {
        const seconds = now - before.at;
        rate = `${((m.requests - before.requests) / seconds).toFixed(1)}/s`;
        const commits = m.commits - before.commits;
        if (commits > 0) commit = `${(((m.commitSeconds - before.commitSeconds) / commits) * 1000).toFixed(2)} ms`;
      }
      if (m) previous.set(member.id, { at: now, ...m });
      const role = member.id === status.leader ? 'leader' : member.voter ? 'voter' : 'learner';
      return h('tr', { 'data-node': member.id, class: member.reachable ? '' : 'unreachable' },
        h('td', { text: member.id }),
        h('td', { class: 'mono', text: member.address }),
        h('td', { class: 'role', text: role }),
        h('td', { text: member.reachable ? 'yes' : 'no' }),
        h('td', { text: member.appliedIndex ?? '—' }),
        h('td', { text: member.shards }),
        h('td', { class: 'requests', text: m ? String(m.requests) : '—' }),
        h('td', { class: 'request-rate', text: rate }),
        h('td', { class: 'commit-time', text: commit }),
        h('td', { text: m && m.commitP99Seconds !== null ? `≤ ${(m.commitP99Seconds * 1000).toFixed(1)} ms` : '—' }));
    });
    clear(nodes).append(table(['Node', 'Cluster address', 'Role', 'Reachable', 'Applied index', 'Shards', 'Requests',
      'Request rate', 'Commit time (mean)', 'Commit p99'], rows, { id: 'nodes' }));
    const owners = [...new Set(status.shardMap.map((s) => s.owner))].sort((a, b) => a - b);
    clear(shards).append(h('div', { class: 'shard-grid', id: 'shard-map' }, status.shardMap.map((s) =>
      h('div', { class: `shard owner-${owners.indexOf(s.owner) % 6}`, 'data-shard': s.shard, 'data-owner': s.owner,
        title: `shard ${s.shard}: node ${s.owner}, epoch ${s.epoch}` },
      h('span', { class: 'shard-id', text: s.shard }), h('span', { class: 'shard-owner', text: `n${s.owner}` }),
      h('span', { class: 'shard-epoch', text: `e${s.epoch}` })))));
  };
  return refreshing(context, REFRESH_MS, load, (error) => clear(nodes).append(errorBox(error)));
}
