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
	"errors"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/kafkaadmin"
)

func condition(t *testing.T, st kafkav1alpha1.KafkaConsumerGroupStatus, condType string) metav1.Condition {
	t.Helper()
	c := meta.FindStatusCondition(st.Conditions, condType)
	if c == nil {
		t.Fatalf("no %s condition in %+v", condType, st.Conditions)
	}
	return *c
}

func TestGroupStatusWhenKafkaIsUnreachable(t *testing.T) {
	kcg := secureGroup()
	st := computeGroupStatus(kcg, groupView{obsErr: errors.New("dial tcp: connection refused"), desired: 2, now: time.Unix(1_800_000_000, 0)})
	if st.TotalLag != nil || st.GroupState != kafkav1alpha1.GroupStateUnknown {
		t.Fatalf("lag %v state %s: an unobserved group must show Unknown, never lag 0", st.TotalLag, st.GroupState)
	}
	if c := condition(t, st, kafkav1alpha1.ConditionKafkaReachable); c.Status != metav1.ConditionFalse || c.Reason != ReasonKafkaUnreachable {
		t.Fatalf("KafkaReachable %+v", c)
	}
	if c := condition(t, st, kafkav1alpha1.ConditionReady); c.Status != metav1.ConditionFalse || c.Reason != ReasonKafkaUnreachable || c.ObservedGeneration != 3 {
		t.Fatalf("Ready %+v", c)
	}
	if c := condition(t, st, kafkav1alpha1.ConditionLagging); c.Status != metav1.ConditionUnknown {
		t.Fatalf("Lagging %+v", c)
	}
}

func TestGroupStatusFromAnObservation(t *testing.T) {
	kcg := secureGroup()
	obs := &kafkaadmin.GroupObservation{
		State:           "Stable",
		TopicPartitions: map[string]int{"orders": 3},
		Members: []kafkaadmin.Member{
			{ClientID: "orders-audit-b", Host: "/10.0.0.2", Assignments: map[string][]int{"orders": {2}}},
			{ClientID: "orders-audit-a", Host: "/10.0.0.1", Assignments: map[string][]int{"orders": {1, 0}}},
			{ClientID: "someone-else", Host: "/10.0.0.9"},
		},
		Partitions: []kafkaadmin.PartitionOffsets{
			{Topic: "orders", Partition: 0, Lag: 5, ClientID: "orders-audit-a"},
			{Topic: "orders", Partition: 1, Lag: 0, ClientID: "orders-audit-a"},
			{Topic: "orders", Partition: 2, Lag: 40, ClientID: "orders-audit-b"},
		},
	}
	st := computeGroupStatus(kcg, groupView{
		// An observation taken 2 s before this reconcile, reused.
		obs: obs, desired: 2, now: time.Unix(1_800_000_002, 0), observedAt: time.Unix(1_800_000_000, 0),
		pods:       map[string]bool{"orders-audit-a": true, "orders-audit-b": true},
		deployment: &appsv1.Deployment{Status: appsv1.DeploymentStatus{Replicas: 2, ReadyReplicas: 2}},
	})
	if *st.TotalLag != 45 || *st.MaxPartitionLag != 40 || st.Partitions != 3 || st.GroupState != kafkav1alpha1.GroupStateStable {
		t.Fatalf("totals: lag %d max %d partitions %d state %s", *st.TotalLag, *st.MaxPartitionLag, st.Partitions, st.GroupState)
	}
	if len(st.Members) != 3 || st.Members[0].Pod != "" || st.Members[1].Pod != "orders-audit-a" || fmt.Sprint(st.Members[1].Assignments[0].Partitions) != "[0 1]" {
		t.Fatalf("members %+v", st.Members)
	}
	if st.Topics[0].LaggingPartitions != 2 || *st.Topics[0].Lag != 45 {
		t.Fatalf("topics %+v", st.Topics)
	}
	if st.LaggiestPartitions[0].Partition != 2 || st.LaggiestPartitions[0].Pod != "orders-audit-b" || len(st.LaggiestPartitions) != 2 {
		t.Fatalf("laggiest %+v", st.LaggiestPartitions)
	}
	if c := condition(t, st, kafkav1alpha1.ConditionReady); c.Status != metav1.ConditionTrue || c.Reason != ReasonReconciled {
		t.Fatalf("Ready %+v", c)
	}
	if st.SinkType != "http" || st.Selector == "" {
		t.Fatalf("sink type %q selector %q", st.SinkType, st.Selector)
	}
	if !st.LastObservedTime.Equal(&metav1.Time{Time: time.Unix(1_800_000_000, 0)}) {
		t.Fatalf("lastObservedTime %s; want the observation's time, not the reconcile's", st.LastObservedTime)
	}
}

