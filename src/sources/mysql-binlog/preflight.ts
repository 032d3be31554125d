import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Position } from '../../core/change-event.js';
import { SynclineError } from '../../core/errors.js';
import { type BinlogConnectionConfig, controlConnection, describeServer } from './streaming/connection.js';
import { formatGtid, type GtidPosition, parseGtidPosition } from './streaming/gtid.js';
import { GtidState } from './streaming/gtid-state.js';
import { withFullGtidValues } from './streaming/position.js';
import { compileTableFilter, hasWildcard } from './streaming/table-filter.js';
import type { ConfiguredKeys } from './streaming/table-metadata.js';

/**
 * Checks, before streaming starts, everything about the server that would otherwise fail later or silently
 * lose data. Every problem names the variable or object, its value, and the exact fix.
 */
export interface PreflightOptions {
  readonly connection: BinlogConnectionConfig;
  /** The pipeline's `tables` patterns. */
  readonly tables: readonly string[];
  /** Key columns configured for tables without a primary key (`database.table` → columns). */
  readonly keyColumns?: ConfiguredKeys;
  /** The checkpoint streaming would resume from; checked against the oldest binlog. */
  readonly checkpoint?: Position;
}

export interface PreflightReport {
  readonly server: { readonly version: string; readonly flavor: 'mariadb' | 'mysql'; readonly user: string };
  /** Blocking problems: PREFLIGHT_FAILED, NO_PRIMARY_KEY, POSITION_PURGED. */
  readonly problems: readonly SynclineError[];
  /** Worth knowing, not blocking. */
  readonly warnings: readonly string[];
  /** Tables the patterns match now. */
  readonly tables: readonly string[];
}

const SYSTEM_SCHEMAS = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

const VARIABLES = [
  'version',
  'log_bin',
  'binlog_format',
  'binlog_row_image',
  'binlog_row_metadata',
  'server_id',
  'gtid_mode',
  'enforce_gtid_consistency',
  'gtid_executed',
  'gtid_purged',
  'gtid_binlog_pos',
  'gtid_strict_mode',
  'log_bin_compress',
  'binlog_transaction_compression',
  'binlog_row_value_options',
];

