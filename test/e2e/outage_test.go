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

package e2e

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	appsv1 "k8s.io/api/apps/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/testenv"
)

// TestBrokerOutageLosesNothing stops the broker for 60 s while records flow
// and an autoscaled group holds a lag, then starts it again on its data.
// During the outage the operator reports KafkaReachable=False and keeps the
// replicas; afterwards it observes the group again by itself, the workers
// rejoin, and every record the producer had acknowledged reaches the sink.
func TestBrokerOutageLosesNothing(t *testing.T) {
	const partitions, outage = 3, 60 * time.Second
	broker := testenv.StartBroker(t)
	ns := newNamespace(t)
	topic := broker.CreateTopic(t, partitions)
	sink := newSinkServer(t)
	g := plainGroup(ns, "outlast", topic, sink.URL, 0)
	g.Spec.Kafka.BootstrapServers = bootstrapServers(broker.Bootstrap)
	g.Spec.Replicas = nil
	g.Spec.Autoscaling = &kafkav1alpha1.AutoscalingSpec{
		MinReplicas: new(int32(1)), MaxReplicas: partitions, LagPerReplica: 100,
		PollInterval: metav1.Duration{Duration: time.Second}, ScaleDownStabilization: &metav1.Duration{Duration: 10 * time.Second},
	}
	if err := cluster.Client.Create(t.Context(), g); err != nil {
		t.Fatal(err)
	}
	readyPods(t, ns, "outlast", 1)

	// A slow receiver and a steady producer: lag builds and the group scales
	// to the partition count before the broker goes.
	sink.delay(100 * time.Millisecond)
	producer := startIDProducer(t, broker.Bootstrap, topic)
	readyPods(t, ns, "outlast", partitions)
	// With lag the replicas have a reason to stay; without, holding them
	// would prove nothing. (During a rebalance the lag is briefly unknown.)
	testenv.Eventually(t, 30*time.Second, func() error {
		if lag := group(t, ns, "outlast").Status.TotalLag; lag == nil || *lag == 0 {
			return fmt.Errorf("no lag reported yet (%v)", lag)
		}
		return nil
	})

	broker.Halt(t)
	halted := time.Now()
	ackedBefore, _ := producer.counts()
	// For the whole outage, sample what a user sees: the replicas must
	// hold, although the scale-down window (10 s) passes six times.
	unreachableAfter := time.Duration(0)
	ticker := time.NewTicker(time.Second)
	for range ticker.C {
		st := group(t, ns, "outlast").Status
		if st.DesiredReplicas != partitions {
			t.Fatalf("%s into the outage: desiredReplicas %d, want %d held", time.Since(halted).Round(time.Second), st.DesiredReplicas, partitions)
		}
		if r := deploymentReplicas(t, ns, "outlast"); r != partitions {
			t.Fatalf("%s into the outage: the Deployment has %d replicas, want %d held", time.Since(halted).Round(time.Second), r, partitions)
		}
		if c := apimeta.FindStatusCondition(st.Conditions, kafkav1alpha1.ConditionKafkaReachable); unreachableAfter == 0 && c != nil && c.Status == metav1.ConditionFalse {
			unreachableAfter = time.Since(halted)
			t.Logf("KafkaReachable=False %s after the broker stopped: %s", unreachableAfter.Round(100*time.Millisecond), c.Message)
		}
		if time.Since(halted) >= outage {
			break
		}
	}
	ticker.Stop()
	if unreachableAfter == 0 {
		t.Fatalf("KafkaReachable never became False during a %s outage", outage)
	}

	_, deliveredBefore := sink.counts()
	broker.Resume(t)
	resumed := time.Now()
	sink.delay(0)
	var reachableAfter, deliveringAfter time.Duration
	testenv.Eventually(t, 120*time.Second, func() error {
		if _, n := sink.counts(); n > deliveredBefore && deliveringAfter == 0 {
			deliveringAfter = time.Since(resumed)
		}
		st := group(t, ns, "outlast").Status
		c := apimeta.FindStatusCondition(st.Conditions, kafkav1alpha1.ConditionKafkaReachable)
		if c == nil || c.Status != metav1.ConditionTrue || st.TotalLag == nil {
			return fmt.Errorf("KafkaReachable %v, lag %v", c, st.TotalLag)
		}
		if reachableAfter == 0 {
			reachableAfter = time.Since(resumed)
		}
		if deliveringAfter == 0 {
			return errors.New("no delivery since the broker came back")
		}
		return nil
	})
	// Keep producing a little after the outage, then check every record.
	testenv.Eventually(t, 60*time.Second, func() error {
		if acked, _ := producer.counts(); acked < ackedBefore+500 {
			return fmt.Errorf("%d records acknowledged since the outage, want 500", acked-ackedBefore)
		}
		return nil
	})
	acked := producer.stop()
	testenv.Eventually(t, 180*time.Second, func() error {
		if missing := sink.missing(acked); len(missing) > 0 {
			return fmt.Errorf("%d of %d acknowledged records not delivered yet (e.g. %s)", len(missing), len(acked), missing[0])
		}
		return nil
	})
	allDelivered := time.Since(resumed)
	unique, total := sink.idCounts()
	_, failed := producer.counts()
	t.Logf("broker stopped %s mid-stream: %d records acknowledged (%d before the stop), %d writes refused while it was down; "+
		"%d lost, %d duplicates; replicas held at %d; KafkaReachable=False after %s, True %s after the restart; deliveries resumed after %s, all delivered after %s",
		outage, len(acked), ackedBefore, failed, len(sink.missing(acked)), total-unique, partitions,
		unreachableAfter.Round(100*time.Millisecond), reachableAfter.Round(100*time.Millisecond),
		deliveringAfter.Round(100*time.Millisecond), allDelivered.Round(100*time.Millisecond))
}

