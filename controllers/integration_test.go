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

package controllers_test

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/controllers"
	"github.com/vermont-io/kafka-operator/internal/testenv"
)

func newNamespace(t *testing.T) string { return testenv.NewNamespace(t, kube.Client) }

// update changes an object the operator also writes (its status), retrying
// on the conflicts that causes.
func update[T client.Object](t *testing.T, obj T, mutate func(T)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := kube.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate(obj)
		return kube.Client.Update(t.Context(), obj)
	})
	if err != nil {
		t.Fatalf("updating %s: %v", obj.GetName(), err)
	}
}

func bootstrap() []kafkav1alpha1.BootstrapServer {
	var out []kafkav1alpha1.BootstrapServer
	for _, b := range kfk.Bootstrap {
		out = append(out, kafkav1alpha1.BootstrapServer(b))
	}
	return out
}

func getGroup(t *testing.T, ns, name string) *kafkav1alpha1.KafkaConsumerGroup {
	t.Helper()
	kcg := &kafkav1alpha1.KafkaConsumerGroup{}
	if err := kube.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: name}, kcg); err != nil {
		t.Fatal(err)
	}
	return kcg
}

func conditionOf(conds []metav1.Condition, condType string) metav1.Condition {
	if c := meta.FindStatusCondition(conds, condType); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// workerPod stands in for a pod the kubelet would run: a Pod object with the
// worker labels, whose name is the Kafka client ID of a consumer the test runs.
func workerPod(t *testing.T, ns, group, name string) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{
			controllers.LabelName: "vermont-worker", controllers.LabelInstance: group, controllers.LabelKind: "KafkaConsumerGroup",
		}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "worker", Image: testWorkerImage}}},
	}
	if err := kube.Client.Create(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
}

func events(t *testing.T, ns, name, reason string) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	if err := kube.Client.List(t.Context(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == name && (reason == "" || e.Reason == reason) {
			out = append(out, e)
		}
	}
	return out
}

