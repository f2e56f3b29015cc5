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
	"strings"
	"testing"
	"time"
)

func TestDecideReplicas(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	base := Autoscaling{MinReplicas: 1, MaxReplicas: 10, LagPerReplica: 100, ScaleDownStabilization: 5 * time.Minute}
	with := func(f func(*Autoscaling)) Autoscaling { a := base; f(&a); return a }
	lag := func(total int64, partitions, lagging int32) LagSummary {
		return LagSummary{Known: true, TotalLag: total, Partitions: partitions, LaggingPartitions: lagging}
	}
	recent := func(ago time.Duration, replicas int32) Recommendation {
		return Recommendation{Time: t0.Add(-ago), Replicas: replicas}
	}

	tests := []struct {
		name     string
		a        Autoscaling
		current  int32
		obs      LagSummary
		history  []Recommendation
		want     int32
		held     bool
		reasonIn string
	}{
		{"no lag stays at min", base, 1, lag(0, 12, 0), nil, 1, false, "raised to minReplicas 1"},
		{"lag for three replicas", base, 1, lag(250, 12, 12), nil, 3, false, "lag 250 / 100 per replica = 3"},
		{"exact multiple", base, 1, lag(300, 12, 12), nil, 3, false, "= 3"},
		{"one record of lag needs one replica", with(func(a *Autoscaling) { a.MinReplicas = 0 }), 1, lag(1, 12, 1), nil, 1, false, "= 1"},
		{"capped at maxReplicas", base, 1, lag(5000, 100, 100), nil, 10, false, "capped at maxReplicas 10"},
		{"capped at partitions", base, 1, lag(900, 6, 6), nil, 6, false, "capped at 6 partitions"},
		{"capped at partitions with lag", base, 1, lag(900, 12, 2), nil, 2, false, "capped at 2 partitions with lag"},
		{"idle consumers allowed beyond partitions", with(func(a *Autoscaling) { a.AllowIdleConsumers = true }), 1, lag(900, 6, 2), nil, 9, false, "= 9"},
		{"partition cap never below min", with(func(a *Autoscaling) { a.MinReplicas = 4 }), 4, lag(900, 12, 2), nil, 4, false, "raised to minReplicas 4"},
		{"scale up is immediate despite a recent higher history", base, 2, lag(500, 12, 12), []Recommendation{recent(time.Minute, 2)}, 5, false, "= 5"},
		{"scale down held within the window", base, 5, lag(100, 12, 12), []Recommendation{recent(time.Minute, 5)}, 5, true, "scale-down held"},
		{"scale down to the highest recent recommendation", base, 6, lag(100, 12, 12), []Recommendation{recent(4*time.Minute, 4), recent(2*time.Minute, 3)}, 4, true, "4 replicas were recommended"},
		{"scale down after the window", base, 5, lag(100, 12, 12), []Recommendation{recent(6*time.Minute, 5)}, 1, false, "= 1"},
		{"no stabilization scales down at once", with(func(a *Autoscaling) { a.ScaleDownStabilization = 0 }), 5, lag(100, 12, 12), []Recommendation{recent(time.Second, 5)}, 1, false, "= 1"},
		{"unknown observation keeps the count", base, 4, LagSummary{}, nil, 4, true, "lag unknown"},
		{"unknown observation at zero stays at zero", with(func(a *Autoscaling) { a.MinReplicas = 0 }), 0, LagSummary{}, nil, 0, true, "lag unknown"},
		{"rebalancing holds", base, 3, LagSummary{Known: true, Rebalancing: true, TotalLag: 5000, Partitions: 12, LaggingPartitions: 12}, nil, 3, true, "rebalancing"},
		{"zero stays at zero below activation", with(func(a *Autoscaling) { a.MinReplicas = 0; a.ActivationLag = 50 }), 0, lag(50, 12, 3), nil, 0, false, "does not exceed the activation lag 50"},
		{"zero wakes above activation", with(func(a *Autoscaling) { a.MinReplicas = 0; a.ActivationLag = 50 }), 0, lag(51, 12, 3), nil, 1, false, "= 1"},
		{"zero wakes straight to what the lag needs", with(func(a *Autoscaling) { a.MinReplicas = 0 }), 0, lag(700, 12, 12), nil, 7, false, "= 7"},
		{"idle group scales to zero after the window", with(func(a *Autoscaling) { a.MinReplicas = 0 }), 2, lag(0, 12, 0), []Recommendation{recent(10*time.Minute, 2)}, 0, false, "= 0"},
		{"idle group held above zero within the window", with(func(a *Autoscaling) { a.MinReplicas = 0 }), 2, lag(0, 12, 0), []Recommendation{recent(time.Minute, 2)}, 2, true, "scale-down held"},
		{"min equal to max pins the count", with(func(a *Autoscaling) { a.MinReplicas = 3; a.MaxReplicas = 3 }), 3, lag(10000, 12, 12), nil, 3, false, "capped at maxReplicas 3"},
		{"min above lag need", with(func(a *Autoscaling) { a.MinReplicas = 2 }), 2, lag(10, 12, 1), nil, 2, false, "raised to minReplicas 2"},
		{"large lag per replica", with(func(a *Autoscaling) { a.LagPerReplica = 1_000_000 }), 1, lag(1_500_000, 12, 12), nil, 2, false, "= 2"},
		{"topic without partitions yet", base, 1, lag(0, 0, 0), nil, 1, false, "raised to minReplicas 1"},
		{"stale history outside the window is dropped", base, 3, lag(100, 12, 12), []Recommendation{recent(time.Hour, 9)}, 1, false, "= 1"},
	}
	if len(tests) < 25 {
		t.Fatalf("%d cases; the policy promises at least 25", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideReplicas(tt.a, tt.current, tt.obs, tt.history, t0)
			if d.Replicas != tt.want || d.Held != tt.held || !strings.Contains(d.Reason, tt.reasonIn) {
				t.Fatalf("got %d held=%v %q; want %d held=%v with %q", d.Replicas, d.Held, d.Reason, tt.want, tt.held, tt.reasonIn)
			}
			for _, r := range d.History {
				if t0.Sub(r.Time) >= tt.a.ScaleDownStabilization && tt.a.ScaleDownStabilization > 0 && r.Time != t0 {
					t.Fatalf("history keeps %v, outside the %s window", r, tt.a.ScaleDownStabilization)
				}
			}
		})
	}
}

// TestDecideReplicasOverTime plays a lag burst and its drain through the
// policy: up at once, down only to the highest recommendation of the last
// stabilization window (the HPA rule), so step by step as the burst ages out.
func TestDecideReplicasOverTime(t *testing.T) {
	a := Autoscaling{MinReplicas: 1, MaxReplicas: 6, LagPerReplica: 100, ScaleDownStabilization: time.Minute}
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	var history []Recommendation
	current := int32(1)
	step := func(at time.Duration, lagNow int64) int32 {
		d := DecideReplicas(a, current, LagSummary{Known: true, TotalLag: lagNow, Partitions: 6, LaggingPartitions: 6}, history, t0.Add(at))
		history, current = d.History, d.Replicas
		return current
	}
	for _, s := range []struct {
		at   time.Duration
		lag  int64
		want int32
	}{
		{0, 0, 1}, {15 * time.Second, 1000, 6}, {30 * time.Second, 400, 6}, {45 * time.Second, 0, 6},
		{75 * time.Second, 0, 4}, {90 * time.Second, 0, 1},
	} {
		if got := step(s.at, s.lag); got != s.want {
			t.Fatalf("at %s with lag %d: %d replicas, want %d", s.at, s.lag, got, s.want)
		}
	}
}
