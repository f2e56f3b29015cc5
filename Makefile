# Vermont: a Kubernetes operator for Kafka producer and consumer workloads.

# Versions: every pinned version lives here; scripts and checks derive from these.

# Kubernetes control plane for envtest and the local cluster; k8s.io/* Go modules follow it.
K8S_VERSION ?= 1.37.2
ETCD_VERSION ?= 3.6.16
# Apache Kafka broker for tests and `make dev` (KRaft). 4.4.0 is the newest 4.x on
# Maven Central here, and kafka-go v0.4.51 consumer groups and admin calls pass
# against it (internal/testenv TestKafkaGoCompatibility).
KAFKA_VERSION ?= 4.4.0
# Go dependencies pinned in go.mod; `make verify` checks that go.mod agrees.
CONTROLLER_RUNTIME_VERSION ?= v0.25.3
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KAFKA_GO_VERSION ?= v0.4.51
GOLANGCI_LINT_VERSION ?= v2.15.0
K8S_MODULE_VERSION := v0.$(patsubst 1.%,%,$(K8S_VERSION))

export K8S_VERSION ETCD_VERSION KAFKA_VERSION CONTROLLER_RUNTIME_VERSION CONTROLLER_TOOLS_VERSION KAFKA_GO_VERSION K8S_MODULE_VERSION

# Image holding both binaries (/manager and /worker).
IMG ?= ghcr.io/vermont-io/kafka-operator:dev
CONTAINER_TOOL ?= docker

LOCALBIN ?= $(CURDIR)/bin
# make dev / dev-up state: kubeconfig, logs, the ready marker.
DEV_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vermont/dev
DEV_PID ?= $(DEV_DIR).pid
DEV_LOG ?= $(DEV_DIR).log
GOLANGCI_LINT := $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
CONTROLLER_GEN := go tool controller-gen
# Directory of kube-apiserver, etcd and kube-controller-manager (built on first use).
ENVTEST_ASSETS = $(shell K8S_VERSION=$(K8S_VERSION) ETCD_VERSION=$(ETCD_VERSION) hack/build-k8s.sh --print-dir)

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Generate the CRDs (config/crd/bases) and the RBAC role (config/rbac) from the Go markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd:allowDangerousTypes=false paths="./api/..." paths="./controllers/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

.PHONY: generate
generate: ## Generate deepcopy code and server-side-apply configurations for the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."
	$(CONTROLLER_GEN) applyconfiguration:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run gofmt on the code.
	gofmt -l -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (.golangci.yml).
	$(GOLANGCI_LINT) run ./...

.PHONY: verify
verify: ## Regenerate everything and fail if a generated file differs from what is committed; check pinned versions.
	hack/verify.sh

.PHONY: test
test: envtest-assets ## Run all tests: unit, envtest integration (real kube-apiserver) and Kafka (KAFKA_BOOTSTRAP, else in-process).
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test -count=1 -timeout 30m ./...

FUZZTIME ?= 15s
.PHONY: fuzz
fuzz: ## Run each fuzz target for FUZZTIME (templates, worker config, HTTP source bodies, the JSON check); seeds are in the tests.
	go test -run '^$$' -fuzz '^FuzzRecordTemplate$$' -fuzztime $(FUZZTIME) ./internal/worker/
	go test -run '^$$' -fuzz '^FuzzParseMessages$$' -fuzztime $(FUZZTIME) ./internal/worker/
	go test -run '^$$' -fuzz '^FuzzValidJSON$$' -fuzztime $(FUZZTIME) ./internal/worker/
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/workerconfig/

.PHONY: test-e2e
test-e2e: envtest-assets ## Only the end-to-end tests (test/e2e) on the local cluster; make test runs them too.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test -count=1 -timeout 20m -v ./test/e2e/

##@ Build

.PHONY: build
build: ## Build bin/manager and bin/worker, statically (CGO_ENABLED=0, as the Dockerfile does).
	CGO_ENABLED=0 go build -trimpath -o $(LOCALBIN)/manager ./cmd/manager
	CGO_ENABLED=0 go build -trimpath -o $(LOCALBIN)/worker ./cmd/worker

.PHONY: run
run: manifests ## Run the manager on this machine against the current kubeconfig (CRDs must be installed: make install).
	WORKER_IMAGE=$(IMG) go run ./cmd/manager --health-probe-bind-address=:8081 --metrics-bind-address=:8080

.PHONY: dev
dev: build envtest-assets ## Run everything locally (Kafka, local Kubernetes, operator, config/samples or SAMPLES=files) with a live table; Ctrl-C stops it all.
	go build -o $(LOCALBIN)/dev ./hack/dev
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" $(LOCALBIN)/dev --dir "$(DEV_DIR)" --bin "$(LOCALBIN)" $(SAMPLES)

