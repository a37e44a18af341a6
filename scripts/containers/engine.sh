#!/usr/bin/env bash
# Prints the container engine that builds and runs the images: CONTAINER_ENGINE when set, else
# docker when its daemon answers, else podman (installed by scripts/containers/install-engine.sh
# when missing). Run podman with CONTAINERS_CONF=scripts/containers/containers.conf (the Makefile
# exports it).
#   scripts/containers/engine.sh          the engine's command, e.g. podman
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${CONTAINER_ENGINE:-}" ]; then echo "$CONTAINER_ENGINE"; exit 0; fi
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then echo docker; exit 0; fi
"$here/install-engine.sh"
echo podman
