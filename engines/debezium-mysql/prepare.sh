#!/usr/bin/env bash
# Resolve the Debezium embedded engine with its MySQL connector and compile the benchmark launcher (the one of
# engines/debezium, connector chosen by its connector.class argument) into a content-addressed cache dir; prints
# the dir as the last stdout line (exit 2 + reason on failure). See ../prepare-java-engine.sh.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SYNCLINE_ENGINE_SOURCES=../debezium/src/main/java
exec "$HERE/../prepare-java-engine.sh" debezium-mysql "$HERE" "io.debezium:debezium-embedded + debezium-connector-mysql 3.6.1.Final" "the Debezium bench launcher"