// TestConsumerGroupObservedAndScaledByLag drives a group through a lag burst
// with real kafka-go consumers as its members.
func TestConsumerGroupObservedAndScaledByLag(t *testing.T) {
	const partitions, records = 4, 400
	ns := newNamespace(t)
	topic := kfk.CreateTopic(t, partitions)
	name := "orders-audit"
	kcg := &kafkav1alpha1.KafkaConsumerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
			Kafka:   kafkav1alpha1.KafkaConnection{BootstrapServers: bootstrap()},
			Topics:  []kafkav1alpha1.TopicName{kafkav1alpha1.TopicName(topic)},
			GroupID: testenv.UniqueName(t, "group"),
			Autoscaling: &kafkav1alpha1.AutoscalingSpec{
				MinReplicas: ptr.To[int32](1), MaxReplicas: 10, LagPerReplica: 50,
				PollInterval:           metav1.Duration{Duration: time.Second},
				ScaleDownStabilization: &metav1.Duration{Duration: 8 * time.Second},
			},
			Sink: kafkav1alpha1.SinkSpec{Discard: &kafkav1alpha1.DiscardSink{}},
		},
	}
	if err := kube.Client.Create(t.Context(), kcg); err != nil {
		t.Fatal(err)
	}

	// An idle group: one replica, lag 0.
	testenv.Eventually(t, 30*time.Second, func() error {
		g := getGroup(t, ns, name)
		if g.Status.TotalLag == nil || *g.Status.TotalLag != 0 || g.Status.DesiredReplicas != 1 {
			return fmt.Errorf("status lag %v desired %d", g.Status.TotalLag, g.Status.DesiredReplicas)
		}
		return nil
	})

	// A burst with nobody consuming: lag = records, replicas up at once,
	// capped at the partition count.
	msgs := make([]kafka.Message, records)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, `{"i": %d}`, i)}
	}
	kfk.Produce(t, topic, msgs...)
	produced := time.Now()
	testenv.Eventually(t, 30*time.Second, func() error {
		g := getGroup(t, ns, name)
		if g.Status.TotalLag == nil || *g.Status.TotalLag != records || g.Status.DesiredReplicas != partitions {
			return fmt.Errorf("status lag %v desired %d", g.Status.TotalLag, g.Status.DesiredReplicas)
		}
		return nil
	})
	reaction := time.Since(produced)
	var deployment appsv1.Deployment
	if err := kube.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: name}, &deployment); err != nil {
		t.Fatal(err)
	}
	if *deployment.Spec.Replicas != partitions {
		t.Fatalf("Deployment replicas %d, want %d", *deployment.Spec.Replicas, partitions)
	}
	if len(events(t, ns, name, controllers.EventScaledUp)) == 0 {
		t.Fatal("no ScaledUp event")
	}
	t.Logf("lag burst to desiredReplicas %d: %s (poll interval 1s)", partitions, reaction.Round(10*time.Millisecond))

	// Real consumers whose client IDs are pod names join and catch up.
	pods := []string{name + "-7d9f-a", name + "-7d9f-b"}
	for _, pod := range pods {
		workerPod(t, ns, name, pod)
		r := kafka.NewReader(kafka.ReaderConfig{
			Brokers: kfk.Bootstrap, GroupID: kcg.Spec.GroupID, Topic: topic, MaxWait: 200 * time.Millisecond,
			Dialer: &kafka.Dialer{ClientID: pod, Timeout: 10 * time.Second}, StartOffset: kafka.FirstOffset,
			HeartbeatInterval: time.Second, SessionTimeout: 10 * time.Second,
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			for ctx.Err() == nil {
				if _, err := r.ReadMessage(ctx); err != nil {
					return
				}
			}
		}()
		t.Cleanup(func() { cancel(); <-done; _ = r.Close() })
	}
	var caughtUp time.Time
	testenv.Eventually(t, 60*time.Second, func() error {
		g := getGroup(t, ns, name)
		st := g.Status
		var members []string
		assigned := map[int32]int{}
		for _, m := range st.Members {
			members = append(members, m.Pod)
			for _, a := range m.Assignments {
				for _, p := range a.Partitions {
					assigned[p]++
				}
			}
		}
		slices.Sort(members)
		if !slices.Equal(members, pods) || st.GroupState != kafkav1alpha1.GroupStateStable || len(assigned) != partitions ||
			st.TotalLag == nil || *st.TotalLag != 0 {
			return fmt.Errorf("members %v assigned %v state %s lag %v", members, assigned, st.GroupState, st.TotalLag)
		}
		for p, n := range assigned {
			if n != 1 {
				return fmt.Errorf("partition %d assigned %d times", p, n)
			}
		}
		caughtUp = time.Now()
		return nil
	})

	// Down only after the stabilization window (8 s).
	testenv.Eventually(t, 30*time.Second, func() error {
		if g := getGroup(t, ns, name); g.Status.DesiredReplicas != 1 {
			return fmt.Errorf("desired %d", g.Status.DesiredReplicas)
		}
		return nil
	})
	down := time.Since(caughtUp)
	if down < 4*time.Second {
		t.Fatalf("scaled down %s after the lag drained; the stabilization window is 8s", down)
	}
	if len(events(t, ns, name, controllers.EventScaledDown)) == 0 {
		t.Fatal("no ScaledDown event")
	}
	t.Logf("scaled down %s after the lag drained", down.Round(100*time.Millisecond))

	g := getGroup(t, ns, name)
	for _, c := range []string{kafkav1alpha1.ConditionKafkaReachable, kafkav1alpha1.ConditionDegraded} {
		if cond := conditionOf(g.Status.Conditions, c); cond.ObservedGeneration != g.Generation {
			t.Fatalf("%s observedGeneration %d, want %d", c, cond.ObservedGeneration, g.Generation)
		}
	}
	if out, err := describe(t, ns, name); err == nil {
		t.Logf("kubectl describe kcg:\n%s", out)
	}
}

func describe(t *testing.T, ns, name string) (string, error) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		return "", err
	}
	user, err := kube.Env.AddUser(envtestAdmin(), nil)
	if err != nil {
		return "", err
	}
	config, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := t.TempDir() + "/kubeconfig"
	if err := writeFile(path, config); err != nil {
		return "", err
	}
	out, err := exec.CommandContext(t.Context(), kubectl, "--kubeconfig", path, "-n", ns, "describe", "kcg", name).CombinedOutput()
	return string(out), err
}

