#!/usr/bin/env bash
# Builds every service's image from services/Dockerfile as $REGISTRY/<service>:$TAG with the
# engine scripts/containers/engine.sh picks (docker or podman), and says how long each build took
# and how big each image is. With podman the base image is made locally first
# (scripts/containers/base-images.sh: no container registry is reachable here). The first image's
# build runs `make bundle` in the generate stage; the others reuse its layers.
#   scripts/containers/build-images.sh [service ...]    default: every service
# Environment: REGISTRY (notes-platform), TAG (dev), CONTAINER_ENGINE (docker | podman).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$root/scripts/containers/containers.conf}"
engine="$(scripts/containers/engine.sh)"
registry="${REGISTRY:-notes-platform}"
tag="${TAG:-dev}"
services=("$@")
if [ "${#services[@]}" -eq 0 ]; then
  for main in services/*/src/main.ts; do services+=("$(basename "$(dirname "$(dirname "$main")")")"); done
fi

flags=()
if [ "$engine" = podman ]; then
  scripts/containers/base-images.sh podman
  # RUN steps reach Debian's packages and the npm registry through the host's network; the
  # docker image format keeps HEALTHCHECK (the OCI format has none).
  flags+=(--network host --format docker)
fi

for service in "${services[@]}"; do
  start=$(date +%s)
  "$engine" build "${flags[@]}" -f services/Dockerfile --build-arg "SERVICE=$service" -t "$registry/$service:$tag" . >&2
  size="$("$engine" image inspect --format '{{.Size}}' "$registry/$service:$tag")"
  echo "image $registry/$service:$tag built in $(($(date +%s) - start)) s, $((size / 1000000)) MB"
done
