import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FreshnessLevel } from './freshness.js';
import type { Machine } from './machine.js';
import type { ProfileSummary } from './profile-summary.js';
import type { Mode, Sizes } from './sizes.js';
import { round } from './stats.js';

export interface Ratio {
  /** What the figure is divided by: "C1", "C2", "Debezium", "target"… */
  readonly to: string;
  readonly value: number | null;
}

/** One measured number; `value` is null only with `unavailable` saying precisely why. */
export interface Figure {
  readonly id: string;
  readonly label: string;
  readonly value: number | null;
  readonly unit: string;
  readonly ratios: readonly Ratio[];
  readonly note?: string;
  readonly unavailable?: string;
}

export interface Target {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | null;
  readonly why?: string;
}

export interface Results {
  readonly date: string;
  readonly mode: Mode;
  readonly command: string;
  readonly seconds: number;
  /** Where the processes ran (bench/harness/placement.ts): the figures of `pinned` and `shared` runs differ. */
  readonly placement: { readonly mode: 'pinned' | 'shared'; readonly description: string };
  readonly machine: Machine | null;
  readonly sizes: Sizes & { readonly avgRowBytes?: number; readonly avgDocBytes?: number };
  readonly figures: readonly Figure[];
  readonly freshness: readonly FreshnessLevel[];
  readonly targets: readonly Target[];
  readonly profiles: readonly ProfileSummary[];
  readonly notes: readonly string[];
}

/** The ids every run reports (with a value, or unavailable + why). The dry-run test checks them. */
export const FIGURE_IDS = [
  'c1.bulk',
  'c1.bulk.1',
  'c1.bulk.2',
  'c1.bulk.4',
  'c1.bulk-mixed',
  'c2.binlog-read',
  'c3.select',
  'snapshot',
  'snapshot.rss',
  'snapshot.cpu',
  'streaming',
  'streaming.rss',
  'streaming.cpu',
  'decode',
  'decode.map-encode',
  'freshness.25.p50',
  'freshness.25.p99',
  'freshness.25.p999',
  'freshness.50.p50',
  'freshness.50.p99',
  'freshness.50.p999',
  'freshness.80.p50',
  'freshness.80.p99',
  'freshness.80.p999',
  'backlog.rss',
  'backlog.catch-up',
  'kafka.throughput',
  'kafka.latency',
  'relations.fanout',
  'relations.fanout-freshness',
  'debezium.snapshot',
  'debezium.streaming',
  'flink.snapshot.p1',
  'flink.snapshot.p1.cpu',
  'flink.snapshot.p1.rss',
  'flink.snapshot.p2',
  'flink.snapshot.p2.cpu',
  'flink.snapshot.p2.rss',
  'flink.streaming.p1',
  'flink.streaming.p1.cpu',
  'flink.streaming.p1.rss',
  'flink.streaming.p2',
  'flink.streaming.p2.cpu',
  'flink.streaming.p2.rss',
] as const;

export function ratio(value: number | null | undefined, to: number | null | undefined): number | null {
  if (value == null || to == null || !Number.isFinite(value) || !Number.isFinite(to) || to === 0) return null;
  return value / to;
}

/** Writes <outDir>/<YYYY-MM-DD>-<mode>.json and .md; returns both paths. */
export function writeResults(outDir: string, r: Results): { json: string; md: string } {
  const base = path.join(
    outDir,
    `${r.date.slice(0, 10)}-${r.mode}${r.placement.mode === 'shared' ? '-shared' : ''}`,
  );
  const json = `${base}.json`;
  const md = `${base}.md`;
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(md, renderMarkdown(r));
  return { json, md };
}

const fmt = (n: number | null | undefined, digits = 0): string => {
  if (n == null || !Number.isFinite(n)) return '—';
  const v = round(n, digits);
  return Math.abs(v) >= 1000 ? v.toLocaleString('en-US') : String(v);
};

export function renderMarkdown(r: Results): string {
  const out: string[] = [];
  out.push(`# Benchmark ${r.date.slice(0, 10)} (${r.mode}, ${r.placement.mode})`, '');
  out.push(
    `\`${r.command}\` — ${fmt(r.seconds)} s. Ratios compare figures measured side by side in this run on the same stack and documents; absolute numbers on this shared machine drift; CPU per event and RSS do not depend on the load.`,
    '',
    `Placement: ${r.placement.description}.`,
    '',
  );
  if (r.mode !== 'full')
    out.push(
      `**Indicative only**: a ${r.mode} run is short, so its rates and ratios vary from run to run by more than the differences they show; take figures from the full run.`,
      '',
    );
  if (r.machine) {
    const m = r.machine;
    out.push(
      `Machine: ${m.cores} cores (${m.cpu}), ${fmt(m.memoryMb)} MB, load ${m.loadAverage} at start, ${m.os}.`,
      `Versions: ${Object.entries(m.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
      '',
    );
  }
  const s = r.sizes;
  out.push(
    `Sizes: ${fmt(s.rows)} rows (~${fmt(s.avgRowBytes)} bytes/row, ~${fmt(s.avgDocBytes)} bytes/bulk item), ${fmt(s.changes)} mixed changes (60% update, 30% insert, 10% delete; ${s.changesPerTransaction} per transaction), C1 ${fmt(s.c1Docs)} docs per concurrency, freshness ${s.freshnessSeconds} s per level, sink blocked ${s.blockSeconds} s.`,
    '',
  );
  out.push('| figure | value | unit | ratios |', '|---|---:|---|---|');
  for (const f of r.figures) {
    const value = f.value === null ? `n/a` : fmt(f.value, f.value < 10 ? 2 : 0);
    const ratios = f.ratios.map((x) => `${fmt(x.value, 2)} × ${x.to}`).join(', ');
    const extra = f.unavailable ? ` — ${f.unavailable}` : f.note ? ` — ${f.note}` : '';
    out.push(`| ${f.label} | ${value} | ${f.unit} | ${ratios}${extra} |`);
  }
  out.push('');
  if (r.freshness.length > 0) {
    out.push(
      '## Freshness (commit → searchable, default 1 s refresh)',
      '',
      '| load | target rate | achieved | samples | p50 ms | p99 ms | p99.9 ms | max ms | writer lag max ms |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const l of r.freshness) {
      out.push(
        `| ${Math.round(l.loadPct * 100)}% | ${fmt(l.targetRate)} | ${fmt(l.achievedRate)} | ${l.samples}${l.missing ? ` (${l.missing} missing)` : ''} | ${fmt(l.p50)} | ${fmt(l.p99)} | ${fmt(l.p999)} | ${fmt(l.max)} | ${fmt(l.writerMaxLagMs)} |`,
      );
    }
    out.push('');
  }
  out.push('## Targets (issue 8)', '', '| target | wanted | measured | met |', '|---|---|---|---|');
  for (const t of r.targets) {
    out.push(
      `| ${t.name} | ${t.target} | ${t.measured} | ${t.met === null ? 'n/a' : t.met ? 'yes' : 'no'}${t.why ? ` — ${t.why}` : ''} |`,
    );
  }
  out.push('');
  for (const p of r.profiles) {
    out.push(`## CPU profile: ${p.name} (${fmt(p.busyMs)} ms busy of ${fmt(p.totalMs)} ms)`, '');
    out.push('| self % | function | where |', '|---:|---|---|');
    for (const t of p.top) out.push(`| ${t.pct} | \`${t.fn}\` | ${t.where} |`);
    out.push('', `By area: ${p.byArea.map((a) => `${a.area} ${a.pct}%`).join(', ')}.`, '');
  }
  if (r.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
