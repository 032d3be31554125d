import type { ChangeEvent } from '../../core/change-event.js';
import { errorMessage, SynclineError } from '../../core/errors.js';
import type { IndexOp, RebuildContext, WriteResult } from '../../core/interfaces.js';
import { idle } from '../../core/timers.js';
import type { SearchClient } from '../../sinks/search/client.js';
import { splitDocumentId } from '../document-id.js';
import type { RowQueryable } from '../exact-numbers.js';
import {
  type AffectedRoots,
  AffectedRootsCollector,
  emptyAffected,
  type Lookup,
  renderSelector,
} from './affected-roots.js';
import { DocumentBuilder, quote, tupleKey } from './document-builder.js';
import { embeddedKeysQuery } from './index-lookup.js';
import type { RelationTree } from './relation-tree.js';

/** Roots per page of a rebuild: one root SELECT + one per relation, then one full bulk request (sink.batch.maxDocs default). */
export const REBUILD_PAGE = 1000;
/** Pages of a fan-out written at once while the next is read. */
const WRITES_IN_FLIGHT = 4;
/** Values per selector statement. */
const PER_SELECTOR = 1000;

/** Progress of the rebuilds of one built mapping (metrics and the admin API). */
export interface RebuildProgress {
  readonly index: string;
  /** Root documents rebuilt since start. */
  rootsRebuilt: number;
  /** Keyset pages run for related-row changes (fan-outs) since start. */
  fanOutPages: number;
  /** Roots rebuilt by the fan-out running now (0 when none runs). */
  fanOutRoots: number;
  fanOutActive: boolean;
}

/**
 * Rebuilds the root documents a batch of events affects, from the current rows, in keyset pages; each
 * document carries the version of the newest change of the batch that affected it, so an older rebuild
 * or an older row change can never overwrite it (docs/guarantees.md). Every root affected by one batch
 * (one or more transactions) is rebuilt once per reason: the batch is the unit of coalescing.
 */
export class RelationRebuilder {
  readonly collector: AffectedRootsCollector;
  readonly builder: DocumentBuilder;
  readonly progress: RebuildProgress;
  private readonly tableSet: Set<string>;

  constructor(
    readonly tree: RelationTree,
    private readonly db: RowQueryable & { query(sql: string, values?: unknown): Promise<[unknown, unknown]> },
    private search: SearchClient | undefined,
  ) {
    this.collector = new AffectedRootsCollector(tree);
    this.builder = new DocumentBuilder(db, tree);
    this.tableSet = this.collector.tables();
    this.progress = {
      index: tree.root.index,
      rootsRebuilt: 0,
      fanOutPages: 0,
      fanOutRoots: 0,
      fanOutActive: false,
    };
  }

  get index(): string {
    return this.tree.root.index;
  }

  setSearch(search: SearchClient): void {
    this.search = search;
  }

  handles(database: string, table: string): boolean {
    return this.tableSet.has(`${database}.${table}`);
  }

  /** Rebuilds what `events` affect; returns the summed write results (undefined when nothing was written). */
  async rebuild(events: readonly ChangeEvent[], ctx: RebuildContext): Promise<WriteResult | undefined> {
    const affected = emptyAffected();
    for (const ev of events)
      if (this.handles(ev.source.database, ev.source.table)) this.collector.add(affected, ev);
    return this.run(affected, ctx);
  }

  private async run(a: AffectedRoots, ctx: RebuildContext): Promise<WriteResult | undefined> {
    const sum = new ResultSum();
    for (const ev of a.truncates)
      sum.add(
        await ctx.write([
          { action: 'truncate', index: this.index, version: ev.source.position.version, event: ev },
        ]),
      );
    const keys = [...a.keys.values()];
    for (let i = 0; i < keys.length; i += REBUILD_PAGE) {
      const page = keys.slice(i, i + REBUILD_PAGE);
      // the batch's own roots: written while the next batch is read (its result counted on acknowledgement)
      if (ctx.track) ctx.track((await this.startPage(page, ctx)).write);
      else sum.add(await this.page(page, ctx));
    }
    if (!a.all && a.selectors.size === 0 && a.lookups.length === 0) return sum.result();
    // fan-outs (a related row shared by many roots) and index look-ups: in the background when the
    // pipeline offers it, so other changes stream meanwhile
    const heavy = async () => {
      const more = new ResultSum();
      if (a.all) {
        more.add(await this.fanOut('1 = 1', [], a.all.version, a.all.event, ctx));
      } else {
        for (const s of a.selectors.values()) {
          const tuples = [...s.tuples.values()];
          for (let i = 0; i < tuples.length; i += PER_SELECTOR) {
            const part = tuples.slice(i, i + PER_SELECTOR);
            more.add(
              await this.fanOut(
                renderSelector(s.template, s.width, part.length),
                part.flat(),
                s.version,
                s.event,
                ctx,
              ),
            );
          }
        }
      }
      for (const l of groupLookups(a.lookups)) more.add(await this.lookup(l, ctx));
      return more.result();
    };
    if (ctx.background) ctx.background(heavy);
    else sum.add(await heavy());
    return sum.result();
  }

