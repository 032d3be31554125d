import { catalog } from '../api.js';
import { h, num } from '../dom.js';

const SIZE = 10;
const state = { q: '', sort: 'relevance', categories: new Set(), price: null, page: 1 };
let categoryNames = new Map();
let els;

/** Text with the engine's <em> marks, without ever assigning HTML: marks become <mark>, the rest text. */
function highlighted(s) {
  const decode = (t) => new DOMParser().parseFromString(t, 'text/html').body.textContent ?? '';
  return s
    .split(/(<em>.*?<\/em>)/)
    .filter(Boolean)
    .map((part) => (part.startsWith('<em>') ? h('mark', {}, decode(part.slice(4, -5))) : decode(part)));
}

function priceParams(p) {
  if (!p) return {};
  // buckets are [from, to); price_max is inclusive with cents
  return {
    ...(p.from !== null && { price_min: p.from.toFixed(2) }),
    ...(p.to !== null && { price_max: (p.to - 0.01).toFixed(2) }),
  };
}

/**
 * Renames a category through the catalog API (PATCH with the updated_at just read). The products'
 * documents embed the name: the pipeline rebuilds them (docs/mapping.md), so the search shows it soon.
 */
async function renameCategory(id) {
  const current = await catalog.category(id);
  const name = prompt(`Rename category #${id}`, current.name);
  if (name === null || name.trim() === '' || name === current.name) return;
  try {
    const updated = await catalog.renameCategory(id, name.trim(), current.updated_at);
    categoryNames.set(id, updated.name);
  } catch (e) {
    alert(`Rename failed: ${e.message}`);
  }
  await run();
}

function renderFacets(facets) {
  if (!facets) return;
  const cats = h(
    'fieldset',
    { class: 'facet', dataset: { facet: 'category' } },
    h('legend', {}, 'Category'),
    facets.categories.map((c) => {
      const id = `cat-${c.category_id}`;
      const box = h('input', {
        type: 'checkbox',
        id,
        value: c.category_id,
        checked: state.categories.has(c.category_id),
      });
      box.addEventListener('change', () => {
        if (box.checked) state.categories.add(c.category_id);
        else state.categories.delete(c.category_id);
        state.page = 1;
        run();
      });
      const rename = h(
        'button',
        {
          type: 'button',
          class: 'facet-rename',
          title: 'Rename this category',
          dataset: { renameCategory: c.category_id },
        },
        '✎',
      );
      rename.addEventListener('click', (e) => {
        e.preventDefault();
        e.stopPropagation();
        void renameCategory(c.category_id);
      });
      return h(
        'label',
        { for: id, class: 'facet-row', dataset: { categoryId: c.category_id, count: c.count } },
        box,
        h('span', { class: 'facet-name' }, categoryNames.get(c.category_id) ?? `#${c.category_id}`),
        rename,
        h('span', { class: 'count' }, num(c.count)),
      );
    }),
  );
  const prices = h(
    'fieldset',
    { class: 'facet', dataset: { facet: 'price' } },
    h('legend', {}, 'Price'),
    facets.price_ranges
      .filter((r) => r.count > 0 || state.price?.key === r.key)
      .map((r) => {
        const id = `price-${r.key}`;
        const box = h('input', { type: 'checkbox', id, checked: state.price?.key === r.key });
        box.addEventListener('change', () => {
          state.price = box.checked ? r : null;
          state.page = 1;
          run();
        });
        const label =
          r.from === null ? `under ${r.to}` : r.to === null ? `${r.from} and more` : `${r.from} – ${r.to}`;
        return h(
          'label',
          { for: id, class: 'facet-row', dataset: { priceKey: r.key, count: r.count } },
          box,
          h('span', { class: 'facet-name' }, label),
          h('span', { class: 'count' }, num(r.count)),
        );
      }),
  );
  els.facets.replaceChildren(cats, prices);
}

function renderResults(r) {
  els.summary.textContent = `${num(r.total)} product${r.total === 1 ? '' : 's'}`;
  els.summary.dataset.total = r.total;
  els.results.replaceChildren(
    ...r.items.map((p) =>
      h(
        'li',
        { class: 'result', dataset: { id: p.id } },
        h(
          'div',
          { class: 'result-head' },
          h('span', { class: 'result-name' }, p.highlight?.name ? highlighted(p.highlight.name[0]) : p.name),
          h('span', { class: 'price' }, `¥${p.price}`),
        ),
        h(
          'div',
          { class: 'muted' },
          `${categoryNames.get(p.category_id) ?? `category ${p.category_id}`} · ${p.status} · stock ${num(p.stock)} · #${p.id}`,
        ),
        p.highlight?.description
          ? h('p', { class: 'snippet' }, highlighted(p.highlight.description[0]))
          : null,
        h(
          'div',
          { class: 'tags' },
          (p.tags ?? []).map((t) => h('span', { class: 'tag' }, t)),
        ),
      ),
    ),
  );
  const pages = Math.max(1, Math.ceil(Math.min(r.total, 10_000) / SIZE));
  els.pageInfo.textContent = `page ${state.page} of ${num(pages)}`;
  els.prev.disabled = state.page <= 1;
  els.next.disabled = state.page >= pages;
}

async function run() {
  els.summary.textContent = 'searching…';
  try {
    const r = await catalog.search({
      q: state.q || undefined,
      sort: state.sort,
      category: [...state.categories],
      ...priceParams(state.price),
      page: state.page,
      size: SIZE,
    });
    renderFacets(r.facets);
    renderResults(r);
  } catch (e) {
    els.summary.textContent = `Search failed: ${e.message}`;
    els.results.replaceChildren();
  }
}

export async function initSearch(root) {
  els = {
    form: root.querySelector('#search-form'),
    q: root.querySelector('#search-q'),
    sort: root.querySelector('#search-sort'),
    facets: root.querySelector('#facets'),
    summary: root.querySelector('#search-summary'),
    results: root.querySelector('#results'),
    pageInfo: root.querySelector('#page-info'),
    prev: root.querySelector('#page-prev'),
    next: root.querySelector('#page-next'),
  };
  els.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.q = els.q.value.trim();
    state.sort = els.sort.value;
    state.page = 1;
    run();
  });
  els.sort.addEventListener('change', () => els.form.requestSubmit());
  els.prev.addEventListener('click', () => {
    state.page -= 1;
    run();
  });
  els.next.addEventListener('click', () => {
    state.page += 1;
    run();
  });
  try {
    const cats = await catalog.categories();
    categoryNames = new Map(cats.items.map((c) => [c.id, c.name]));
  } catch {
    // names are a nicety: facets fall back to ids
  }
  await run();
}
