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

package testenv

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// Produce writes records to a topic with acks=all and fails the test if
// Kafka does not acknowledge them all.
func (k *Kafka) Produce(t testing.TB, topic string, msgs ...kafka.Message) {
	t.Helper()
	w := &kafka.Writer{
		Addr:         k.Addr(),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond,
		BatchSize:    1000,
		// A transport of its own: kafka-go's shared default caches metadata
		// for seconds and would not know a topic the test just created.
		Transport: &kafka.Transport{ClientID: "vermont-testenv", MetadataTTL: time.Second},
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for start := 0; start < len(msgs); start += 10_000 {
		if err := w.WriteMessages(ctx, msgs[start:min(start+10_000, len(msgs))]...); err != nil {
			t.Fatalf("producing to %s: %v", topic, err)
		}
	}
}

// EndOffsets returns the end offset (high watermark) of each partition,
// retrying the errors a broker answers while leadership settles.
func (k *Kafka) EndOffsets(t testing.TB, topic string) map[int]int64 {
	t.Helper()
	var end map[int]int64
	Eventually(t, 30*time.Second, func() error {
		var err error
		end, err = k.endOffsets(topic)
		return err
	})
	return end
}

func (k *Kafka) endOffsets(topic string) (map[int]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	meta, err := k.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, err
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return nil, fmt.Errorf("metadata of %s: %+v", topic, meta.Topics)
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, p := range meta.Topics[0].Partitions {
		req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p.ID))
	}
	resp, err := k.client.ListOffsets(ctx, req)
	if err != nil {
		return nil, err
	}
	end := map[int]int64{}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("ListOffsets %s/%d: %w", topic, p.Partition, p.Error)
		}
		end[p.Partition] = p.LastOffset
	}
	return end, nil
}

// ReadAll reads every record of a topic, partition by partition, up to the
// end offsets it has now.
func (k *Kafka) ReadAll(t testing.TB, topic string) []kafka.Message {
	t.Helper()
	var out []kafka.Message
	for partition, end := range k.EndOffsets(t, topic) {
		if end == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: k.Bootstrap, Topic: topic, Partition: partition, MaxWait: 100 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				cancel()
				_ = r.Close()
				t.Fatalf("reading %s/%d: %v", topic, partition, err)
			}
			out = append(out, m)
			if m.Offset+1 >= end {
				break
			}
		}
		cancel()
		_ = r.Close()
	}
	return out
}

// CommittedOffsets returns the group's committed offset per partition of a
// topic (-1 where none).
func (k *Kafka) CommittedOffsets(t testing.TB, group, topic string) map[int]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var partitions []int
	for p := range k.EndOffsets(t, topic) {
		partitions = append(partitions, p)
	}
	resp, err := k.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: partitions}})
	if err != nil {
		t.Fatalf("OffsetFetch %s: %v", group, err)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[topic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

// GroupState returns the group's state as the broker describes it.
func (k *Kafka) GroupState(ctx context.Context, group string) (string, int, error) {
	resp, err := k.client.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		return "", 0, err
	}
	if len(resp.Groups) != 1 {
		return "", 0, fmt.Errorf("DescribeGroups returned %d groups", len(resp.Groups))
	}
	return resp.Groups[0].GroupState, len(resp.Groups[0].Members), resp.Groups[0].Error
}
