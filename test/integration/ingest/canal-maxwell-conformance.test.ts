import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  corpusLines,
  describeRound,
  type IngestCorpus,
  type RoundReport,
  runConformance,
  type TableReport,
  type Transport,
  totals,
} from '../../helpers/ingest-conformance.js';

/**
 * Real Canal 1.1.7 flat messages and real Maxwell 1.22.6 rows (test/fixtures/ingest/{canal,maxwell}/
 * stream.ndjson, recorded by record.sh there from one workload) fed over HTTP and Kafka, twice: the index
 * must equal the tables row by row (oracle), and the replay must change nothing.
 */
const canalDir = new URL('../../fixtures/ingest/canal/', import.meta.url);
const maxwellDir = new URL('../../fixtures/ingest/maxwell/', import.meta.url);
const sql = ['schema.sql', 'workload.sql'].map((f) => readFileSync(new URL(f, canalDir), 'utf8')).join('\n');

const CORPORA: Record<'canal' | 'maxwell', IngestCorpus> = {
  canal: {
    format: 'canal',
    lines: corpusLines(new URL('stream.ndjson', canalDir)),
    recordedDatabase: 'syncline_canal_corpus',
    sql,
    tables: ['types', 'fine', 'churn', 'wiped'],
  },
  // Maxwell's own limits (docs/ingest.md#what-the-tools-lose): it drops fractional seconds and wraps TIME
  // at 24 h (`fine`'s time columns are left out), and it sends no TRUNCATE (`wiped` is not compared).
  maxwell: {
    format: 'maxwell',
    lines: corpusLines(new URL('stream.ndjson', maxwellDir)),
    recordedDatabase: 'syncline_maxwell_corpus',
    sql,
    tables: ['types', 'fine', 'churn'],
    mapping: { exclude: ['dt6', 'ts6', 'dt3', 'ftm', 'ftm6'] },
  },
};

const RUNS: Array<['canal' | 'maxwell', Transport]> = [
  ['canal', 'http'],
  ['canal', 'kafka'],
  ['maxwell', 'http'],
  ['maxwell', 'kafka'],
];

// the four runs share nothing (own database, indexes, topics): concurrent, their start-ups overlap
describe.concurrent('Canal and Maxwell conformance: real tool output → index equals the tables', () => {
  it.each(RUNS)('%s over %s, fed twice', async (tool, transport) => {
    const { rounds } = await runConformance(CORPORA[tool], transport, { convergeMs: 8_000 });
    for (const [i, r] of rounds.entries()) {
      const what = `${tool} ${transport} round ${i + 1} (${r.ms} ms, ${JSON.stringify(r.statuses)})\n${describeRound(r)}`;
      expect(totals(r), what).toEqual({ missing: 0, extra: 0, different: 0 });
      expect(r.failures, what).toEqual([]);
    }
    if (transport === 'http') {
      // first delivery: every change applied (unique, ordered versions: none answered stale); the replay:
      // every change stale, only TRUNCATEs answer ok (they remove nothing written after them)
      const [first, replay] = rounds as [RoundReport, RoundReport];
      const truncates = CORPORA[tool].lines.filter((l) => l.includes('"type":"TRUNCATE"')).length;
      expect(first.statuses.stale ?? 0, JSON.stringify(first.statuses)).toBe(0);
      expect(replay.statuses.ok ?? 0, JSON.stringify(replay.statuses)).toBe(truncates);
      expect(first.statuses.ignored ?? 0).toBe(replay.statuses.ignored ?? 0);
    }
  });
});

describe("Maxwell's own limits are the ones docs/ingest.md lists", () => {
  it('fractional seconds dropped, TIME wrapped at 24 h, no TRUNCATE: nothing else differs', async () => {
    const corpus: IngestCorpus = { ...CORPORA.maxwell, tables: ['fine', 'wiped'], mapping: {} };
    // HTTP answers once every write is applied and the comparison refreshes first: one comparison is enough
    const { rounds } = await runConformance(corpus, 'http', { convergeMs: 0 });
    const [fine, wiped] = rounds[0]!.tables as [TableReport, TableReport];
    // the rows the TRUNCATE removed are still there; nothing else is
    expect([wiped.missing, [...wiped.extra].sort(), wiped.different]).toEqual([[], ['1', '3'], []]);
    expect([fine.missing, fine.extra]).toEqual([[], []]);
    const fields = new Set<string>();
    for (const d of fine.different) {
      const [e, a] = [d.expected, d.actual] as Array<Record<string, unknown>>;
      for (const k of Object.keys(e!)) {
        if (e![k] === a![k]) continue;
        fields.add(k);
        // DATETIME/TIMESTAMP: the same second, fraction gone
        if (k !== 'ftm' && k !== 'ftm6') expect(a![k]).toBe(String(e![k]).replace(/\.\d{6}Z$/, '.000000Z'));
      }
    }
    expect([...fields].sort()).toEqual(['dt3', 'dt6', 'ftm', 'ftm6', 'ts6']);
  });
});
