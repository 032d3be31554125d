import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Folder-level import graph of src/, so that a newcomer can read the components bottom-up: a cycle
 * between two folders means neither can be understood (or moved, or tested) without the other.
 *
 * Granularity: a component is a folder directly under src/ (core, config, mapping, kafka, runtime, ops,
 * server, ...), except src/sources/ and src/sinks/, which group components: each of their subfolders
 * (sources/polling, sinks/search, ...) is one. Deeper folders belong to their component, so cycles
 * inside one component are allowed. Files directly in src/ form the component "src".
 *
 * Every import counts: value and type-only imports, `export ... from`, and dynamic `import()` (a lazy
 * import is still a dependency of the design). Only relative specifiers name files of src/.
 */

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
const GROUPS = new Set(['sources', 'sinks']);

function componentOf(relFile: string): string {
  const dirs = relFile.split('/').slice(0, -1);
  if (dirs.length === 0) return 'src';
  const depth = GROUPS.has(dirs[0]!) && dirs.length > 1 ? 2 : 1;
  return dirs.slice(0, depth).join('/');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** component → component → one example import (for the failure message). */
type Graph = Map<string, Map<string, string>>;

function importGraph(srcRoot: string): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(srcRoot)) {
    const rel = path.relative(srcRoot, file).split(path.sep).join('/');
    const from = componentOf(rel);
    if (!graph.has(from)) graph.set(from, new Map());
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = path
        .relative(srcRoot, path.resolve(path.dirname(file), fileName))
        .split(path.sep)
        .join('/');
      if (target.startsWith('..')) continue;
      const to = componentOf(target);
      if (to === from) continue;
      const edges = graph.get(from)!;
      if (!edges.has(to)) edges.set(to, `src/${rel} imports ${fileName}`);
    }
  }
  return graph;
}

/**
 * One cycle per strongly connected component of more than one node (Tarjan), written as
 * `a → b → … → a` with the import behind each step.
 */
function findCycles(graph: Graph): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) components.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);

  return components.map((scc) => {
    const members = new Set(scc);
    const start = scc[0]!;
    // a shortest way back to the start inside the component (breadth-first), so the message is short
    const prev = new Map<string, string>();
    const queue = [start];
    let last: string | undefined;
    while (queue.length > 0 && last === undefined) {
      const v = queue.shift()!;
      for (const w of graph.get(v)?.keys() ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          last = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const cycle = [start];
    for (let v = last!; v !== start; v = prev.get(v)!) cycle.splice(1, 0, v);
    cycle.push(start);
    const steps = cycle.slice(1).map((to, i) => `    ${cycle[i]} → ${to}: ${graph.get(cycle[i]!)!.get(to)}`);
    return `${cycle.join(' → ')} (component of ${scc.length}: ${scc.join(', ')})\n${steps.join('\n')}`;
  });
}

describe('no import cycles between the folders of src/', () => {
  it('finds a cycle when there is one (the checker itself)', () => {
    const graph: Graph = new Map([
      ['config', new Map([['core', 'x']])],
      ['ops', new Map([['runtime', 'src/ops/context.ts imports ../runtime/clients.js']])],
      ['runtime', new Map([['server', 'y']])],
      ['server', new Map([['ops', 'z']])],
      ['core', new Map()],
    ]);
    const cycles = findCycles(graph);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toMatch(/^ops → runtime → server → ops /);
    expect(componentOf('sources/polling/polling-source.ts')).toBe('sources/polling');
    expect(componentOf('sources/mysql-binlog/snapshot/chunk-reader.ts')).toBe('sources/mysql-binlog');
    expect(componentOf('kafka/source/kafka-source.ts')).toBe('kafka');
    expect(componentOf('index.ts')).toBe('src');
  });

  it('src/ has none', () => {
    const graph = importGraph(SRC);
    // the graph is really built (a broken parse must not pass as "no cycles")
    expect(graph.get('config')?.has('core')).toBe(true);
    expect(graph.get('runtime')?.has('sources/mysql-binlog')).toBe(true);
    expect(graph.size).toBeGreaterThan(15);
    const cycles = findCycles(graph);
    expect(cycles, `folder import cycles:\n${cycles.join('\n')}`).toEqual([]);
  });
});
