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

package controllers

import (
	"encoding/json"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

func secureGroup() *kafkav1alpha1.KafkaConsumerGroup {
	return &kafkav1alpha1.KafkaConsumerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: "orders-audit", Namespace: "shop", UID: "uid-1", Generation: 3},
		Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
			Kafka: kafkav1alpha1.KafkaConnection{
				BootstrapServers: []kafkav1alpha1.BootstrapServer{"kafka:9093"},
				TLS:              &kafkav1alpha1.KafkaTLS{Enabled: true, CASecretRef: &kafkav1alpha1.SecretKeyReference{Name: "ca", Key: "ca.crt"}},
				SASL:             &kafkav1alpha1.KafkaSASL{Mechanism: kafkav1alpha1.SASLScramSHA512, SecretRef: &kafkav1alpha1.SecretReference{Name: "scram"}},
			},
			Topics: []kafkav1alpha1.TopicName{"orders"},
			Sink:   kafkav1alpha1.SinkSpec{HTTP: &kafkav1alpha1.HTTPSink{URL: "http://audit/records", HeadersFromSecret: &kafkav1alpha1.SecretReference{Name: "audit-headers"}}},
			Worker: &kafkav1alpha1.WorkerSpec{
				Env:                           []corev1.EnvVar{{Name: "GOMAXPROCS", Value: "2"}},
				PodLabels:                     map[string]string{"team": "orders"},
				TerminationGracePeriodSeconds: ptr.To[int64](40),
			},
		},
	}
}