  /** Builds and writes one page of roots named by key (a key without a row is deleted). */
  private async page(
    page: ReadonlyArray<{ key: unknown[]; id: string; version: bigint; event: ChangeEvent }>,
    ctx: RebuildContext,
  ): Promise<WriteResult> {
    return (await this.startPage(page, ctx)).write;
  }

  /** Builds a page of roots named by key and hands it to the sink; resolves once handed, with its write. */
  private async startPage(
    page: ReadonlyArray<{ key: unknown[]; id: string; version: bigint; event: ChangeEvent }>,
    ctx: RebuildContext,
  ): Promise<{ write: Promise<WriteResult> }> {
    const built = await this.retrying(() => this.builder.build(page.map((p) => p.key)), ctx);
    const root = this.tree.root;
    const byKey = new Map(built.map((b) => [tupleKey(b.key), b]));
    const ops: IndexOp[] = [];
    for (const p of page) {
      const b = byKey.get(tupleKey(p.key)) ?? byKey.get(tupleKey(p.key.map(String)));
      const base = { index: this.index, version: p.version, event: p.event };
      if (!b) ops.push({ action: 'delete', id: p.id, ...base });
      else ops.push({ action: 'index', id: root.idOf(b.row), doc: b.doc, ...base });
    }
    this.progress.rootsRebuilt += built.length;
    const write = ctx.write(ops);
    write.catch(() => {}); // awaited by whoever tracks it
    return { write };
  }

  /**
   * Every root matching `where` (alias r), in keyset pages of REBUILD_PAGE: memory holds one page, and
   * each page is written before the next is read.
   */
  private async fanOut(
    where: string,
    values: unknown[],
    version: bigint,
    event: ChangeEvent,
    ctx: RebuildContext,
  ): Promise<WriteResult> {
    const root = this.tree.root;
    const keyCols = root.keyColumns;
    const from = `${quote(root.database)}.${quote(root.table)} AS r`;
    const keyList = keyCols.map((k) => `r.${quote(k)}`).join(', ');
    const after =
      keyCols.length === 1 ? `${keyList} > ?` : `(${keyList}) > (${keyCols.map(() => '?').join(', ')})`;
    const sum = new ResultSum();
    let last: unknown[] | undefined;
    const inFlight: Array<Promise<WriteResult>> = [];
    this.progress.fanOutActive = true;
    this.progress.fanOutRoots = 0;
    try {
      for (;;) {
        const sql = `SELECT ${keyList} FROM ${from} WHERE (${where})${last ? ` AND ${after}` : ''} ORDER BY ${keyList} LIMIT ${REBUILD_PAGE}`;
        const [rows] = (await this.retrying(
          () => this.db.query({ sql, values: last ? [...values, ...last] : values, rowsAsArray: true }),
          ctx,
        )) as [unknown[][], unknown];
        if (rows.length === 0) break;
        const page = rows.map((key) => {
          const row = Object.fromEntries(keyCols.map((k, i) => [k, key[i]]));
          return { key, id: root.idOf(row), version, event };
        });
        // the next page is read and built while this one is written (at most WRITES_IN_FLIGHT pages held)
        inFlight.push((await this.pageExisting(page, ctx)).write);
        if (inFlight.length >= WRITES_IN_FLIGHT) sum.add(await inFlight.shift());
        this.progress.fanOutPages += 1;
        this.progress.fanOutRoots += rows.length;
        if (rows.length < REBUILD_PAGE) break;
        last = rows[rows.length - 1];
      }
      for (const w of inFlight.splice(0)) sum.add(await w);
    } finally {
      await Promise.allSettled(inFlight);
      this.progress.fanOutActive = false;
    }
    return sum.result() ?? NOTHING;
  }

  /** A page read from the root table, built; returns its write. A root gone meanwhile has its own delete event. */
  private async pageExisting(
    page: ReadonlyArray<{ key: unknown[]; id: string; version: bigint; event: ChangeEvent }>,
    ctx: RebuildContext,
  ): Promise<{ write: Promise<WriteResult> }> {
    const built = await this.retrying(() => this.builder.build(page.map((p) => p.key)), ctx);
    const root = this.tree.root;
    const { version, event } = page[0]!;
    this.progress.rootsRebuilt += built.length;
    const write = ctx.write(
      built.map((b) => ({
        action: 'index',
        index: this.index,
        id: root.idOf(b.row),
        doc: b.doc,
        version,
        event,
      })),
    );
    write.catch(() => {}); // awaited by the caller, in order
    return { write };
  }