/** Runs every check and reports all problems at once (fixing them one restart at a time is painful). */
export async function runBinlogPreflight(o: PreflightOptions): Promise<PreflightReport> {
  const where = describeServer(o.connection);
  let conn: Connection;
  try {
    conn = await controlConnection(o.connection);
  } catch (e) {
    throw new SynclineError('SOURCE_UNREACHABLE', `${where}: cannot connect: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    const problems: SynclineError[] = [];
    const warnings: string[] = [];
    const fail = (message: string, details?: Record<string, unknown>) =>
      problems.push(new SynclineError('PREFLIGHT_FAILED', message, details && { details }));

    const [varRows] = await conn.query<RowDataPacket[]>(
      `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(',')})`,
      VARIABLES,
    );
    const v = await withFullGtidValues(
      conn,
      new Map(varRows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)])),
    );
    const version = v.get('version') ?? '?';
    // The dialect by capability, not by version string: only MariaDB has gtid_binlog_pos.
    const flavor = v.has('gtid_binlog_pos') ? 'mariadb' : 'mysql';
    const [whoRows] = await conn.query<RowDataPacket[]>('SELECT CURRENT_USER() AS u');
    const user = quoteUser(String(whoRows[0]?.u ?? '?'));
    const isOn = (name: string) => /^(on|1|yes)$/i.test(v.get(name) ?? '');

    // ---- binary log settings -------------------------------------------------------------------------
    if (!isOn('log_bin')) {
      fail(
        `log_bin is ${v.get('log_bin') ?? 'OFF'}: the server writes no binary log, so there is nothing to stream. ` +
          'Fix: put log_bin=mysql-bin and a unique non-zero server_id under [mysqld] in my.cnf and restart the server (log_bin cannot be changed at runtime)',
        { variable: 'log_bin', value: v.get('log_bin') },
      );
    }
    const format = (v.get('binlog_format') ?? '').toUpperCase();
    if (format !== 'ROW') {
      fail(
        `binlog_format is ${format || '(unset)'}; Syncline needs ROW (row images, not SQL text): SET GLOBAL binlog_format=ROW and binlog_format=ROW in my.cnf; ` +
          'connections opened before the change keep their old format until they reconnect',
        { variable: 'binlog_format', value: format },
      );
    }
    const image = (v.get('binlog_row_image') ?? '').toUpperCase();
    if (image !== 'FULL') {
      fail(
        `binlog_row_image is ${image || '(unset)'}; Syncline needs FULL (complete before/after rows to build documents): ` +
          'SET GLOBAL binlog_row_image=FULL and binlog_row_image=FULL in my.cnf',
        { variable: 'binlog_row_image', value: image },
      );
    }
    const metadata = v.get('binlog_row_metadata');
    if (metadata === undefined) {
      warnings.push(
        `binlog_row_metadata is not supported by ${version}: column names come from INFORMATION_SCHEMA, which can be wrong for rows written just before an ALTER TABLE. Upgrade to MariaDB 10.5+ / MySQL 8.0+ and set binlog_row_metadata=FULL`,
      );
    } else if (metadata.toUpperCase() !== 'FULL' && flavor === 'mysql') {
      fail(
        `binlog_row_metadata is ${metadata}; on MySQL Syncline needs FULL: without it ENUM and SET columns arrive as numbers and column names and primary keys come from INFORMATION_SCHEMA, which is wrong for rows written before an ALTER TABLE. ` +
          'Fix: SET GLOBAL binlog_row_metadata=FULL and binlog_row_metadata=FULL in my.cnf',
        { variable: 'binlog_row_metadata', value: metadata },
      );
    } else if (metadata.toUpperCase() !== 'FULL') {
      warnings.push(
        `binlog_row_metadata is ${metadata}: column names and primary keys come from INFORMATION_SCHEMA, which can be wrong for rows written just before an ALTER TABLE. ` +
          'Recommended: SET GLOBAL binlog_row_metadata=FULL and binlog_row_metadata=FULL in my.cnf',
      );
    }
    if (v.get('server_id') === '0') {
      fail(
        'server_id is 0: a server with server_id 0 refuses replicas. Fix: SET GLOBAL server_id=<unique non-zero> and server_id in my.cnf',
        {
          variable: 'server_id',
          value: 0,
        },
      );
    }

    // ---- GTIDs --------------------------------------------------------------------------------------------
    let serverGtid: GtidPosition = new Map();
    if (flavor === 'mariadb') {
      // MariaDB always has GTIDs; an empty gtid_binlog_pos just means a fresh server.
      // Several domains are fine: versions count the transactions of every domain (docs/guarantees.md).
      serverGtid = parseGtidPosition(v.get('gtid_binlog_pos') ?? '');
      if (!isOn('gtid_strict_mode')) {
        warnings.push(
          'gtid_strict_mode is OFF: sequence numbers within a domain may go backwards after a failover, and versions with them. Recommended: SET GLOBAL gtid_strict_mode=ON and in my.cnf',
        );
      }
    } else if ((v.get('gtid_mode') ?? 'OFF').toUpperCase() !== 'ON') {
      fail(
        `gtid_mode is ${v.get('gtid_mode') ?? 'OFF'}; Syncline needs GTIDs for positions that survive failover: set enforce_gtid_consistency=ON, then step gtid_mode through OFF_PERMISSIVE and ON_PERMISSIVE to ON (SET GLOBAL gtid_mode=…), and put gtid_mode=ON and enforce_gtid_consistency=ON in my.cnf`,
        { variable: 'gtid_mode', value: v.get('gtid_mode') },
      );
    }
    if (flavor === 'mysql' && (v.get('enforce_gtid_consistency') ?? 'OFF').toUpperCase() !== 'ON') {
      fail(
        `enforce_gtid_consistency is ${v.get('enforce_gtid_consistency') ?? 'OFF'}; gtid_mode=ON requires it: SET GLOBAL enforce_gtid_consistency=ON and enforce_gtid_consistency=ON in my.cnf`,
        { variable: 'enforce_gtid_consistency', value: v.get('enforce_gtid_consistency') },
      );
    }

    // ---- compression ------------------------------------------------------------------------------------
    if (flavor === 'mysql' && isOn('binlog_transaction_compression')) {
      fail(
        'binlog_transaction_compression is ON: compressed transaction payloads cannot be decoded; streaming would stop at the first one. Fix: SET GLOBAL binlog_transaction_compression=OFF and in my.cnf',
        { variable: 'binlog_transaction_compression', value: 'ON' },
      );
    }
    if (flavor === 'mysql' && /PARTIAL_JSON/i.test(v.get('binlog_row_value_options') ?? '')) {
      fail(
        "binlog_row_value_options is PARTIAL_JSON: JSON updates are logged as diffs that cannot be decoded; streaming would stop at the first one. Fix: SET GLOBAL binlog_row_value_options='' and in my.cnf",
        { variable: 'binlog_row_value_options', value: v.get('binlog_row_value_options') },
      );
    }
    if (flavor === 'mariadb' && isOn('log_bin_compress')) {
      // zongji 0.9 inflates MariaDB's compressed query/row events (verified against 10.11), so this is supported.
      warnings.push(
        'log_bin_compress is ON: compressed binlog events are decoded (MariaDB format), at some CPU cost on both sides',
      );
    }

    // ---- privileges -----------------------------------------------------------------------------------
    const [grantRows] = await conn.query<RowDataPacket[]>('SHOW GRANTS');
    const grants = parseGrants(grantRows.map((r) => String(Object.values(r)[0])));
    const global = grants.get('*.*') ?? new Set<string>();
    const hasGlobal = (p: string) => global.has(p) || global.has('ALL PRIVILEGES');
    if (!hasGlobal('REPLICATION SLAVE')) {
      fail(
        `${user} lacks REPLICATION SLAVE, needed to read the binlog: GRANT REPLICATION SLAVE ON *.* TO ${user}`,
        {
          privilege: 'REPLICATION SLAVE',
        },
      );
    }
    const monitor = flavor === 'mariadb' ? 'BINLOG MONITOR' : 'REPLICATION CLIENT';
    if (!hasGlobal('BINLOG MONITOR') && !hasGlobal('REPLICATION CLIENT') && !hasGlobal('SUPER')) {
      fail(
        `${user} lacks ${monitor}, needed for SHOW BINARY LOGS / SHOW MASTER STATUS (positions, purge checks): GRANT ${monitor} ON *.* TO ${user}`,
        { privilege: monitor },
      );
    }

    // ---- tables and keys ------------------------------------------------------------------------------
    const filter = compileTableFilter(o.tables);
    const [schemaRows] = await conn.query<RowDataPacket[]>(
      'SELECT SCHEMA_NAME AS s FROM INFORMATION_SCHEMA.SCHEMATA',
    );
    const schemas = schemaRows
      .map((r) => String(r.s))
      .filter((s) => !SYSTEM_SCHEMAS.has(s) && filter.database(s));
    const matched: string[] = [];
    const primaryKeys = new Map<string, string[]>();
    const columns = new Map<string, Set<string>>();
    const uniques = new Map<string, string[][]>();
    if (schemas.length > 0) {
      const [tableRows] = await conn.query<RowDataPacket[]>(
        `SELECT TABLE_SCHEMA AS d, TABLE_NAME AS t FROM INFORMATION_SCHEMA.TABLES
          WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
        [schemas],
      );
      for (const r of tableRows) if (filter(String(r.d), String(r.t))) matched.push(`${r.d}.${r.t}`);
      const [idxRows] = await conn.query<RowDataPacket[]>(
        `SELECT TABLE_SCHEMA AS d, TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS nu, COLUMN_NAME AS c
           FROM INFORMATION_SCHEMA.STATISTICS WHERE TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
        [schemas],
      );
      const byIndex = new Map<string, string[]>();
      for (const r of idxRows) {
        const name = `${r.d}.${r.t}`;
        if (r.i === 'PRIMARY') primaryKeys.set(name, [...(primaryKeys.get(name) ?? []), String(r.c)]);
        else if (Number(r.nu) === 0) {
          const k = `${name}\u0000${r.i}`;
          byIndex.set(k, [...(byIndex.get(k) ?? []), String(r.c)]);
        }
      }
      for (const [k, cols] of byIndex) {
        const name = k.split('\u0000')[0]!;
        uniques.set(name, [...(uniques.get(name) ?? []), cols]);
      }
      const [colRows] = await conn.query<RowDataPacket[]>(
        'SELECT TABLE_SCHEMA AS d, TABLE_NAME AS t, COLUMN_NAME AS c FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA IN (?)',
        [schemas],
      );
      for (const r of colRows) {
        const name = `${r.d}.${r.t}`;
        if (!columns.has(name)) columns.set(name, new Set());
        columns.get(name)!.add(String(r.c));
      }
    }
    const canSelect = (scope: string) => {
      const s = grants.get(scope);
      return s !== undefined && (s.has('SELECT') || s.has('ALL PRIVILEGES'));
    };
    for (const pattern of o.tables) {
      if (!matched.some((t) => compileTableFilter([pattern])(...splitName(t)))) {
        const [d] = splitName(pattern);
        // INFORMATION_SCHEMA hides tables the user has no privilege on: "missing" may mean "not granted".
        if (!hasGlobal('SELECT') && !hasWildcard(d) && !canSelect(`${d}.*`) && !canSelect(pattern)) {
          fail(
            `${user} lacks SELECT on ${pattern} (the table is invisible to this user, or does not exist): GRANT SELECT ON \`${d}\`.* TO ${user}`,
            { privilege: 'SELECT', table: pattern },
          );
          continue;
        }
        warnings.push(
          hasWildcard(pattern)
            ? `no table matches '${pattern}' yet; tables created later are captured from their CREATE TABLE on`
            : `table ${pattern} does not exist (yet); check the name, or create it before writing to it`,
        );
      }
    }
    for (const name of matched) {
      if (primaryKeys.has(name)) continue;
      const [d, t] = splitName(name);
      const configured = o.keyColumns?.[name];
      if (!configured || configured.length === 0) {
        problems.push(
          new SynclineError(
            'NO_PRIMARY_KEY',
            `${name} has no primary key: Syncline uses it as the document _id and to apply updates and deletes. ` +
              `Fix: ALTER TABLE \`${d}\`.\`${t}\` ADD PRIMARY KEY (<columns>), or set keyColumns for ${name} in its mapping to the columns of a NOT NULL unique key`,
            { details: { table: name } },
          ),
        );
        continue;
      }
      const missing = configured.filter((c) => !columns.get(name)?.has(c));
      if (missing.length > 0) {
        fail(
          `keyColumns of ${name} name column(s) ${missing.join(', ')} that the table does not have (it has: ${[...(columns.get(name) ?? [])].join(', ')})`,
          {
            table: name,
            missing,
          },
        );
      } else if (
        !(uniques.get(name) ?? []).some(
          (u) => u.length === configured.length && u.every((c) => configured.includes(c)),
        )
      ) {
        warnings.push(
          `${name}: keyColumns (${configured.join(', ')}) are not a unique index; rows sharing those values overwrite each other's document. Fix: ALTER TABLE \`${d}\`.\`${t}\` ADD UNIQUE (${configured.join(', ')})`,
        );
      }
    }
    if (!hasGlobal('SELECT')) {
      for (const name of matched) {
        const [d] = splitName(name);
        if (!canSelect(`${d}.*`) && !canSelect(name))
          fail(
            `${user} lacks SELECT on ${name} (snapshot, key look-ups): GRANT SELECT ON \`${d}\`.* TO ${user}`,
            { privilege: 'SELECT', table: name },
          );
      }
    }

    // ---- the checkpoint against the binlogs still on the server ----------------------------------------
    if (o.checkpoint && flavor === 'mysql') checkMysqlCheckpoint(o.checkpoint, v, problems);
    else if (o.checkpoint)
      await checkCheckpoint(conn, o.checkpoint, serverGtid, flavor, problems, warnings, user);
    else await checkPreparedXa(conn, flavor, warnings, user);

    return { server: { version, flavor, user }, problems, warnings, tables: matched };
  } finally {
    await conn.end().catch(() => {});
  }
}

