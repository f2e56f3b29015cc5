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
	"sync/atomic"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/controllers"
)

// TestApplySendsOnlyChanges: apply sends nothing when the live Deployment
// already holds the desired state, and still puts back a hand edit and
// removes a field the operator stopped setting.
func TestApplySendsOnlyChanges(t *testing.T) {
	ns := newNamespace(t)
	direct, err := client.NewWithWatch(kube.Config, client.Options{Scheme: kube.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	var applies atomic.Int32
	c := interceptor.NewClient(direct, interceptor.Funcs{
		Apply: func(ctx context.Context, c client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
			applies.Add(1)
			return c.Apply(ctx, obj, opts...)
		},
	})
	// The Deployment's owner need not exist: this API server runs no
	// garbage collector.
	kcg := &kafkav1alpha1.KafkaConsumerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: "frugal", Namespace: ns, UID: "5b0e5a0e-0000-4000-8000-000000000001"},
		Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
			Kafka:  kafkav1alpha1.KafkaConnection{BootstrapServers: bootstrap()},
			Topics: []kafkav1alpha1.TopicName{"orders"},
			Sink:   kafkav1alpha1.SinkSpec{Log: &kafkav1alpha1.LogSink{}},
			Worker: &kafkav1alpha1.WorkerSpec{Resources: &corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			}},
		},
	}
	applyGroup := func(kcg *kafkav1alpha1.KafkaConsumerGroup) *appsv1.Deployment {
		t.Helper()
		d, err := controllers.DesiredConsumerDeployment(kcg, 2, testWorkerImage)
		if err != nil {
			t.Fatal(err)
		}
		if err := controllers.Apply(t.Context(), c, d); err != nil {
			t.Fatal(err)
		}
		return d
	}

	applyGroup(kcg)
	live := &appsv1.Deployment{}
	if err := direct.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "frugal"}, live); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if d := applyGroup(kcg); d.ResourceVersion != live.ResourceVersion || *d.Spec.Replicas != 2 {
			t.Fatalf("an unchanged apply answered resourceVersion %s, replicas %d; want the live %s, 2", d.ResourceVersion, *d.Spec.Replicas, live.ResourceVersion)
		}
	}
	if n := applies.Load(); n != 1 {
		t.Fatalf("%d apply requests for one desired state applied four times; want 1", n)
	}

	update(t, live, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "someone-else:latest" })
	if d := applyGroup(kcg); d.Spec.Template.Spec.Containers[0].Image != testWorkerImage {
		t.Fatalf("a hand-edited image was not put back: %s", d.Spec.Template.Spec.Containers[0].Image)
	}

	kcg.Spec.Worker = nil
	if d := applyGroup(kcg); len(d.Spec.Template.Spec.Containers[0].Resources.Requests) != 0 {
		t.Fatalf("resources the operator no longer sets are still there: %v", d.Spec.Template.Spec.Containers[0].Resources)
	}
	if n := applies.Load(); n != 3 {
		t.Fatalf("%d apply requests; want 3 (create, put back a hand edit, drop a field)", n)
	}
}
