import { admin } from '../api.js';
import { ago, h, num } from '../dom.js';

/**
 * Reconcile: start a run (check only, or check and repair) over every mapped index, follow its job, and
 * show the latest findings per index (what the syncline_drift_* metrics export).
 */
let wired = false;

function wire(root, notify) {
  if (wired) return;
  wired = true;
  const start = async (repair) => {
    try {
      const job = await admin.reconcile({ repair });
      notify(`reconcile${repair ? ' with repair' : ''} started (job ${job.id})`);
      await refreshReconcile(root, notify);
    } catch (e) {
      notify(e.message, true);
    }
  };
  root.querySelector('#reconcile-run').addEventListener('click', () => start(false));
  root.querySelector('#reconcile-repair').addEventListener('click', () => start(true));
}

function progressText(p) {
  if (!p) return '';
  const total = p.total ? ` / ${num(p.total)}` : '';
  return `${p.phase ?? ''} ${num(p.done)}${total} ${p.unit ?? ''}`.trim();
}

export async function refreshReconcile(root, notify) {
  wire(root, notify);
  const [{ indexes }, { jobs }] = await Promise.all([admin.drift(), admin.jobs()]);
  const runs = jobs.filter((j) => j.kind === 'reconcile').slice(0, 5);
  root.querySelector('#reconcile-jobs').replaceChildren(
    ...runs.map((j) =>
      h(
        'div',
        { class: 'job', dataset: { job: j.id, state: j.state } },
        h(
          'span',
          {
            class: `badge ${j.state === 'failed' ? 'state-failed' : j.state === 'done' ? 'state-running' : 'state-paused'}`,
          },
          j.state,
        ),
        ` ${j.subject ?? 'all indexes'} · started ${ago(Date.parse(j.startedAt))} `,
        h(
          'span',
          { class: 'muted' },
          j.state === 'running' ? progressText(j.progress) : (j.error?.message ?? ''),
        ),
      ),
    ),
  );
  const table = root.querySelector('#reconcile-results');
  if (indexes.length === 0) {
    table.replaceChildren(
      h(
        'p',
        { class: 'muted' },
        'No reconcile has run in this process yet. It compares each table with its index (key ranges, checksums) and reports missing, extra and stale documents; “Check and repair” fixes them through the versioned sink.',
      ),
    );
    return;
  }
  table.replaceChildren(
    h(
      'table',
      { class: 'grid' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['index', 'missing', 'extra', 'stale', 'in flight', 'unmappable', 'left', 'when', ''].map((c) =>
            h('th', {}, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        [...indexes]
          .sort((a, b) => a.index.localeCompare(b.index))
          .map((r) =>
            h(
              'tr',
              { dataset: { index: r.index, drift: r.drift } },
              h('td', {}, r.index),
              h('td', { class: 'num' }, num(r.missing)),
              h('td', { class: 'num' }, num(r.extra)),
              h('td', { class: 'num' }, num(r.stale)),
              h('td', { class: 'num' }, num(r.inFlight)),
              h('td', { class: 'num' }, num(r.unmappable)),
              h('td', { class: 'num' }, num(r.drift)),
              h('td', {}, ago(r.checkedAt)),
              h(
                'td',
                {},
                h(
                  'span',
                  { class: `badge ${r.drift === 0 ? 'state-running' : 'state-failed'}` },
                  r.drift > 0
                    ? 'drift'
                    : r.repaired && r.missing + r.extra + r.stale > 0
                      ? 'repaired'
                      : 'in sync',
                ),
              ),
            ),
          ),
      ),
    ),
  );
}
