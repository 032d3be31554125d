/**
 * Child process of the "binlog decode alone" measurement: Syncline's streaming BinlogSource iterated
 * directly over a binlog range, no sink. `map` mode also runs the mapping and the `_bulk` encoding of
 * every event (everything the sync process does except HTTP), which tells where its time goes.
 *
 *   node decode-child.js '{"url":…,"table":"db.t","index":…,"from":"0-1-5","expect":N,"mode":"decode"}'
 *
 * With `dump`, map mode also writes its first `dumpOps` encoded ops to a file as `_bulk` bodies for the
 * C1-mixed ceiling (after the clock stops).
 *
 * Prints one JSON line: {"events":N,"seconds":S,"ops":N,"bytes":N,"cpuMicros":N} (cpuMicros: user + sys
 * of this process while the clock ran).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { MappingSet } from '../../src/mapping/mapping-set.js';
import { encodeOp } from '../../src/sinks/search/request-builder.js';
import { BinlogSource } from '../../src/sources/mysql-binlog/streaming/binlog-source.js';
import { positionOf } from '../../src/sources/mysql-binlog/streaming/position.js';
import { createBenchPool, loadBenchConfig } from './context.js';

interface Args {
  url: string;
  database: string;
  table: string;
  index: string;
  from: string;
  expect: number;
  mode: 'decode' | 'map';
  serverId: number;
  /** map mode: also write the first `dumpOps` encoded ops as `_bulk` bodies of 1000 (length-prefixed). */
  dump?: string;
  dumpOps?: number;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as Args;
  loadBenchConfig(process.env.SYNCLINE_BENCH_CONFIG);
  const pool = createBenchPool(a.database, 2);
  const mappings =
    a.mode === 'map' ? await MappingSet.load(pool, [{ table: a.table, index: a.index }]) : undefined;
  const [db, table] = a.table.split('.') as [string, string];
  const source = new BinlogSource({
    connection: { url: a.url, timezone: 'Z' },
    serverId: a.serverId,
    tables: [a.table],
  });
  const abort = new AbortController();
  let events = 0;
  let ops = 0;
  let bytes = 0;
  // Bodies for the C1-mixed ceiling: kept in memory while timing, written after the clock stops.
  const dumpLines: string[] = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for await (const batch of source.start(positionOf(a.from), abort.signal)) {
    for (const ev of batch.events) {
      if (ev.source.database !== db || ev.source.table !== table) continue;
      events++;
      if (mappings) {
        for (const op of mappings.toOps(ev)) {
          if (op.action === 'truncate') continue;
          const enc = encodeOp(op);
          bytes += enc.bytes;
          ops++;
          if (a.dump && ops <= (a.dumpOps ?? 0)) dumpLines.push(enc.lines);
        }
      }
    }
    if (events >= a.expect) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  abort.abort();
  if (a.dump) {
    // Each body: u32 byte length, u32 op count, the NDJSON of up to 1000 ops.
    const fd = openSync(a.dump, 'w');
    for (let i = 0; i < dumpLines.length; i += 1000) {
      const part = dumpLines.slice(i, i + 1000);
      const data = Buffer.from(part.join(''));
      const head = Buffer.alloc(8);
      head.writeUInt32BE(data.length, 0);
      head.writeUInt32BE(part.length, 4);
      writeSync(fd, head);
      writeSync(fd, data);
    }
    closeSync(fd);
  }
  await pool.end();
  process.stdout.write(
    `${JSON.stringify({ events, seconds, ops, bytes, cpuMicros: cpu.user + cpu.system })}\n`,
  );
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`decode-child: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
