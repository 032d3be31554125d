#!/usr/bin/env bash
# Resolve the Elasticsearch 8.x jars and compile the shared launcher (../elasticsearch-launcher) into a
# content-addressed cache dir; prints the dir as the last stdout line (exit 2 + reason on failure).
# The transport-netty4 module's jars go to <dir>/module-lib (the launcher loads them as a module). Needs Java 17+.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SYNCLINE_JAVA_RELEASE=17
export SYNCLINE_ENGINE_SOURCES=../elasticsearch-launcher/src/main/java
export SYNCLINE_ENGINE_MODULE_JARS="transport-netty4-*.jar netty-*.jar elasticsearch-ssl-config-*.jar"
exec "$HERE/../prepare-java-engine.sh" elasticsearch-8 "$HERE" "org.elasticsearch:elasticsearch:8.19.21" "the Elasticsearch launcher"
