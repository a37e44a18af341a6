#!/usr/bin/env bash
# Validates everything under deploy/, the Dockerfiles and the CI workflows without a Docker engine
# or a cluster; `make deploy-check` (a part of `make test`) runs it. Any finding fails it.
#   dockerfiles  services/Dockerfile has a stage for every service; hadolint (deploy/hadolint.yaml) passes it
#   compose      deploy/docker-compose/docker-compose.yaml loads as `docker compose config` loads it:
#                compose-spec schema, interpolation, references; health-check ordering (compose-check)
#   workflows    actionlint (with shellcheck on the run: scripts) on .github/workflows; shellcheck on
#                scripts/ci-tools/*.sh and scripts/containers/*.sh
#   helm         helm lint --strict with values-dev.yaml and values-prod.yaml (values.schema.json rejects
#                any key it does not list), then helm template for both, piped through kubeconform
#                -strict against the Kubernetes API schemas of each version in KUBE_VERSIONS and the
#                ServiceMonitor and PrometheusRule CRDs' schemas
# Usage: scripts/ci-tools/deploy-check.sh [dockerfiles|compose|workflows|helm ...]   (default: all)
#        CHART=<folder> overrides the chart checked (the tests point it at a broken copy).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
eval "$(scripts/ci-tools/tools.sh --print)"
export PATH="$TOOLS_BIN:$PATH"
chart="${CHART:-deploy/helm/notes-platform}"
compose_file="${COMPOSE_FILE_CHECKED:-deploy/docker-compose/docker-compose.yaml}"
sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(dockerfiles compose workflows helm)
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
say() { echo "deploy-check: $*"; }

check_dockerfiles() {
  local service dockerfile=services/Dockerfile
  # services/Dockerfile builds the service its SERVICE argument names from the stage of that name.
  for service in services/*/; do
    service="${service%/}"
    [ -f "$service/src/main.ts" ] || continue
    if ! grep -Eq "^FROM .* AS ${service#services/}\$" "$dockerfile"; then
      echo "deploy-check: $dockerfile has no stage for ${service#services/}" >&2
      return 1
    fi
  done
  hadolint --no-color --config deploy/hadolint.yaml "$dockerfile"
  say "hadolint: $dockerfile clean"
}

check_compose() {
  compose-check -require postgres-auth,postgres-notes,postgres-saga,kafka,kafka-2,kafka-3,kafka-init,kafka-ui,jaeger,auth-service,notes-service,saga-orchestrator,bff-rest,delivery-reconciler-role,delivery-reconciler \
    "$compose_file" | sed 's/^/deploy-check: /'
}

check_workflows() {
  actionlint -no-color -shellcheck "$TOOLS_BIN/shellcheck"
  say "actionlint: $(find .github/workflows -name '*.y*ml' | wc -l) workflows clean"
  shellcheck scripts/ci-tools/*.sh scripts/containers/*.sh
  say "shellcheck: scripts/ci-tools and scripts/containers clean"
}

check_helm() {
  # A throw-away key pair: the chart needs the JWT keys' PEM text when no existingSecret is named.
  node -e '
    const { generateKeyPairSync } = require("node:crypto");
    const fs = require("node:fs");
    const k = generateKeyPairSync("rsa", { modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    fs.writeFileSync(process.argv[1] + "/private.pem", k.privateKey);
    fs.writeFileSync(process.argv[1] + "/public.pem", k.publicKey);' "$scratch"
  local keys=(--set-file "jwt.privateKey=$scratch/private.pem" --set-file "jwt.publicKey=$scratch/public.pem")
  local values version rendered out
  for values in dev prod; do
    for version in $KUBE_VERSIONS; do
      if ! out="$(helm lint --strict --kube-version "$version" "$chart" -f "$chart/values-$values.yaml" "${keys[@]}" 2>&1)"; then
        echo "$out" >&2
        echo "deploy-check: helm lint failed with values-$values.yaml (Kubernetes $version)" >&2
        return 1
      fi
      rendered="$scratch/$values-$version.yaml"
      helm template notes "$chart" --namespace notes --kube-version "$version" \
        -f "$chart/values-$values.yaml" "${keys[@]}" > "$rendered"
      kubeconform -strict -summary \
        -schema-location "$K8S_SCHEMAS/kubernetes/v$version/{{.ResourceKind}}{{.KindSuffix}}.json" \
        -schema-location "$K8S_SCHEMAS/crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json" \
        "$rendered" | sed "s/^/deploy-check: helm $values, Kubernetes $version: /"
    done
  done
}

for section in "${sections[@]}"; do
  case "$section" in
    dockerfiles) check_dockerfiles ;;
    compose) check_compose ;;
    workflows) check_workflows ;;
    helm) check_helm ;;
    *)
      echo "deploy-check: unknown section $section (dockerfiles, compose, workflows, helm)" >&2
      exit 2
      ;;
  esac
done