// TestReapplyWritesNothingAndPutsBackHandEdits: an unchanged group leaves
// its Deployment's resourceVersion alone; a hand edit of a field the
// operator owns is reverted.
func TestReapplyWritesNothingAndPutsBackHandEdits(t *testing.T) {
	ns := newNamespace(t)
	topic := kfk.CreateTopic(t, 1)
	// Autoscaled with a 1 s poll and min = max, so the group reconciles every
	// second with an unchanging desired state.
	kcg := &kafkav1alpha1.KafkaConsumerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: "steady", Namespace: ns},
		Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
			Kafka: kafkav1alpha1.KafkaConnection{BootstrapServers: bootstrap()}, Topics: []kafkav1alpha1.TopicName{kafkav1alpha1.TopicName(topic)},
			Autoscaling: &kafkav1alpha1.AutoscalingSpec{MinReplicas: ptr.To[int32](2), MaxReplicas: 2, LagPerReplica: 100,
				PollInterval: metav1.Duration{Duration: time.Second}},
			Sink: kafkav1alpha1.SinkSpec{Log: &kafkav1alpha1.LogSink{}},
		},
	}
	if err := kube.Client.Create(t.Context(), kcg); err != nil {
		t.Fatal(err)
	}
	key := types.NamespacedName{Namespace: ns, Name: "steady"}
	var d appsv1.Deployment
	var firstObserved time.Time
	testenv.Eventually(t, 30*time.Second, func() error {
		g := getGroup(t, ns, "steady")
		if g.Status.LastObservedTime == nil {
			return fmt.Errorf("not observed yet")
		}
		firstObserved = g.Status.LastObservedTime.Time
		return kube.Client.Get(t.Context(), key, &d)
	})
	rv := d.ResourceVersion

	// Wait for at least two more reconciles (status.lastObservedTime moves
	// on); none may write the Deployment.
	testenv.Eventually(t, 30*time.Second, func() error {
		if g := getGroup(t, ns, "steady"); g.Status.LastObservedTime.Sub(firstObserved) < 2*time.Second {
			return fmt.Errorf("last observed %s", g.Status.LastObservedTime)
		}
		return nil
	})
	if err := kube.Client.Get(t.Context(), key, &d); err != nil {
		t.Fatal(err)
	}
	if d.ResourceVersion != rv {
		t.Fatalf("the Deployment was written again (resourceVersion %s -> %s) with nothing changed", rv, d.ResourceVersion)
	}

	update(t, &d, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "someone-else:latest" })
	testenv.Eventually(t, 30*time.Second, func() error {
		if err := kube.Client.Get(t.Context(), key, &d); err != nil {
			return err
		}
		if img := d.Spec.Template.Spec.Containers[0].Image; img != testWorkerImage {
			return fmt.Errorf("image still %s", img)
		}
		return nil
	})

	// A spec change rolls the pods: the pod template changes.
	before := d.Spec.Template.Spec.Containers[0].Env
	update(t, getGroup(t, ns, "steady"), func(g *kafkav1alpha1.KafkaConsumerGroup) {
		g.Spec.Sink = kafkav1alpha1.SinkSpec{Discard: &kafkav1alpha1.DiscardSink{}}
	})
	testenv.Eventually(t, 30*time.Second, func() error {
		if err := kube.Client.Get(t.Context(), key, &d); err != nil {
			return err
		}
		if slices.EqualFunc(before, d.Spec.Template.Spec.Containers[0].Env, func(a, b corev1.EnvVar) bool { return a.Name == b.Name && a.Value == b.Value }) {
			return fmt.Errorf("pod template unchanged after a sink change")
		}
		return nil
	})
}

