import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIGURE_IDS, type Results } from '../../../bench/harness/report.js';
import { resolveConfig } from '../../../src/config/load.js';
import { isListening } from '../../../src/stack/ports.js';
import { LocalStack } from '../../../src/stack/stack.js';

/**
 * The benchmark harness end to end on tiny sizes (`bench --dry`), started the way someone who just cloned
 * starts it: no server of its stack is running (its own ports and data dir, so the suite's shared stack is
 * left alone), so it must prepare and start MariaDB and OpenSearch itself, run every measurement and write
 * both result files with every figure — a value, or `unavailable` saying why.
 * No timing is asserted here: speed belongs to the benchmark's own results.
 */
const out = mkdtempSync(path.join(os.tmpdir(), 'syncline-bench-dry-'));
const stackSection = {
  dataDir: path.join(out, 'data'),
  mariadb: { port: 3327 },
  opensearch: { port: 9230, heap: '512m' },
};
const configFile = path.join(out, 'bench-stack.yaml');
writeFileSync(configFile, JSON.stringify({ stack: stackSection }));
const ownStack = new LocalStack(resolveConfig({ stack: stackSection }, {}));
afterAll(async () => {
  await ownStack.down(['opensearch', 'mariadb']);
  rmSync(out, { recursive: true, force: true });
});

/** Figures the dry run always measures (only the Kafka path and the Debezium and Flink CDC peers may be unavailable). */
// measured in --dry too: all but the Kafka path, the peers and the relations fan-out (their own child runs)
const MEASURED = FIGURE_IDS.filter(
  (id) => !['kafka.', 'debezium.', 'flink.', 'relations.'].some((p) => id.startsWith(p)),
);

describe('bench --dry', () => {
  it('writes the .md and .json results with every figure', { timeout: 300_000 }, async () => {
    // precondition: nothing of this run's stack is up
    expect(await isListening(3327)).toBe(false);
    expect(await isListening(9230)).toBe(false);
    execFileSync('npx', ['--no-install', 'tsc', '-p', 'bench/tsconfig.json'], { stdio: 'inherit' });
    const main = path.resolve('bench/.build/bench/main.js');
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const p = spawn(process.execPath, [main, '--dry', '--config', configFile, '--out', out], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let so = '';
      let se = '';
      p.stdout.on('data', (d: Buffer) => {
        so += d.toString();
      });
      p.stderr.on('data', (d: Buffer) => {
        se += d.toString();
      });
      p.on('exit', (c) => resolve({ code: c, stdout: so, stderr: se }));
    });
    if (code !== 0) console.error(stderr);
    expect(code).toBe(0);
    // it started both servers itself
    expect(stderr).toMatch(/mariadb: .*started/);
    expect(stderr).toMatch(/opensearch: .*started/);
    const [mdFile, jsonFile] = stdout.trim().split('\n').slice(-2);
    expect(mdFile).toMatch(/-dry\.md$/);
    expect(existsSync(mdFile!)).toBe(true);
    const results = JSON.parse(readFileSync(jsonFile!, 'utf8')) as Results;
    const md = readFileSync(mdFile!, 'utf8');

    expect(results.mode).toBe('dry');
    // pinned by default (engine on CPU 0, the rest on CPU 1), and every process given back all CPUs at the end
    if (os.cpus().length >= 2) {
      expect(results.placement.mode, results.placement.description).toBe('pinned');
      const enginePid = /search engine \(pid (\d+)\)/.exec(results.placement.description)![1]!;
      const mask = execFileSync('taskset', ['-p', enginePid], { encoding: 'utf8' });
      expect(mask).toContain(`: ${((1 << os.cpus().length) - 1).toString(16)}`);
    }
    expect(md).toContain('Placement: ');
    expect(results.machine?.cores).toBeGreaterThan(0);
    expect(results.machine?.memoryMb).toBeGreaterThan(0);
    expect(Object.keys(results.machine?.versions ?? {})).toEqual(
      expect.arrayContaining(['syncline', 'node', 'mariadb', 'opensearch', 'java', 'debezium']),
    );
    const ids = results.figures.map((f) => f.id);
    expect(ids).toEqual([...FIGURE_IDS]);
    for (const f of results.figures) {
      // every figure: a number, or null with the reason
      if (f.value === null) expect(f.unavailable, f.id).toMatch(/\S/);
      else expect(Number.isFinite(f.value), f.id).toBe(true);
      expect(md).toContain(f.label);
    }
    for (const id of MEASURED) {
      const f = results.figures.find((x) => x.id === id)!;
      expect(f.value, `${id}: ${f.unavailable}`).not.toBeNull();
      expect(f.value!).toBeGreaterThan(0);
      // every ratio between two measured figures is there (Debezium and Flink CDC are skipped in --dry)
      for (const r of f.ratios.filter((x) => !x.to.startsWith('Debezium') && !x.to.startsWith('Flink')))
        expect(r.value, `${id} / ${r.to}`).not.toBeNull();
    }
    for (const l of results.freshness) expect(l.missing).toBe(0);
    expect(results.targets.length).toBeGreaterThanOrEqual(5);
    // correctness of what was measured: the index matched the table after each phase
    for (const id of ['snapshot', 'streaming']) {
      const note = results.figures.find((x) => x.id === id)?.note ?? '';
      const m = /index holds (\d+) of (\d+)/.exec(note);
      expect(m, note).not.toBeNull();
      expect(m![1]).toBe(m![2]);
    }
  });
});
