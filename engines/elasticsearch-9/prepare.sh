#!/usr/bin/env bash
# Resolve the Elasticsearch 9.x jars and compile the shared launcher (../elasticsearch-launcher) into a
# content-addressed cache dir; prints the dir as the last stdout line (exit 2 + reason on failure).
# The transport-netty4 module's jars go to <dir>/module-lib (the launcher loads them as a module). Needs Java 21+.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SYNCLINE_JAVA_RELEASE=21
export SYNCLINE_ENGINE_SOURCES=../elasticsearch-launcher/src/main/java
export SYNCLINE_ENGINE_MODULE_JARS="transport-netty4-*.jar netty-*.jar elasticsearch-ssl-config-*.jar"
exec "$HERE/../prepare-java-engine.sh" elasticsearch-9 "$HERE" "org.elasticsearch:elasticsearch:9.5.3" "the Elasticsearch launcher"
