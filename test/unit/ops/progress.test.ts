import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatRate, ProgressReporter } from '../../../src/cli/progress.js';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk;
      cb();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  return { stream, text: () => text };
}

describe('CLI progress', () => {
  it('prints plain lines when not a terminal (first update, phase changes, the end)', () => {
    const s = sink();
    const p = new ProgressReporter({ stream: s.stream, tty: false, lineIntervalMs: 60_000 });
    p.update({
      operation: 'reconcile',
      subject: 'products',
      phase: 'compare',
      done: 0,
      total: 1000,
      unit: 'rows',
    });
    p.update({
      operation: 'reconcile',
      subject: 'products',
      phase: 'compare',
      done: 500,
      total: 1000,
      unit: 'rows',
    });
    p.update({ operation: 'reconcile', subject: 'products', phase: 'extras', done: 10, unit: 'ids' });
    p.done();
    const lines = s.text().trim().split('\n');
    expect(s.text()).not.toContain('\r');
    expect(lines[0]).toMatch(/^reconcile products compare: 0\/1000 rows \(0%\), \d+ rows\/s$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^reconcile products compare: 500\/1000 rows \(50%\), .* rows\/s, ETA /),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^reconcile products extras: 10 ids, /));
  });

  it('draws a bar in place on a terminal', () => {
    const s = sink();
    const p = new ProgressReporter({ stream: s.stream, tty: true });
    p.update({
      operation: 'reindex',
      subject: 'products',
      phase: 'fill',
      done: 250,
      total: 1000,
      unit: 'rows',
    });
    p.done();
    expect(s.text().startsWith('\r\u001b[K')).toBe(true);
    expect(s.text()).toMatch(/reindex products fill {2}\[######-+\] {2}25% {2}250\/1000 rows/);
    expect(s.text().endsWith('\n')).toBe(true);
  });

  it('quiet prints nothing; rates and durations read well', () => {
    const s = sink();
    const p = new ProgressReporter({ stream: s.stream, quiet: true });
    p.update({ operation: 'replay', phase: 'replay', done: 1, unit: 'entries' });
    p.done();
    expect(s.text()).toBe('');
    expect([formatRate(12), formatRate(1234), formatRate(56_789), formatRate(2_500_000)]).toEqual([
      '12',
      '1.2k',
      '57k',
      '2.5M',
    ]);
    expect([formatDuration(5), formatDuration(125), formatDuration(7300)]).toEqual([
      '5 s',
      '2 min 5 s',
      '2 h 1 min',
    ]);
  });
});
