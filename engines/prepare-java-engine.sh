#!/usr/bin/env bash
# Resolve a Java engine's runtime classpath from its pom.xml and compile its launcher sources into a
# content-addressed cache dir. Shared by engines/opensearch and engines/debezium (their prepare.sh call it).
#
#   prepare-java-engine.sh <name> <engine dir> <artifact, for messages> <launcher, for messages>
#       -> prints the prepared dir as the LAST line of stdout, exit 0
#          exit 2 + one-line reason on stderr when Java/Maven/resolution/compilation fails
#
# Cache dir: ${SYNCLINE_ENGINE_CACHE:-$HOME/.cache/syncline/engines}/<name>-<sha256(pom.xml + java sources)[:12]>
# containing classes/, lib/*.jar (copies/hard links of the resolved jars), classpath.txt and a `ready` stamp.
# Once `ready` exists nothing touches Maven again, so later starts need no network and no ~/.m2.
# Env: SYNCLINE_MVN_TIMEOUT (seconds per mvn attempt, default 900); SYNCLINE_JAVA_RELEASE (javac --release and the
# minimum Java major, default 17; 21 for OpenSearch 3 and Elasticsearch 9); JAVA_HOME (when set, its bin/java and
# bin/javac are used instead of the ones on PATH); SYNCLINE_ENGINE_SOURCES (the launcher's Java source root,
# relative to the engine dir, default src/main/java; several roots space-separated: the Elasticsearch engines share
# one launcher, the OpenSearch engines one launcher plus a Flavour class of their own);
# SYNCLINE_ENGINE_MODULE_JARS (space-separated jar name globs that go to <dir>/module-lib instead of the classpath:
# jars the engine loads itself as a module, in their own class loader).
set -euo pipefail

