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

package v1alpha1_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
)

func fullConnection() kafkav1alpha1.KafkaConnection {
	return kafkav1alpha1.KafkaConnection{
		BootstrapServers: []kafkav1alpha1.BootstrapServer{"kafka-0.kafka:9093", "[fd00::1]:9093"},
		TLS: &kafkav1alpha1.KafkaTLS{
			Enabled:            true,
			CASecretRef:        &kafkav1alpha1.SecretKeyReference{Name: "kafka-ca", Key: "ca.crt"},
			CertSecretRef:      &kafkav1alpha1.ClientCertificateReference{Name: "client", CertKey: "tls.crt", KeyKey: "tls.key"},
			InsecureSkipVerify: ptr.To(false),
		},
		SASL: &kafkav1alpha1.KafkaSASL{Mechanism: kafkav1alpha1.SASLScramSHA512, SecretRef: &kafkav1alpha1.SecretReference{Name: "scram"}},
	}
}

func fullWorker() *kafkav1alpha1.WorkerSpec {
	return &kafkav1alpha1.WorkerSpec{
		Image:           "registry.example.com/vermont:v1",
		ImagePullPolicy: corev1.PullIfNotPresent,
		Resources: &corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
		},
		Env:                           []corev1.EnvVar{{Name: "GOMAXPROCS", Value: "2"}},
		NodeSelector:                  map[string]string{"pool": "kafka"},
		Tolerations:                   []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "kafka", Effect: corev1.TaintEffectNoSchedule}},
		Affinity:                      &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}}}}}},
		ServiceAccountName:            "orders",
		PodLabels:                     map[string]string{"team": "orders"},
		PodAnnotations:                map[string]string{"note": "audit"},
		TerminationGracePeriodSeconds: ptr.To[int64](40),
	}
}

