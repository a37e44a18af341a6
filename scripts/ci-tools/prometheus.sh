#!/usr/bin/env bash
# Builds Prometheus into .tools/bin/prometheus (never committed) from the Go module proxy, once:
# its download site is out of reach here. `PROMETHEUS=1 make dev` runs it against the local
# services, and tests/e2e/prometheus.test.ts checks its targets and rules when it is there.
# Prometheus 3.x is the Go module version v0.3xx.y. Measured on a 2-core machine with empty Go
# caches: 9 CPU-minutes (most of it the service-discovery SDKs), so ~5 min idle and 37 min when it
# was shared with other builds; ~40 s with the caches of an earlier build; ~0.01 s once built.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version=v0.316.0
bin="$root/.tools/bin"
stamp="$bin/.versions/prometheus"
if [ -x "$bin/prometheus" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then exit 0; fi
mkdir -p "$bin/.versions"
echo "prometheus: building github.com/prometheus/prometheus/cmd/prometheus@$version from the Go module proxy" >&2
start=$(date +%s)
GOBIN="$bin" GOFLAGS=-buildvcs=false go install "github.com/prometheus/prometheus/cmd/prometheus@$version"
echo "$version" > "$stamp"
echo "prometheus: ready in $(($(date +%s) - start)) s" >&2
