#!/usr/bin/env bash
# buf breaking against the previous commit (CI: the previous commit of main). The previous
# commit's workspace is rebuilt in a temporary folder with the same fetched dependency protos,
# since those are never committed. Skipped when there is no previous commit with contracts.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
against="${BUF_BREAKING_AGAINST:-HEAD~1}"
cd "$root"
if ! git rev-parse --verify -q "$against^{commit}" >/dev/null || ! git cat-file -e "$against:proto" 2>/dev/null; then
  echo "buf breaking: no contracts at $against, nothing to compare"
  exit 0
fi
previous="$(mktemp -d)"
trap 'rm -rf "$previous"' EXIT
git archive "$against" proto buf.yaml | tar -x -C "$previous"
mkdir -p "$previous/.tools" && cp -r .tools/proto-deps "$previous/.tools/"
buf breaking . --against "$previous" || {
  echo "buf breaking: the contracts changed incompatibly since $against" >&2
  exit 1
}
echo "buf breaking: compatible with $against"
