#!/usr/bin/env bash
# Resolve Flink 1.20 (table API, planner, mini-cluster), Flink CDC's mysql-cdc source and Flink's OpenSearch 2 sink,
# and compile the benchmark launcher into a content-addressed cache dir; prints the dir as the last stdout line
# (exit 2 + reason on failure). See ../prepare-java-engine.sh.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$HERE/../prepare-java-engine.sh" flink-cdc "$HERE" "org.apache.flink 1.20.3 + flink-sql-connector-mysql-cdc 3.5.0 + flink-connector-opensearch2 2.0.0-1.19" "the Flink CDC bench launcher"
