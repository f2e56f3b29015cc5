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

package kafkaadmin

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/segmentio/kafka-go"
)

// PartitionOffsets is what Kafka says of one partition of a group's topic.
type PartitionOffsets struct {
	Topic     string
	Partition int
	// Start and End are the log start and end offsets (high watermark).
	Start, End int64
	// Committed is the group's committed offset, -1 when it has none.
	Committed int64
	// Lag is End - Committed, or End - Start without a commit.
	Lag int64
	// ClientID is the client ID of the member holding the partition, if any.
	ClientID string
}

// Member is one member of a consumer group.
type Member struct {
	MemberID string
	ClientID string
	Host     string
	// Assignments are the partitions the member holds, per topic.
	Assignments map[string][]int
}

// GroupObservation is one observation of a consumer group.
type GroupObservation struct {
	State   string
	Members []Member
	// Partitions lists every partition of the group's topics that exist.
	Partitions []PartitionOffsets
	// TopicPartitions is the partition count per existing topic.
	TopicPartitions map[string]int
	// MissingTopics are topics that do not exist.
	MissingTopics []string
}

// ObserveGroup describes a group and computes its lag on the given topics.
// Any failed request fails the observation: a partial answer would show
// lag that is not there, or hide lag that is.
func ObserveGroup(ctx context.Context, c *kafka.Client, groupID string, topics []string, noCommitLagFromStart bool) (*GroupObservation, error) {
	obs := &GroupObservation{TopicPartitions: map[string]int{}}
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("reading topic metadata: %w", err)
	}
	partitions := map[string][]int{}
	for _, t := range meta.Topics {
		if t.Error != nil {
			if errors.Is(t.Error, kafka.UnknownTopicOrPartition) {
				obs.MissingTopics = append(obs.MissingTopics, t.Name)
				continue
			}
			return nil, fmt.Errorf("topic %s: %w", t.Name, t.Error)
		}
		for _, p := range t.Partitions {
			partitions[t.Name] = append(partitions[t.Name], p.ID)
		}
		sort.Ints(partitions[t.Name])
		obs.TopicPartitions[t.Name] = len(t.Partitions)
	}
	sort.Strings(obs.MissingTopics)

	desc, err := c.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{groupID}})
	if err != nil {
		return nil, fmt.Errorf("describing group %s: %w", groupID, err)
	}
	if len(desc.Groups) != 1 {
		return nil, fmt.Errorf("describing group %s: %d groups in the answer", groupID, len(desc.Groups))
	}
	g := desc.Groups[0]
	if g.Error != nil {
		return nil, fmt.Errorf("describing group %s: %w", groupID, g.Error)
	}
	obs.State = g.GroupState
	holder := map[string]map[int]string{}
	for _, m := range g.Members {
		member := Member{MemberID: m.MemberID, ClientID: m.ClientID, Host: m.ClientHost, Assignments: map[string][]int{}}
		for _, a := range m.MemberAssignments.Topics {
			member.Assignments[a.Topic] = append(member.Assignments[a.Topic], a.Partitions...)
			if holder[a.Topic] == nil {
				holder[a.Topic] = map[int]string{}
			}
			for _, p := range a.Partitions {
				holder[a.Topic][p] = m.ClientID
			}
		}
		obs.Members = append(obs.Members, member)
	}
	if len(partitions) == 0 {
		return obs, nil
	}

	committed, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: groupID, Topics: partitions})
	if err != nil {
		return nil, fmt.Errorf("fetching committed offsets of %s: %w", groupID, err)
	}
	switch {
	case errors.Is(committed.Error, kafka.GroupIdNotFound):
		// A group that never committed: Apache Kafka answers with no
		// offsets, some brokers (the in-process one) with this error.
		committed.Topics = nil
	case committed.Error != nil:
		return nil, fmt.Errorf("fetching committed offsets of %s: %w", groupID, committed.Error)
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for topic, ps := range partitions {
		for _, p := range ps {
			req.Topics[topic] = append(req.Topics[topic], kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
		}
	}
	offsets, err := c.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("listing offsets: %w", err)
	}
	commits := map[string]map[int]int64{}
	for topic, ps := range committed.Topics {
		commits[topic] = map[int]int64{}
		for _, p := range ps {
			if p.Error != nil {
				return nil, fmt.Errorf("committed offset of %s/%d: %w", topic, p.Partition, p.Error)
			}
			commits[topic][p.Partition] = p.CommittedOffset
		}
	}
	for topic, ps := range offsets.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return nil, fmt.Errorf("offsets of %s/%d: %w", topic, p.Partition, p.Error)
			}
			c, ok := commits[topic][p.Partition]
			if !ok {
				c = -1
			}
			po := PartitionOffsets{Topic: topic, Partition: p.Partition, Start: p.FirstOffset, End: p.LastOffset, Committed: c, ClientID: holder[topic][p.Partition]}
			po.Lag = Lag(po.Start, po.End, po.Committed, noCommitLagFromStart)
			obs.Partitions = append(obs.Partitions, po)
		}
	}
	sort.Slice(obs.Partitions, func(i, j int) bool {
		a, b := obs.Partitions[i], obs.Partitions[j]
		return a.Topic < b.Topic || (a.Topic == b.Topic && a.Partition < b.Partition)
	})
	return obs, nil
}

