#!/usr/bin/env bash
# Resolve and compile the embedded OpenSearch launcher into a content-addressed
# cache dir; prints the dir as the last stdout line (exit 2 + reason on failure). See ../prepare-java-engine.sh.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# the shared launcher (engines/opensearch-launcher) and this version's Flavour (the plugin names, the Node constructor)
export SYNCLINE_ENGINE_SOURCES="src/main/java ../opensearch-launcher/src/main/java"
exec "$HERE/../prepare-java-engine.sh" opensearch "$HERE" "org.opensearch:opensearch:2.19.6" "the OpenSearch launcher"
