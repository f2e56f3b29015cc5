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
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vermont-io/kafka-operator/internal/testenv"
)

// TestSmokeKubernetes proves the API server from the cached binaries serves
// writes and reads.
func TestSmokeKubernetes(t *testing.T) {
	ctx := t.Context()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testenv.UniqueName(t, "ns")}}
	if err := kube.Client.Create(ctx, ns); err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	t.Cleanup(func() { _ = kube.Client.Delete(context.Background(), ns) })

	var got corev1.Namespace
	if err := kube.Client.Get(ctx, client.ObjectKeyFromObject(ns), &got); err != nil {
		t.Fatalf("reading the namespace back: %v", err)
	}
	if got.Status.Phase != corev1.NamespaceActive {
		t.Fatalf("namespace phase = %q, want %q", got.Status.Phase, corev1.NamespaceActive)
	}
}

// TestSmokeKafka sends a record with kcat, a client nobody here wrote, and
// reads it back through a kafka-go consumer group that commits its offset.
func TestSmokeKafka(t *testing.T) {
	kcat := testenv.LookTool(t, "kcat")
	topic := kfk.CreateTopic(t, 1)
	group := testenv.UniqueName(t, "group")

	produce := exec.CommandContext(t.Context(), kcat, "-P", "-b", strings.Join(kfk.Bootstrap, ","),
		"-t", topic, "-K", ":", "-X", "acks=all")
	produce.Stdin = strings.NewReader(`order-1:{"order":1,"item":"espresso"}` + "\n")
	if out, err := produce.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}

	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     kfk.Bootstrap,
		GroupID:     group,
		Topic:       topic,
		StartOffset: kafka.FirstOffset,
		MaxWait:     500 * time.Millisecond,
	})
	t.Cleanup(func() { _ = reader.Close() })

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	msg, err := reader.FetchMessage(ctx)
	if err != nil {
		t.Fatalf("fetching the record: %v", err)
	}
	if string(msg.Key) != "order-1" || string(msg.Value) != `{"order":1,"item":"espresso"}` {
		t.Fatalf("got key %q value %q, want the record kcat sent", msg.Key, msg.Value)
	}
	if err := reader.CommitMessages(ctx, msg); err != nil {
		t.Fatalf("committing: %v", err)
	}

	resp, err := kfk.Client().OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0}}})
	if err != nil {
		t.Fatalf("fetching the committed offset: %v", err)
	}
	if got := resp.Topics[topic][0].CommittedOffset; got != 1 {
		t.Fatalf("committed offset = %d, want 1 (the offset after the one record)", got)
	}
}

// TestSmokeKafkaPython sends JSON the way the original tutorial did, with
// kafka-python, and reads it back with kafka-go.
func TestSmokeKafkaPython(t *testing.T) {
	python := testenv.KafkaPython(t)
	topic := kfk.CreateTopic(t, 1)
	script := `
import json, sys
from kafka import KafkaProducer
producer = KafkaProducer(bootstrap_servers=sys.argv[1].split(","), acks="all",
                         value_serializer=lambda v: json.dumps(v).encode())
for i in range(3):
    producer.send(sys.argv[2], {"id": i, "mensaje": "hola"}).get(timeout=30)
producer.close()
`
	if out, err := exec.CommandContext(t.Context(), python, "-c", script, strings.Join(kfk.Bootstrap, ","), topic).CombinedOutput(); err != nil {
		t.Fatalf("kafka-python producer: %v\n%s", err, out)
	}

	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     kfk.Bootstrap,
		GroupID:     testenv.UniqueName(t, "group"),
		Topic:       topic,
		StartOffset: kafka.FirstOffset,
		MaxWait:     500 * time.Millisecond,
	})
	t.Cleanup(func() { _ = reader.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for i := range 3 {
		msg, err := reader.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("fetching record %d: %v", i, err)
		}
		want := fmt.Sprintf(`{"id": %d, "mensaje": "hola"}`, i)
		if string(msg.Value) != want {
			t.Fatalf("record %d = %s, want %s", i, msg.Value, want)
		}
	}
}
