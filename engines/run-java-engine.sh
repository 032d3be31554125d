#!/usr/bin/env bash
# Start an embedded single-node search engine launcher in the foreground (exec: this script's pid becomes the java
# pid). Shared by every search engine of the stack (engines/opensearch, opensearch-3, elasticsearch-8/-9).
#
#   run-java-engine.sh MAIN_CLASS PREPARED_DIR HOME_DIR HTTP_PORT HEAP [TRANSPORT_PORT]
#
#   MAIN_CLASS     the launcher class, e.g. dev.syncline.engines.opensearch3.Launcher
#   PREPARED_DIR   the directory printed by the engine's prepare.sh
#   HOME_DIR       node home: config/, data/, logs/, tmp/ are created inside it; data survives restarts
#   HTTP_PORT      REST port (bound on 127.0.0.1)
#   HEAP           JVM heap, e.g. 512m or 1g (-Xms = -Xmx)
#   TRANSPORT_PORT node-to-node port or range, default 9300-9400 (first free one is used)
#
# Java: $JAVA_HOME/bin/java when JAVA_HOME is set, else java on PATH (the stack sets JAVA_HOME to a JDK new enough).
# Ready when stdout shows "SYNCLINE_ENGINE_READY http=127.0.0.1:PORT" (OpenSearch 2's launcher:
# "SYNCLINE_OPENSEARCH_READY …"); the stack itself polls the node's health.
# Extra JVM flags (word-split): SYNCLINE_ENGINE_JAVA_OPTS. java.locale.providers: SYNCLINE_ENGINE_LOCALE_PROVIDERS
# (default SPI,CLDR; OpenSearch 2 on Java 17 keeps its distribution's SPI,COMPAT).
# Stop with SIGTERM: the node closes cleanly and the JVM exits (code 143).
set -euo pipefail

if [[ $# -lt 5 || $# -gt 6 ]]; then
  echo "usage: run-java-engine.sh MAIN_CLASS PREPARED_DIR HOME_DIR HTTP_PORT HEAP [TRANSPORT_PORT]" >&2
  exit 64
fi
MAIN_CLASS="$1"
PREPARED_DIR="$2"
HOME_DIR="$3"
HTTP_PORT="$4"
HEAP="$5"
TRANSPORT_PORT="${6:-9300-9400}"

if [[ ! -f "$PREPARED_DIR/ready" || ! -f "$PREPARED_DIR/classpath.txt" ]]; then
  echo "run-java-engine: $PREPARED_DIR is not a prepared dir (run the engine's prepare.sh first)" >&2
  exit 2
fi
JAVA=java
if [[ -n "${JAVA_HOME:-}" ]]; then
  JAVA="$JAVA_HOME/bin/java"
fi
mkdir -p "$HOME_DIR/tmp"
MODULE_OPTS=()
if [[ -d "$PREPARED_DIR/module-lib" ]]; then
  # jars the launcher loads as a module in their own class loader (Elasticsearch's transport-netty4)
  MODULE_OPTS=(-Dsyncline.moduleJars="$PREPARED_DIR/module-lib")
fi

exec "$JAVA" \
  -Xms"$HEAP" -Xmx"$HEAP" \
  -XX:+UseG1GC \
  -XX:G1ReservePercent=25 \
  -XX:InitiatingHeapOccupancyPercent=30 \
  -Xss1m \
  -XX:-OmitStackTraceInFastThrow \
  -XX:+ExitOnOutOfMemoryError \
  -Djava.awt.headless=true \
  -Dfile.encoding=UTF-8 \
  -Djna.nosys=true \
  -Djava.locale.providers="${SYNCLINE_ENGINE_LOCALE_PROVIDERS:-SPI,CLDR}" \
  -Djava.io.tmpdir="$HOME_DIR/tmp" \
  -Dio.netty.noUnsafe=true \
  -Dio.netty.noKeySetOptimization=true \
  -Dio.netty.recycler.maxCapacityPerThread=0 \
  -Dio.netty.allocator.numDirectArenas=0 \
  -Dlog4j.shutdownHookEnabled=false \
  -Dlog4j2.disable.jmx=true \
  -Dlog4j2.formatMsgNoLookups=true \
  "${MODULE_OPTS[@]}" \
  ${SYNCLINE_ENGINE_JAVA_OPTS:-} \
  -cp "$PREPARED_DIR/classes:$(cat "$PREPARED_DIR/classpath.txt")" \
  "$MAIN_CLASS" \
  --home "$HOME_DIR" --port "$HTTP_PORT" --transport-port "$TRANSPORT_PORT" --host 127.0.0.1
