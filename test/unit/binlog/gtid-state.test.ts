import { describe, expect, it } from 'vitest';
import { GtidState, parseAnyGtid } from '../../../src/sources/mysql-binlog/streaming/gtid-state.js';
import { MysqlGtidSet, parseMysqlGtid } from '../../../src/sources/mysql-binlog/streaming/mysql-gtid-set.js';

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const B = '2c256447-3f0d-431b-9a25-bdddf1f1f6ef';

describe('MySQL GTID sets', () => {
  it('parses and prints the server notation: sources sorted, tags after the untagged intervals, ranges merged', () => {
    const s = MysqlGtidSet.parse(`${A.toUpperCase()}:1-5:6-7:11,\n${B}:1-27, ${A}:tag_b:3:Tag_A:1-2`);
    expect(s.toString()).toBe(`${B}:1-27,${A}:1-7:11:tag_a:1-2:tag_b:3`);
    expect(s.count).toBe(27n + 7n + 1n + 2n + 1n);
    expect(MysqlGtidSet.parse('').isEmpty).toBe(true);
    expect(() => MysqlGtidSet.parse(`${A}:0`)).toThrow(/start at 1/);
    expect(() => MysqlGtidSet.parse(`${A}:5-3`)).toThrow(/invalid GTID interval/);
    expect(() => MysqlGtidSet.parse('not-a-uuid:1')).toThrow(/server uuid/);
  });

  it('adds, contains, includes and subtracts; counts are exact past 2^53', () => {
    const s = MysqlGtidSet.parse(`${A}:1-3`)
      .add(parseMysqlGtid(`${A}:4`))
      .add(parseMysqlGtid(`${B}:tag:9`));
    expect(s.toString()).toBe(`${B}:tag:9,${A}:1-4`);
    expect(s.contains(parseMysqlGtid(`${A}:2`))).toBe(true);
    expect(s.contains(parseMysqlGtid(`${B}:9`))).toBe(false); // untagged B is another source
    expect(s.includes(MysqlGtidSet.parse(`${A}:2-3`))).toBe(true);
    expect(s.includes(MysqlGtidSet.parse(`${A}:2-5`))).toBe(false);
    expect(MysqlGtidSet.parse(`${A}:1-10,${B}:1-2`).minus(s).toString()).toBe(`${B}:1-2,${A}:5-10`);
    expect(MysqlGtidSet.parse(`${A}:1-9007199254740995`).count).toBe(9007199254740995n);
  });

  it("counts through a transaction: the other sources, plus its own source's numbers up to it", () => {
    // read after g committed: later numbers of g's source do not count, other sources do
    const s = MysqlGtidSet.parse(`${A}:1-10:20-30,${B}:1-5`);
    expect(s.countThrough(parseMysqlGtid(`${A}:25`))).toBe(10n + 6n + 5n);
    expect(s.countThrough(parseMysqlGtid(`${B}:5`))).toBe(21n + 5n);
  });
});

describe('GtidState: one position for both dialects', () => {
  it('tells the dialect from the text; counts MySQL sets by size and MariaDB positions by the sum of domains', () => {
    expect(GtidState.parse('').flavour).toBeUndefined();
    expect(GtidState.parse('0-1-100,7-2-5').flavour).toBe('mariadb');
    expect(GtidState.parse('0-1-100,7-2-5').count).toBe(105n);
    expect(GtidState.parse(`${A}:1-91:t:1-5`).count).toBe(96n);
  });

  it('grows by one per transaction whatever its uuid or domain (the version sequence never goes back)', () => {
    let my = GtidState.parse(`${A}:1-5000`);
    const before = my.count;
    my = my.add(parseAnyGtid(`${B}:1`)); // a failover: another uuid, numbering from 1
    expect(my.count).toBe(before + 1n);
    let maria = GtidState.parse('0-1-5000');
    maria = maria.add(parseAnyGtid('7-1-1')); // another domain, numbering from 1
    expect(maria.count).toBe(5001n);
    expect(maria.toString()).toBe('0-1-5000,7-1-1');
    expect(() => maria.add(parseAnyGtid(`${A}:1`))).toThrow(/MySQL GTID .* MariaDB position/);
  });

  it('includes: MySQL set containment, MariaDB per-domain sequence', () => {
    expect(GtidState.parse(`${A}:1-10`).includes(GtidState.parse(`${A}:3`))).toBe(true);
    expect(GtidState.parse(`${A}:1-10`).includes(GtidState.parse(`${B}:1`))).toBe(false);
    expect(GtidState.parse('0-1-10,1-1-3').includes(GtidState.parse('0-1-9'))).toBe(true);
    expect(GtidState.parse('0-1-10').includes(GtidState.parse('1-1-1'))).toBe(false);
    expect(GtidState.parse(`${A}:1-3`).missingFrom(GtidState.parse(`${A}:2`))).toBe(`${A}:1:3`);
  });

  it('sequenceThrough: the count right after a transaction, from a state read later', () => {
    // MariaDB: own sequence number + the other domains' (a later own-domain commit does not count)
    expect(GtidState.parse('0-1-120,7-1-3').sequenceThrough(parseAnyGtid('0-1-100'))).toBe(103n);
    expect(GtidState.parse(`${A}:1-50,${B}:1-2`).sequenceThrough(parseAnyGtid(`${A}:40`))).toBe(42n);
  });
});
