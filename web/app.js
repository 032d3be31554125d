import { onUnauthorized, token } from './api.js';
import { h } from './dom.js';
import { refreshDeadLetters } from './views/dead-letters.js';
import { refreshPipelines } from './views/pipelines.js';
import { refreshReconcile } from './views/reconcile.js';
import { initSearch } from './views/search.js';

const $ = (sel) => document.querySelector(sel);
const VIEWS = ['pipelines', 'dead-letters', 'reconcile', 'search'];
/** Views that need the admin token. */
const ADMIN_VIEWS = new Set(['pipelines', 'dead-letters', 'reconcile']);

const toasts = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
document.body.append(toasts);
function notify(text, isError = false) {
  const t = h('div', { class: `toast${isError ? ' toast-error' : ''}` }, text);
  toasts.append(t);
  setTimeout(() => t.remove(), isError ? 8000 : 4000);
}

let current = 'pipelines';
let searchStarted = false;
let askingToken = false;

function askToken(message = '') {
  askingToken = true;
  $('#token').hidden = false;
  $('#token-error').textContent = message;
  for (const v of VIEWS) if (ADMIN_VIEWS.has(v)) $(`#view-${v}`).hidden = true;
  $('#forget-token').hidden = true;
  $('#token-input').focus();
}

onUnauthorized(() => {
  token.clear();
  askToken('The service refused this token (401). Enter the current server.adminToken.');
});

$('#token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  token.set($('#token-input').value.trim());
  $('#token-input').value = '';
  askingToken = false;
  $('#token').hidden = true;
  show(current);
});

$('#forget-token').addEventListener('click', () => {
  token.clear();
  askToken();
});

function show(view) {
  current = VIEWS.includes(view) ? view : 'pipelines';
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('active', a.dataset.view === current);
  const needsToken = ADMIN_VIEWS.has(current);
  if (needsToken && !token.get()) {
    for (const v of VIEWS) $(`#view-${v}`).hidden = true;
    askToken();
    return;
  }
  $('#token').hidden = !(needsToken && askingToken);
  $('#forget-token').hidden = !token.get();
  for (const v of VIEWS) $(`#view-${v}`).hidden = v !== current;
  if (current === 'search' && !searchStarted) {
    searchStarted = true;
    initSearch($('#view-search'));
  }
  void tick(true);
}

window.addEventListener('hashchange', () => show(location.hash.slice(1)));

const dlqEls = {
  counts: $('#dlq-counts'),
  list: $('#dlq-list'),
  total: $('#dlq-total'),
  pipeline: $('#dlq-pipeline'),
};
$('#dlq-pipeline').addEventListener('change', () =>
  refreshDeadLetters(dlqEls, notify).catch((e) => notify(e.message, true)),
);
$('#dlq-refresh').addEventListener('click', () =>
  refreshDeadLetters(dlqEls, notify).catch((e) => notify(e.message, true)),
);

let ticks = 0;
let busy = false;
/** One refresh round: pipelines every second; dead letters and reconcile every 5 s (or on entering the view). */
async function tick(entering = false) {
  if (busy || askingToken || !token.get()) return;
  busy = true;
  try {
    if (current === 'pipelines') await refreshPipelines($('#pipelines'), notify);
    if ((current === 'dead-letters' && (entering || ticks % 5 === 0)) || ticks % 10 === 0)
      await refreshDeadLetters(dlqEls, notify);
    if (current === 'reconcile' && (entering || ticks % 2 === 0))
      await refreshReconcile($('#view-reconcile'), notify);
    const live = $('#live');
    live.classList.remove('stale');
    live.title = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    $('#live').classList.add('stale');
    if (e.status !== 401) $('#live').title = `refresh failed: ${e.message}`;
  } finally {
    busy = false;
    ticks += 1;
  }
}

setInterval(() => void tick(), 1000);
show(location.hash.slice(1) || 'pipelines');
