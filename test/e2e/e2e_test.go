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

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/controllers"
	"github.com/vermont-io/kafka-operator/internal/localcluster"
	"github.com/vermont-io/kafka-operator/internal/testenv"
	"github.com/vermont-io/kafka-operator/internal/worker"
)

func newNamespace(t *testing.T) string {
	t.Helper()
	ns := testenv.NewNamespace(t, cluster.Client)
	// Worker pods must pass the Pod Security "restricted" profile.
	restrictNamespace(t, ns)
	// Cleanups run last first: the workloads go, and their pods and
	// processes are gone, before the namespace and anything the test
	// started earlier (a broker of its own, say).
	t.Cleanup(func() {
		_, _ = kubectlIn(ns, "delete", "kafka", "--all", "--wait=true", "--timeout=60s")
		testenv.Eventually(t, 60*time.Second, func() error {
			// t.Context() has ended by the time cleanups run.
			var pods corev1.PodList
			if err := cluster.Client.List(context.Background(), &pods, client.InNamespace(ns)); err != nil {
				return err
			}
			if n := len(pods.Items); n > 0 {
				return fmt.Errorf("%d pods still in %s after their workloads were deleted", n, ns)
			}
			return nil
		})
	})
	dumpOnFailure(t, ns)
	return ns
}

func group(t *testing.T, ns, name string) *kafkav1alpha1.KafkaConsumerGroup {
	t.Helper()
	g := &kafkav1alpha1.KafkaConsumerGroup{}
	if err := cluster.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: name}, g); err != nil {
		t.Fatal(err)
	}
	return g
}

func workerPods(t *testing.T, ns, kind, name string) []corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	if err := cluster.Client.List(t.Context(), &pods, client.InNamespace(ns), client.MatchingLabels{
		controllers.LabelInstance: name, controllers.LabelKind: kind,
	}); err != nil {
		t.Fatal(err)
	}
	var live []corev1.Pod
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			live = append(live, p)
		}
	}
	return live
}

// TestSamples applies config/samples (pointed at the test's broker) with
// kubectl: the generator writes, the audit group consumes, its status names
// the real pods and covers every partition once, and its lag stays low.
func TestSamples(t *testing.T) {
	ns := newNamespace(t)
	dir := filepath.Join(t.TempDir(), "samples")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "samples", "*.yaml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pointed := strings.ReplaceAll(string(data), "127.0.0.1:19092", strings.Join(kfk.Bootstrap, `", "`))
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(pointed), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kubectl(t, ns, "apply", "-f", dir+"/")
	kubectl(t, ns, "wait", "--for=condition=Ready", "kp/orders-generator", "--timeout=180s")
	kubectl(t, ns, "wait", "--for=condition=Ready", "kcg/orders-audit", "--timeout=180s")

	testenv.Eventually(t, 120*time.Second, func() error {
		g := group(t, ns, "orders-audit")
		pods := map[string]bool{}
		for _, p := range workerPods(t, ns, "KafkaConsumerGroup", "orders-audit") {
			pods[p.Name] = true
		}
		assigned := map[int32]int{}
		for _, m := range g.Status.Members {
			if !pods[m.Pod] {
				return fmt.Errorf("member %s (pod %q) is not one of the group's pods %v", m.ClientID, m.Pod, pods)
			}
			for _, a := range m.Assignments {
				for _, p := range a.Partitions {
					assigned[p]++
				}
			}
		}
		if len(assigned) != 6 {
			return fmt.Errorf("%d of 6 partitions assigned: %v", len(assigned), assigned)
		}
		for p, n := range assigned {
			if n != 1 {
				return fmt.Errorf("partition %d assigned %d times", p, n)
			}
		}
		if g.Status.TotalLag == nil || *g.Status.TotalLag > 500 {
			return fmt.Errorf("lag %v", g.Status.TotalLag)
		}
		return nil
	})
	// The webhook sample's memory limit reaches its worker process as
	// GOMEMLIMIT (bytes), through the downward API.
	testenv.Eventually(t, 60*time.Second, func() error {
		pods := workerPods(t, ns, "KafkaConsumerGroup", "orders-webhook")
		if len(pods) == 0 {
			return fmt.Errorf("no orders-webhook pod yet")
		}
		pid, err := localcluster.ProcessPID(&pods[0])
		if err != nil {
			return err
		}
		environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			return err
		}
		if !slices.Contains(strings.Split(string(environ), "\x00"), "GOMEMLIMIT=134217728") {
			return fmt.Errorf("the worker of %s runs without GOMEMLIMIT=134217728 (its 128Mi limit)", pods[0].Name)
		}
		return nil
	})
	out := kubectl(t, ns, "get", "kafka")
	for _, want := range []string{"orders-generator", "orders-audit", "Reconciled"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl get kafka does not show %q:\n%s", want, out)
		}
	}
	t.Logf("kubectl get kafka:\n%s", out)
}

