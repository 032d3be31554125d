import { admin } from '../api.js';
import { ago, bytes, dec, h, num } from '../dom.js';
import { History, historyCharts } from './history.js';

/** One card per pipeline, created once and updated in place every second (inputs keep their focus). */
const cards = new Map();
/** Lag and throughput of the last minutes, per card (drawn under its numbers). */
const histories = new WeakMap();

function stat(label, field, hint) {
  return h(
    'div',
    { class: 'stat', title: hint },
    h('span', { class: 'label' }, label),
    h('span', { class: 'value', dataset: { field } }, '—'),
  );
}

function createCard(name, notify) {
  const pauseBtn = h('button', { type: 'button', dataset: { action: 'pause' } }, 'Pause');
  const tableInput = h('input', {
    type: 'text',
    list: `tables-${name}`,
    placeholder: 'database.table',
    'aria-label': 'table to re-snapshot',
  });
  const datalist = h('datalist', { id: `tables-${name}` });
  const resnapshotBtn = h('button', { type: 'submit' }, 'Re-snapshot');
  const form = h('form', { class: 'inline' }, tableInput, datalist, resnapshotBtn);
  const charts = historyCharts();
  const card = h(
    'article',
    { class: 'card pipeline', dataset: { pipeline: name } },
    h(
      'div',
      { class: 'card-head' },
      h('h3', {}, name),
      h('span', { class: 'badge', dataset: { field: 'state' } }, '…'),
      h('span', { class: 'muted', dataset: { field: 'phase' } }),
      h('span', { class: 'spacer' }),
      pauseBtn,
    ),
    h(
      'div',
      { class: 'stats' },
      stat('Lag', 'lag-seconds', 'now − commit time of the last transaction processed; 0 when caught up'),
      stat('Behind', 'lag-transactions', 'transactions committed on the server and not yet processed'),
      stat('In flight', 'inflight', 'events read and not yet acknowledged by the index'),
      stat('In /s', 'rate-in', 'events read per second, last 10 s'),
      stat('Out /s', 'rate-out', 'index operations acknowledged per second, last 10 s'),
      stat('Events in', 'events-in', 'change events read since start'),
      stat('Written', 'events-ok', 'documents written'),
      stat('Stale', 'events-stale', 'already in the index at that version or newer'),
      stat('Dead', 'events-dead', 'stored as dead letters'),
      stat('Retried', 'events-retried', 'item re-sends after transient failures'),
      stat('Buffered', 'buffered', 'bytes in the sink buffer'),
    ),
    charts.el,
    h(
      'div',
      { class: 'snapshot', dataset: { field: 'snapshot' }, hidden: true },
      h('div', { class: 'snapshot-text', dataset: { field: 'snapshot-text' } }),
      h('div', { class: 'bar' }, h('div', { class: 'bar-fill', dataset: { field: 'snapshot-bar' } })),
    ),
    h(
      'p',
      { class: 'position muted' },
      'Position ',
      h('code', { dataset: { field: 'position' } }, '—'),
      ' · checkpoint ',
      h('span', { dataset: { field: 'checkpoint' } }, '—'),
    ),
    h('p', { class: 'error-box', dataset: { field: 'error' }, hidden: true }),
    h('details', {}, h('summary', {}, 'Tables'), h('div', { dataset: { field: 'tables' } })),
    form,
  );
  histories.set(card, { history: new History(), charts });
  pauseBtn.addEventListener('click', async () => {
    const paused = pauseBtn.dataset.action === 'resume';
    pauseBtn.disabled = true;
    try {
      const s = paused ? await admin.resume(name) : await admin.pause(name);
      update(card, s);
      notify(`${name}: ${paused ? 'resumed' : 'paused'}`);
    } catch (e) {
      notify(`${name}: ${e.message}`, true);
    } finally {
      pauseBtn.disabled = false;
    }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const table = tableInput.value.trim();
    if (!table) return;
    resnapshotBtn.disabled = true;
    try {
      await admin.resnapshot(name, table);
      notify(`${name}: re-snapshot of ${table} queued`);
      tableInput.value = '';
    } catch (e) {
      notify(`${name}: ${e.message}`, true);
    } finally {
      resnapshotBtn.disabled = false;
    }
  });
  return card;
}

function set(card, field, text) {
  const el = card.querySelector(`[data-field="${field}"]`);
  if (el && el.textContent !== text) el.textContent = text;
  return el;
}