/** Runs the checks and throws when something blocks streaming (one problem: itself; several: PREFLIGHT_FAILED listing all). */
export async function assertBinlogPreflight(o: PreflightOptions): Promise<PreflightReport> {
  const report = await runBinlogPreflight(o);
  const [first, ...rest] = report.problems;
  if (!first) return report;
  if (rest.length === 0) throw first;
  throw new SynclineError(
    'PREFLIGHT_FAILED',
    `binlog preflight found ${report.problems.length} problems:\n  - ${report.problems.map((p) => `${p.code} ${p.message}`).join('\n  - ')}`,
    {
      details: { problems: report.problems.map((p) => ({ code: p.code, kind: p.kind, message: p.message })) },
    },
  );
}

/**
 * Without a checkpoint the stream starts at the current end of the binlog (after a snapshot): an XA
 * transaction prepared before that has its rows written before the start, so its later XA COMMIT brings
 * nothing the stream can emit, and the snapshot did not see them either.
 */
async function checkPreparedXa(
  conn: Connection,
  flavor: 'mariadb' | 'mysql',
  warnings: string[],
  user: string,
): Promise<void> {
  let rows: RowDataPacket[];
  try {
    // MySQL has no FORMAT='SQL': CONVERT XID prints the id in hex instead.
    [rows] = await conn.query<RowDataPacket[]>(
      flavor === 'mariadb' ? "XA RECOVER FORMAT='SQL'" : 'XA RECOVER CONVERT XID',
    );
  } catch (e) {
    // MySQL answers XAER_RMERR (1401) without XA_RECOVER_ADMIN; anything else: nothing to say
    if (flavor === 'mysql' && (e as { errno?: number }).errno === 1401) {
      warnings.push(
        `cannot check for prepared XA transactions (XA RECOVER needs XA_RECOVER_ADMIN): GRANT XA_RECOVER_ADMIN ON *.* TO ${user}`,
      );
    }
    return;
  }
  if (rows.length === 0) return;
  const ids = rows.slice(0, 5).map((r) => String(r.data));
  warnings.push(
    `${rows.length} XA transaction(s) are prepared and undecided on the server (${ids.join('; ')}${rows.length > 5 ? '; …' : ''}): ` +
      'a stream that starts now without a checkpoint (first start, re-snapshot) begins after their XA PREPARE, so if they commit later their changes are not streamed. ' +
      'Fix: let the transaction manager decide them (XA COMMIT / XA ROLLBACK) before the first start, or run syncline reconcile after they commit',
  );
}

