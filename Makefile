# Every target runs on Node.js 24: scripts/ensure-node.sh installs it into .tools/ when the
# machine's node is older. `make dev` and `make test` need nothing else set up beforehand.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

NODE_DIR := $(shell scripts/ensure-node.sh)
export PATH := $(NODE_DIR):$(CURDIR)/node_modules/.bin:$(PATH)

STAMP := node_modules/.install-stamp
GENERATED := packages/contracts/src/gen/.stamp
API_CLIENT_TYPES := packages/api-client/src/gen/openapi.ts

.PHONY: help install generate web build lint typecheck test test-unit test-integration test-component test-e2e test-browser \
        dev bundle bench-web migrate-auth migrate-notes migrate-saga buf-lint buf-breaking bench bench-quick bench-profile bench-streams bench-relay bench-churn relay dlq-replay delivery-check chaos clean \
        tools deploy-check helm-template images up down container-engine prometheus

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): package.json package-lock.json packages/*/package.json services/*/package.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(STAMP) ## install dependencies (npm ci)

$(GENERATED): $(STAMP) buf.yaml buf.gen.yaml $(shell find proto -name '*.proto')
	scripts/fetch-proto-deps.sh
	buf generate
	@touch $@

# The typed client's path types follow the BFF's OpenAPI document (itself checked against the
# BFF's routes by services/bff-rest/test/component/openapi.test.ts); tsc -b then fails on any caller
# the document no longer fits.
$(API_CLIENT_TYPES): $(STAMP) services/bff-rest/openapi/openapi.json
	npm run --silent generate -w packages/api-client

generate: $(GENERATED) $(API_CLIENT_TYPES) ## generate protobuf code into packages/contracts/src/gen, the API client's types into packages/api-client/src/gen

# The web client's content-hashed files, which bff-rest serves at / (git-ignored; ADR 0015).
WEB_CLIENT := services/bff-rest/web/dist/index.html
$(WEB_CLIENT): $(STAMP) $(API_CLIENT_TYPES) scripts/build-web.ts services/bff-rest/web/index.html $(shell find services/bff-rest/web/src -type f)
	node scripts/build-web.ts

web: $(WEB_CLIENT) ## bundle the web client (esbuild) into services/bff-rest/web/dist

# TypeScript 7's native compiler type-checks (3x faster); `typescript` itself is 6.x, whose API
# dependency-cruiser and editors load (ADR 0007).
TSC := node_modules/typescript-native/bin/tsc

build: generate web ## bundle the web client, type-check every package and service (Node 24 runs the TypeScript sources directly)
	$(TSC) -b

typecheck: build

buf-lint: generate ## lint the .proto contracts
	buf lint

buf-breaking: generate ## compare the contracts with the previous commit
	scripts/buf-breaking.sh

lint: generate buf-lint ## biome, import boundaries, buf lint
	biome check .
	@# dependency-cruiser passes having read nothing when it finds no TypeScript API it can use.
	@out="$$(depcruise --config .dependency-cruiser.cjs packages services scripts bench 2>&1)" || { echo "$$out"; exit 1; }; \
	  echo "$$out"; \
	  if grep -q missing-tsc-transpiler <<<"$$out"; then echo 'make lint: dependency-cruiser read no TypeScript (ADR 0007)' >&2; exit 1; fi

test: build lint buf-breaking deploy-check container-engine ## every test tier, on real PostgreSQL (and the deployment checks; the images built and run with docker or podman)
	node scripts/test.ts all

test-unit: generate ## unit tests (no I/O)
	node scripts/test.ts unit

test-integration: generate container-engine ## integration tests (real PostgreSQL; the images built and run with docker or podman)
	node scripts/test.ts integration

test-component: generate ## one service in-process against real PostgreSQL
	node scripts/test.ts component

test-e2e: generate ## the whole platform as processes
	node scripts/test.ts e2e

test-browser: generate web ## the web client in headless Chromium (Debian's, installed when missing) against the whole platform
	node scripts/test.ts browser

# A production artefact, never committed: development and tests run the sources (ADR 0001, 0009).
bundle: generate web ## each service as one plain-JavaScript file, services/<name>/dist/main.js (the images and make bench run it), and the web client
	node scripts/bundle.ts

dev: generate web $(if $(filter 1 true,$(PROMETHEUS)),prometheus) ## run the whole platform locally (BFF on http://127.0.0.1:8080; PROMETHEUS=1 adds Prometheus on :9090)
	node scripts/dev.ts

prometheus: ## build Prometheus into .tools/bin from the Go module proxy (9 CPU-minutes the first time), for PROMETHEUS=1 make dev
	scripts/ci-tools/prometheus.sh

migrate-auth: generate ## apply auth-service migrations (AUTH_DB_DSN; `make migrate-auth DIRECTION=down`)
	node services/auth-service/src/main.ts migrate $(or $(DIRECTION),up)

migrate-notes: generate ## apply notes-service migrations (NOTES_DB_DSN; `make migrate-notes DIRECTION=down`)
	node services/notes-service/src/main.ts migrate $(or $(DIRECTION),up)

migrate-saga: generate ## apply saga-orchestrator migrations (SAGA_DB_DSN; `make migrate-saga DIRECTION=down`)
	node services/saga-orchestrator/src/main.ts migrate $(or $(DIRECTION),up)

