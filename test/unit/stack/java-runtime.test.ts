import { describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import { findJava, jdkMajor, listJavaRuntimes } from '../../../src/stack/java-runtime.js';

/** Runs against the JDKs of this machine (OpenJDK 17 on PATH; Temurin 25 under /usr/lib/jvm where installed). */

describe('choosing a JDK for an engine', () => {
  it('finds the JDK on PATH (Java 17+) and reads versions from the release file', () => {
    const all = listJavaRuntimes();
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((j) => j.major >= 8)).toBe(true);
    expect(findJava(17, 'OpenSearch 2.19.6').major).toBeGreaterThanOrEqual(17);
  });

  it('a requirement no JDK meets fails with JAVA_MISSING naming what was found and the fix', () => {
    const err = (() => {
      try {
        findJava(99, 'elasticsearch 99.0.0');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isSynclineError(err, 'JAVA_MISSING')).toBe(true);
    expect((err as Error).message).toMatch(
      /elasticsearch 99\.0\.0 needs a Java 99\+ JDK; found Java \d+ at \/.*Fix: install a JDK 99 or newer.*SYNCLINE_JAVA_HOME/,
    );
  });

  // the machine's second JDK (the project needs one for OpenSearch 3 and Elasticsearch 9; README "Needs")
  it('Java 21+ engines get the newer JDK; SYNCLINE_JAVA_HOME is preferred', () => {
    const newer = findJava(21, 'Elasticsearch 9.5.3');
    expect(newer.major).toBeGreaterThanOrEqual(21);
    expect(jdkMajor(newer.home)).toBe(newer.major);
    const env = { ...process.env, SYNCLINE_JAVA_HOME: newer.home };
    expect(findJava(17, 'OpenSearch 2.19.6', env).home).toBe(newer.home);
    expect(jdkMajor('/nonexistent')).toBeUndefined();
  });
});
