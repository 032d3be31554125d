#!/usr/bin/env bash
# Resolve the Debezium embedded engine with its MariaDB connector and compile the benchmark launcher into a content-addressed
# cache dir; prints the dir as the last stdout line (exit 2 + reason on failure). See ../prepare-java-engine.sh.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$HERE/../prepare-java-engine.sh" debezium "$HERE" "io.debezium:debezium-embedded + debezium-connector-mariadb 3.5.0.Final" "the Debezium bench launcher"
