#!/usr/bin/env bash
# `make up` / `make down`: deploy/docker-compose/docker-compose.yaml with the engine
# scripts/containers/engine.sh picks. Docker runs it with `docker compose`. Podman cannot run this
# file as it is: its grpc-tls volume is mounted per service with a subpath (each service sees its
# own certificate, never the CA's key), which podman before 5.x and podman-compose lack, and its
# start order waits for health checks, which Debian's podman-compose (1.0.3) ignores. With podman,
# `make images` builds the images and tests/integration/container-images.test.ts shows how to run
# them (host network, mutual TLS, migrations first).
#   scripts/containers/compose.sh <compose arguments...>
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
engine="$("$root/scripts/containers/engine.sh")"
file="$root/deploy/docker-compose/docker-compose.yaml"
if [ "$engine" = docker ]; then exec docker compose -f "$file" "$@"; fi
# podman 4.7+ delegates `podman compose` to a compose provider (docker-compose, podman-compose):
# used where there is one (not tried here: this machine's podman is 4.3).
if podman compose version >/dev/null 2>&1; then exec podman compose -f "$file" "$@"; fi
echo "compose: $file needs volume subpaths and health-gated start-up, which this podman ($(podman --version)) and its compose tooling lack; start a Docker daemon, or use podman 5 with podman compose. make images builds the images with podman." >&2
exit 1
