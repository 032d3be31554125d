import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { SynclineError } from '../core/errors.js';

/** A JDK found on this machine: its home (bin/java, bin/javac) and feature version (17, 21, 25…). */
export interface JavaRuntime {
  home: string;
  major: number;
}

const JVM_DIRS = ['/usr/lib/jvm', '/usr/java', '/opt/java', '/opt'];

/** The feature version of a JDK home, from its `release` file (no JVM start); undefined when not a JDK. */
export function jdkMajor(home: string): number | undefined {
  if (!existsSync(path.join(home, 'bin', 'javac'))) return undefined;
  try {
    const m = /^JAVA_VERSION="(?:1\.)?(\d+)/m.exec(readFileSync(path.join(home, 'release'), 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // no release file: ask the JVM
  }
  try {
    const out = execFileSync(path.join(home, 'bin', 'java'), ['-version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    const m = /version "(?:1\.)?(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch (e) {
    const m = /version "(?:1\.)?(\d+)/.exec(`${(e as { stderr?: string }).stderr ?? ''}`);
    return m ? Number(m[1]) : undefined;
  }
}

/** The JDK home of `java` on PATH (…/bin/java resolved through symlinks), if any. */
function pathJavaHome(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const java = dir && path.join(dir, 'java');
    if (java && existsSync(java)) {
      try {
        return path.dirname(path.dirname(realpathSync(java)));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Every JDK this machine offers, in order of preference: SYNCLINE_JAVA_HOME, JAVA_HOME, the `java` on PATH, then
 * the JDKs under /usr/lib/jvm (and /usr/java, /opt/java, /opt). Duplicates (symlinks) are listed once.
 */
export function listJavaRuntimes(env: NodeJS.ProcessEnv = process.env): JavaRuntime[] {
  const candidates: string[] = [];
  for (const v of [env.SYNCLINE_JAVA_HOME, env.JAVA_HOME, pathJavaHome()]) if (v) candidates.push(v);
  for (const dir of JVM_DIRS) {
    try {
      for (const name of readdirSync(dir).sort().reverse()) candidates.push(path.join(dir, name));
    } catch {
      // no such dir
    }
  }
  const seen = new Set<string>();
  const found: JavaRuntime[] = [];
  for (const c of candidates) {
    let real: string;
    try {
      real = realpathSync(c);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const major = jdkMajor(real);
    if (major !== undefined) found.push({ home: real, major });
  }
  return found;
}

const cache = new Map<number, JavaRuntime>();

/**
 * The first JDK (see listJavaRuntimes for the order) whose version is at least `minMajor`. Throws JAVA_MISSING
 * naming what was found and the fix when there is none.
 */
export function findJava(minMajor: number, what: string, env: NodeJS.ProcessEnv = process.env): JavaRuntime {
  const hit = env === process.env ? cache.get(minMajor) : undefined;
  if (hit) return hit;
  const all = listJavaRuntimes(env);
  const ok = all.find((j) => j.major >= minMajor);
  if (!ok) {
    const seen = all.length > 0 ? all.map((j) => `Java ${j.major} at ${j.home}`).join(', ') : 'no JDK';
    throw new SynclineError(
      'JAVA_MISSING',
      `${what} needs a Java ${minMajor}+ JDK; found ${seen}. Fix: install a JDK ${minMajor} or newer (e.g. apt-get install openjdk-${minMajor}-jdk-headless, or Temurin 25 under /usr/lib/jvm) or set SYNCLINE_JAVA_HOME to one`,
    );
  }
  if (env === process.env) cache.set(minMajor, ok);
  return ok;
}

/** The environment of a child that must run this JDK: JAVA_HOME set and its bin/ first on PATH. */
export function javaEnv(java: JavaRuntime, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, JAVA_HOME: java.home, PATH: `${path.join(java.home, 'bin')}:${env.PATH ?? ''}` };
}