// sinkServer is the HTTP sink receiver of a test, counting records by
// partition and offset, and by the "id" field of their value when they
// have one.
type sinkServer struct {
	*httptest.Server
	mu    sync.Mutex
	seen  map[string]int
	ids   map[string]int
	pause time.Duration
}

// delay makes the receiver slow, to build lag.
func (s *sinkServer) delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pause = d
}

func newSinkServer(t *testing.T) *sinkServer {
	s := &sinkServer{seen: map[string]int{}, ids: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var record struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(body, &record) // records without a string id are counted by offset only
		s.mu.Lock()
		pause := s.pause
		s.mu.Unlock()
		time.Sleep(pause) // a slow receiver, not synchronization
		s.mu.Lock()
		s.seen[r.Header.Get(worker.HeaderPartition)+"@"+r.Header.Get(worker.HeaderOffset)]++
		if record.ID != "" {
			s.ids[record.ID]++
		}
		s.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sinkServer) counts() (unique, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.seen {
		unique++
		total += n
	}
	return unique, total
}

func bootstrapServers(addrs []string) []kafkav1alpha1.BootstrapServer {
	servers := make([]kafkav1alpha1.BootstrapServer, 0, len(addrs))
	for _, b := range addrs {
		servers = append(servers, kafkav1alpha1.BootstrapServer(b))
	}
	return servers
}

func plainGroup(ns, name, topic, url string, replicas int32) *kafkav1alpha1.KafkaConsumerGroup {
	return &kafkav1alpha1.KafkaConsumerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
			Kafka: kafkav1alpha1.KafkaConnection{BootstrapServers: bootstrapServers(kfk.Bootstrap)}, Topics: []kafkav1alpha1.TopicName{kafkav1alpha1.TopicName(topic)},
			Replicas: &replicas,
			Sink:     kafkav1alpha1.SinkSpec{HTTP: &kafkav1alpha1.HTTPSink{URL: url, Timeout: metav1.Duration{Duration: 5 * time.Second}}},
			Worker:   &kafkav1alpha1.WorkerSpec{TerminationGracePeriodSeconds: new(int64(15))},
		},
	}
}