// TestUnreachableKafkaHoldsReplicas: with Kafka unreachable the group says
// so, its lag is unknown (not 0) and its replicas stay.
func TestUnreachableKafkaHoldsReplicas(t *testing.T) {
	ns := newNamespace(t)
	kcg := &kafkav1alpha1.KafkaConsumerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: "far", Namespace: ns},
		Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
			Kafka:  kafkav1alpha1.KafkaConnection{BootstrapServers: []kafkav1alpha1.BootstrapServer{kafkav1alpha1.BootstrapServer(fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)))}},
			Topics: []kafkav1alpha1.TopicName{"orders"},
			Autoscaling: &kafkav1alpha1.AutoscalingSpec{MinReplicas: ptr.To[int32](2), MaxReplicas: 5, LagPerReplica: 10,
				PollInterval: metav1.Duration{Duration: time.Second}},
			Sink: kafkav1alpha1.SinkSpec{Discard: &kafkav1alpha1.DiscardSink{}},
		},
	}
	if err := kube.Client.Create(t.Context(), kcg); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 60*time.Second, func() error {
		g := getGroup(t, ns, "far")
		c := conditionOf(g.Status.Conditions, kafkav1alpha1.ConditionKafkaReachable)
		if c.Status != metav1.ConditionFalse || c.Reason != controllers.ReasonKafkaUnreachable || g.Status.TotalLag != nil || g.Status.DesiredReplicas != 2 {
			return fmt.Errorf("KafkaReachable %s/%s lag %v desired %d", c.Status, c.Reason, g.Status.TotalLag, g.Status.DesiredReplicas)
		}
		return nil
	})
	var d appsv1.Deployment
	if err := kube.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: "far"}, &d); err != nil || *d.Spec.Replicas != 2 {
		t.Fatalf("Deployment replicas: %v %v", d.Spec.Replicas, err)
	}
}

// TestMissingSecretIsDegraded: a Secret the connection names is missing: the
// group is Degraded with the Secret's name, and no Deployment is rolled out.
func TestMissingSecretIsDegraded(t *testing.T) {
	ns := newNamespace(t)
	kcg := &kafkav1alpha1.KafkaConsumerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: "locked", Namespace: ns},
		Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
			Kafka: kafkav1alpha1.KafkaConnection{BootstrapServers: bootstrap(),
				SASL: &kafkav1alpha1.KafkaSASL{Mechanism: kafkav1alpha1.SASLScramSHA512, SecretRef: &kafkav1alpha1.SecretReference{Name: "no-such-secret"}}},
			Topics: []kafkav1alpha1.TopicName{"orders"},
			Sink:   kafkav1alpha1.SinkSpec{Discard: &kafkav1alpha1.DiscardSink{}},
		},
	}
	if err := kube.Client.Create(t.Context(), kcg); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		c := conditionOf(getGroup(t, ns, "locked").Status.Conditions, kafkav1alpha1.ConditionDegraded)
		if c.Status != metav1.ConditionTrue || c.Reason != controllers.ReasonSecretNotFound || !strings.Contains(c.Message, "no-such-secret") {
			return fmt.Errorf("Degraded %+v", c)
		}
		return nil
	})
	var d appsv1.Deployment
	if err := kube.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: "locked"}, &d); err == nil {
		t.Fatal("a Deployment was rolled out with a missing Secret")
	}
}

func getProducer(t *testing.T, ns, name string) *kafkav1alpha1.KafkaProducer {
	t.Helper()
	kp := &kafkav1alpha1.KafkaProducer{}
	if err := kube.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: name}, kp); err != nil {
		t.Fatal(err)
	}
	return kp
}

// TestProducerBadTemplateIsNotRolledOut: a value template that does not
// render JSON gives Degraded/InvalidTemplate with the template's error, and
// no Deployment.
func TestProducerBadTemplateIsNotRolledOut(t *testing.T) {
	ns := newNamespace(t)
	kp := &kafkav1alpha1.KafkaProducer{
		ObjectMeta: metav1.ObjectMeta{Name: "broken", Namespace: ns},
		Spec: kafkav1alpha1.KafkaProducerSpec{
			Kafka: kafkav1alpha1.KafkaConnection{BootstrapServers: bootstrap()}, Topic: "orders",
			Source: kafkav1alpha1.SourceSpec{Generator: &kafkav1alpha1.GeneratorSource{Value: `{"item": {{pick "latte" "mocha"}}}`}},
		},
	}
	if err := kube.Client.Create(t.Context(), kp); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		c := conditionOf(getProducer(t, ns, "broken").Status.Conditions, kafkav1alpha1.ConditionDegraded)
		if c.Status != metav1.ConditionTrue || c.Reason != controllers.ReasonInvalidTemplate || !strings.Contains(c.Message, "invalid JSON") {
			return fmt.Errorf("Degraded %+v", c)
		}
		return nil
	})
	var d appsv1.Deployment
	if err := kube.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: "broken"}, &d); err == nil {
		t.Fatal("a Deployment was rolled out with a template that does not render JSON")
	}
}

