import { admin } from '../api.js';
import { ago, h, num } from '../dom.js';

/** The drift each index had at its last reconcile in this process (what syncline_drift_documents exports). */
export async function refreshReconcile(root) {
  const { indexes } = await admin.reconcile();
  if (indexes.length === 0) {
    root.replaceChildren(
      h(
        'p',
        { class: 'muted' },
        'No reconcile has reported to this process yet. Reconcile compares each table with its index and reports missing, extra and stale documents; see docs/operations.md.',
      ),
    );
    return;
  }
  root.replaceChildren(
    h(
      'table',
      { class: 'grid' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['index', 'missing', 'extra', 'stale', 'checked', 'repaired', 'when', ''].map((c) =>
            h('th', {}, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        indexes.map((r) => {
          const drift = r.missing + r.extra + r.stale;
          return h(
            'tr',
            { dataset: { index: r.index } },
            h('td', {}, r.index),
            h('td', { class: 'num' }, num(r.missing)),
            h('td', { class: 'num' }, num(r.extra)),
            h('td', { class: 'num' }, num(r.stale)),
            h('td', { class: 'num' }, num(r.checked)),
            h('td', { class: 'num' }, num(r.repaired)),
            h('td', {}, ago(r.atMs)),
            h(
              'td',
              {},
              h(
                'span',
                { class: `badge ${drift === 0 ? 'state-running' : 'state-failed'}` },
                drift === 0 ? 'in sync' : 'drift',
              ),
            ),
          );
        }),
      ),
    ),
  );
}
