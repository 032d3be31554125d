import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  readonly name: string;
  readonly totalMs: number;
  /** Time not idle (CPU busy in this process). */
  readonly busyMs: number;
  /** Top functions by self time, % of busy time. */
  readonly top: Array<{ fn: string; where: string; pct: number }>;
  /** Self time by where the code lives (package, Syncline component, node internals, GC). */
  readonly byArea: Array<{ area: string; pct: number }>;
}

/** The flame summary of a `--cpu-prof` file: self time per function and per area, idle excluded. */
export function summarizeProfile(file: string, name: string, topN = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const fns = new Map<string, { fn: string; where: string; ms: number }>();
  const areas = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (const [id, ms] of self) {
    total += ms;
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    busy += ms;
    const where = f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const e = fns.get(key) ?? { fn: f.functionName || '(anonymous)', where, ms: 0 };
    e.ms += ms;
    fns.set(key, e);
    const area = areaOf(f.url, f.functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
  }
  const pct = (ms: number) => Math.round((ms / Math.max(busy, 1e-9)) * 1000) / 10;
  return {
    name,
    totalMs: Math.round(total),
    busyMs: Math.round(busy),
    top: [...fns.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, topN)
      .map((e) => ({ fn: e.fn, where: e.where, pct: pct(e.ms) })),
    byArea: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([area, ms]) => ({ area, pct: pct(ms) })),
  };
}

/** The newest .cpuprofile in a directory (each process writes its own file on exit). */
export function newestProfile(dir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return undefined;
  }
  files.sort();
  const last = files[files.length - 1];
  return last ? path.join(dir, last) : undefined;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const src = url.search(/\/(dist|src|bench)\//);
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/(?:dist|src)\/([^/]+(?:\/[^/]+)?)\//.exec(url);
  if (own) return `syncline ${own[1]!.replace(/\/[^/]+\.js$/, '')}`;
  return shortUrl(url);
}
