import { describe, expect, it } from 'vitest';
import { parseGrants } from '../../../src/sources/mysql-binlog/preflight.js';
import { backoffDelay } from '../../../src/sources/mysql-binlog/streaming/backoff.js';
import { classifyBinlogError } from '../../../src/sources/mysql-binlog/streaming/errors.js';

const mysqlError = (errno: number, message: string, code?: string) =>
  Object.assign(new Error(message), { errno, code });

describe('reconnect backoff', () => {
  it('grows exponentially, is capped, and jitters within [cap/2, cap]', () => {
    const o = { initialMs: 100, maxMs: 5000 };
    expect(backoffDelay(0, o, () => 0)).toBe(50);
    expect(backoffDelay(0, o, () => 1)).toBe(100);
    expect(backoffDelay(3, o, () => 1)).toBe(800);
    expect(backoffDelay(20, o, () => 0)).toBe(2500);
    expect(backoffDelay(20, o, () => 1)).toBe(5000);
  });
});

describe('binlog error classification', () => {
  it('purged GTID state (1236) is POSITION_PURGED, not retried', () => {
    const c = classifyBinlogError(
      mysqlError(
        1236,
        'Could not find GTID state requested by slave in any binlog files. Probably the slave state is too old and required binlog files have been purged.',
      ),
      'binlog x',
      '0-1-5',
    );
    expect(c.transient).toBe(false);
    expect(!c.transient && c.error.kind).toBe('POSITION_PURGED');
    expect(!c.transient && c.error.message).toContain("GTID position '0-1-5'");
  });

  it('GTID not in the binlog (1945/1955) is POSITION_PURGED too; other 1236 is SOURCE_UNREACHABLE', () => {
    const c = classifyBinlogError(
      mysqlError(1955, "requested to start from GTID 0-1-9, which is not in the master's binlog"),
      'b',
      '',
    );
    expect(!c.transient && c.error.kind).toBe('POSITION_PURGED');
    const d = classifyBinlogError(mysqlError(1236, 'log event entry exceeded max_allowed_packet'), 'b', '');
    expect(!d.transient && d.error.kind).toBe('SOURCE_UNREACHABLE');
  });

  it('access denied is PREFLIGHT_FAILED with the grant to run', () => {
    const c = classifyBinlogError(
      mysqlError(1227, 'Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s)'),
      'b',
      '',
    );
    expect(!c.transient && c.error.kind).toBe('PREFLIGHT_FAILED');
    expect(!c.transient && c.error.message).toMatch(/GRANT REPLICATION SLAVE/);
  });

  it('a column type zongji cannot decode is final (a reconnect would stop at the same row), naming the column and the fix', () => {
    const c = classifyBinlogError(
      new Error('Unsupported type "245" on column "v" of the table "g" in the database "shop"'),
      'binlog x',
      'uuid:1-5',
    );
    expect(c.transient).toBe(false);
    if (c.transient) return;
    expect(c.error.code).toBe('SYNC_S1002');
    expect(c.error.message).toMatch(/shop\.g\.v has binlog type 245.*Fix: leave shop\.g out/);
  });

  it('connection loss, refusal, shutdown are transient', () => {
    for (const e of [
      Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      mysqlError(1053, 'Server shutdown in progress'),
    ]) {
      expect(classifyBinlogError(e, 'b', '').transient).toBe(true);
    }
  });
});

describe('SHOW GRANTS parsing', () => {
  it('collects privileges per scope, ignoring column lists and quoting', () => {
    const g = parseGrants([
      "GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `syncline`@`127.0.0.1` IDENTIFIED BY PASSWORD '*81'",
      'GRANT ALL PRIVILEGES ON `syncline_demo`.* TO `syncline`@`127.0.0.1`',
      'GRANT SELECT (a, b), UPDATE ON `d`.`t` TO `u`@`%`',
      'GRANT `role1` TO `u`@`%`',
    ]);
    expect([...g.get('*.*')!]).toContain('REPLICATION SLAVE');
    expect([...g.get('*.*')!]).toContain('BINLOG MONITOR');
    expect(g.get('syncline_demo.*')?.has('ALL PRIVILEGES')).toBe(true);
    expect([...g.get('d.t')!]).toEqual(['SELECT', 'UPDATE']);
    expect(g.size).toBe(3);
  });
});