func TestDesiredDeployment(t *testing.T) {
	kcg := secureGroup()
	d, err := desiredDeployment(consumerWorkload(kcg, 3, "vermont:v1"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "orders-audit" || d.Namespace != "shop" || *d.Spec.Replicas != 3 {
		t.Fatalf("name %s/%s replicas %d", d.Namespace, d.Name, *d.Spec.Replicas)
	}
	owner := d.OwnerReferences[0]
	if owner.Kind != "KafkaConsumerGroup" || owner.UID != "uid-1" || !*owner.Controller || owner.APIVersion != "kafka.vermont.io/v1alpha1" {
		t.Fatalf("owner reference %+v", owner)
	}
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || !selector.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Fatalf("selector %v does not match the pod labels %v", d.Spec.Selector, d.Spec.Template.Labels)
	}
	if d.Spec.Template.Labels["team"] != "orders" || d.Spec.Template.Labels[LabelKind] != "KafkaConsumerGroup" {
		t.Fatalf("pod labels %v", d.Spec.Template.Labels)
	}
	if selectorString("KafkaConsumerGroup", "orders-audit") != selector.String() {
		t.Fatalf("status selector %q differs from the Deployment's %q", selectorString("KafkaConsumerGroup", "orders-audit"), selector)
	}

	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	if c.Image != "vermont:v1" || c.Command[0] != "/worker" || c.Command[1] != "consume" || *pod.TerminationGracePeriodSeconds != 40 {
		t.Fatalf("container %s %v grace %d", c.Image, c.Command, *pod.TerminationGracePeriodSeconds)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if env[workerconfig.EnvPodName].ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Fatal("POD_NAME does not come from the downward API")
	}
	for name, want := range map[string][2]string{
		"VERMONT_KAFKA_SASL_USERNAME": {"scram", "username"},
		"VERMONT_KAFKA_SASL_PASSWORD": {"scram", "password"},
		"VERMONT_KAFKA_TLS_CA_PEM":    {"ca", "ca.crt"},
	} {
		ref := env[name].ValueFrom
		if ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != want[0] || ref.SecretKeyRef.Key != want[1] || env[name].Value != "" {
			t.Fatalf("%s is not a secretKeyRef to %v: %+v", name, want, env[name])
		}
	}
	if env["GOMAXPROCS"].Value != "2" {
		t.Fatal("the user's env is missing")
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].Prefix != workerconfig.EnvPrefixHTTPSinkHeader || c.EnvFrom[0].SecretRef.Name != "audit-headers" {
		t.Fatalf("headersFromSecret: %+v", c.EnvFrom)
	}

	var cfg workerconfig.Config
	if err := json.Unmarshal([]byte(env[workerconfig.EnvConfig].Value), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != workerconfig.ModeConsume || cfg.Consumer.GroupID != "orders-audit" || cfg.Kafka.SASL.Mechanism != "SCRAM-SHA-512" ||
		!cfg.Kafka.TLS.CA || cfg.Consumer.DrainTimeout.Seconds() != 30 || cfg.Consumer.Sink.HTTP.URL != "http://audit/records" {
		t.Fatalf("worker config %+v %+v", cfg, cfg.Consumer)
	}
	if err := workerConfigValid(env[workerconfig.EnvConfig].Value); err != nil {
		t.Fatalf("the rendered config does not load in the worker: %v", err)
	}

	// Pod Security "restricted".
	sc, psc := c.SecurityContext, pod.SecurityContext
	if !*sc.RunAsNonRoot || *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem || sc.Capabilities.Drop[0] != "ALL" ||
		sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault || !*psc.RunAsNonRoot {
		t.Fatalf("security context %+v %+v", sc, psc)
	}
}

func TestDesiredDeploymentIsStableAndRollsOnChange(t *testing.T) {
	kcg := secureGroup()
	a, _ := desiredDeployment(consumerWorkload(kcg, 2, "img"))
	b, _ := desiredDeployment(consumerWorkload(kcg, 2, "img"))
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("the same spec renders two different Deployments")
	}
	kcg.Spec.Sink.HTTP.URL = "http://audit-v2/records"
	c, _ := desiredDeployment(consumerWorkload(kcg, 2, "img"))
	jc, _ := json.Marshal(c.Spec.Template)
	ja, _ = json.Marshal(a.Spec.Template)
	if string(ja) == string(jc) {
		t.Fatal("a sink change does not change the pod template, so it would not roll the pods")
	}
}

func TestProducerWorkloadAndService(t *testing.T) {
	kp := &kafkav1alpha1.KafkaProducer{
		ObjectMeta: metav1.ObjectMeta{Name: "payments", Namespace: "shop", UID: "uid-2"},
		Spec: kafkav1alpha1.KafkaProducerSpec{
			Kafka: kafkav1alpha1.KafkaConnection{BootstrapServers: []kafkav1alpha1.BootstrapServer{"kafka:9092"}},
			Topic: "payments",
			Source: kafkav1alpha1.SourceSpec{HTTP: &kafkav1alpha1.HTTPSource{Port: 8080, MaxBodyBytes: 1024,
				ReadTimeout: metav1.Duration{Duration: 45 * time.Second}, AuthSecretRef: &kafkav1alpha1.SecretKeyReference{Name: "token", Key: "t"}}},
			Producer: &kafkav1alpha1.ProducerSettings{Acks: kafkav1alpha1.AcksAll, Compression: kafkav1alpha1.CompressionLz4, BatchSize: 1000,
				BatchBytes: 1 << 20, LingerMs: ptr.To[int32](5), MaxAttempts: 10, Partitioner: kafkav1alpha1.PartitionerHash},
		},
	}
	d, err := desiredDeployment(producerWorkload(kp, "img"))
	if err != nil {
		t.Fatal(err)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if *d.Spec.Replicas != 1 || c.Command[1] != "produce" || c.Ports[1].ContainerPort != 8080 {
		t.Fatalf("replicas %d command %v ports %v", *d.Spec.Replicas, c.Command, c.Ports)
	}
	var token *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == workerconfig.EnvHTTPSourceToken {
			token = &c.Env[i]
		}
	}
	if token == nil || token.ValueFrom.SecretKeyRef.Name != "token" {
		t.Fatalf("the bearer token is not a secretKeyRef: %+v", token)
	}
	for _, e := range c.Env {
		if e.Name == workerconfig.EnvConfig {
			cfg, err := workerconfig.Parse([]byte(e.Value), nil)
			if err != nil {
				t.Fatalf("the rendered producer config does not load in the worker: %v", err)
			}
			if got := cfg.Producer.HTTP.ReadTimeout.Duration; got != 45*time.Second {
				t.Fatalf("readTimeout reached the worker as %s, want 45s", got)
			}
		}
	}
	svc := desiredService(kp)
	if svc == nil || svc.Spec.Ports[0].TargetPort.StrVal != "http" || svc.Spec.Selector[LabelInstance] != "payments" {
		t.Fatalf("service %+v", svc)
	}
	if serviceEndpoint(kp) != "http://payments.shop.svc:80/v1/messages" {
		t.Fatalf("endpoint %s", serviceEndpoint(kp))
	}
}

func workerConfigValid(raw string) error {
	_, err := workerconfig.Parse([]byte(raw), nil)
	return err
}

// TestGoMemLimitFollowsTheMemoryLimit: a memory limit reaches the Go
// runtime as GOMEMLIMIT through the downward API; without a limit, or with
// the user's own GOMEMLIMIT, the operator adds none.
func TestGoMemLimitFollowsTheMemoryLimit(t *testing.T) {
	limited := &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")}}
	for _, tc := range []struct {
		name   string
		worker *kafkav1alpha1.WorkerSpec
		want   string // "" none, "ref" from the limit, else a value
	}{
		{"no resources", nil, ""},
		{"a CPU limit only", &kafkav1alpha1.WorkerSpec{Resources: &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}, ""},
		{"a memory limit", &kafkav1alpha1.WorkerSpec{Resources: limited}, "ref"},
		{"the user's own", &kafkav1alpha1.WorkerSpec{Resources: limited, Env: []corev1.EnvVar{{Name: "GOMEMLIMIT", Value: "200MiB"}}}, "200MiB"},
	} {
		kcg := secureGroup()
		kcg.Spec.Worker = tc.worker
		d, err := desiredDeployment(consumerWorkload(kcg, 1, "vermont:v1"))
		if err != nil {
			t.Fatal(err)
		}
		var found []corev1.EnvVar
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			if e.Name == "GOMEMLIMIT" {
				found = append(found, e)
			}
		}
		switch {
		case tc.want == "" && len(found) != 0:
			t.Errorf("%s: GOMEMLIMIT set: %+v", tc.name, found)
		case tc.want == "ref" && (len(found) != 1 || found[0].ValueFrom == nil || found[0].ValueFrom.ResourceFieldRef == nil ||
			found[0].ValueFrom.ResourceFieldRef.Resource != "limits.memory" || found[0].ValueFrom.ResourceFieldRef.ContainerName != workerContainerName):
			t.Errorf("%s: want GOMEMLIMIT from the worker container's limits.memory, got %+v", tc.name, found)
		case tc.want != "" && tc.want != "ref" && (len(found) != 1 || found[0].Value != tc.want):
			t.Errorf("%s: want only the user's GOMEMLIMIT=%s, got %+v", tc.name, tc.want, found)
		}
	}
}