func readyPods(t *testing.T, ns, name string, want int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	testenv.Eventually(t, 120*time.Second, func() error {
		pods = workerPods(t, ns, "KafkaConsumerGroup", name)
		ready := 0
		for _, p := range pods {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		if len(pods) != want || ready != want {
			return fmt.Errorf("%d pods, %d ready; want %d", len(pods), ready, want)
		}
		return nil
	})
	return pods
}

// TestKill9UnderLoadLosesNothing: a worker process killed with SIGKILL under
// load is restarted by the kubelet, and the HTTP sink receives every record.
func TestKill9UnderLoadLosesNothing(t *testing.T) {
	const total = 5000
	ns := newNamespace(t)
	topic := kfk.CreateTopic(t, 4)
	sink := newSinkServer(t)
	if err := cluster.Client.Create(t.Context(), plainGroup(ns, "audit", topic, sink.URL, 2)); err != nil {
		t.Fatal(err)
	}
	pods := readyPods(t, ns, "audit", 2)
	msgs := make([]kafka.Message, total)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "id-%d", i), Value: fmt.Appendf(nil, `{"id": %d}`, i)}
	}
	kfk.Produce(t, topic, msgs...)
	testenv.Eventually(t, 60*time.Second, func() error {
		if unique, _ := sink.counts(); unique < total/10 {
			return fmt.Errorf("%d delivered", unique)
		}
		return nil
	})
	victim := pods[0]
	pid, err := localcluster.ProcessPID(&victim)
	if err != nil {
		t.Fatalf("pid of %s: %v", victim.Name, err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	killed := time.Now()
	testenv.Eventually(t, 120*time.Second, func() error {
		if unique, _ := sink.counts(); unique < total {
			return fmt.Errorf("%d of %d delivered", unique, total)
		}
		return nil
	})
	testenv.Eventually(t, 60*time.Second, func() error {
		p := &corev1.Pod{}
		if err := cluster.Client.Get(t.Context(), client.ObjectKeyFromObject(&victim), p); err != nil {
			return err
		}
		if len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].RestartCount < 1 {
			return fmt.Errorf("container statuses %+v", p.Status.ContainerStatuses)
		}
		return nil
	})
	unique, all := sink.counts()
	t.Logf("kill -9 of %s under load: %d records, %d lost, %d duplicates, all delivered %s after the kill; the kubelet restarted it",
		victim.Name, total, total-unique, all-unique, time.Since(killed).Round(100*time.Millisecond))
}

// TestScaleAndDelete: kubectl scale on a plain group changes its pods;
// deleting the group removes its Deployment, pods and processes.
func TestScaleAndDelete(t *testing.T) {
	ns := newNamespace(t)
	topic := kfk.CreateTopic(t, 3)
	sink := newSinkServer(t)
	if err := cluster.Client.Create(t.Context(), plainGroup(ns, "scaled", topic, sink.URL, 1)); err != nil {
		t.Fatal(err)
	}
	readyPods(t, ns, "scaled", 1)
	kubectl(t, ns, "scale", "kcg", "scaled", "--replicas=3")
	pods := readyPods(t, ns, "scaled", 3)

	var pids []int
	for _, p := range pods {
		pid, err := localcluster.ProcessPID(&p)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	kubectl(t, ns, "delete", "kcg", "scaled", "--wait=true")
	testenv.Eventually(t, 90*time.Second, func() error {
		if n := len(workerPods(t, ns, "KafkaConsumerGroup", "scaled")); n != 0 {
			return fmt.Errorf("%d pods left", n)
		}
		if out, err := kubectlIn(ns, "get", "deployment", "scaled"); err == nil {
			return fmt.Errorf("the Deployment is still there: %s", out)
		}
		for _, pid := range pids {
			if syscall.Kill(pid, 0) == nil {
				return fmt.Errorf("process %d still runs", pid)
			}
		}
		return nil
	})
}

// TestAutoscalingFollowsLag: a burst of lag scales an autoscaled group up to
// the partition count, the new pods join and take partitions, the lag
// drains, and the group scales down after the stabilization window.
func TestAutoscalingFollowsLag(t *testing.T) {
	const partitions, records = 3, 3000
	ns := newNamespace(t)
	topic := kfk.CreateTopic(t, partitions)
	sink := newSinkServer(t)
	g := plainGroup(ns, "elastic", topic, sink.URL, 0)
	g.Spec.Replicas = nil
	g.Spec.Autoscaling = &kafkav1alpha1.AutoscalingSpec{
		MinReplicas: new(int32(1)), MaxReplicas: 10, LagPerReplica: 100,
		PollInterval: metav1.Duration{Duration: time.Second}, ScaleDownStabilization: &metav1.Duration{Duration: 10 * time.Second},
	}
	if err := cluster.Client.Create(t.Context(), g); err != nil {
		t.Fatal(err)
	}
	readyPods(t, ns, "elastic", 1)

	// The sink holds every request for a while, so that lag builds up.
	sink.delay(50 * time.Millisecond)
	msgs := make([]kafka.Message, records)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "id-%d", i), Value: fmt.Appendf(nil, `{"id": %d}`, i)}
	}
	kfk.Produce(t, topic, msgs...)
	testenv.Eventually(t, 60*time.Second, func() error {
		st := group(t, ns, "elastic").Status
		if st.DesiredReplicas != partitions {
			return fmt.Errorf("desired %d, lag %v", st.DesiredReplicas, st.TotalLag)
		}
		return nil
	})
	readyPods(t, ns, "elastic", partitions)
	testenv.Eventually(t, 60*time.Second, func() error {
		st := group(t, ns, "elastic").Status
		if len(st.Members) != partitions {
			return fmt.Errorf("%d members", len(st.Members))
		}
		for _, m := range st.Members {
			if m.Pod == "" || len(m.Assignments) != 1 || len(m.Assignments[0].Partitions) != 1 {
				return fmt.Errorf("member %+v does not hold exactly one partition", m)
			}
		}
		return nil
	})
	if st := group(t, ns, "elastic").Status; st.DesiredReplicas > partitions {
		t.Fatalf("desired %d exceeds the %d partitions", st.DesiredReplicas, partitions)
	}
	sink.delay(0)
	testenv.Eventually(t, 120*time.Second, func() error {
		if unique, _ := sink.counts(); unique < records {
			return fmt.Errorf("%d of %d delivered", unique, records)
		}
		return nil
	})
	drained := time.Now()
	testenv.Eventually(t, 90*time.Second, func() error {
		if st := group(t, ns, "elastic").Status; st.DesiredReplicas != 1 {
			return fmt.Errorf("desired %d", st.DesiredReplicas)
		}
		return nil
	})
	readyPods(t, ns, "elastic", 1)
	t.Logf("scaled 1 -> %d -> 1; down %s after the lag drained (window 10s)", partitions, time.Since(drained).Round(100*time.Millisecond))
}

