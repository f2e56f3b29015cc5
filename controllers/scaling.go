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
	"time"
)

// Autoscaling is the resolved autoscaling spec of a consumer group (API
// defaults applied).
type Autoscaling struct {
	MinReplicas, MaxReplicas int32
	LagPerReplica            int64
	ActivationLag            int64
	ScaleDownStabilization   time.Duration
	AllowIdleConsumers       bool
}

// LagSummary is what the scaling policy needs of one observation.
type LagSummary struct {
	// Known is false when Kafka could not be observed.
	Known bool
	// Rebalancing is true while the group is between generations.
	Rebalancing       bool
	TotalLag          int64
	Partitions        int32
	LaggingPartitions int32
}

// Recommendation is a replica count the policy wanted at a time.
type Recommendation struct {
	Time     time.Time
	Replicas int32
}

// ScaleDecision is the policy's answer.
type ScaleDecision struct {
	Replicas int32
	// Reason says why, for the Scaling condition and the Event.
	Reason string
	// Held is true when the policy kept the current count on purpose
	// (unknown lag, rebalance, stabilization).
	Held bool
	// History is the recommendations to remember for the next decision.
	History []Recommendation
}

// DecideReplicas is the scaling policy of DESIGN 5.3, a pure function:
// desired = ceil(lag / lagPerReplica), clamped to [min, max], capped at the
// partitions (and at the partitions with lag) unless idle consumers are
// allowed; up at once, down only to the highest recommendation within the
// stabilization window; held on an unknown observation or a rebalance;
// woken from zero only above the activation lag.
func DecideReplicas(a Autoscaling, current int32, obs LagSummary, history []Recommendation, now time.Time) ScaleDecision {
	history = recentHistory(history, now, a.ScaleDownStabilization)
	if !obs.Known {
		return ScaleDecision{Replicas: current, Reason: fmt.Sprintf("lag unknown (Kafka not observed): holding %d replicas", current), Held: true, History: history}
	}
	if obs.Rebalancing {
		return ScaleDecision{Replicas: current, Reason: fmt.Sprintf("group is rebalancing: holding %d replicas", current), Held: true, History: history}
	}

	want, why := recommend(a, current, obs)
	history = append(history, Recommendation{Time: now, Replicas: want})

	switch {
	case want >= current:
		return ScaleDecision{Replicas: want, Reason: why, History: history}
	default:
		highest := want
		for _, r := range history {
			highest = max(highest, r.Replicas)
		}
		if highest > want {
			return ScaleDecision{
				Replicas: min(highest, current),
				Reason:   fmt.Sprintf("%s; scale-down held: %d replicas were recommended within the last %s", why, highest, a.ScaleDownStabilization),
				Held:     true,
				History:  history,
			}
		}
		return ScaleDecision{Replicas: want, Reason: why, History: history}
	}
}

// recommend is the replica count the current lag calls for, with the
// reason in words.
func recommend(a Autoscaling, current int32, obs LagSummary) (int32, string) {
	if current == 0 && obs.TotalLag <= a.ActivationLag {
		if a.MinReplicas == 0 {
			return 0, fmt.Sprintf("lag %d does not exceed the activation lag %d: staying at zero", obs.TotalLag, a.ActivationLag)
		}
	}
	raw := ceilDiv(obs.TotalLag, a.LagPerReplica)
	why := fmt.Sprintf("lag %d / %d per replica = %d", obs.TotalLag, a.LagPerReplica, raw)
	want := int32(min(raw, int64(a.MaxReplicas)))
	if raw > int64(a.MaxReplicas) {
		why += fmt.Sprintf(", capped at maxReplicas %d", a.MaxReplicas)
	}
	if !a.AllowIdleConsumers {
		if obs.Partitions > 0 && want > obs.Partitions {
			want = obs.Partitions
			why += fmt.Sprintf(", capped at %d partitions", obs.Partitions)
		}
		if obs.TotalLag > 0 && want > obs.LaggingPartitions && obs.LaggingPartitions > 0 {
			want = obs.LaggingPartitions
			why += fmt.Sprintf(", capped at %d partitions with lag", obs.LaggingPartitions)
		}
	}
	if want < a.MinReplicas {
		want = a.MinReplicas
		why += fmt.Sprintf(", raised to minReplicas %d", a.MinReplicas)
	}
	if current == 0 && want == 0 && obs.TotalLag > a.ActivationLag {
		want = 1
		why += fmt.Sprintf(", woken from zero: lag above the activation lag %d", a.ActivationLag)
	}
	return want, why
}

func recentHistory(history []Recommendation, now time.Time, window time.Duration) []Recommendation {
	out := make([]Recommendation, 0, len(history)+1)
	for _, r := range history {
		if now.Sub(r.Time) < window {
			out = append(out, r)
		}
	}
	return out
}

func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
