#!/usr/bin/env bash
# Installs what builds and runs the images without a Docker daemon, once: Debian's podman, runc
# (crun, podman's default runtime, fails on hosts with hybrid cgroups) and mmdebstrap (makes the
# base images from Debian's packages: no container registry is reachable here). Idempotent: when
# all three are present it prints nothing. Needs root (apt-get); on a machine whose Docker daemon
# answers nothing is installed either (scripts/containers/engine.sh prefers it).
#   scripts/containers/install-engine.sh
set -euo pipefail
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then exit 0; fi
missing=()
for tool in podman runc mmdebstrap; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-engine: ${missing[*]} missing; install them (Debian: apt-get install podman runc mmdebstrap) or start a Docker daemon" >&2
  exit 1
fi
echo "install-engine: installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# uidmap: podman's storage setup; fuse-overlayfs is not needed as root (native overlay).
apt-get install -y -qq --no-install-recommends podman runc mmdebstrap uidmap netavark aardvark-dns \
  iptables conmon containernetworking-plugins slirp4netns catatonit >&2
