import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SynclineError } from '../core/errors.js';
import { type JavaRuntime, javaEnv } from './java-runtime.js';

/**
 * engines/ of the package: the nearest ancestor of this file that holds engines/prepare-java-engine.sh, so it
 * is found from src/ (vitest), dist/ (the CLI) and bench/.build/src/ (the benchmark harness) alike.
 */
export const ENGINES_DIR = findEnginesDir(dirname(fileURLToPath(import.meta.url)));

function findEnginesDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'engines', 'prepare-java-engine.sh'))) return `${join(dir, 'engines')}/`;
    if (dirname(dir) === dir) return fileURLToPath(new URL('../../engines/', import.meta.url));
  }
}

/**
 * Runs engines/<name>/prepare.sh: resolves the engine's classpath from Maven Central once (cached under
 * ~/.cache/syncline/engines) and prints the prepared directory on its last line. With `java`, that JDK is used
 * (JAVA_HOME and PATH of the script); without, the `java` on PATH (Java 17+).
 */
export async function prepareEngine(name: string, signal?: AbortSignal, java?: JavaRuntime): Promise<string> {
  if (!java) await requireJava();
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [`${ENGINES_DIR}${name}/prepare.sh`],
      {
        cwd: `${ENGINES_DIR}${name}`,
        timeout: 1_200_000,
        maxBuffer: 16 << 20,
        ...(java && { env: javaEnv(java) }),
        ...(signal && { signal }),
      },
      (err, stdout, stderr) => {
        if (err) {
          const tail = `${stderr}`.trim().split('\n').slice(-12).join('\n    | ');
          reject(new SynclineError('MAVEN_FAILED', `${name}: preparing the engine failed:\n    | ${tail}`));
          return;
        }
        const dir = `${stdout}`.trim().split('\n').pop();
        if (!dir) reject(new SynclineError('MAVEN_FAILED', `${name}: prepare.sh printed no directory`));
        else resolve(dir);
      },
    );
  });
}

let javaChecked: Promise<void> | undefined;
function requireJava(): Promise<void> {
  javaChecked ??= new Promise((resolve, reject) => {
    execFile('java', ['-version'], { timeout: 20_000 }, (err, _out, stderr) => {
      if (err) {
        reject(
          new SynclineError('JAVA_MISSING', 'java was not found on PATH (Java 17 is needed for the engines)'),
        );
        return;
      }
      const m = /version "(\d+)/.exec(`${stderr}`);
      if (m && Number(m[1]) < 17) {
        reject(new SynclineError('JAVA_MISSING', `java ${m[1]} found; the engines need Java 17 or newer`));
      } else resolve();
    });
  });
  return javaChecked;
}