// TestProducerTopicCreatedAndRaised: topicSpec creates the topic with its
// partitions and raises them when the spec grows.
func TestProducerTopicCreatedAndRaised(t *testing.T) {
	ns := newNamespace(t)
	topic := testenv.UniqueName(t, "topic")
	kp := &kafkav1alpha1.KafkaProducer{
		ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: ns},
		Spec: kafkav1alpha1.KafkaProducerSpec{
			Kafka: kafkav1alpha1.KafkaConnection{BootstrapServers: bootstrap()}, Topic: kafkav1alpha1.TopicName(topic),
			TopicSpec: &kafkav1alpha1.TopicSpec{Partitions: 2, ReplicationFactor: ptr.To[int32](1)},
			Source:    kafkav1alpha1.SourceSpec{HTTP: &kafkav1alpha1.HTTPSource{Port: 8080, MaxBodyBytes: 1024}},
		},
	}
	if err := kube.Client.Create(t.Context(), kp); err != nil {
		t.Fatal(err)
	}
	waitPartitions := func(want int) {
		t.Helper()
		testenv.Eventually(t, 30*time.Second, func() error {
			p := getProducer(t, ns, "orders")
			c := conditionOf(p.Status.Conditions, kafkav1alpha1.ConditionTopicReady)
			if p.Status.Topic == nil || int(p.Status.Topic.Partitions) != want || c.Status != metav1.ConditionTrue {
				return fmt.Errorf("status topic %+v TopicReady %s", p.Status.Topic, c.Status)
			}
			if got := len(kfk.EndOffsets(t, topic)); got != want {
				return fmt.Errorf("Kafka has %d partitions", got)
			}
			return nil
		})
	}
	waitPartitions(2)
	p := getProducer(t, ns, "orders")
	if p.Status.Endpoint != fmt.Sprintf("http://orders.%s.svc:80/v1/messages", ns) {
		t.Fatalf("endpoint %q", p.Status.Endpoint)
	}
	var svc corev1.Service
	if err := kube.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: "orders"}, &svc); err != nil {
		t.Fatalf("the HTTP source's Service: %v", err)
	}
	update(t, p, func(p *kafkav1alpha1.KafkaProducer) { p.Spec.TopicSpec.Partitions = 5 })
	waitPartitions(5)
	t.Cleanup(func() {
		_, _ = kfk.Client().DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: []string{topic}})
	})
}

// TestOneKafkaClientForManyGroups: 50 groups on one cluster share one client.
func TestOneKafkaClientForManyGroups(t *testing.T) {
	ns := newNamespace(t)
	topic := kfk.CreateTopic(t, 1)
	before := pool.Opened()
	for i := range 50 {
		kcg := &kafkav1alpha1.KafkaConsumerGroup{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("group-%02d", i), Namespace: ns},
			Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
				Kafka: kafkav1alpha1.KafkaConnection{BootstrapServers: bootstrap()}, Topics: []kafkav1alpha1.TopicName{kafkav1alpha1.TopicName(topic)},
				Sink: kafkav1alpha1.SinkSpec{Discard: &kafkav1alpha1.DiscardSink{}},
			},
		}
		if err := kube.Client.Create(t.Context(), kcg); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 60*time.Second, func() error {
		var list kafkav1alpha1.KafkaConsumerGroupList
		if err := kube.Client.List(t.Context(), &list, client.InNamespace(ns)); err != nil {
			return err
		}
		observed := 0
		for _, g := range list.Items {
			if conditionOf(g.Status.Conditions, kafkav1alpha1.ConditionKafkaReachable).Status == metav1.ConditionTrue {
				observed++
			}
		}
		if observed != 50 {
			return fmt.Errorf("%d of 50 groups observed", observed)
		}
		return nil
	})
	if opened := pool.Opened() - before; opened > 1 {
		t.Fatalf("50 groups on one cluster opened %d Kafka clients, want at most 1 (shared)", opened)
	}
}