[[ $# -eq 4 ]] || { echo "usage: prepare-java-engine.sh <name> <engine dir> <artifact> <launcher>" >&2; exit 2; }
NAME="$1"
SCRIPT_DIR="$(cd "$2" && pwd)"
ARTIFACT="$3"
LAUNCHER="$4"
cd "$SCRIPT_DIR"

CACHE_ROOT="${SYNCLINE_ENGINE_CACHE:-${HOME:-/tmp}/.cache/syncline/engines}"
MVN_TIMEOUT="${SYNCLINE_MVN_TIMEOUT:-900}"

fail() { # fail "one-line message" [logfile]
  echo "prepare $NAME: $1" >&2
  if [[ -n "${2:-}" && -f "$2" ]]; then
    echo "--- last lines of $(basename "$2") ---" >&2
    tail -n 25 "$2" | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
  fi
  exit 2
}

RELEASE="${SYNCLINE_JAVA_RELEASE:-17}"
if [[ -n "${JAVA_HOME:-}" ]]; then
  export PATH="$JAVA_HOME/bin:$PATH"
fi

SOURCE_ROOT="${SYNCLINE_ENGINE_SOURCES:-src/main/java}"
MODULE_JARS="${SYNCLINE_ENGINE_MODULE_JARS:-}"
read -r -a MODULE_PATTERNS <<<"$MODULE_JARS" || true
read -r -a SOURCE_ROOTS <<<"$SOURCE_ROOT"
mapfile -t SOURCES < <(find "${SOURCE_ROOTS[@]}" -type f -name '*.java' | LC_ALL=C sort)
[[ ${#SOURCES[@]} -gt 0 ]] || fail "no Java sources under $SCRIPT_DIR/$SOURCE_ROOT"

HASH="$(
  {
    [[ "$RELEASE" == 17 ]] || printf 'release %s\n' "$RELEASE"
    [[ -z "$MODULE_JARS" ]] || printf 'module jars %s\n' "$MODULE_JARS"
    for f in pom.xml "${SOURCES[@]}"; do
      printf '== %s\n' "$f"
      cat "$f"
    done
  } | sha256sum | cut -c1-12
)"
DIR="$CACHE_ROOT/$NAME-$HASH"

if [[ -f "$DIR/ready" ]]; then
  echo "$DIR"
  exit 0
fi

# --- tools -------------------------------------------------------------------
command -v java >/dev/null 2>&1 || fail "Java $RELEASE not found: install openjdk-$RELEASE-jdk (or set JAVA_HOME)"
command -v javac >/dev/null 2>&1 || fail "javac (Java $RELEASE JDK) not found: install openjdk-$RELEASE-jdk (or set JAVA_HOME)"
JAVA_MAJOR="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)"
JAVA_MAJOR="${JAVA_MAJOR#1.}"
if ! [[ "$JAVA_MAJOR" =~ ^[0-9]+$ ]] || (( JAVA_MAJOR < RELEASE )); then
  fail "Java $RELEASE+ not found (java is version '${JAVA_MAJOR:-unknown}'): install a JDK $RELEASE or newer and set JAVA_HOME to it"
fi
command -v mvn >/dev/null 2>&1 || fail "Maven not found: install maven"
command -v timeout >/dev/null 2>&1 || fail "timeout (coreutils) not found"

# --- build into a temp dir, rename atomically ---------------------------------
mkdir -p "$CACHE_ROOT"
TMP="$(mktemp -d "$CACHE_ROOT/.$NAME-$HASH.tmp.XXXXXX")"
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

MVN_ARGS=(-B -q -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" dependency:build-classpath
  "-Dmdep.outputFile=$TMP/m2-classpath.txt" -Dmdep.includeScope=runtime)

# offline first (fast, no network when ~/.m2 already has everything), then online
if ! timeout "$MVN_TIMEOUT" mvn -o "${MVN_ARGS[@]}" >"$TMP/mvn-offline.log" 2>&1; then
  rc=0
  timeout "$MVN_TIMEOUT" mvn "${MVN_ARGS[@]}" >"$TMP/mvn.log" 2>&1 || rc=$?
  if (( rc == 124 )); then
    fail "Maven timed out after ${MVN_TIMEOUT}s resolving $ARTIFACT — check network access to Maven Central or ~/.m2" "$TMP/mvn.log"
  elif (( rc != 0 )); then
    fail "Maven could not resolve $ARTIFACT — check network access to Maven Central or ~/.m2" "$TMP/mvn.log"
  fi
fi
[[ -s "$TMP/m2-classpath.txt" ]] || fail "Maven produced an empty classpath for $ARTIFACT" "$TMP/mvn.log"

# copy (hard link when possible) the jars so the cache does not depend on ~/.m2 later
mkdir -p "$TMP/lib"
CP=""
IFS=":" read -r -a JARS < "$TMP/m2-classpath.txt" || true  # file has no trailing newline
for jar in "${JARS[@]}"; do
  [[ -n "$jar" ]] || continue
  [[ -f "$jar" ]] || fail "resolved jar is missing: $jar"
  name="$(basename "$jar")"
  module_jar=""
  for pattern in "${MODULE_PATTERNS[@]}"; do
    # shellcheck disable=SC2053 # glob match on purpose
    if [[ "$name" == $pattern ]]; then module_jar=yes; fi
  done
  if [[ -n "$module_jar" ]]; then
    mkdir -p "$TMP/module-lib"
    ln "$jar" "$TMP/module-lib/$name" 2>/dev/null || cp "$jar" "$TMP/module-lib/$name"
    continue
  fi
  ln "$jar" "$TMP/lib/$name" 2>/dev/null || cp "$jar" "$TMP/lib/$name"
  CP="${CP:+$CP:}$DIR/lib/$name"
done
printf '%s\n' "$CP" > "$TMP/classpath.txt"

if ! javac --release "$RELEASE" -encoding UTF-8 -nowarn -d "$TMP/classes" \
    -cp "$TMP/lib/*" "${SOURCES[@]}" >"$TMP/javac.log" 2>&1; then
  fail "javac could not compile $LAUNCHER" "$TMP/javac.log"
fi

date -u +%Y-%m-%dT%H:%M:%SZ > "$TMP/ready"

if ! mv -T "$TMP" "$DIR" 2>/dev/null; then
  # another prepare won the race, or a stale non-ready dir is in the way
  if [[ -f "$DIR/ready" ]]; then
    echo "$DIR"
    exit 0
  fi
  rm -rf "$DIR"
  mv -T "$TMP" "$DIR" || fail "could not move the prepared dir into $DIR"
fi
trap - EXIT
echo "$DIR"
