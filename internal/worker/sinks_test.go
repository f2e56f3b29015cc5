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
	"bufio"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vermont-io/kafka-operator/internal/testenv"
)

// TestKafkaSinkKeepsKeysAndHeaders: records forwarded to another topic keep
// their keys, values and headers.
func TestKafkaSinkKeepsKeysAndHeaders(t *testing.T) {
	const total = 50
	source := kfk.CreateTopic(t, 2)
	target := kfk.CreateTopic(t, 2)
	msgs := keyedRecords(total)
	for i := range msgs {
		msgs[i].Headers = []kafka.Header{{Key: "trace-id", Value: fmt.Appendf(nil, "t-%d", i)}}
	}
	kfk.Produce(t, source, msgs...)
	startWorker(t, fmt.Sprintf(`{"mode": "consume", "kafka": {"bootstrapServers": %s}, "consumer": {"groupID": %q, "topics": [%q],
		"sink": {"kafka": {"topic": %q}}}}`, bootstrapJSON(), testenv.UniqueName(t, "group"), source, target), nil)

	var forwarded []kafka.Message
	testenv.Eventually(t, 30*time.Second, func() error {
		var total64 int64
		for _, end := range kfk.EndOffsets(t, target) {
			total64 += end
		}
		if total64 < total {
			return fmt.Errorf("%d of %d records forwarded", total64, total)
		}
		return nil
	})
	forwarded = kfk.ReadAll(t, target)
	byKey := map[string]kafka.Message{}
	for _, m := range forwarded {
		byKey[string(m.Key)] = m
	}
	for i, sent := range msgs {
		got, ok := byKey[string(sent.Key)]
		if !ok {
			t.Fatalf("record %d (key %s) was not forwarded", i, sent.Key)
		}
		if string(got.Value) != string(sent.Value) || len(got.Headers) != 1 || got.Headers[0].Key != "trace-id" || string(got.Headers[0].Value) != fmt.Sprintf("t-%d", i) {
			t.Fatalf("record %d forwarded as value %s headers %v", i, got.Value, got.Headers)
		}
	}
}

// TestKcatProducesWorkerConsumes: JSON produced by kcat reaches the log
// sink, one JSON line per record with topic, partition, offset, key and the
// value embedded as JSON.
func TestKcatProducesWorkerConsumes(t *testing.T) {
	kcat := testenv.LookTool(t, "kcat")
	topic := kfk.CreateTopic(t, 1)
	produce := exec.CommandContext(t.Context(), kcat, "-P", "-b", strings.Join(kfk.Bootstrap, ","), "-t", topic, "-K", ":", "-X", "acks=all")
	produce.Stdin = strings.NewReader("a:{\"order\":1}\nb:{\"order\":2}\nc:{\"order\":3}\n")
	if out, err := produce.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}
	w := startWorker(t, fmt.Sprintf(`{"mode": "consume", "kafka": {"bootstrapServers": %s}, "consumer": {"groupID": %q, "topics": [%q],
		"sink": {"log": {"format": "JSON"}}}}`, bootstrapJSON(), testenv.UniqueName(t, "group"), topic), nil)

	type line struct {
		Topic     string          `json:"topic"`
		Partition int             `json:"partition"`
		Offset    int64           `json:"offset"`
		Key       string          `json:"key"`
		Timestamp time.Time       `json:"timestamp"`
		Value     json.RawMessage `json:"value"`
	}
	var lines []line
	testenv.Eventually(t, 30*time.Second, func() error {
		lines = nil
		scanner := bufio.NewScanner(strings.NewReader(w.stdout.String()))
		for scanner.Scan() {
			var l line
			if err := json.Unmarshal(scanner.Bytes(), &l); err != nil {
				return fmt.Errorf("log sink line is not JSON: %w: %s", err, scanner.Text())
			}
			lines = append(lines, l)
		}
		if len(lines) < 3 {
			return fmt.Errorf("%d of 3 records logged", len(lines))
		}
		return nil
	})
	for i, want := range []struct{ key, value string }{{"a", `{"order":1}`}, {"b", `{"order":2}`}, {"c", `{"order":3}`}} {
		l := lines[i]
		if l.Topic != topic || l.Offset != int64(i) || l.Key != want.key || string(l.Value) != want.value || l.Timestamp.IsZero() {
			t.Fatalf("line %d = %+v, want key %s value %s", i, l, want.key, want.value)
		}
	}
}