func TestGroupStatusLaggiestIsBounded(t *testing.T) {
	obs := &kafkaadmin.GroupObservation{State: "Stable", TopicPartitions: map[string]int{"orders": 500}}
	for p := range 500 {
		obs.Partitions = append(obs.Partitions, kafkaadmin.PartitionOffsets{Topic: "orders", Partition: p, Lag: int64(p)})
	}
	st := computeGroupStatus(secureGroup(), groupView{obs: obs, desired: 1, now: time.Now()})
	if len(st.LaggiestPartitions) != maxLaggiest || st.LaggiestPartitions[0].Lag != 499 {
		t.Fatalf("%d laggiest partitions, first lag %d", len(st.LaggiestPartitions), st.LaggiestPartitions[0].Lag)
	}
}

func TestGroupStatusDegraded(t *testing.T) {
	st := computeGroupStatus(secureGroup(), groupView{
		obs: &kafkaadmin.GroupObservation{State: "Empty", TopicPartitions: map[string]int{}, MissingTopics: []string{"orders"}}, desired: 1, now: time.Now(),
	})
	if c := condition(t, st, kafkav1alpha1.ConditionDegraded); c.Status != metav1.ConditionTrue || c.Reason != ReasonTopicNotFound {
		t.Fatalf("Degraded %+v", c)
	}
	st = computeGroupStatus(secureGroup(), groupView{degraded: &problem{ReasonSecretNotFound, "Secret scram not found"}, desired: 1, now: time.Now()})
	if c := condition(t, st, kafkav1alpha1.ConditionReady); c.Status != metav1.ConditionFalse || c.Reason != ReasonSecretNotFound {
		t.Fatalf("Ready %+v", c)
	}
}

func BenchmarkComputeGroupStatus(b *testing.B) {
	obs := &kafkaadmin.GroupObservation{State: "Stable", TopicPartitions: map[string]int{"orders": 1000}}
	pods := map[string]bool{}
	for m := range 50 {
		member := kafkaadmin.Member{ClientID: fmt.Sprintf("pod-%d", m), Assignments: map[string][]int{}}
		pods[member.ClientID] = true
		for p := m * 20; p < (m+1)*20; p++ {
			member.Assignments["orders"] = append(member.Assignments["orders"], p)
			obs.Partitions = append(obs.Partitions, kafkaadmin.PartitionOffsets{Topic: "orders", Partition: p, Lag: int64(p % 97), ClientID: member.ClientID})
		}
		obs.Members = append(obs.Members, member)
	}
	kcg := secureGroup()
	b.ReportAllocs()
	for b.Loop() {
		_ = computeGroupStatus(kcg, groupView{obs: obs, pods: pods, desired: 50, now: time.Now()})
	}
}

func TestObservationReuse(t *testing.T) {
	at := time.Unix(1_800_000_000, 0)
	mem := &groupMemory{last: &pastObservation{obs: &kafkaadmin.GroupObservation{}, at: at, generation: 3}}
	for _, tc := range []struct {
		name       string
		generation int64
		age, poll  time.Duration
		want       bool
	}{
		{"an event right after a 15 s poll", 3, time.Second, 15 * time.Second, true},
		{"the next 15 s poll", 3, 15 * time.Second, 15 * time.Second, false},
		{"older than 5 s, whatever the poll", 3, 6 * time.Second, time.Minute, false},
		{"half a 1 s poll", 3, 500 * time.Millisecond, time.Second, false},
		{"a changed spec", 4, time.Second, 15 * time.Second, false},
	} {
		if _, got := mem.reusable(tc.generation, at.Add(tc.age), tc.poll); got != tc.want {
			t.Errorf("%s: reusable %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, ok := (&groupMemory{}).reusable(3, at, time.Minute); ok {
		t.Error("reusable without any observation")
	}
}
