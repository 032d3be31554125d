import { spawn } from 'node:child_process';
import path from 'node:path';
import { SynclineError } from '../core/errors.js';
import { ENGINES_DIR } from './engine-scripts.js';
import { ManagedServer, type ServerCommand } from './managed-server.js';
import { ensureLocalAccounts, probeSqlVersion } from './sql-server-setup.js';

/**
 * Credentials of the local MySQL. Root has no password over TCP from 127.0.0.1: acceptable only because the
 * server binds 127.0.0.1 (a local test and demo server). Syncline's own user authenticates with
 * caching_sha2_password (mysql_native_password no longer exists in 9.x).
 */
export const LOCAL_MYSQL = {
  rootUser: 'root',
  appUser: 'syncline',
  appPassword: 'syncline',
  demoDatabase: 'syncline_demo',
  internalDatabase: 'syncline',
} as const;

/** Exit codes of engines/mysql/prepare.sh and what to do about them. */
const PREPARE_FAILURES: Record<number, string> = {
  3: 'not root: building the MySQL root once needs root (debootstrap)',
  4: 'debootstrap is missing and could not be installed',
  5: 'the Debian mirror is unreachable',
};

/**
 * MySQL 9.7 from Debian unstable (engines/mysql): the root is built once per machine under
 * ~/.cache/syncline/mysql-9.7, the data directory is this checkout's (<dataDir>/mysql/data). Binlog ROW with
 * the FULL image and FULL metadata, GTID on, on loopback only. Started only with `--with mysql`.
 */
export class MysqlServer extends ManagedServer {
  readonly name = 'mysql';
  private root: string | undefined;

  constructor(
    port: number,
    home: string,
    startTimeoutMs: number,
    private readonly serverId: number,
  ) {
    super(port, home, startTimeoutMs);
  }

  get dataDir(): string {
    return path.join(this.home, 'data');
  }

  /** Builds (once) the Debian root holding mysqld; its progress lines go to stderr. */
  protected async prepare(signal?: AbortSignal): Promise<void> {
    this.root = await new Promise<string>((resolve, reject) => {
      const child = spawn('bash', [path.join(ENGINES_DIR, 'mysql', 'prepare.sh')], {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(signal && { signal }),
      });
      let out = '';
      const err: string[] = [];
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        process.stderr.write(d);
        err.push(...d.toString().trimEnd().split('\n'));
      });
      child.once('error', (e) => reject(new SynclineError('MYSQL_ROOT_FAILED', `mysql: ${e.message}`)));
      child.once('close', (code) => {
        const dir = out.trim().split('\n').pop();
        if (code === 0 && dir) return resolve(dir);
        const what = PREPARE_FAILURES[code ?? -1] ?? `engines/mysql/prepare.sh exited with ${code}`;
        const tail = err.slice(-6).join('\n    | ');
        reject(new SynclineError('MYSQL_ROOT_FAILED', `mysql: ${what}\n    | ${tail}`));
      });
    });
  }

  protected command(): ServerCommand {
    return {
      cmd: 'bash',
      args: [
        path.join(ENGINES_DIR, 'mysql', 'run.sh'),
        this.root!,
        this.home,
        String(this.port),
        String(this.serverId),
      ],
    };
  }

  probe(): Promise<string | undefined> {
    return probeSqlVersion(this.port, LOCAL_MYSQL.rootUser);
  }

  /** The demo and internal schemas, and Syncline's user with the replication grants. Idempotent. */
  protected override afterStart(): Promise<void> {
    return ensureLocalAccounts(this.port, LOCAL_MYSQL, {
      identifiedBy: 'IDENTIFIED WITH caching_sha2_password BY',
      binlogGrants: 'SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT',
    });
  }
}