.PHONY: dev-up
dev-up: build envtest-assets ## Like dev, in the background; returns when ready and prints the KUBECONFIG to export.
	go build -o $(LOCALBIN)/dev ./hack/dev
	@if [ -f "$(DEV_PID)" ] && kill -0 "$$(cat "$(DEV_PID)")" 2>/dev/null; then echo "dev-up: already running (make dev-down stops it)"; exit 1; fi
	@mkdir -p "$(dir $(DEV_PID))"
	@KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" nohup $(LOCALBIN)/dev --no-table --dir "$(DEV_DIR)" --bin "$(LOCALBIN)" $(SAMPLES) >"$(DEV_LOG)" 2>&1 </dev/null & echo $$! >"$(DEV_PID)"
	@echo "dev-up: starting in the background (log: $(DEV_LOG))"
	@until [ -f "$(DEV_DIR)/ready" ]; do \
		if ! kill -0 "$$(cat "$(DEV_PID)")" 2>/dev/null; then tail -n 30 "$(DEV_LOG)"; rm -f "$(DEV_PID)"; echo "dev-up: failed"; exit 1; fi; \
		sleep 1; \
	done
	@echo "dev-up: ready. export KUBECONFIG=$(DEV_DIR)/kubeconfig"

.PHONY: dev-down
dev-down: ## Stop what dev-up started.
	@if [ ! -f "$(DEV_PID)" ]; then echo "dev-down: nothing running"; exit 0; fi
	@pid="$$(cat "$(DEV_PID)")"; kill -TERM "$$pid" 2>/dev/null || true; \
	for i in $$(seq 1 60); do kill -0 "$$pid" 2>/dev/null || break; sleep 1; done; \
	if kill -0 "$$pid" 2>/dev/null; then echo "dev-down: still running after 60 s; killing"; kill -KILL "$$pid"; fi
	@rm -f "$(DEV_PID)"
	@echo "dev-down: stopped"

.PHONY: bench
bench: build envtest-assets ## Measure the worker against kafka-*-perf-test and kcat, and the operator at 1,000 groups; writes docs/benchmarks.md (BENCH_ARGS=-runs 1 ... for a quick run).
	go build -o $(LOCALBIN)/bench ./hack/bench
	@started=0; if ! hack/kafka.sh status >/dev/null 2>&1; then hack/kafka.sh start >/dev/null; started=1; fi; \
	KAFKA_BOOTSTRAP="$$(hack/kafka.sh bootstrap)" KAFKA_LIBS="$$(hack/kafka.sh libs)" KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" \
		$(LOCALBIN)/bench --bin "$(LOCALBIN)" $(BENCH_ARGS); rc=$$?; \
	if [ "$$started" = 1 ]; then hack/kafka.sh stop; fi; exit $$rc

.PHONY: docker-build
docker-build: ## Build the image $(IMG) with both binaries (needs a container engine).
	$(CONTAINER_TOOL) build -t $(IMG) .

##@ Deployment

.PHONY: install
install: manifests ## Install the CRDs into the cluster of the current kubeconfig.
	kubectl apply --server-side -k config/crd

.PHONY: deploy
deploy: manifests ## Deploy the operator (CRDs, RBAC, manager Deployment with image $(IMG)) to the current kubeconfig.
	kubectl kustomize config/default | sed 's|controller:latest|$(IMG)|g' | kubectl apply --server-side -f -

##@ Dependencies

.PHONY: envtest-assets
envtest-assets: ## Build kube-apiserver, kube-controller-manager and etcd from source (cached) and print their directory.
	@hack/build-k8s.sh

.PHONY: kafka-start
kafka-start: ## Start a real Apache Kafka broker on 127.0.0.1 and print the KAFKA_BOOTSTRAP to export.
	@echo "export KAFKA_BOOTSTRAP=$$(hack/kafka.sh start)"

.PHONY: kafka-secure-env
kafka-secure-env: ## Print the broker's SASL_SSL, SSL and SASL_PLAINTEXT listeners, CA file and test user (for the security tests).
	@hack/kafka.sh secure-env

.PHONY: kafka-topic
kafka-topic: ## Create topic TOPIC with PARTITIONS partitions (default 1) on the broker started by kafka-start.
	@hack/kafka.sh create-topic "$(TOPIC)" "$(or $(PARTITIONS),1)"

.PHONY: kafka-stop
kafka-stop: ## Stop the broker started by kafka-start and remove its data.
	@hack/kafka.sh stop

$(GOLANGCI_LINT):
	@mkdir -p $(LOCALBIN)
	@echo "installing golangci-lint $(GOLANGCI_LINT_VERSION) into $(LOCALBIN) (first time: about 2 minutes)" >&2
	GOBIN=$(LOCALBIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(LOCALBIN)/golangci-lint $(GOLANGCI_LINT)
