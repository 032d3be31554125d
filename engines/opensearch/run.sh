#!/usr/bin/env bash
# Start the embedded single-node OpenSearch in the foreground (exec: this script's pid becomes the java pid).
#
#   run.sh PREPARED_DIR HOME_DIR HTTP_PORT HEAP [TRANSPORT_PORT]
#
#   PREPARED_DIR   the directory printed by prepare.sh
#   HOME_DIR       node home: config/, data/, logs/ are created inside it; data survives restarts
#   HTTP_PORT      REST port (bound on 127.0.0.1)
#   HEAP           JVM heap, e.g. 512m or 1g (-Xms = -Xmx)
#   TRANSPORT_PORT node-to-node port or range, default 9300-9400 (first free one is used)
#
# Ready when stdout shows "SYNCLINE_OPENSEARCH_READY http=127.0.0.1:PORT" (or GET / answers).
# Extra JVM flags (word-split): SYNCLINE_OPENSEARCH_JAVA_OPTS.
# Stop with SIGTERM: the node closes cleanly and the JVM exits (code 143).
set -euo pipefail

if [[ $# -lt 4 || $# -gt 5 ]]; then
  echo "usage: run.sh PREPARED_DIR HOME_DIR HTTP_PORT HEAP [TRANSPORT_PORT]" >&2
  exit 64
fi
PREPARED_DIR="$1"
HOME_DIR="$2"
HTTP_PORT="$3"
HEAP="$4"
TRANSPORT_PORT="${5:-9300-9400}"

if [[ ! -f "$PREPARED_DIR/ready" || ! -f "$PREPARED_DIR/classpath.txt" ]]; then
  echo "run opensearch: $PREPARED_DIR is not a prepared dir (run prepare.sh first)" >&2
  exit 2
fi
mkdir -p "$HOME_DIR"
TMPDIR_JVM="$HOME_DIR/tmp"
mkdir -p "$TMPDIR_JVM"

exec java \
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
  -Djava.locale.providers=SPI,COMPAT \
  -Djava.io.tmpdir="$TMPDIR_JVM" \
  -Dio.netty.noUnsafe=true \
  -Dio.netty.noKeySetOptimization=true \
  -Dio.netty.recycler.maxCapacityPerThread=0 \
  -Dio.netty.allocator.numDirectArenas=0 \
  -Dlog4j.shutdownHookEnabled=false \
  -Dlog4j2.disable.jmx=true \
  -Dlog4j2.formatMsgNoLookups=true \
  ${SYNCLINE_OPENSEARCH_JAVA_OPTS:-} \
  -cp "$PREPARED_DIR/classes:$(cat "$PREPARED_DIR/classpath.txt")" \
  dev.syncline.engines.opensearch.Launcher \
  --home "$HOME_DIR" --port "$HTTP_PORT" --transport-port "$TRANSPORT_PORT" --host 127.0.0.1