  /**
   * The documents that embed a related row whose delete (or key change) cascaded silently to other rows
   * (foreign keys ON DELETE/UPDATE CASCADE or SET NULL are not in the binlog): found through the index
   * once everything written before is searchable, then rebuilt (a root gone with the cascade is deleted).
   */
  private async lookup(l: LookupGroup, ctx: RebuildContext): Promise<WriteResult> {
    const search = this.search;
    // skipping the look-up would leave the old roots embedding the row for good: a wiring fault, loud
    if (!search)
      throw new SynclineError(
        'INTERNAL',
        `${this.index}: the mappings were loaded without a search client, so the documents embedding a changed or deleted related row cannot be found (MappingSet.load(..., { search }))`,
      );
    await ctx.flush();
    const index = encodeURIComponent(ctx.target ?? this.index);
    await search.request('POST', `/${index}/_refresh`);
    const query = embeddedKeysQuery(l.node, l.keys, this.tree.root);
    const sum = new ResultSum();
    const root = this.tree.root;
    type Page = { _scroll_id?: string; hits?: { hits?: Array<{ _id: string }> } };
    let res = await search.request<Page>('POST', `/${index}/_search?scroll=2m`, {
      size: REBUILD_PAGE,
      sort: ['_doc'],
      _source: false,
      query,
    });
    let scrollId: string | undefined;
    try {
      for (;;) {
        if (res.status !== 200)
          throw new Error(
            `index look-up in ${ctx.target ?? this.index} failed: ${res.status} ${JSON.stringify(res.body)}`,
          );
        scrollId = res.body._scroll_id ?? scrollId;
        const ids = (res.body.hits?.hits ?? []).map((h) => h._id);
        if (ids.length === 0) break;
        sum.add(
          await this.page(
            ids.map((id) => ({
              key: splitDocumentId(id, root.keyColumns.length),
              id,
              version: l.version,
              event: l.event,
            })),
            ctx,
          ),
        );
        if (!scrollId) break;
        res = await search.request<Page>('POST', '/_search/scroll', { scroll: '2m', scroll_id: scrollId });
      }
    } finally {
      if (scrollId)
        await search.request('DELETE', '/_search/scroll', { scroll_id: [scrollId] }).catch(() => {});
    }
    return sum.result() ?? NOTHING;
  }

  /** Reads retried with capped backoff while the database is unreachable (the source waits meanwhile). */
  private async retrying<T>(fn: () => Promise<T>, ctx: RebuildContext): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const errno = (e as { errno?: number }).errno;
        // SQL errors (bad column after a DDL, syntax) are not transient: they stop the pipeline, named
        if ((errno !== undefined && errno < 2000) || ctx.signal?.aborted || attempt >= 30) throw e;
        ctx.onWarning?.(`${this.index}: rebuild read failed (${errorMessage(e)}); retrying`);
        await idle(Math.min(5000, 100 * 2 ** attempt), ctx.signal);
      }
    }
  }
}

/** Keys per index look-up query (a bool of term filters each). */
const PER_LOOKUP = 500;

interface LookupGroup {
  readonly node: Lookup['node'];
  readonly keys: unknown[][];
  version: bigint;
  event: ChangeEvent;
}

/**
 * Look-ups of one relation merged into queries of up to PER_LOOKUP keys (a polling page of 1,000 child
 * rows is two searches, not 1,000), each carrying the newest version of its keys' changes: every root
 * found is rebuilt from rows read after all of them.
 */
function groupLookups(lookups: readonly Lookup[]): LookupGroup[] {
  const out: LookupGroup[] = [];
  const open = new Map<Lookup['node'], { group: LookupGroup; seen: Set<string> }>();
  for (const l of lookups) {
    let g = open.get(l.node);
    if (!g || g.group.keys.length >= PER_LOOKUP) {
      g = { group: { node: l.node, keys: [], version: l.version, event: l.event }, seen: new Set() };
      open.set(l.node, g);
      out.push(g.group);
    }
    const k = tupleKey(l.key);
    if (!g.seen.has(k)) {
      g.seen.add(k);
      g.group.keys.push([...l.key]);
    }
    if (l.version > g.group.version) {
      g.group.version = l.version;
      g.group.event = l.event;
    }
  }
  return out;
}

const NOTHING: WriteResult = { outcomes: [], ok: 0, stale: 0, dead: 0, retried: 0 };

class ResultSum {
  private ok = 0;
  private stale = 0;
  private dead = 0;
  private retried = 0;
  private any = false;
  add(r: WriteResult | undefined): void {
    if (!r) return;
    this.any = true;
    this.ok += r.ok;
    this.stale += r.stale;
    this.dead += r.dead;
    this.retried += r.retried;
  }
  result(): WriteResult | undefined {
    if (!this.any) return undefined;
    // per-item outcomes are counted, not kept: a fan-out of 100k roots holds no list of them
    return { outcomes: [], ok: this.ok, stale: this.stale, dead: this.dead, retried: this.retried };
  }
}
