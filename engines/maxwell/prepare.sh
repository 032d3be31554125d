#!/usr/bin/env bash
# Resolve Maxwell 1.22.6 (com.zendesk:maxwell, Maven Central) and compile the Nashorn stub it needs on
# Java 17 into a content-addressed cache dir; prints the dir as the last stdout line (exit 2 + reason on
# failure). See ../prepare-java-engine.sh. Used by test/fixtures/ingest/maxwell/record.sh only.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$HERE/../prepare-java-engine.sh" maxwell "$HERE" "com.zendesk:maxwell 1.22.6" "the Nashorn stub for Maxwell"
