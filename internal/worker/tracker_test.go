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

package worker

import (
	"math/rand/v2"
	"testing"
)

func TestTrackerNeverCommitsPastAGap(t *testing.T) {
	tests := []struct {
		name    string
		fetched []int64
		done    []int64
		want    int64 // -1: nothing committable
	}{
		{name: "nothing delivered", fetched: []int64{0, 1, 2}, want: -1},
		{name: "in order", fetched: []int64{0, 1, 2}, done: []int64{0, 1, 2}, want: 3},
		{name: "first still in flight", fetched: []int64{0, 1, 2}, done: []int64{1, 2}, want: -1},
		{name: "middle still in flight", fetched: []int64{0, 1, 2}, done: []int64{0, 2}, want: 1},
		{name: "out of order then gap filled", fetched: []int64{0, 1, 2, 3}, done: []int64{3, 1, 0, 2}, want: 4},
		{name: "offsets with gaps (compaction)", fetched: []int64{10, 14, 15, 20}, done: []int64{10, 14, 20}, want: 15},
		{name: "offsets with gaps, all done", fetched: []int64{10, 14, 15, 20}, done: []int64{20, 15, 14, 10}, want: 21},
		{name: "starting mid-partition", fetched: []int64{1000, 1001}, done: []int64{1000}, want: 1001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker()
			for _, o := range tt.fetched {
				if err := tr.Fetched(o); err != nil {
					t.Fatal(err)
				}
			}
			for _, o := range tt.done {
				if err := tr.Done(o); err != nil {
					t.Fatal(err)
				}
			}
			got, ok := tr.Committable()
			if !ok {
				got = -1
			}
			if got != tt.want {
				t.Fatalf("committable = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestTrackerRejectsMisuse(t *testing.T) {
	tr := NewTracker()
	if err := tr.Fetched(5); err != nil {
		t.Fatal(err)
	}
	if err := tr.Fetched(5); err == nil {
		t.Error("fetching the same offset twice was accepted")
	}
	if err := tr.Done(6); err == nil {
		t.Error("completing an offset never fetched was accepted")
	}
	if err := tr.Done(5); err != nil {
		t.Fatal(err)
	}
	if err := tr.Done(5); err == nil {
		t.Error("completing an offset twice was accepted")
	}
	if err := tr.Fetched(4); err == nil {
		t.Error("fetching below the committed offset was accepted")
	}
}

// TestTrackerRandomOrder completes 10,000 records in random order and checks
// after every step that the committable offset never passes an offset that
// is not done, and ends past the last one.
func TestTrackerRandomOrder(t *testing.T) {
	const n = 10_000
	rng := rand.New(rand.NewPCG(1, 2))
	tr := NewTracker()
	for o := range int64(n) {
		if err := tr.Fetched(o); err != nil {
			t.Fatal(err)
		}
	}
	done := make([]bool, n)
	for _, i := range rng.Perm(n) {
		done[i] = true
		if err := tr.Done(int64(i)); err != nil {
			t.Fatal(err)
		}
		if c, ok := tr.Committable(); ok {
			for o := range c {
				if !done[o] {
					t.Fatalf("committable %d passes offset %d, which is not done", c, o)
				}
			}
		}
	}
	if c, _ := tr.Committable(); c != n || tr.InFlight() != 0 {
		t.Fatalf("after all done: committable %d, in flight %d; want %d, 0", c, tr.InFlight(), n)
	}
}

func BenchmarkTracker(b *testing.B) {
	tr := NewTracker()
	var o int64
	for b.Loop() {
		_ = tr.Fetched(o)
		_ = tr.Done(o)
		o++
	}
}

// BenchmarkTrackerBatch: a batch of 10,000 records (the discard sink's
// size) fetched, then delivered in order; per record.
func BenchmarkTrackerBatch(b *testing.B) {
	const batch = 10_000
	tr := NewTracker()
	var o int64
	for b.Loop() {
		for i := range int64(batch) {
			_ = tr.Fetched(o + i)
		}
		for i := range int64(batch) {
			_ = tr.Done(o + i)
		}
		o += batch
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*batch), "ns/record")
}
