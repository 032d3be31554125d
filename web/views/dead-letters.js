import { admin } from '../api.js';
import { h, num } from '../dom.js';

/** The pipeline filter offers the pipelines of this process (replay works for those). */
async function fillPipelines(select) {
  if (select.dataset.filled) return;
  const { pipelines } = await admin.pipelines();
  select.append(...pipelines.map((p) => h('option', { value: p.name }, p.name)));
  select.dataset.filled = 'yes';
}

/** Dead letters: counts per index and kind, the oldest 100, replay (current mapping) or purge. */
export async function refreshDeadLetters(els, notify) {
  const { counts, list, total, pipeline } = els;
  await fillPipelines(pipeline);
  const [page, tally] = await Promise.all([
    admin.deadLetters({ limit: 100, pipeline: pipeline.value || undefined }),
    admin.deadLetterCounts(),
  ]);
  const data = { items: page.deadLetters, counts: tally.byIndex };
  const sum = tally.total;
  total.hidden = sum === 0;
  total.textContent = num(sum);
  counts.replaceChildren(
    ...(data.counts.length === 0
      ? [h('span', { class: 'muted' }, 'No dead letters. Documents the index refused would be listed here.')]
      : data.counts.map((c) =>
          h('span', { class: 'chip' }, `${c.index} · ${c.kind}: `, h('strong', {}, num(c.count))),
        )),
  );
  if (data.items.length === 0) {
    list.replaceChildren();
    return;
  }
  const act = async (fn, ids, verb) => {
    try {
      const r = await fn(ids);
      if (verb === 'replay') {
        const why = r.failures.map((f) => `#${f.id}: ${f.error}`).join('; ');
        const kept = r.failed + r.skipped;
        notify(
          `replayed ${r.removed} (landed ${r.landed}, already current ${r.stale})${kept ? `, kept ${kept}${why ? ` — ${why}` : ''}` : ''}`,
          kept > 0,
        );
      } else notify(`purged ${r.removed}`);
    } catch (e) {
      notify(e.message, true);
    }
    await refreshDeadLetters(els, () => {});
  };
  const ids = data.items.map((d) => d.id);
  list.replaceChildren(
    h(
      'div',
      { class: 'toolbar' },
      h(
        'button',
        { type: 'button', onclick: () => act(admin.replay, ids, 'replay') },
        `Replay all ${ids.length} shown`,
      ),
    ),
    h(
      'table',
      { class: 'grid dlq' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['id', 'index', 'document', 'op', 'kind', 'error', 'attempts', 'last seen', ''].map((c) =>
            h('th', {}, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        data.items.map((d) =>
          h(
            'tr',
            { dataset: { dlq: d.id } },
            h('td', { class: 'num' }, d.id),
            h('td', {}, d.index),
            h('td', {}, h('code', {}, d.docId ?? '—')),
            h('td', {}, d.op),
            h('td', {}, h('span', { class: `badge kind-${d.kind}` }, d.kind)),
            h('td', { class: 'err', title: d.error }, d.error),
            h('td', { class: 'num' }, d.attempts),
            h('td', { class: 'nowrap' }, d.lastSeen ? d.lastSeen.replace('T', ' ').slice(0, 19) : '—'),
            h(
              'td',
              { class: 'actions' },
              h(
                'button',
                {
                  type: 'button',
                  dataset: { replay: d.id },
                  onclick: () => act(admin.replay, [d.id], 'replay'),
                },
                'Replay',
              ),
              h(
                'button',
                { type: 'button', class: 'secondary', onclick: () => act(admin.purge, [d.id], 'purge') },
                'Purge',
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