// TestRealClientsEndToEnd: kcat and kafka-python produce JSON into the
// consumed topic, curl posts to the HTTP-source producer, and every record
// reaches the consumer group's HTTP sink.
func TestRealClientsEndToEnd(t *testing.T) {
	kcat := testenv.LookTool(t, "kcat")
	python := testenv.KafkaPython(t)
	curl := testenv.LookTool(t, "curl")
	ns := newNamespace(t)
	topic := kfk.CreateTopic(t, 2)
	sink := newSinkServer(t)
	if err := cluster.Client.Create(t.Context(), plainGroup(ns, "audit", topic, sink.URL, 1)); err != nil {
		t.Fatal(err)
	}
	producer := &kafkav1alpha1.KafkaProducer{
		ObjectMeta: metav1.ObjectMeta{Name: "ingest", Namespace: ns},
		Spec: kafkav1alpha1.KafkaProducerSpec{
			Kafka: kafkav1alpha1.KafkaConnection{BootstrapServers: bootstrapServers(kfk.Bootstrap)}, Topic: kafkav1alpha1.TopicName(topic),
			Source: kafkav1alpha1.SourceSpec{HTTP: &kafkav1alpha1.HTTPSource{Port: 8080, MaxBodyBytes: 1 << 20, KeyField: "id"}},
		},
	}
	if err := cluster.Client.Create(t.Context(), producer); err != nil {
		t.Fatal(err)
	}
	kubectl(t, ns, "wait", "--for=condition=Ready", "kp/ingest", "--timeout=120s")
	readyPods(t, ns, "audit", 1)

	kcatIn := exec.CommandContext(t.Context(), kcat, "-P", "-b", strings.Join(kfk.Bootstrap, ","), "-t", topic, "-K", ":")
	kcatIn.Stdin = strings.NewReader("k1:{\"from\":\"kcat\",\"n\":1}\nk2:{\"from\":\"kcat\",\"n\":2}\n")
	if out, err := kcatIn.CombinedOutput(); err != nil {
		t.Fatalf("kcat: %v\n%s", err, out)
	}
	script := `
import json, sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1].split(","), acks="all", value_serializer=lambda v: json.dumps(v).encode())
for i in range(3):
    p.send(sys.argv[2], {"from": "kafka-python", "n": i}).get(timeout=30)
p.close()
`
	if out, err := exec.CommandContext(t.Context(), python, "-c", script, strings.Join(kfk.Bootstrap, ","), topic).CombinedOutput(); err != nil {
		t.Fatalf("kafka-python: %v\n%s", err, out)
	}
	pods := workerPodsOf(t, ns, "KafkaProducer", "ingest")
	port := pods[0].Annotations[localcluster.AnnotationHTTPPort]
	out, err := exec.CommandContext(t.Context(), curl, "-sS", "-f", "-H", "Content-Type: application/json",
		"-d", `[{"id": "c1", "from": "curl"}, {"id": "c2", "from": "curl"}]`, "http://127.0.0.1:"+port+worker.MessagesPath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"offset"`) {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	testenv.Eventually(t, 60*time.Second, func() error {
		if unique, _ := sink.counts(); unique < 7 {
			return fmt.Errorf("%d of 7 records reached the sink", unique)
		}
		return nil
	})
}

func workerPodsOf(t *testing.T, ns, kind, name string) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	testenv.Eventually(t, 60*time.Second, func() error {
		pods = workerPods(t, ns, kind, name)
		if len(pods) == 0 || pods[0].Annotations[localcluster.AnnotationHTTPPort] == "" {
			return fmt.Errorf("no running %s pod yet", name)
		}
		return nil
	})
	return pods
}

// restrictNamespace enforces the Pod Security "restricted" profile on a
// namespace, as careful platform teams do.
func restrictNamespace(t *testing.T, ns string) {
	t.Helper()
	kubectl(t, "", "label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted", "--overwrite")
}

// TestRestrictedNamespaceIsEnforced shows that the label bites: a pod that
// does not meet the profile is refused there, so the other tests' worker
// pods, admitted in such namespaces, do meet it.
func TestRestrictedNamespaceIsEnforced(t *testing.T) {
	ns := newNamespace(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "careless", Namespace: ns},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	err := cluster.Client.Create(t.Context(), pod)
	if err == nil || !strings.Contains(err.Error(), "violates PodSecurity") {
		t.Fatalf("a pod without a restricted security context was not refused: %v", err)
	}
}

// TestManagerHasOnlyItsRole: the manager of these tests runs as a user bound
// to nothing but the ClusterRole generated from its RBAC markers (every
// other test passing shows that is enough), and that role refuses what the
// operator must not do.
func TestManagerHasOnlyItsRole(t *testing.T) {
	ns := newNamespace(t)
	for _, forbidden := range [][]string{
		{"create", "secret", "generic", "stolen", "--from-literal=k=v"},
		{"delete", "namespace", ns},
		{"create", "clusterrolebinding", "escalate", "--clusterrole=cluster-admin", "--user=" + localcluster.ManagerUser},
	} {
		out, err := kubectlIn(ns, append([]string{"--kubeconfig", manager.Kubeconfig}, forbidden...)...)
		if err == nil || !strings.Contains(out, "forbidden") {
			t.Errorf("the manager's identity may %v: %v\n%s", forbidden, err, out)
		}
	}
	if out, err := kubectlIn(ns, "--kubeconfig", manager.Kubeconfig, "get", "kafkaconsumergroups,deployments,secrets"); err != nil {
		t.Fatalf("the manager's identity cannot read what it reconciles: %v\n%s", err, out)
	}
}

// TestRebalanceStormLosesNothing: five scale changes in a row while records
// flow; every record reaches the sink.
func TestRebalanceStormLosesNothing(t *testing.T) {
	const total = 20_000
	ns := newNamespace(t)
	topic := kfk.CreateTopic(t, 6)
	sink := newSinkServer(t)
	if err := cluster.Client.Create(t.Context(), plainGroup(ns, "stormy", topic, sink.URL, 2)); err != nil {
		t.Fatal(err)
	}
	readyPods(t, ns, "stormy", 2)
	msgs := make([]kafka.Message, total)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "id-%d", i), Value: fmt.Appendf(nil, `{"id": %d}`, i)}
	}
	sink.delay(2 * time.Millisecond) // a receiver slow enough that the storm hits mid-stream
	kfk.Produce(t, topic, msgs...)
	start := time.Now()
	for _, replicas := range []int{4, 1, 3, 5, 2} {
		kubectl(t, ns, "scale", "kcg", "stormy", fmt.Sprintf("--replicas=%d", replicas))
		testenv.Eventually(t, 60*time.Second, func() error {
			if n := len(workerPods(t, ns, "KafkaConsumerGroup", "stormy")); n != replicas {
				return fmt.Errorf("%d pods, want %d", n, replicas)
			}
			return nil
		})
	}
	sink.delay(0)
	testenv.Eventually(t, 180*time.Second, func() error {
		if unique, _ := sink.counts(); unique < total {
			return fmt.Errorf("%d of %d delivered", unique, total)
		}
		return nil
	})
	unique, all := sink.counts()
	t.Logf("rebalance storm (2 -> 4 -> 1 -> 3 -> 5 -> 2 replicas): %d records, %d lost, %d duplicates, all delivered %s after the first change",
		total, total-unique, all-unique, time.Since(start).Round(100*time.Millisecond))
}

// TestManagerKilledWhileScaling: the manager is killed with SIGKILL right
// after it scaled a group up, and restarted; the group converges without
// flapping (one ScaledUp, no ScaledDown before the lag drains, no second
// ScaledUp) and no record is lost.
func TestManagerKilledWhileScaling(t *testing.T) {
	const total = 6000
	ns := newNamespace(t)
	topic := kfk.CreateTopic(t, 6)
	sink := newSinkServer(t)
	g := plainGroup(ns, "steadfast", topic, sink.URL, 0)
	g.Spec.Replicas = nil
	g.Spec.Autoscaling = &kafkav1alpha1.AutoscalingSpec{
		MinReplicas: new(int32(1)), MaxReplicas: 6, LagPerReplica: 100,
		PollInterval: metav1.Duration{Duration: time.Second}, ScaleDownStabilization: &metav1.Duration{Duration: 15 * time.Second},
	}
	if err := cluster.Client.Create(t.Context(), g); err != nil {
		t.Fatal(err)
	}
	readyPods(t, ns, "steadfast", 1)
	sink.delay(20 * time.Millisecond)
	msgs := make([]kafka.Message, total)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "id-%d", i), Value: fmt.Appendf(nil, `{"id": %d}`, i)}
	}
	kfk.Produce(t, topic, msgs...)
	testenv.Eventually(t, 60*time.Second, func() error {
		if d := group(t, ns, "steadfast").Status.DesiredReplicas; d != 6 {
			return fmt.Errorf("desired %d", d)
		}
		return nil
	})
	manager.Kill()
	restarted, err := cluster.StartManager(managerBinary, roleFile())
	if err != nil {
		t.Fatal(err)
	}
	manager = restarted

	readyPods(t, ns, "steadfast", 6)
	if n := len(events(t, ns, "steadfast", "ScaledDown")); n != 0 {
		t.Fatalf("%d ScaledDown events while the lag lasts: the restarted manager flapped", n)
	}
	sink.delay(0)
	testenv.Eventually(t, 120*time.Second, func() error {
		if unique, _ := sink.counts(); unique < total {
			return fmt.Errorf("%d of %d delivered", unique, total)
		}
		return nil
	})
	testenv.Eventually(t, 90*time.Second, func() error {
		if d := group(t, ns, "steadfast").Status.DesiredReplicas; d != 1 {
			return fmt.Errorf("desired %d", d)
		}
		return nil
	})
	// Down may come in steps as recommendations age out of the window, but
	// never up again: that would be flapping.
	up, down := len(events(t, ns, "steadfast", "ScaledUp")), len(events(t, ns, "steadfast", "ScaledDown"))
	if up != 1 || down < 1 {
		t.Fatalf("%d ScaledUp and %d ScaledDown events; want one ScaledUp and then only scale-downs", up, down)
	}
	unique, all := sink.counts()
	t.Logf("manager killed while scaling 1 -> 6: converged; %d ScaledUp, %d ScaledDown; %d records, %d lost, %d duplicates", up, down, total, total-unique, all-unique)
}

func events(t *testing.T, ns, name, reason string) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	if err := cluster.Client.List(t.Context(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}
