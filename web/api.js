// The admin token lives in this tab's sessionStorage only (gone when the tab closes).
const TOKEN_KEY = 'syncline.adminToken';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

/** Listeners told when the admin API refuses the token (the page then asks for it again). */
const unauthorized = new Set();
export const onUnauthorized = (fn) => unauthorized.add(fn);

async function call(method, path, { body, admin = false, query } = {}) {
  const headers = { accept: 'application/json' };
  if (admin) headers.authorization = `Bearer ${token.get() ?? ''}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let url = path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue;
      for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
    }
    const s = qs.toString();
    if (s) url += `?${s}`;
  }
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && admin) for (const fn of unauthorized) fn();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const admin = {
  pipelines: () => call('GET', '/api/admin/pipelines', { admin: true }),
  pause: (name) => call('POST', `/api/admin/pipelines/${encodeURIComponent(name)}/pause`, { admin: true }),
  resume: (name) => call('POST', `/api/admin/pipelines/${encodeURIComponent(name)}/resume`, { admin: true }),
  resnapshot: (name, table) =>
    call('POST', `/api/admin/pipelines/${encodeURIComponent(name)}/resnapshot`, {
      admin: true,
      body: { table },
    }),
  // dead letters, reconcile and jobs: the operations routes (src/server/routes/ops.ts, docs/operations.md)
  deadLetters: (query) => call('GET', '/api/admin/dead-letters', { admin: true, query }),
  deadLetterCounts: () => call('GET', '/api/admin/dead-letters/counts', { admin: true }),
  replay: (ids) => call('POST', '/api/admin/dead-letters/replay', { admin: true, body: { ids } }),
  purge: (ids) => call('POST', '/api/admin/dead-letters/purge', { admin: true, body: { ids } }),
  drift: () => call('GET', '/api/admin/drift', { admin: true }),
  reconcile: (body) => call('POST', '/api/admin/reconcile', { admin: true, body }),
  jobs: () => call('GET', '/api/admin/jobs', { admin: true }),
};

export const catalog = {
  search: (query) => call('GET', '/api/products/search', { query }),
  categories: () => call('GET', '/api/categories', { query: { size: 100 } }),
  category: (id) => call('GET', `/api/categories/${encodeURIComponent(id)}`),
  // the catalog's optimistic concurrency: the updated_at read with the row (a stale one is 409)
  renameCategory: (id, name, updatedAt) =>
    call('PATCH', `/api/categories/${encodeURIComponent(id)}`, { body: { name, updated_at: updatedAt } }),
};
