import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  corpusLines,
  describeRound,
  type IngestCorpus,
  runConformance,
  type Transport,
  totals,
} from '../../helpers/ingest-conformance.js';

/**
 * Real Debezium 3.5.0 output (test/fixtures/ingest/debezium/*.ndjson, recorded by record.sh there) fed
 * over HTTP and Kafka, twice: the index must equal the tables row by row (oracle), and the replay must
 * change nothing. Each variant is one converter/connector setting set (README there).
 */
const dir = new URL('../../fixtures/ingest/debezium/', import.meta.url);
const sql = ['schema.sql', 'seed.sql', 'workload.sql']
  .map((f) => readFileSync(new URL(f, dir), 'utf8'))
  .join('\n');

/** Columns a setting cannot carry exactly (the tool's limit, docs/ingest.md): left out of the comparison. */
const LOSSY: Record<string, string[]> = {
  'schema-default': [],
  'plain-default': [],
  // time.precision.mode=connect: milliseconds only, and TIME outside 00:00–24:00 is sent as null
  'schema-string-connect-precise': ['dt6', 'tm', 'tm6'],
  // decimal.handling.mode=double: DECIMALs past 15 significant digits lose their last digits
  'plain-double-micro-precise': ['dec_l', 'dec_0'],
};

function corpus(variant: string): IngestCorpus {
  return {
    format: 'debezium',
    lines: corpusLines(new URL(`${variant}.ndjson`, dir)),
    recordedDatabase: 'syncline_dbz_corpus',
    sql,
    tables: ['types', 'pairs', 'wiped'],
    mapping: LOSSY[variant]!.length > 0 ? { exclude: LOSSY[variant] } : {},
  };
}

// Every variant over HTTP; over Kafka one with the schema part and one without (the CI budget of all
// ingest conformance is 60 s; the Kafka path decodes exactly as the HTTP one, only the transport differs).
const RUNS: Array<[string, Transport]> = [
  ['schema-default', 'http'],
  ['plain-default', 'http'],
  ['schema-string-connect-precise', 'http'],
  ['plain-double-micro-precise', 'http'],
  ['schema-default', 'kafka'],
  ['plain-double-micro-precise', 'kafka'],
];

// the runs share nothing (own database, indexes, topics): concurrent, their start-ups overlap
describe.concurrent('Debezium conformance: real connector output → index equals the tables', () => {
  it.each(RUNS)('%s over %s, fed twice', async (variant, transport) => {
    const t0 = Date.now();
    const { rounds } = await runConformance(corpus(variant), transport, { convergeMs: 8_000 });
    console.log(
      variant,
      transport,
      Date.now() - t0,
      rounds.map((r) => r.ms),
    );
    for (const [i, r] of rounds.entries()) {
      const what = `${variant} ${transport} round ${i + 1} (${r.ms} ms, ${JSON.stringify(r.statuses)})\n${describeRound(r)}`;
      expect(totals(r), what).toEqual({ missing: 0, extra: 0, different: 0 });
      expect(r.failures, what).toEqual([]);
    }
  });
});
