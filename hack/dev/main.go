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

// Command dev runs Vermont on this machine: a Kafka broker, a local
// Kubernetes (kube-apiserver, etcd, kube-controller-manager and a process
// kubelet), the manager, and the samples; then it shows a live table of the
// producers and consumer groups until Ctrl-C, and stops everything.
//
// Run it with `make dev` (foreground) or `make dev-up` / `make dev-down`.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/localcluster"
	"github.com/vermont-io/kafka-operator/internal/testenv"
)

func main() {
	var (
		dir     = flag.String("dir", defaultDir(), "directory for the kubeconfig, logs and the ready marker")
		bin     = flag.String("bin", "bin", "directory holding the manager and worker binaries (make build)")
		noTable = flag.Bool("no-table", false, "do not print the live table (make dev-up)")
	)
	flag.Parse()
	samples := flag.Args()
	if len(samples) == 0 {
		samples = []string{filepath.Join("config", "samples")}
	}
	if err := run(*dir, *bin, samples, !*noTable); err != nil {
		fmt.Fprintf(os.Stderr, "dev: %v\n", err)
		os.Exit(1)
	}
}

func defaultDir() string {
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "vermont", "dev")
}

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, "dev: "+format+"\n", args...) }

func run(dir, bin string, samples []string, table bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	bootstrap, stopKafka, err := startKafka()
	if err != nil {
		return err
	}
	defer stopKafka()

	say("starting the local cluster (kube-apiserver, etcd, kube-controller-manager, process kubelet)")
	kubeletLog, err := os.Create(filepath.Join(dir, "kubelet.log"))
	if err != nil {
		return err
	}
	cluster, err := localcluster.Start(localcluster.Options{
		Dir: dir, Binaries: map[string]string{"worker": filepath.Join(bin, "worker")},
		Log: slog.New(slog.NewTextHandler(kubeletLog, nil)),
	})
	if err != nil {
		return err
	}
	defer func() {
		say("stopping the workers, the manager and the cluster")
		if err := cluster.Stop(); err != nil {
			say("stopping the cluster: %v", err)
		}
	}()
	manager, err := cluster.StartManager(filepath.Join(bin, "manager"), filepath.Join("config", "rbac", "role.yaml"))
	if err != nil {
		return err
	}
	defer manager.Stop()

	if err := applySamples(cluster.Kubeconfig, bootstrap, samples, dir); err != nil {
		return err
	}
	say("ready. Point kubectl at the cluster with:\n\n    export KUBECONFIG=%s\n\n    kubectl get kafka\n    kubectl describe kcg orders-audit\n\nLogs: %s (pods in %s)", cluster.Kubeconfig, cluster.LogDir, filepath.Join(cluster.LogDir, "pods"))
	if err := os.WriteFile(filepath.Join(dir, "ready"), []byte(cluster.Kubeconfig+"\n"), 0o644); err != nil {
		return err
	}
	if !table {
		<-ctx.Done()
		return nil
	}
	ticker := time.NewTicker(3 * time.Second)
	defer ticker.Stop()
	for {
		printTable(ctx, cluster.Client)
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// startKafka uses KAFKA_BOOTSTRAP, else the real broker of hack/kafka.sh
// when Java is installed, else the in-process broker, and says which.
func startKafka() (string, func(), error) {
	if b := os.Getenv(testenv.EnvBootstrap); b != "" {
		say("Kafka: using %s (%s)", b, testenv.EnvBootstrap)
		return b, func() {}, nil
	}
	if out, err := exec.Command("hack/kafka.sh", "status").Output(); err == nil {
		b := strings.TrimSpace(string(out))
		say("Kafka: using the broker already running at %s (hack/kafka.sh); it keeps running after dev stops", b)
		return b, func() {}, nil
	}
	if _, err := exec.LookPath("java"); err == nil {
		say("Kafka: starting Apache Kafka with hack/kafka.sh (Java found)")
		cmd := exec.Command("hack/kafka.sh", "start")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return "", nil, fmt.Errorf("starting Kafka: %w", err)
		}
		stopKafka := func() {
			stop := exec.Command("hack/kafka.sh", "stop")
			stop.Stderr = os.Stderr
			_ = stop.Run()
		}
		return strings.TrimSpace(string(out)), stopKafka, nil
	}
	say("Kafka: no KAFKA_BOOTSTRAP and no Java: using the IN-PROCESS Kafka-protocol broker (not Apache Kafka)")
	k, err := testenv.StartKafka()
	if err != nil {
		return "", nil, err
	}
	return strings.Join(k.Bootstrap, ","), k.Stop, nil
}

// applySamples applies the sample files with kubectl, pointed at the
// broker in use.
func applySamples(kubeconfig, bootstrap string, paths []string, dir string) error {
	out := filepath.Join(dir, "applied")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		if info.IsDir() {
			matches, _ := filepath.Glob(filepath.Join(p, "*.yaml"))
			files = append(files, matches...)
		} else {
			files = append(files, p)
		}
	}
	servers := strings.Join(strings.Split(bootstrap, ","), `", "`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		pointed := strings.ReplaceAll(string(data), "127.0.0.1:19092", servers)
		if err := os.WriteFile(filepath.Join(out, filepath.Base(f)), []byte(pointed), 0o644); err != nil {
			return err
		}
	}
	say("applying %d sample files with kubectl", len(files))
	cmd := exec.Command("kubectl", "--kubeconfig", kubeconfig, "apply", "-f", out+"/")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// printTable shows the producers and consumer groups of every namespace.
func printTable(ctx context.Context, c client.Client) {
	var producers kafkav1alpha1.KafkaProducerList
	var groups kafkav1alpha1.KafkaConsumerGroupList
	if err := c.List(ctx, &producers); err != nil {
		return
	}
	if err := c.List(ctx, &groups); err != nil {
		return
	}
	fmt.Print("\033[H\033[2J")
	fmt.Printf("Vermont local cluster, %s (Ctrl-C stops everything)\n\n", time.Now().Format("15:04:05"))
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KIND\tNAMESPACE/NAME\tREADY/DESIRED\tLAG\tSTATE\tSTATUS\tMEMBERS (pod: partitions)")
	for _, p := range producers.Items {
		fmt.Fprintf(w, "producer\t%s/%s\t%d/%d\t-\t%s\t%s\t\n", p.Namespace, p.Name, p.Status.ReadyReplicas, ptr.Deref(p.Spec.Replicas, 1), topicOf(p), readyReason(p.Status.Conditions))
	}
	for _, g := range groups.Items {
		lag := "?"
		if g.Status.TotalLag != nil {
			lag = fmt.Sprint(*g.Status.TotalLag)
		}
		fmt.Fprintf(w, "group\t%s/%s\t%d/%d\t%s\t%s\t%s\t%s\n", g.Namespace, g.Name, g.Status.ReadyReplicas, g.Status.DesiredReplicas, lag, g.Status.GroupState, readyReason(g.Status.Conditions), members(g))
	}
	_ = w.Flush()
}

func topicOf(p kafkav1alpha1.KafkaProducer) string {
	if t := p.Status.Topic; t != nil {
		return fmt.Sprintf("topic %s (%d partitions)", t.Name, t.Partitions)
	}
	return "topic " + string(p.Spec.Topic)
}

func readyReason(conds []metav1.Condition) string {
	if c := meta.FindStatusCondition(conds, kafkav1alpha1.ConditionReady); c != nil {
		return c.Reason
	}
	return ""
}

func members(g kafkav1alpha1.KafkaConsumerGroup) string {
	var parts []string
	for _, m := range g.Status.Members {
		name := m.Pod
		if name == "" {
			name = m.ClientID
		}
		var ps []string
		for _, a := range m.Assignments {
			for _, p := range a.Partitions {
				ps = append(ps, fmt.Sprint(p))
			}
		}
		parts = append(parts, fmt.Sprintf("%s: %s", name, strings.Join(ps, ",")))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
