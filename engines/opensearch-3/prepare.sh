#!/usr/bin/env bash
# Resolve and compile the embedded OpenSearch 3.x launcher into a content-addressed cache dir; prints the dir as the
# last stdout line (exit 2 + reason on failure). Needs Java 21+: set JAVA_HOME (syncline's stack picks it itself).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# the shared launcher (engines/opensearch-launcher) and this version's Flavour (the plugin names, the Node constructor)
export SYNCLINE_ENGINE_SOURCES="src/main/java ../opensearch-launcher/src/main/java"
SYNCLINE_JAVA_RELEASE=21 exec "$HERE/../prepare-java-engine.sh" opensearch-3 "$HERE" "org.opensearch:opensearch:3.9.0" "the OpenSearch 3 launcher"