// TestRoundTrip creates objects with every field set and reads them back
// unchanged: nothing is pruned by the schema, nothing is reshaped.
func TestRoundTrip(t *testing.T) {
	ns := newNamespace(t)
	duration := func(d time.Duration) metav1.Duration { return metav1.Duration{Duration: d} }

	group := &kafkav1alpha1.KafkaConsumerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: "full-group", Namespace: ns},
		Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
			Kafka:       fullConnection(),
			Topics:      []kafkav1alpha1.TopicName{"orders", "refunds"},
			GroupID:     "orders-full",
			StartOffset: kafkav1alpha1.StartOffsetLatest,
			Autoscaling: &kafkav1alpha1.AutoscalingSpec{
				MinReplicas: ptr.To[int32](0), MaxReplicas: 8, LagPerReplica: 250, ActivationLag: 10,
				PollInterval: duration(5 * time.Second), ScaleDownStabilization: ptr.To(duration(2 * time.Minute)), AllowIdleConsumers: true,
			},
			Sink: kafkav1alpha1.SinkSpec{HTTP: &kafkav1alpha1.HTTPSink{
				URL: "https://audit.example.com/records", Timeout: duration(3 * time.Second),
				Headers: map[string]string{"X-Team": "orders"}, HeadersFromSecret: &kafkav1alpha1.SecretReference{Name: "audit-headers"},
				MaxBatchRecords: 10,
			}},
			Delivery: &kafkav1alpha1.DeliverySpec{
				MaxRetries: ptr.To[int32](3), Backoff: kafkav1alpha1.BackoffSpec{Initial: duration(50 * time.Millisecond), Max: duration(5 * time.Second)},
				DeadLetterTopic: "orders-dlq", MaxInFlight: 4,
			},
			Worker: fullWorker(),
		},
	}
	producer := &kafkav1alpha1.KafkaProducer{
		ObjectMeta: metav1.ObjectMeta{Name: "full-producer", Namespace: ns},
		Spec: kafkav1alpha1.KafkaProducerSpec{
			Kafka:     fullConnection(),
			Topic:     "payments",
			TopicSpec: &kafkav1alpha1.TopicSpec{Partitions: 12, ReplicationFactor: ptr.To[int32](3), Config: map[string]string{"retention.ms": "3600000"}},
			Replicas:  ptr.To[int32](2),
			Source: kafkav1alpha1.SourceSpec{HTTP: &kafkav1alpha1.HTTPSource{
				Port: 9000, MaxBodyBytes: 65536, KeyField: "payment.id", ReadTimeout: metav1.Duration{Duration: 90 * time.Second},
				AuthSecretRef: &kafkav1alpha1.SecretKeyReference{Name: "ingest-token", Key: "token"},
			}},
			Producer: &kafkav1alpha1.ProducerSettings{
				Acks: kafkav1alpha1.AcksLeader, Compression: kafkav1alpha1.CompressionZstd, BatchSize: 500,
				BatchBytes: 2 << 20, LingerMs: ptr.To[int32](20), MaxAttempts: 3, Partitioner: kafkav1alpha1.PartitionerMurmur2,
			},
			Worker: fullWorker(),
		},
	}
	generator := &kafkav1alpha1.KafkaProducer{
		ObjectMeta: metav1.ObjectMeta{Name: "full-generator", Namespace: ns},
		Spec: kafkav1alpha1.KafkaProducerSpec{
			Kafka:    kafkav1alpha1.KafkaConnection{BootstrapServers: []kafkav1alpha1.BootstrapServer{"kafka:9092"}},
			Topic:    "orders",
			Replicas: ptr.To[int32](1),
			Source: kafkav1alpha1.SourceSpec{Generator: &kafkav1alpha1.GeneratorSource{
				RatePerSecond: ptr.To[int32](0), Count: 1000, Key: "{{randInt 1 9}}", Value: `{"n": {{seq}}}`,
			}},
			Producer: &kafkav1alpha1.ProducerSettings{
				Acks: kafkav1alpha1.AcksAll, Compression: kafkav1alpha1.CompressionNone, BatchSize: 1,
				BatchBytes: 1024, LingerMs: ptr.To[int32](0), MaxAttempts: 1, Partitioner: kafkav1alpha1.PartitionerRoundRobin,
			},
		},
	}

	for _, obj := range []client.Object{group, producer, generator} {
		want := obj.DeepCopyObject().(client.Object)
		if err := kube.Client.Create(t.Context(), obj); err != nil {
			t.Fatalf("creating %s: %v", obj.GetName(), err)
		}
		got := want.DeepCopyObject().(client.Object)
		if err := kube.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(specOfTyped(want), specOfTyped(got)); diff != "" {
			t.Errorf("%s changed on the way through the API server (-sent +read):\n%s", obj.GetName(), diff)
		}
	}

	// The status round-trips too, through the status subresource.
	group.Status = kafkav1alpha1.KafkaConsumerGroupStatus{
		ObservedGeneration: 1,
		Conditions:         []metav1.Condition{{Type: kafkav1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Reconciled", Message: "ok", LastTransitionTime: metav1.NewTime(time.Unix(1_800_000_000, 0)), ObservedGeneration: 1}},
		Replicas:           2, ReadyReplicas: 2, DesiredReplicas: 2, Selector: "app.kubernetes.io/instance=full-group", SinkType: "http",
		LastScaleTime: ptr.To(metav1.NewTime(time.Unix(1_800_000_000, 0))), LastObservedTime: ptr.To(metav1.NewTime(time.Unix(1_800_000_100, 0))),
		GroupState: kafkav1alpha1.GroupStateStable, Partitions: 6, TotalLag: ptr.To[int64](42), MaxPartitionLag: ptr.To[int64](30),
		Topics:             []kafkav1alpha1.TopicLag{{Name: "orders", Partitions: 6, Lag: ptr.To[int64](42), LaggingPartitions: 2}},
		Members:            []kafkav1alpha1.GroupMember{{Pod: "full-group-abc", ClientID: "full-group-abc", Host: "/10.0.0.1", Assignments: []kafkav1alpha1.TopicAssignment{{Topic: "orders", Partitions: []int32{0, 1, 2}}}}},
		LaggiestPartitions: []kafkav1alpha1.PartitionLag{{Topic: "orders", Partition: 1, Lag: 30, Pod: "full-group-abc"}},
	}
	wantStatus := group.Status.DeepCopy()
	if err := kube.Client.Status().Update(t.Context(), group); err != nil {
		t.Fatalf("updating status: %v", err)
	}
	var got kafkav1alpha1.KafkaConsumerGroup
	if err := kube.Client.Get(t.Context(), client.ObjectKeyFromObject(group), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*wantStatus, got.Status); diff != "" {
		t.Errorf("status changed on the way through the API server (-sent +read):\n%s", diff)
	}
}

func specOfTyped(obj client.Object) any {
	switch o := obj.(type) {
	case *kafkav1alpha1.KafkaConsumerGroup:
		return o.Spec
	case *kafkav1alpha1.KafkaProducer:
		return o.Spec
	}
	return nil
}

// TestScaleSubresource: /scale sets spec.replicas of a group without
// autoscaling, reports status.replicas and status.selector, and is refused
// with the CEL message on an autoscaled group.
func TestScaleSubresource(t *testing.T) {
	ns := newNamespace(t)
	plain := &kafkav1alpha1.KafkaConsumerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: "plain", Namespace: ns},
		Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
			Kafka:    kafkav1alpha1.KafkaConnection{BootstrapServers: []kafkav1alpha1.BootstrapServer{"kafka:9092"}},
			Topics:   []kafkav1alpha1.TopicName{"orders"},
			Replicas: ptr.To[int32](1),
			Sink:     kafkav1alpha1.SinkSpec{Discard: &kafkav1alpha1.DiscardSink{}},
		},
	}
	autoscaled := plain.DeepCopy()
	autoscaled.Name = "autoscaled"
	autoscaled.Spec.Replicas = nil
	autoscaled.Spec.Autoscaling = &kafkav1alpha1.AutoscalingSpec{MaxReplicas: 4}
	for _, g := range []*kafkav1alpha1.KafkaConsumerGroup{plain, autoscaled} {
		if err := kube.Client.Create(t.Context(), g); err != nil {
			t.Fatal(err)
		}
	}

	plain.Status.Replicas = 1
	plain.Status.Selector = "app.kubernetes.io/instance=plain"
	if err := kube.Client.Status().Update(t.Context(), plain); err != nil {
		t.Fatal(err)
	}
	scale := &autoscalingv1.Scale{}
	if err := kube.Client.SubResource("scale").Get(t.Context(), plain, scale); err != nil {
		t.Fatalf("getting /scale: %v", err)
	}
	if scale.Spec.Replicas != 1 || scale.Status.Replicas != 1 || scale.Status.Selector != "app.kubernetes.io/instance=plain" {
		t.Fatalf("/scale = spec %d, status %d, selector %q; want 1, 1 and the status selector", scale.Spec.Replicas, scale.Status.Replicas, scale.Status.Selector)
	}
	scale.Spec.Replicas = 5
	if err := kube.Client.SubResource("scale").Update(t.Context(), plain, client.WithSubResourceBody(scale)); err != nil {
		t.Fatalf("updating /scale: %v", err)
	}
	if err := kube.Client.Get(t.Context(), client.ObjectKeyFromObject(plain), plain); err != nil {
		t.Fatal(err)
	}
	if plain.Spec.Replicas == nil || *plain.Spec.Replicas != 5 {
		t.Fatalf("spec.replicas = %v after /scale to 5", plain.Spec.Replicas)
	}

	// An autoscaled group has no spec.replicas, so there is no /scale to
	// read; a write (what kubectl scale sends) must be refused clearly.
	scale = &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: autoscaled.Name, Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: 3}}
	err := kube.Client.SubResource("scale").Update(t.Context(), autoscaled, client.WithSubResourceBody(scale))
	if err == nil || !strings.Contains(err.Error(), "edit spec.autoscaling.minReplicas and maxReplicas instead") {
		t.Fatalf("/scale on an autoscaled group: %v; want the CEL message", err)
	}
}
