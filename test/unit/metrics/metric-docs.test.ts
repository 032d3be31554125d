import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SynclineMetrics } from '../../../src/metrics/syncline-metrics.js';

/** Families a scrape exposes (process metrics included), by name. */
async function families(): Promise<Map<string, string>> {
  const m = new SynclineMetrics({ processMetrics: true });
  const json = await m.registry.getMetricsAsJSON();
  return new Map(json.map((f) => [f.name, String(f.type)]));
}

/** The family a sample name belongs to (histogram series carry _bucket/_sum/_count). */
function familyOf(name: string, known: Map<string, string>): string {
  if (known.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return known.has(base) ? base : name;
}

describe('docs/grafana-dashboard.json', () => {
  const dash = JSON.parse(readFileSync('docs/grafana-dashboard.json', 'utf8')) as {
    panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ name: string }> };
  };

  it('is a dashboard whose every panel queries something', () => {
    const panels = dash.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(20);
    for (const p of panels) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) expect(t.expr.trim(), p.title).not.toBe('');
    }
    expect(dash.templating.list.map((v) => v.name)).toEqual(['datasource', 'pipeline']);
  });

  it('uses only metrics the service exposes, and every syncline_ metric in some panel', async () => {
    const known = await families();
    const used = new Set<string>();
    for (const p of dash.panels)
      for (const t of p.targets ?? [])
        for (const m of t.expr.matchAll(/\b((?:syncline|process|nodejs)_[a-z0-9_]+)\b/g))
          used.add(familyOf(m[1]!, known));
    for (const name of used) expect(known.has(name), `${name} is not exposed`).toBe(true);
    const syncline = [...known.keys()].filter((n) => n.startsWith('syncline_'));
    expect(syncline.length).toBeGreaterThan(25);
    for (const name of syncline) expect(used.has(name), `${name} has no panel`).toBe(true);
  });
});

describe('docs/metrics.md', () => {
  it('documents every syncline_ metric with its type', async () => {
    const doc = readFileSync('docs/metrics.md', 'utf8');
    for (const [name, type] of await families()) {
      if (!name.startsWith('syncline_')) continue;
      const line = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(line, `${name} is not in docs/metrics.md`).toBeDefined();
      expect(line).toContain(type);
    }
  });
});
