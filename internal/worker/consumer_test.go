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

package worker_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vermont-io/kafka-operator/internal/kafkaconn"
	"github.com/vermont-io/kafka-operator/internal/testenv"
	"github.com/vermont-io/kafka-operator/internal/worker"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// recordingSink remembers every delivery, for checks on what a user's sink
// would have received.
type recordingSink struct {
	mu         sync.Mutex
	deliveries int
	firstSeen  map[string]bool
	// firstOrder is, per partition, the offsets in the order they were
	// first delivered.
	firstOrder map[int][]int64
}

func newRecordingSink() *recordingSink {
	return &recordingSink{firstSeen: map[string]bool{}, firstOrder: map[int][]int64{}}
}

func (s *recordingSink) Deliver(_ context.Context, records []kafka.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range records {
		s.deliveries++
		if k := string(r.Key); !s.firstSeen[k] {
			s.firstSeen[k] = true
			s.firstOrder[r.Partition] = append(s.firstOrder[r.Partition], r.Offset)
		}
	}
	return nil
}
func (s *recordingSink) MaxBatch() int { return 500 }
func (s *recordingSink) Name() string  { return "recording" }
func (s *recordingSink) Close() error  { return nil }

func (s *recordingSink) unique() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.firstSeen)
}

func keyedRecords(n int) []kafka.Message {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "k%06d", i), Value: fmt.Appendf(nil, `{"i": %d}`, i)}
	}
	return msgs
}

// runConsumer runs a worker.Consumer in-process until stop is called.
type runningConsumer struct {
	cancel context.CancelFunc
	done   chan error
}

func startConsumer(t *testing.T, group, topic string, sink worker.Sink, clientID string) *runningConsumer {
	t.Helper()
	cfg := &workerconfig.Consumer{
		GroupID: group, Topics: []string{topic}, StartOffset: "Earliest", MaxRetries: 3, MaxInFlight: 1,
		BackoffInitial: workerconfig.Duration{Duration: 10 * time.Millisecond}, BackoffMax: workerconfig.Duration{Duration: 100 * time.Millisecond},
		DrainTimeout: workerconfig.Duration{Duration: 10 * time.Second},
	}
	c := &worker.Consumer{
		Config: cfg, Brokers: kfk.Bootstrap, Dialer: kafkaconn.Security{}.Dialer(clientID), Sink: sink,
		Metrics: worker.NewMetrics(), Health: worker.NewHealth("starting"), Log: discardLogger(),
		CommitInterval: 200 * time.Millisecond,
	}
	ctx, cancel := context.WithCancel(context.Background())
	rc := &runningConsumer{cancel: cancel, done: make(chan error, 1)}
	go func() { rc.done <- c.Run(ctx) }()
	t.Cleanup(func() { _ = rc.stop() })
	return rc
}

func (rc *runningConsumer) stop() error {
	rc.cancel()
	select {
	case err := <-rc.done:
		rc.done <- err
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("consumer did not stop within 30s")
	}
}

// TestConsumerGroupDeliversEveryRecordInOrder: three consumers share 100,000
// records on 6 partitions while one joins mid-stream and one leaves; every
// record is delivered, and no record is first delivered before an earlier
// record of its partition (maxInFlight 1 keeps order).
func TestConsumerGroupDeliversEveryRecordInOrder(t *testing.T) {
	const total = 100_000
	topic := kfk.CreateTopic(t, 6)
	group := testenv.UniqueName(t, "group")
	kfk.Produce(t, topic, keyedRecords(total)...)
	sink := newRecordingSink()

	atLeast := func(n int) func() error {
		return func() error {
			if got := sink.unique(); got < n {
				return fmt.Errorf("%d of %d records delivered", got, n)
			}
			return nil
		}
	}
	first := startConsumer(t, group, topic, sink, "worker-a")
	startConsumer(t, group, topic, sink, "worker-b")
	testenv.Eventually(t, 60*time.Second, atLeast(total/5))
	startConsumer(t, group, topic, sink, "worker-c")
	testenv.Eventually(t, 60*time.Second, atLeast(total/2))
	if err := first.stop(); err != nil {
		t.Fatalf("stopping worker-a: %v", err)
	}
	testenv.Eventually(t, 120*time.Second, atLeast(total))

	sink.mu.Lock()
	defer sink.mu.Unlock()
	for partition, offsets := range sink.firstOrder {
		if !slices.IsSorted(offsets) {
			t.Errorf("partition %d: records were first delivered out of order", partition)
		}
	}
	t.Logf("%d records, %d deliveries: %d duplicates from rebalances", total, sink.deliveries, sink.deliveries-total)

	testenv.Eventually(t, 30*time.Second, func() error {
		committed := kfk.CommittedOffsets(t, group, topic)
		for p, end := range kfk.EndOffsets(t, topic) {
			if committed[p] != end {
				return fmt.Errorf("partition %d committed %d of %d", p, committed[p], end)
			}
		}
		return nil
	})
}