function update(card, p) {
  const badge = set(card, 'state', p.state);
  badge.className = `badge state-${p.state}`;
  set(card, 'phase', `${p.source} · ${p.phase}`);
  card.querySelector('form').hidden = p.source !== 'mysql-binlog';
  const btn = card.querySelector('[data-action]');
  btn.dataset.action = p.paused ? 'resume' : 'pause';
  btn.textContent = p.paused ? 'Resume' : 'Pause';
  set(card, 'lag-seconds', `${dec(p.lag.seconds, 1)} s`);
  set(card, 'lag-transactions', num(p.lag.transactions));
  set(card, 'inflight', num(p.lag.inFlightEvents));
  set(card, 'rate-in', dec(p.throughput.inPerSecond, 1));
  set(card, 'rate-out', dec(p.throughput.outPerSecond, 1));
  set(card, 'events-in', num(p.events.in));
  set(card, 'events-ok', num(p.events.ok));
  set(card, 'events-stale', num(p.events.stale));
  set(card, 'events-dead', num(p.events.dead));
  set(card, 'events-retried', num(p.events.retried));
  set(card, 'buffered', p.sink ? bytes(p.sink.bufferedBytes) : '—');
  const past = histories.get(card);
  if (past) {
    past.history.add(Date.now(), p.lag.seconds, p.throughput.outPerSecond);
    past.charts.draw(past.history);
  }
  set(card, 'position', p.position ?? '—');
  set(card, 'checkpoint', p.checkpoint ? ago(p.checkpoint.atMs) : '—');
  const err = set(card, 'error', p.lastError ?? '');
  err.hidden = !p.lastError;
  const snap = card.querySelector('[data-field="snapshot"]');
  snap.hidden = !p.snapshot;
  if (p.snapshot) {
    const s = p.snapshot;
    set(
      card,
      'snapshot-text',
      `Snapshot ${s.table ?? ''}: ${num(s.rowsDone)} / ~${num(s.estimatedRows)} rows · ${num(s.rowsPerSecond)} rows/s · ETA ${s.etaSeconds ?? '?'} s · ${s.tablesLeft} table(s) left`,
    );
    card.querySelector('[data-field="snapshot-bar"]').style.width = `${Math.min(100, s.percent).toFixed(1)}%`;
  }
  const tables = card.querySelector('[data-field="tables"]');
  tables.replaceChildren(
    h(
      'table',
      { class: 'grid' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'table'),
          h('th', { class: 'num' }, 'in'),
          h('th', { class: 'num' }, 'written'),
          h('th', { class: 'num' }, 'stale'),
          h('th', { class: 'num' }, 'dead'),
        ),
      ),
      h(
        'tbody',
        {},
        p.tables.map((t) =>
          h(
            'tr',
            {},
            h('td', {}, t.table),
            h('td', { class: 'num' }, num(t.in)),
            h('td', { class: 'num' }, num(t.ok)),
            h('td', { class: 'num' }, num(t.stale)),
            h('td', { class: 'num' }, num(t.dead)),
          ),
        ),
      ),
    ),
  );
  const list = card.querySelector('datalist');
  const known = p.tables.map((t) => t.table).join('|');
  if (list.dataset.known !== known) {
    list.dataset.known = known;
    list.replaceChildren(...p.tables.map((t) => h('option', { value: t.table })));
  }
}

/** With ha.enabled (docs/ha.md): this worker's role, the leader and the failover counts, above the cards. */
function renderHa(root, ha) {
  let banner = root.querySelector(':scope > .ha-banner');
  if (!ha) {
    banner?.remove();
    return;
  }
  if (!banner) {
    banner = h(
      'p',
      { class: 'card ha-banner' },
      h('span', { class: 'badge', dataset: { field: 'ha-role' } }),
      ' ',
      h('span', { dataset: { field: 'ha-text' } }),
    );
    root.prepend(banner);
  }
  const role = banner.querySelector('[data-field="ha-role"]');
  role.textContent = ha.role;
  role.className = `badge ha-${ha.role}`;
  const leader = ha.leader ? `${ha.leader.holder} (token ${ha.leader.token})` : 'none';
  const text = `this worker: ${ha.worker} · leader: ${leader} · failovers taken: ${ha.failovers ?? 0} · step-downs: ${ha.stepDowns ?? 0}${
    ha.role === 'standby' ? ' · the pipelines run on the leader' : ''
  }`;
  set(banner, 'ha-text', text);
}

export async function refreshPipelines(root, notify) {
  const { pipelines, ha } = await admin.pipelines();
  renderHa(root, ha);
  if (pipelines.length === 0) {
    for (const card of cards.values()) card.remove();
    cards.clear();
    if (!root.querySelector(':scope > .empty-note'))
      root.append(h('p', { class: 'muted empty-note' }, 'No pipeline runs in this process.'));
    return;
  }
  const names = new Set(pipelines.map((p) => p.name));
  for (const [name, card] of cards)
    if (!names.has(name)) {
      card.remove();
      cards.delete(name);
    }
  root.querySelector(':scope > .empty-note')?.remove();
  for (const p of pipelines) {
    let card = cards.get(p.name);
    if (!card) {
      card = createCard(p.name, notify);
      cards.set(p.name, card);
      root.append(card);
    }
    update(card, p);
  }
}
