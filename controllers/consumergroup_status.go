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
	"fmt"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/kafkaadmin"
)

// Condition reasons.
const (
	ReasonReconciled       = "Reconciled"
	ReasonKafkaUnreachable = "KafkaUnreachable"
	ReasonObserved         = "Observed"
	ReasonSecretNotFound   = "SecretNotFound"
	ReasonTopicNotFound    = "TopicNotFound"
	ReasonInvalidTemplate  = "InvalidTemplate"
	ReasonPartitionShrink  = "PartitionShrinkRefused"
	ReasonWorkersNotReady  = "WorkersNotReady"
	ReasonAsExpected       = "AsExpected"
	ReasonScaleHeld        = "ScaleHeld"
	ReasonScaling          = "ScalingInProgress"
	ReasonStable           = "Stable"
	ReasonFixedReplicas    = "FixedReplicas"
	ReasonLagUnknown       = "Unknown"
	ReasonTopicReady       = "TopicReady"

	// maxLaggiest bounds status.laggiestPartitions.
	maxLaggiest = 20
	// lagWindow is the observations the Lagging condition looks at.
	lagWindow = 10
)

// groupView is everything the status of a consumer group is computed from.
type groupView struct {
	// obs is nil when Kafka could not be observed; obsErr says why.
	obs    *kafkaadmin.GroupObservation
	obsErr error
	// degraded, when set, is a problem the user must fix.
	degraded *problem
	// pods are the names of the group's worker pods.
	pods       map[string]bool
	deployment *appsv1.Deployment
	desired    int32
	decision   *ScaleDecision // nil for a group with fixed replicas
	verdict    GroupLagVerdict
	now        time.Time
	// observedAt is when obs was taken (before now when it is reused).
	observedAt time.Time
	lastScale  *metav1.Time
}

// problem is a Degraded reason with its message.
type problem struct {
	reason, message string
}

// computeGroupStatus is the status of a consumer group, as a pure function
// of what was observed.
func computeGroupStatus(kcg *kafkav1alpha1.KafkaConsumerGroup, v groupView) kafkav1alpha1.KafkaConsumerGroupStatus {
	st := kafkav1alpha1.KafkaConsumerGroupStatus{
		ObservedGeneration: kcg.Generation,
		Conditions:         append([]metav1.Condition(nil), kcg.Status.Conditions...),
		DesiredReplicas:    v.desired,
		Selector:           selectorString("KafkaConsumerGroup", kcg.Name),
		SinkType:           sinkType(kcg.Spec.Sink),
		LastScaleTime:      v.lastScale,
		GroupState:         kafkav1alpha1.GroupStateUnknown,
	}
	if d := v.deployment; d != nil {
		st.Replicas, st.ReadyReplicas = d.Status.Replicas, d.Status.ReadyReplicas
	}
	now := metav1.NewTime(v.now)
	set := func(condType string, status metav1.ConditionStatus, reason, message string) {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type: condType, Status: status, Reason: reason, Message: message,
			ObservedGeneration: kcg.Generation, LastTransitionTime: now,
		})
	}

	if v.obs != nil {
		st.LastObservedTime = &metav1.Time{Time: v.observedAt}
		fillObservation(&st, v.obs, v.pods)
		set(kafkav1alpha1.ConditionKafkaReachable, metav1.ConditionTrue, ReasonObserved, "the operator observed the group in Kafka")
	} else {
		st.LastObservedTime = kcg.Status.LastObservedTime
		msg := "the group was not observed"
		if v.obsErr != nil {
			msg = "cannot observe the group: " + v.obsErr.Error()
		}
		set(kafkav1alpha1.ConditionKafkaReachable, metav1.ConditionFalse, ReasonKafkaUnreachable, msg)
	}

	degraded := v.degraded
	if degraded == nil && v.obs != nil && len(v.obs.MissingTopics) > 0 {
		degraded = &problem{ReasonTopicNotFound, fmt.Sprintf("topics %v do not exist in Kafka: create them, or fix spec.topics", v.obs.MissingTopics)}
	}
	if degraded != nil {
		set(kafkav1alpha1.ConditionDegraded, metav1.ConditionTrue, degraded.reason, degraded.message)
	} else {
		set(kafkav1alpha1.ConditionDegraded, metav1.ConditionFalse, ReasonAsExpected, "nothing needs attention")
	}

	switch d := v.decision; {
	case d == nil:
		set(kafkav1alpha1.ConditionScaling, metav1.ConditionFalse, ReasonFixedReplicas, fmt.Sprintf("spec.replicas sets %d replicas", v.desired))
	case d.Held:
		set(kafkav1alpha1.ConditionScaling, metav1.ConditionTrue, ReasonScaleHeld, d.Reason)
	case st.Replicas != v.desired:
		set(kafkav1alpha1.ConditionScaling, metav1.ConditionTrue, ReasonScaling, fmt.Sprintf("scaling from %d to %d replicas: %s", st.Replicas, v.desired, d.Reason))
	default:
		set(kafkav1alpha1.ConditionScaling, metav1.ConditionFalse, ReasonStable, d.Reason)
	}

	if v.obs == nil {
		set(kafkav1alpha1.ConditionLagging, metav1.ConditionUnknown, ReasonLagUnknown, "lag unknown: Kafka was not observed")
	} else {
		status := metav1.ConditionTrue
		if v.verdict.Status == LagOK {
			status = metav1.ConditionFalse
		}
		set(kafkav1alpha1.ConditionLagging, status, string(v.verdict.Status), v.verdict.Message(lagWindow))
	}

	switch {
	case degraded != nil:
		set(kafkav1alpha1.ConditionReady, metav1.ConditionFalse, degraded.reason, degraded.message)
	case v.obs == nil:
		set(kafkav1alpha1.ConditionReady, metav1.ConditionFalse, ReasonKafkaUnreachable, "cannot observe the group in Kafka; replicas are held")
	case st.ReadyReplicas < v.desired:
		set(kafkav1alpha1.ConditionReady, metav1.ConditionFalse, ReasonWorkersNotReady, fmt.Sprintf("%d of %d worker pods ready", st.ReadyReplicas, v.desired))
	default:
		set(kafkav1alpha1.ConditionReady, metav1.ConditionTrue, ReasonReconciled, fmt.Sprintf("%d worker pods ready; group %s", st.ReadyReplicas, st.GroupState))
	}
	return st
}

