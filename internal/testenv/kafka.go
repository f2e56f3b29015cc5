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
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

const (
	// EnvBootstrap names the environment variable holding the comma-separated
	// bootstrap servers of the Kafka cluster that tests use.
	EnvBootstrap = "KAFKA_BOOTSTRAP"
	// EnvRequireRealKafka names the environment variable that, set to "1",
	// makes a missing KAFKA_BOOTSTRAP an error instead of a fallback to the
	// in-process broker. CI sets it.
	EnvRequireRealKafka = "VERMONT_REQUIRE_REAL_KAFKA"
)

// Kafka is the Kafka cluster a test binary runs against: the broker named by
// KAFKA_BOOTSTRAP, or an in-process Kafka-protocol broker (kfake) when none is
// given and a real one is not required.
type Kafka struct {
	// Bootstrap lists the host:port addresses of the brokers.
	Bootstrap []string
	// InProcess is true when the tests run against the in-process broker.
	InProcess bool

	fake   *kfake.Cluster
	client *kafka.Client
}

// StartKafka connects to the broker named by KAFKA_BOOTSTRAP, or starts the
// in-process one. It reports which on stderr, loudly, because the in-process
// broker is a convenience and proves nothing about a real Apache Kafka.
func StartKafka() (*Kafka, error) {
	if bootstrap := strings.TrimSpace(os.Getenv(EnvBootstrap)); bootstrap != "" {
		k := &Kafka{Bootstrap: strings.Split(bootstrap, ",")}
		k.client = newAdminClient(k.Bootstrap)
		if err := k.waitReachable(30 * time.Second); err != nil {
			return nil, fmt.Errorf("%s=%s: %w", EnvBootstrap, bootstrap, err)
		}
		fmt.Fprintf(os.Stderr, "testenv: using the Kafka broker at %s (%s)\n", bootstrap, EnvBootstrap)
		return k, nil
	}
	if os.Getenv(EnvRequireRealKafka) == "1" {
		return nil, fmt.Errorf("%s=1 but %s is not set: start a real broker with `make kafka-start` and export the %s line it prints",
			EnvRequireRealKafka, EnvBootstrap, EnvBootstrap)
	}
	fake, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		return nil, fmt.Errorf("starting the in-process Kafka broker: %w", err)
	}
	k := &Kafka{Bootstrap: fake.ListenAddrs(), InProcess: true, fake: fake}
	k.client = newAdminClient(k.Bootstrap)
	fmt.Fprintf(os.Stderr, "\n"+
		"testenv: *** %s is not set: using the IN-PROCESS Kafka-protocol broker (kfake) at %s ***\n"+
		"testenv: *** it is not Apache Kafka; CI runs these tests against a real broker (make kafka-start) ***\n\n",
		EnvBootstrap, strings.Join(k.Bootstrap, ","))
	return k, nil
}

// Stop closes the clients and, for the in-process broker, the broker itself.
func (k *Kafka) Stop() {
	if k.fake != nil {
		k.fake.Close()
	}
}

// Client returns an admin client for the cluster.
func (k *Kafka) Client() *kafka.Client { return k.client }

// Addr returns the cluster's bootstrap addresses as a net.Addr for kafka-go.
func (k *Kafka) Addr() net.Addr { return kafka.TCP(k.Bootstrap...) }

// CreateTopic creates a topic with a name unique to the test and the given
// number of partitions, and deletes it when the test ends.
func (k *Kafka) CreateTopic(t testing.TB, partitions int) string {
	t.Helper()
	topic := UniqueName(t, "topic")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := k.client.CreateTopics(ctx, &kafka.CreateTopicsRequest{
		Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: partitions, ReplicationFactor: 1}},
	})
	if err == nil {
		err = errors.Join(mapValues(resp.Errors)...)
	}
	if err != nil {
		t.Fatalf("creating topic %s: %v", topic, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := k.client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}}); err != nil {
			t.Logf("deleting topic %s: %v", topic, err)
		}
	})
	k.waitTopicReady(t, topic, partitions)
	return topic
}

// waitTopicReady waits until every partition of a new topic has a leader, so
// that the first produce does not race the controller.
func (k *Kafka) waitTopicReady(t testing.TB, topic string, partitions int) {
	t.Helper()
	Eventually(t, 30*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		meta, err := k.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
		if err != nil {
			return err
		}
		if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
			return fmt.Errorf("topic %s not in metadata yet: %+v", topic, meta.Topics)
		}
		ready := 0
		for _, p := range meta.Topics[0].Partitions {
			if p.Error == nil && p.Leader.Host != "" {
				ready++
			}
		}
		if ready != partitions {
			return fmt.Errorf("topic %s: %d of %d partitions have a leader", topic, ready, partitions)
		}
		return nil
	})
}

func (k *Kafka) waitReachable(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var lastErr error
	for ctx.Err() == nil {
		reqCtx, reqCancel := context.WithTimeout(ctx, 5*time.Second)
		_, lastErr = k.client.Metadata(reqCtx, &kafka.MetadataRequest{Topics: []string{}})
		reqCancel()
		if lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("broker not reachable within %s: %w", timeout, lastErr)
}

func newAdminClient(bootstrap []string) *kafka.Client {
	return &kafka.Client{
		Addr:    kafka.TCP(bootstrap...),
		Timeout: 10 * time.Second,
		// A short metadata TTL: tests create topics and expect to see them.
		Transport: &kafka.Transport{ClientID: "vermont-testenv", MetadataTTL: time.Second},
	}
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
