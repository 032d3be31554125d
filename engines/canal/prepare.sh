#!/usr/bin/env bash
# Resolve Canal 1.1.7 (embedded server, parser, protocol, its MQ flat-message conversion) and compile the
# capture program into a content-addressed cache dir; prints the dir as the last stdout line (exit 2 + reason
# on failure). See ../prepare-java-engine.sh. Used by test/fixtures/ingest/canal/record.sh only.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$HERE/../prepare-java-engine.sh" canal "$HERE" "com.alibaba.otter:canal.server 1.1.7" "the Canal capture program"