// Lag is the records a group has not committed on a partition: end minus
// committed, or, without a commit, end minus start for a group that starts
// at the earliest offset (and 0 for one that starts at the latest).
func Lag(start, end, committed int64, noCommitLagFromStart bool) int64 {
	switch {
	case committed >= 0:
		return max(end-committed, 0)
	case noCommitLagFromStart:
		return max(end-start, 0)
	default:
		return 0
	}
}

// TopicState is a topic as observed.
type TopicState struct {
	Exists     bool
	Partitions int
}

// ObserveTopic returns whether a topic exists and its partition count.
func ObserveTopic(ctx context.Context, c *kafka.Client, topic string) (TopicState, error) {
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return TopicState{}, fmt.Errorf("reading metadata of %s: %w", topic, err)
	}
	for _, t := range meta.Topics {
		if t.Name != topic {
			continue
		}
		if errors.Is(t.Error, kafka.UnknownTopicOrPartition) {
			return TopicState{}, nil
		}
		if t.Error != nil {
			return TopicState{}, fmt.Errorf("topic %s: %w", topic, t.Error)
		}
		return TopicState{Exists: true, Partitions: len(t.Partitions)}, nil
	}
	return TopicState{}, nil
}

// EnsureTopic creates a missing topic, or adds partitions up to the wanted
// count. It never deletes and never shrinks; it returns the topic as it is
// afterwards.
func EnsureTopic(ctx context.Context, c *kafka.Client, topic string, partitions int, replicationFactor int, config map[string]string) (TopicState, error) {
	state, err := ObserveTopic(ctx, c, topic)
	if err != nil {
		return state, err
	}
	switch {
	case !state.Exists:
		tc := kafka.TopicConfig{Topic: topic, NumPartitions: partitions, ReplicationFactor: replicationFactor}
		for k, v := range config {
			tc.ConfigEntries = append(tc.ConfigEntries, kafka.ConfigEntry{ConfigName: k, ConfigValue: v})
		}
		resp, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{tc}})
		if err == nil {
			err = resp.Errors[topic]
		}
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return state, fmt.Errorf("creating topic %s: %w", topic, err)
		}
		return TopicState{Exists: true, Partitions: partitions}, nil
	case state.Partitions < partitions:
		resp, err := c.CreatePartitions(ctx, &kafka.CreatePartitionsRequest{Topics: []kafka.TopicPartitionsConfig{{Name: topic, Count: int32(partitions)}}})
		if err == nil {
			err = resp.Errors[topic]
		}
		if err != nil {
			return state, fmt.Errorf("adding partitions to %s: %w", topic, err)
		}
		return TopicState{Exists: true, Partitions: partitions}, nil
	}
	return state, nil
}
