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
)

func TestEvaluatePartition(t *testing.T) {
	s := func(committed, lag int64, held bool) PartitionSample {
		return PartitionSample{Committed: committed, Lag: lag, Held: held}
	}
	tests := []struct {
		name   string
		window []PartitionSample
		want   LagStatus
	}{
		{"single observation", []PartitionSample{s(10, 5, true)}, LagOK},
		{"caught up once in the window", []PartitionSample{s(10, 5, true), s(15, 0, true), s(15, 3, true)}, LagOK},
		{"progressing, lag shrinking", []PartitionSample{s(10, 50, true), s(30, 40, true), s(60, 20, true)}, LagOK},
		{"progressing, lag flat", []PartitionSample{s(10, 50, true), s(20, 50, true), s(30, 50, true)}, LagOK},
		{"progressing, lag only growing", []PartitionSample{s(10, 50, true), s(20, 60, true), s(30, 90, true)}, LagWarning},
		{"held but not moving", []PartitionSample{s(10, 50, true), s(10, 55, true), s(10, 60, true)}, LagStalled},
		{"not moving and nobody holds it", []PartitionSample{s(10, 50, false), s(10, 50, false)}, LagStopped},
		{"never committed", []PartitionSample{s(-1, 50, true), s(-1, 80, true)}, LagStopped},
		{"idle with no lag", []PartitionSample{s(10, 0, true), s(10, 0, true)}, LagOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EvaluatePartition(tt.window); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEvaluateGroupKeepsTheWorst(t *testing.T) {
	v := EvaluateGroup(map[string][]PartitionSample{
		"orders/0": {{Committed: 1, Lag: 5, Held: true}, {Committed: 2, Lag: 0, Held: true}},
		"orders/1": {{Committed: 1, Lag: 5, Held: true}, {Committed: 1, Lag: 9, Held: true}},
		"orders/2": {{Committed: 3, Lag: 5, Held: true}, {Committed: 3, Lag: 6, Held: true}},
		"orders/3": {{Committed: 1, Lag: 5, Held: true}, {Committed: 4, Lag: 9, Held: true}},
	})
	if v.Status != LagStalled || strings.Join(v.Partitions, ",") != "orders/1,orders/2" {
		t.Fatalf("got %+v, want Stalled on orders/1 and orders/2", v)
	}
	if msg := v.Message(10); !strings.Contains(msg, "orders/1, orders/2") {
		t.Fatalf("message %q does not name the partitions", msg)
	}
}