func deploymentReplicas(t *testing.T, ns, name string) int32 {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := cluster.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: name}, d); err != nil {
		t.Fatal(err)
	}
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// idProducer writes records with unique ids, ten every 50 ms, and keeps the
// ids the broker acknowledged (acks=all). Writes refused while the broker
// is down are counted, not retried: a record counts as sent only once
// acknowledged, as for any producer.
type idProducer struct {
	mu     sync.Mutex
	acked  []string
	failed int
	cancel context.CancelFunc
	done   chan struct{}
}

func startIDProducer(t *testing.T, bootstrap []string, topic string) *idProducer {
	ctx, cancel := context.WithCancel(context.Background())
	p := &idProducer{cancel: cancel, done: make(chan struct{})}
	w := &kafka.Writer{
		Addr: kafka.TCP(bootstrap...), Topic: topic, RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond, MaxAttempts: 3, Balancer: &kafka.RoundRobin{},
	}
	go func() {
		defer close(p.done)
		defer w.Close()
		ticker := time.NewTicker(50 * time.Millisecond)
		defer ticker.Stop()
		for n := 0; ctx.Err() == nil; {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			batch := make([]kafka.Message, 10)
			ids := make([]string, len(batch))
			for i := range batch {
				ids[i] = fmt.Sprintf("r-%d", n)
				batch[i] = kafka.Message{Value: fmt.Appendf(nil, `{"id": %q}`, ids[i])}
				n++
			}
			writeCtx, cancelWrite := context.WithTimeout(ctx, 5*time.Second)
			err := w.WriteMessages(writeCtx, batch...)
			cancelWrite()
			p.mu.Lock()
			if err == nil {
				p.acked = append(p.acked, ids...)
			} else {
				p.failed += len(batch)
			}
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { p.stop() })
	return p
}

func (p *idProducer) counts() (acked, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.acked), p.failed
}

// stop ends the producer and returns the acknowledged ids.
func (p *idProducer) stop() []string {
	p.cancel()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.acked...)
}

// missing returns the ids the sink has not received.
func (s *sinkServer) missing(ids []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range ids {
		if s.ids[id] == 0 {
			out = append(out, id)
		}
	}
	return out
}

func (s *sinkServer) idCounts() (unique, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.ids {
		unique++
		total += n
	}
	return unique, total
}