// fillObservation writes the group's members, totals and lags.
func fillObservation(st *kafkav1alpha1.KafkaConsumerGroupStatus, obs *kafkaadmin.GroupObservation, pods map[string]bool) {
	st.GroupState = groupState(obs.State)
	podOf := func(clientID string) string {
		if pods[clientID] {
			return clientID
		}
		return ""
	}
	for _, m := range obs.Members {
		member := kafkav1alpha1.GroupMember{Pod: podOf(m.ClientID), ClientID: m.ClientID, Host: m.Host}
		topics := make([]string, 0, len(m.Assignments))
		for t := range m.Assignments {
			topics = append(topics, t)
		}
		sort.Strings(topics)
		for _, t := range topics {
			ps := make([]int32, 0, len(m.Assignments[t]))
			for _, p := range m.Assignments[t] {
				ps = append(ps, int32(p))
			}
			sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
			member.Assignments = append(member.Assignments, kafkav1alpha1.TopicAssignment{Topic: t, Partitions: ps})
		}
		st.Members = append(st.Members, member)
	}
	sort.Slice(st.Members, func(i, j int) bool {
		a, b := st.Members[i], st.Members[j]
		return a.Pod < b.Pod || (a.Pod == b.Pod && a.ClientID < b.ClientID)
	})
	if len(st.Members) > 1000 {
		st.Members = st.Members[:1000]
	}

	var total, maxLag int64
	byTopic := map[string]*kafkav1alpha1.TopicLag{}
	var order []string
	for topic, n := range obs.TopicPartitions {
		byTopic[topic] = &kafkav1alpha1.TopicLag{Name: topic, Partitions: int32(n), Lag: ptr.To[int64](0)}
		order = append(order, topic)
	}
	sort.Strings(order)
	lagging := make([]kafkav1alpha1.PartitionLag, 0, len(obs.Partitions))
	for _, p := range obs.Partitions {
		total += p.Lag
		maxLag = max(maxLag, p.Lag)
		t := byTopic[p.Topic]
		if t == nil {
			continue
		}
		*t.Lag += p.Lag
		if p.Lag > 0 {
			t.LaggingPartitions++
			lagging = append(lagging, kafkav1alpha1.PartitionLag{Topic: p.Topic, Partition: int32(p.Partition), Lag: p.Lag, Pod: podOf(p.ClientID)})
		}
	}
	for _, topic := range order {
		st.Topics = append(st.Topics, *byTopic[topic])
		st.Partitions += byTopic[topic].Partitions
	}
	st.TotalLag, st.MaxPartitionLag = ptr.To(total), ptr.To(maxLag)
	sort.SliceStable(lagging, func(i, j int) bool { return lagging[i].Lag > lagging[j].Lag })
	if len(lagging) > maxLaggiest {
		lagging = lagging[:maxLaggiest]
	}
	if len(lagging) > 0 {
		st.LaggiestPartitions = lagging
	}
}

// lagSummary is what the scaling policy needs of an observation.
func lagSummary(obs *kafkaadmin.GroupObservation) LagSummary {
	if obs == nil {
		return LagSummary{}
	}
	s := LagSummary{Known: true}
	switch groupState(obs.State) {
	case kafkav1alpha1.GroupStatePreparingRebalance, kafkav1alpha1.GroupStateCompletingRebalance:
		s.Rebalancing = true
	}
	for _, p := range obs.Partitions {
		s.Partitions++
		s.TotalLag += p.Lag
		if p.Lag > 0 {
			s.LaggingPartitions++
		}
	}
	return s
}

func groupState(s string) kafkav1alpha1.GroupState {
	switch st := kafkav1alpha1.GroupState(s); st {
	case kafkav1alpha1.GroupStateStable, kafkav1alpha1.GroupStatePreparingRebalance, kafkav1alpha1.GroupStateCompletingRebalance,
		kafkav1alpha1.GroupStateEmpty, kafkav1alpha1.GroupStateDead:
		return st
	}
	return kafkav1alpha1.GroupStateUnknown
}

func sinkType(s kafkav1alpha1.SinkSpec) string {
	switch {
	case s.Log != nil:
		return "log"
	case s.HTTP != nil:
		return "http"
	case s.Kafka != nil:
		return "kafka"
	case s.Discard != nil:
		return "discard"
	}
	return ""
}