// TestDefaultConfigRendersWithoutWildcards: the install manifests render
// with kubectl, and the manager's RBAC grants no wildcard.
func TestDefaultConfigRendersWithoutWildcards(t *testing.T) {
	kubectl := testenv.LookTool(t, "kubectl")
	out, err := exec.CommandContext(t.Context(), kubectl, "kustomize", testenv.RepoRoot()+"/config/default").Output()
	if err != nil {
		t.Fatalf("kubectl kustomize config/default: %v", err)
	}
	docs := strings.Split(string(out), "\n---\n")
	kinds := map[string]bool{}
	for _, doc := range docs {
		var obj struct {
			Kind  string `json:"kind"`
			Rules []struct {
				APIGroups []string `json:"apiGroups"`
				Resources []string `json:"resources"`
				Verbs     []string `json:"verbs"`
			} `json:"rules"`
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		kinds[obj.Kind] = true
		for _, r := range obj.Rules {
			for _, v := range slices.Concat(r.APIGroups, r.Resources, r.Verbs) {
				if v == "*" {
					t.Fatalf("%s grants a wildcard: %+v", obj.Kind, r)
				}
			}
		}
	}
	for _, want := range []string{"CustomResourceDefinition", "ClusterRole", "Deployment", "ServiceAccount", "Namespace"} {
		if !kinds[want] {
			t.Errorf("config/default renders no %s", want)
		}
	}
}

// TestSecureConnection: the operator observes a group through SASL_SSL with
// the credentials and CA from Secrets; with a wrong password it says so in
// KafkaReachable, and no password appears in the status or the events.
func TestSecureConnection(t *testing.T) {
	sec := testenv.Secure(t)
	ns := newNamespace(t)
	topic := kfk.CreateTopic(t, 1)
	const wrong = "wrong-password-0815"
	for _, s := range []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Name: "kafka-ca", Namespace: ns}, StringData: map[string]string{"ca.crt": sec.CAPEM}},
		{ObjectMeta: metav1.ObjectMeta{Name: "scram", Namespace: ns}, StringData: map[string]string{"username": sec.Username, "password": sec.Password}},
		{ObjectMeta: metav1.ObjectMeta{Name: "scram-wrong", Namespace: ns}, StringData: map[string]string{"username": sec.Username, "password": wrong}},
	} {
		if err := kube.Client.Create(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	group := func(name, secret string) *kafkav1alpha1.KafkaConsumerGroup {
		return &kafkav1alpha1.KafkaConsumerGroup{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
				Kafka: kafkav1alpha1.KafkaConnection{
					BootstrapServers: []kafkav1alpha1.BootstrapServer{kafkav1alpha1.BootstrapServer(sec.SASLSSL)},
					TLS:              &kafkav1alpha1.KafkaTLS{Enabled: true, CASecretRef: &kafkav1alpha1.SecretKeyReference{Name: "kafka-ca", Key: "ca.crt"}},
					SASL:             &kafkav1alpha1.KafkaSASL{Mechanism: kafkav1alpha1.SASLScramSHA512, SecretRef: &kafkav1alpha1.SecretReference{Name: secret}},
				},
				Topics: []kafkav1alpha1.TopicName{kafkav1alpha1.TopicName(topic)},
				Sink:   kafkav1alpha1.SinkSpec{Discard: &kafkav1alpha1.DiscardSink{}},
			},
		}
	}
	for _, g := range []*kafkav1alpha1.KafkaConsumerGroup{group("secure", "scram"), group("locked-out", "scram-wrong")} {
		if err := kube.Client.Create(t.Context(), g); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 60*time.Second, func() error {
		if c := conditionOf(getGroup(t, ns, "secure").Status.Conditions, kafkav1alpha1.ConditionKafkaReachable); c.Status != metav1.ConditionTrue {
			return fmt.Errorf("secure: KafkaReachable %+v", c)
		}
		c := conditionOf(getGroup(t, ns, "locked-out").Status.Conditions, kafkav1alpha1.ConditionKafkaReachable)
		if c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "SASL Authentication Failed") {
			return fmt.Errorf("locked-out: KafkaReachable %+v", c)
		}
		return nil
	})

	var d appsv1.Deployment
	if err := kube.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: "secure"}, &d); err != nil {
		t.Fatal(err)
	}
	everything, _ := yaml.Marshal([]any{getGroup(t, ns, "secure"), getGroup(t, ns, "locked-out"), d, events(t, ns, "secure", "")})
	for _, secret := range []string{sec.Password, wrong} {
		if strings.Contains(string(everything), secret) {
			t.Fatalf("a password appears in a status, the Deployment (rendered config) or an event")
		}
	}
}
