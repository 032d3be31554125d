#!/usr/bin/env bash
# Resolve the Kafka broker runtime classpath into a content-addressed cache dir.
#
#   engines/kafka/prepare.sh            -> prints the prepared dir as the LAST stdout line
#
# Cache dir: ${SYNCLINE_ENGINE_CACHE:-$HOME/.cache/syncline/engines}/kafka-<sha12>
# where sha12 = first 12 hex of sha256(pom.xml + log4j2.properties).
# If the dir already has a `ready` stamp (and every classpath jar still exists),
# it is printed immediately and Maven is not run (no network needed).
# Exit codes: 0 ok, 2 missing tool / resolution failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$HERE/pom.xml"
LOG4J="$HERE/log4j2.properties"
CACHE_ROOT="${SYNCLINE_ENGINE_CACHE:-$HOME/.cache/syncline/engines}"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
HASH="$(cat "$POM" "$LOG4J" | sha256sum | cut -c1-12)"
DIR="$CACHE_ROOT/kafka-$HASH"

# True when DIR is complete: stamp present and every classpath entry exists
# (the classpath points into ~/.m2, which may have been cleaned since).
is_ready() {
  local d="$1" entry
  [[ -f "$d/ready" && -s "$d/classpath.txt" ]] || return 1
  local IFS=':'
  for entry in $(cat "$d/classpath.txt"); do
    [[ -e "$entry" ]] || return 1
  done
  return 0
}

if is_ready "$DIR"; then
  echo "$DIR"
  exit 0
fi

for tool in java mvn timeout; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "prepare kafka: '$tool' not found on PATH (need Java 17+ and Maven 3.x)" >&2
    exit 2
  fi
done

# Kafka 4.x brokers are compiled for Java 17 (class file 61).
JAVA_MAJOR="$(java -version 2>&1 | sed -n 's/.* version "\([0-9]*\)[."].*/\1/p' | head -n1)"
if [[ -z "$JAVA_MAJOR" || "$JAVA_MAJOR" -lt 17 ]]; then
  echo "prepare kafka: Java 17+ required for the Kafka $KAFKA_VERSION broker, found: $(java -version 2>&1 | head -n1)" >&2
  exit 2
fi

mkdir -p "$CACHE_ROOT"
TMP="$(mktemp -d "$CACHE_ROOT/.kafka-$HASH.tmp.XXXXXX")"
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

cp "$POM" "$TMP/pom.xml"
cp "$LOG4J" "$TMP/log4j2.properties"

run_mvn() {
  # $@: extra mvn flags (e.g. -o)
  timeout 900 mvn -B -q -Dstyle.color=never "$@" -f "$TMP/pom.xml" dependency:build-classpath \
    -Dmdep.outputFile="$TMP/classpath.txt" >>"$TMP/mvn.log" 2>&1
}

if ! run_mvn -o; then
  echo "--- offline resolution failed, retrying online ---" >>"$TMP/mvn.log"
  rm -f "$TMP/classpath.txt"
  if ! run_mvn; then
    echo "prepare kafka: Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION — check access to Maven Central or ~/.m2" >&2
    tail -n 15 "$TMP/mvn.log" >&2 || true
    exit 2
  fi
fi

if [[ ! -s "$TMP/classpath.txt" ]] || ! grep -q "kafka_2.13-$KAFKA_VERSION.jar" "$TMP/classpath.txt"; then
  echo "prepare kafka: Maven ran but produced no usable classpath for kafka_2.13:$KAFKA_VERSION" >&2
  tail -n 15 "$TMP/mvn.log" >&2 || true
  exit 2
fi

{
  echo "kafka_version=$KAFKA_VERSION"
  echo "prepared_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$TMP/ready"

# Atomic publish. If a stale (not-ready) dir is in the way, replace it; if a
# concurrent prepare won the race, keep theirs.
if [[ -e "$DIR" ]] && ! is_ready "$DIR"; then
  rm -rf "$DIR"
fi
if ! mv -T "$TMP" "$DIR" 2>/dev/null; then
  if ! is_ready "$DIR"; then
    echo "prepare kafka: could not move prepared dir into place at $DIR" >&2
    exit 2
  fi
fi
trap - EXIT
rm -rf "$TMP"

echo "$DIR"
