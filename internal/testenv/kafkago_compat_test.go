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

package testenv_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vermont-io/kafka-operator/internal/testenv"
)

// TestKafkaGoCompatibility proves that the broker in use serves every call
// Vermont makes through kafka-go v0.4.51: acks=all produce, a consumer group
// through the Generation API with a client ID, offset commits, and the admin
// calls the operator observes a group with (DescribeGroups, OffsetFetch,
// ListOffsets, Metadata). The Kafka version in the Makefile was chosen by
// running it.
func TestKafkaGoCompatibility(t *testing.T) {
	const (
		partitions = 3
		records    = 30
		clientID   = "orders-audit-7d9f-abcde"
	)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	topic := kfk.CreateTopic(t, partitions)
	group := testenv.UniqueName(t, "group")

	writer := &kafka.Writer{
		Addr:         kfk.Addr(),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond,
	}
	t.Cleanup(func() { _ = writer.Close() })
	msgs := make([]kafka.Message, records)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, `{"n":%d}`, i)}
	}
	if err := writer.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("producing with acks=all: %v", err)
	}

	end := kfk.EndOffsets(t, topic)
	if sum(end) != records {
		t.Fatalf("ListOffsets: end offsets %v sum to %d, want %d", end, sum(end), records)
	}

	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                group,
		Brokers:           kfk.Bootstrap,
		Topics:            []string{topic},
		Dialer:            &kafka.Dialer{ClientID: clientID, Timeout: 10 * time.Second},
		StartOffset:       kafka.FirstOffset,
		HeartbeatInterval: time.Second,
		RebalanceTimeout:  10 * time.Second,
	})
	if err != nil {
		t.Fatalf("creating the consumer group: %v", err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = cg.Close()
		}
	})
	gen, err := nextGeneration(ctx, cg)
	if err != nil {
		t.Fatalf("joining the group: %v", err)
	}
	assigned := gen.Assignments[topic]
	if len(assigned) != partitions {
		t.Fatalf("the only member was assigned %d partitions, want %d", len(assigned), partitions)
	}

	next := readAll(ctx, t, gen, topic, assigned, end)
	if err := gen.CommitOffsets(map[string]map[int]int64{topic: next}); err != nil {
		t.Fatalf("committing offsets: %v", err)
	}

	desc, err := kfk.Client().DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		t.Fatalf("DescribeGroups: %v", err)
	}
	if len(desc.Groups) != 1 || desc.Groups[0].Error != nil {
		t.Fatalf("DescribeGroups returned %+v", desc.Groups)
	}
	g := desc.Groups[0]
	if g.GroupState != "Stable" || len(g.Members) != 1 || g.Members[0].ClientID != clientID {
		t.Fatalf("DescribeGroups: state %q members %+v, want Stable with one member whose client ID is %q", g.GroupState, g.Members, clientID)
	}
	var described []int
	for _, a := range g.Members[0].MemberAssignments.Topics {
		if a.Topic == topic {
			described = append(described, a.Partitions...)
		}
	}
	slices.Sort(described)
	if !slices.Equal(described, []int{0, 1, 2}) {
		t.Fatalf("DescribeGroups: member holds partitions %v of %s, want [0 1 2]", described, topic)
	}

	committed, err := kfk.Client().OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0, 1, 2}}})
	if err != nil {
		t.Fatalf("OffsetFetch: %v", err)
	}
	for _, p := range committed.Topics[topic] {
		if p.Error != nil || p.CommittedOffset != end[p.Partition] {
			t.Fatalf("OffsetFetch partition %d: committed %d (err %v), want %d: lag must be 0", p.Partition, p.CommittedOffset, p.Error, end[p.Partition])
		}
	}

	closed = true
	if err := cg.Close(); err != nil {
		t.Fatalf("leaving the group: %v", err)
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		desc, err := kfk.Client().DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err != nil {
			return err
		}
		if state := desc.Groups[0].GroupState; state != "Empty" {
			return fmt.Errorf("group state %q after the last member left, want Empty", state)
		}
		return nil
	})
}

// nextGeneration joins the group, retrying the errors a broker answers while
// its group coordinator starts (the first join creates __consumer_offsets):
// kafka-go hands those to Next instead of retrying them itself.
func nextGeneration(ctx context.Context, cg *kafka.ConsumerGroup) (*kafka.Generation, error) {
	for {
		gen, err := cg.Next(ctx)
		var kerr kafka.Error
		if err == nil || !errors.As(err, &kerr) || !kerr.Temporary() {
			return gen, err
		}
	}
}

// readAll reads every partition of the generation up to its end offset, one
// reader per partition, and returns the next offset to commit per partition.
// Each reader then waits for the generation to end, because kafka-go ends a
// generation (and closes its coordinator connection, so commits fail) as
// soon as any function given to Generation.Start returns.
func readAll(ctx context.Context, t *testing.T, gen *kafka.Generation, topic string, assigned []kafka.PartitionAssignment, end map[int]int64) map[int]int64 {
	t.Helper()
	var (
		mu   sync.Mutex
		next = map[int]int64{}
		errs []error
		wg   sync.WaitGroup
	)
	for _, a := range assigned {
		wg.Add(1)
		gen.Start(func(genCtx context.Context) {
			defer func() { <-genCtx.Done() }()
			defer wg.Done()
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: kfk.Bootstrap, Topic: topic, Partition: a.ID, MaxWait: 200 * time.Millisecond})
			defer func() { _ = r.Close() }()
			if err := r.SetOffset(a.Offset); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			var done int64 // offsets of a new topic start at 0
			for done < end[a.ID] {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("partition %d: %w", a.ID, err))
					mu.Unlock()
					return
				}
				done = m.Offset + 1
			}
			mu.Lock()
			next[a.ID] = done
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("reading: %v", err)
	}
	for p, e := range end {
		if next[p] != e {
			t.Fatalf("partition %d: read up to %d, want %d", p, next[p], e)
		}
	}
	return next
}

func sum(m map[int]int64) int64 {
	var total int64
	for _, v := range m {
		total += v
	}
	return total
}