bench: bundle ## measure the platform next to its ceilings, 10-15 min (bench/README.md); results in bench/results/
	node bench/run.ts
	CHROMIUM_PATH="$$(scripts/ensure-chromium.sh)" node bench/web-client.ts

bench-web: bundle ## the web client's first load in headless Chromium: JavaScript shipped, time to an interactive list (~1 min)
	CHROMIUM_PATH="$$(scripts/ensure-chromium.sh)" node bench/web-client.ts $(ARGS)

bench-quick: bundle ## the same measurements with 1-second runs (~1.5 min): a smoke test, numbers not asserted
	node bench/run.ts --quick
	CHROMIUM_PATH="$$(scripts/ensure-chromium.sh)" node bench/web-client.ts --quick

bench-profile: bundle ## CPU profiles of services under load (SERVICES=bff,notes ROUTE=create|list|get SECONDS=20)
	node bench/profile.ts --services $(or $(SERVICES),bff,notes) --path $(or $(ROUTE),create) --seconds $(or $(SECONDS),20)

bench-streams: bundle ## make bench's change-stream figure alone, with CPU by process (PROFILE=1: bff and notes profiled)
	node bench/change-streams-alone.ts $(if $(PROFILE),--profile)

bench-churn: generate ## a consumer group's members killed or restarting, under each rebalance protocol (SECONDS=60 of churn)
	node bench/consumer-churn.ts $(or $(SECONDS),60)

bench-relay: generate ## outbox relay throughput next to Kafka's producer perf tool, commit-to-consume latency
	node bench/outbox/relay-throughput.ts

relay: generate ## a stand-alone outbox relay (OUTBOX_DB_DSN, KAFKA_BROKERS; services then run with OUTBOX_RELAY=false)
	node packages/outbox/bin/relay.ts

dlq-replay: generate ## re-publish dead letters to their source topic (ARGS="--brokers 127.0.0.1:9092 --event-id ...")
	node packages/kafka/bin/replay-dlq.ts $(ARGS)

delivery-check: generate ## events published over 5 min ago that a consumer group has not processed (AUTH_DB_DSN, NOTES_DB_DSN, SAGA_DB_DSN; ARGS="--older-than 10m", "--serve 9464" for its metric)
	node scripts/delivery-check.ts $(ARGS)

chaos: generate ## fault scenarios on the platform with three Kafka nodes, a table of what was injected and observed (SCENARIOS="broker paused,..."; README "Faults")
	node tests/faults/chaos.ts

clean: ## remove installed, generated and local data (.data keeps make dev's database)
	rm -rf node_modules packages/*/node_modules services/*/node_modules packages/contracts/src/gen packages/api-client/src/gen .tools dist-types */*/dist-types services/*/dist services/bff-rest/web/dist services/bff-rest/web/dist-types

# ---- deployment: images, docker compose, Helm (README "Deploying")

SERVICES := $(patsubst services/%/src/main.ts,%,$(wildcard services/*/src/main.ts))
REGISTRY ?= notes-platform
TAG ?= dev

tools: ## install the deployment checkers into .tools/bin (helm, kubeconform, actionlint, hadolint, ...)
	scripts/ci-tools/tools.sh

deploy-check: ## hadolint, compose-spec, actionlint, helm lint + template | kubeconform (no Docker needed)
	scripts/ci-tools/deploy-check.sh

helm-template: ## render the chart (VALUES=dev|prod) with a throw-away JWT key pair
	@scripts/ci-tools/tools.sh
	@keys="$$(mktemp -d)" && trap 'rm -rf "$$keys"' EXIT && \
	  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$$keys/private.pem" 2>/dev/null && \
	  openssl pkey -in "$$keys/private.pem" -pubout -out "$$keys/public.pem" && \
	  .tools/bin/helm template notes deploy/helm/notes-platform --kube-version 1.37.0 \
	    -f deploy/helm/notes-platform/values-$(or $(VALUES),dev).yaml \
	    --set-file jwt.privateKey="$$keys/private.pem" --set-file jwt.publicKey="$$keys/public.pem"

# docker when its daemon answers, else podman (Debian's, installed by `make container-engine`) with
# the settings of scripts/containers/containers.conf; podman's base image is made locally
# (scripts/containers/base-images.sh: no container registry is reachable here).
export CONTAINERS_CONF ?= $(CURDIR)/scripts/containers/containers.conf

container-engine: ## install podman, runc and mmdebstrap (Debian's packages) unless a Docker daemon answers
	scripts/containers/install-engine.sh

images: container-engine ## build every service image (services/Dockerfile) as $(REGISTRY)/<service>:$(TAG) with docker or podman; prints build times and sizes
	REGISTRY=$(REGISTRY) TAG=$(TAG) scripts/containers/build-images.sh

up: container-engine ## the whole platform in containers: compose up --build --wait (BFF on http://127.0.0.1:8080; COMPOSE_PROFILES=observability adds Prometheus and Grafana)
	REGISTRY=$(REGISTRY) TAG=$(TAG) scripts/containers/compose.sh up --detach --build --wait --wait-timeout 300

down: ## compose down (ARGS=--volumes also drops the databases and the broker's data)
	scripts/containers/compose.sh down --remove-orphans $(ARGS)