/**
 * A MySQL checkpoint is a GTID set: usable when the server still has every transaction it lacks, i.e.
 * @@gtid_purged is contained in it, and when the server has executed everything in it.
 */
function checkMysqlCheckpoint(checkpoint: Position, v: Map<string, string>, problems: SynclineError[]): void {
  const cp = checkpoint.checkpoint;
  if (typeof cp.gtid !== 'string') {
    problems.push(
      new SynclineError(
        'POSITION_PURGED',
        `checkpoint ${checkpoint.label} has no GTID set, which MySQL streaming needs: Syncline must re-snapshot`,
        { details: { checkpoint: cp } },
      ),
    );
    return;
  }
  let ours: GtidState;
  try {
    ours = GtidState.parse(cp.gtid);
    if (ours.flavour === 'mariadb') throw new Error('it is a MariaDB GTID position and the server is MySQL');
  } catch (e) {
    problems.push(
      new SynclineError(
        'PREFLIGHT_FAILED',
        `checkpoint ${checkpoint.label} is unusable: ${(e as Error).message}`,
      ),
    );
    return;
  }
  const purged = GtidState.parse(v.get('gtid_purged') ?? '');
  const executed = GtidState.parse(v.get('gtid_executed') ?? '');
  if (!ours.includes(purged)) {
    problems.push(
      new SynclineError(
        'POSITION_PURGED',
        `the server purged transactions the checkpoint has not seen (${purged.missingFrom(ours)}): gtid_purged is not contained in the checkpoint. ` +
          'Syncline must re-snapshot (onPurged: resnapshot). To keep this from recurring, raise binlog_expire_logs_seconds above the longest time Syncline may be stopped',
        { details: { checkpoint: cp.gtid, purged: purged.toString() } },
      ),
    );
  } else if (!executed.includes(ours)) {
    problems.push(
      new SynclineError(
        'POSITION_PURGED',
        `the checkpoint has transactions the server never executed (${ours.missingFrom(executed)}): the binlog was reset (RESET BINARY LOGS AND GTIDS) or this is another server. Syncline must re-snapshot`,
        { details: { checkpoint: cp.gtid, executed: executed.toString() } },
      ),
    );
  }
}

