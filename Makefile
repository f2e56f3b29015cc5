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

.PHONY: test-e2e
test-e2e: ## End-to-end tests on the local cluster (arrive with the local cluster issue).
	@echo "test-e2e: the local cluster with a process kubelet and the end-to-end suite arrive with the local cluster issue; nothing to run yet." >&2
	@exit 1

##@ Build

.PHONY: build
build: ## Build bin/manager and bin/worker, statically (CGO_ENABLED=0, as the Dockerfile does).
	CGO_ENABLED=0 go build -trimpath -o $(LOCALBIN)/manager ./cmd/manager
	CGO_ENABLED=0 go build -trimpath -o $(LOCALBIN)/worker ./cmd/worker

.PHONY: run
run: manifests ## Run the manager on this machine against the current kubeconfig (CRDs must be installed: make install).
	WORKER_IMAGE=$(IMG) go run ./cmd/manager --health-probe-bind-address=:8081 --metrics-bind-address=:8080

.PHONY: dev
dev: ## Local cluster, Kafka, operator and samples in one command (arrives with the local cluster issue).
	@echo "dev: the local cluster and the one-command demo arrive with the local cluster issue." >&2
	@exit 1

.PHONY: bench
bench: ## Benchmarks against Kafka's perf tools and kcat (arrive with the benchmarks issue).
	@echo "bench: the benchmarks arrive with the benchmarks issue." >&2
	@exit 1

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
