import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SynclineError } from '../core/errors.js';
import { ManagedServer, type ServerCommand } from './managed-server.js';
import { ensureLocalAccounts, probeSqlVersion } from './sql-server-setup.js';

const run = promisify(execFile);

/** Credentials of the local instance. Root has no password: acceptable only because it binds 127.0.0.1. */
export const LOCAL_MARIADB = {
  rootUser: 'root',
  appUser: 'syncline',
  appPassword: 'syncline',
  demoDatabase: 'syncline_demo',
  internalDatabase: 'syncline',
} as const;

function findBinary(name: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/usr/local/bin']) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  throw new SynclineError('BINARY_MISSING', `${name} not found on PATH or in /usr/sbin`);
}

/** The project-owned MariaDB: binlog ROW/FULL with full metadata, GTID strict mode, on loopback only. */
export class MariadbServer extends ManagedServer {
  readonly name = 'mariadb';

  get dataDir(): string {
    return path.join(this.home, 'data');
  }

  protected async prepare(): Promise<void> {
    if (existsSync(path.join(this.dataDir, 'mysql'))) return;
    const installDb = findBinary('mariadb-install-db');
    try {
      await run(
        installDb,
        [
          '--no-defaults',
          `--datadir=${this.dataDir}`,
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
          `--user=${os.userInfo().username}`,
        ],
        { timeout: 120_000 },
      );
    } catch (e) {
      throw new SynclineError('ENGINE_START_FAILED', `mariadb-install-db failed: ${(e as Error).message}`);
    }
  }

  protected command(): ServerCommand {
    return {
      cmd: findBinary('mariadbd'),
      args: [
        '--no-defaults',
        `--datadir=${this.dataDir}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${path.join(this.home, 'mariadb.sock')}`,
        `--pid-file=${path.join(this.home, 'mariadbd.pid')}`,
        `--user=${os.userInfo().username}`,
        `--log-bin=${path.join(this.dataDir, 'binlog')}`,
        '--binlog-format=ROW',
        '--binlog-row-image=FULL',
        '--binlog-row-metadata=FULL',
        '--server-id=1',
        '--gtid-strict-mode=1',
        '--log-slave-updates=1',
        '--binlog-expire-logs-seconds=604800',
        '--skip-name-resolve',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
        '--innodb-buffer-pool-size=256M',
        '--innodb-flush-log-at-trx-commit=2',
        '--max-allowed-packet=64M',
        '--max-connections=300',
        '--skip-log-error',
      ],
    };
  }

  probe(): Promise<string | undefined> {
    return probeSqlVersion(this.port, LOCAL_MARIADB.rootUser);
  }

  /** The demo and internal schemas, and a least-privilege user for Syncline. Idempotent. */
  protected override afterStart(): Promise<void> {
    return ensureLocalAccounts(this.port, LOCAL_MARIADB, {
      identifiedBy: 'IDENTIFIED BY',
      binlogGrants: 'SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR',
    });
  }
}