async function checkCheckpoint(
  conn: Connection,
  checkpoint: Position,
  serverGtid: GtidPosition,
  flavor: 'mariadb' | 'mysql',
  problems: SynclineError[],
  warnings: string[],
  user: string,
): Promise<void> {
  let logs: RowDataPacket[];
  try {
    [logs] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
  } catch (e) {
    warnings.push(
      `cannot list binary logs to check the checkpoint (${(e as Error).message}); grant BINLOG MONITOR to ${user}`,
    );
    return;
  }
  const files = logs.map((r) => String(r.Log_name));
  const oldest = files[0];
  const cp = checkpoint.checkpoint;
  const purged = (message: string, details: Record<string, unknown>) =>
    problems.push(new SynclineError('POSITION_PURGED', message, { details }));

  if (typeof cp.gtid === 'string' && flavor === 'mariadb') {
    let ours: GtidPosition;
    try {
      ours = parseGtidPosition(cp.gtid);
    } catch (e) {
      problems.push(
        new SynclineError(
          'PREFLIGHT_FAILED',
          `checkpoint ${checkpoint.label} is unusable: ${(e as Error).message}`,
        ),
      );
      return;
    }
    if (!oldest) return;
    // The GTID state at the start of the oldest binlog (its Gtid_list event): everything at or before it is gone.
    const [rows] = await conn.query<RowDataPacket[]>('SELECT BINLOG_GTID_POS(?, 4) AS p', [oldest]);
    const floor = parseGtidPosition(String(rows[0]?.p ?? ''));
    for (const [domain, first] of floor) {
      const mine = ours.get(domain);
      if (!mine || mine.seqNo < first.seqNo) {
        purged(
          `checkpoint GTID ${mine ? formatGtid(mine) : `(none in domain ${domain})`} was purged: the oldest binlog ${oldest} starts after ${formatGtid(first)}. ` +
            'Syncline must re-snapshot (onPurged: resnapshot). To keep this from recurring, raise binlog_expire_logs_seconds above the longest time Syncline may be stopped',
          { checkpoint: cp.gtid, oldestBinlog: oldest, oldestState: formatGtid(first) },
        );
        return;
      }
    }
    for (const [domain, mine] of ours) {
      const theirs = serverGtid.get(domain);
      if (!theirs || theirs.seqNo < mine.seqNo) {
        purged(
          `checkpoint GTID ${formatGtid(mine)} is ahead of the server's binlog (${theirs ? formatGtid(theirs) : `nothing in domain ${domain}`}): ` +
            'the binlog was reset (RESET MASTER) or this is another server. Syncline must re-snapshot',
          { checkpoint: cp.gtid, server: [...serverGtid.values()].map(formatGtid).join(',') },
        );
        return;
      }
    }
    return;
  }
  if (typeof cp.file === 'string' && !files.includes(cp.file)) {
    purged(
      `checkpoint binlog ${cp.file} was purged (oldest on the server: ${oldest ?? 'none'}). Syncline must re-snapshot (onPurged: resnapshot)`,
      { file: cp.file, oldestBinlog: oldest },
    );
  }
}

/**
 * SHOW GRANTS lines → scope ('*.*', 'db.*', 'db.table') → privileges. Column lists ("SELECT (a, b)") and
 * quoting are dropped; scopes are unquoted.
 */
export function parseGrants(lines: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of lines) {
    const m = /^GRANT\s+(.+?)\s+ON\s+(?:TABLE\s+|PROCEDURE\s+|FUNCTION\s+)?(\S+)\s+TO\s/i.exec(line);
    if (!m) continue;
    const privs = m[1]!
      .replace(/\([^)]*\)/g, '')
      .split(',')
      .map((p) => p.trim().toUpperCase().replace(/\s+/g, ' '))
      .filter(Boolean)
      .map((p) => (p === 'ALL' ? 'ALL PRIVILEGES' : p));
    const scope = m[2]!.replace(/[`"]/g, '');
    const set = out.get(scope) ?? new Set<string>();
    for (const p of privs) set.add(p);
    out.set(scope, set);
  }
  return out;
}

function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

function quoteUser(u: string): string {
  const at = u.lastIndexOf('@');
  return at < 0 ? `'${u}'` : `'${u.slice(0, at)}'@'${u.slice(at + 1)}'`;
}
