import { execFileSync } from 'node:child_process';
import net from 'node:net';

/** True when something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Best effort "pid/name" of the process listening on the port, for error messages. */
export function portOwner(port: number): string | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', timeout: 3000 });
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(out);
    return m ? `${m[1]} (pid ${m[2]})` : out.trim() ? 'another process' : undefined;
  } catch {
    return undefined;
  }
}
