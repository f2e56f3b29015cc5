/*
Copyright 2026 The Vermont Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package e2e runs Vermont end to end on a local cluster: the real
// kube-apiserver and kube-controller-manager, the process kubelet running
// the worker binary, the manager binary, and the Kafka broker from testenv
// (the real Apache Kafka in CI).
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vermont-io/kafka-operator/internal/localcluster"
	"github.com/vermont-io/kafka-operator/internal/testenv"
)

var (
	kfk     *testenv.Kafka
	cluster *localcluster.Cluster
	manager *localcluster.Manager
	workDir string
	// managerBinary lets a test restart the manager.
	managerBinary string
)

func roleFile() string { return filepath.Join(testenv.RepoRoot(), "config", "rbac", "role.yaml") }

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, nil, &kfk, startCluster)) }

// startCluster starts the local cluster and the manager binary on it.
func startCluster() (func(), error) {
	var err error
	if workDir, err = os.MkdirTemp("", "vermont-e2e-"); err != nil {
		return nil, err
	}
	binaries, err := testenv.BuildCommands(filepath.Join(workDir, "bin"))
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(workDir, "kubelet.log"))
	if err != nil {
		return nil, err
	}
	cluster, err = localcluster.Start(localcluster.Options{
		Dir: workDir, Binaries: map[string]string{"worker": binaries["worker"]},
		Log: slog.New(slog.NewTextHandler(logFile, nil)),
	})
	if err != nil {
		return nil, err
	}
	if out, err := kubectlIn("", "apply", "--server-side", "-k", filepath.Join(testenv.RepoRoot(), "config", "crd")); err != nil {
		return nil, fmt.Errorf("installing the CRDs: %w: %s", err, out)
	}
	managerBinary = binaries["manager"]
	manager, err = cluster.StartManager(managerBinary, roleFile())
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "e2e: local cluster up; kubeconfig %s; logs in %s\n", cluster.Kubeconfig, workDir)
	return func() {
		// A test may have replaced the manager; stop the current one.
		manager.Stop()
		if err := cluster.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: stopping the cluster: %v\n", err)
		}
		if os.Getenv("VERMONT_E2E_KEEP") == "" {
			_ = os.RemoveAll(workDir)
		}
	}, nil
}

// kubectlIn runs the machine's kubectl against the local cluster.
func kubectlIn(namespace string, args ...string) (string, error) {
	if namespace != "" {
		args = append([]string{"-n", namespace}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", cluster.Kubeconfig}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func kubectl(t *testing.T, namespace string, args ...string) string {
	t.Helper()
	out, err := kubectlIn(namespace, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// dumpOnFailure prints what a person would look at when a test fails.
func dumpOnFailure(t *testing.T, namespace string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		out, _ := kubectlIn(namespace, "get", "kafka,deployments,pods", "-o", "wide")
		t.Logf("kubectl get kafka,deployments,pods:\n%s", out)
		out, _ = kubectlIn(namespace, "describe", "kafka")
		t.Logf("kubectl describe kafka:\n%s", out)
		manager, _ := os.ReadFile(filepath.Join(cluster.LogDir, "manager.log"))
		t.Logf("manager log (tail):\n%s", tail(string(manager), 40))
	})
}

func tail(s string, lines int) string {
	all := strings.Split(s, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
