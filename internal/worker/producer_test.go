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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vermont-io/kafka-operator/internal/testenv"
	"github.com/vermont-io/kafka-operator/internal/worker"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// TestGeneratorRateAndContent: 1,000 records at 100/s land in the topic,
// read back with kcat: every value is JSON with the templated fields, every
// key follows its template, and the records' timestamps span 10 s within 10%.
func TestGeneratorRateAndContent(t *testing.T) {
	kcat := testenv.LookTool(t, "kcat")
	const count, ratePerSecond = 1000, 100
	topic := kfk.CreateTopic(t, 3)
	w := startWorker(t, fmt.Sprintf(`{"mode": "produce", "kafka": {"bootstrapServers": %s},
		"producer": {"topic": %q, "generator": {"ratePerSecond": %d, "count": %d,
			"key": "customer-{{randInt 1 50}}", "value": "{\"seq\": {{seq}}, \"id\": \"{{uuid}}\", \"item\": \"{{pick \"latte\" \"mocha\"}}\"}"}}}`,
		bootstrapJSON(), topic, ratePerSecond, count), nil)

	testenv.Eventually(t, 30*time.Second, func() error {
		var total int64
		for _, end := range kfk.EndOffsets(t, topic) {
			total += end
		}
		if total < count {
			return fmt.Errorf("%d of %d records in the topic", total, count)
		}
		return nil
	})

	out, err := exec.CommandContext(t.Context(), kcat, "-C", "-b", strings.Join(kfk.Bootstrap, ","), "-t", topic, "-o", "beginning", "-e", "-J", "-q").Output()
	if err != nil {
		t.Fatalf("kcat -C: %v", err)
	}
	var (
		seqs        = map[int]bool{}
		first, last int64
		scanner     = bufio.NewScanner(bytes.NewReader(out))
	)
	for scanner.Scan() {
		var rec struct {
			Key     string `json:"key"`
			Payload string `json:"payload"`
			TS      int64  `json:"ts"`
		}
		if err := json.Unmarshal(scanner.Bytes(), &rec); err != nil {
			t.Fatalf("kcat -J line: %v: %s", err, scanner.Text())
		}
		var v struct {
			Seq  int    `json:"seq"`
			ID   string `json:"id"`
			Item string `json:"item"`
		}
		if err := json.Unmarshal([]byte(rec.Payload), &v); err != nil {
			t.Fatalf("value is not JSON: %v: %s", err, rec.Payload)
		}
		if !strings.HasPrefix(rec.Key, "customer-") || len(v.ID) != 36 || (v.Item != "latte" && v.Item != "mocha") {
			t.Fatalf("record does not follow its templates: key %q value %s", rec.Key, rec.Payload)
		}
		seqs[v.Seq] = true
		if first == 0 || rec.TS < first {
			first = rec.TS
		}
		last = max(last, rec.TS)
	}
	if len(seqs) != count {
		t.Fatalf("kcat read %d distinct records, want %d", len(seqs), count)
	}
	span := time.Duration(last-first) * time.Millisecond
	rate := float64(count-1) / span.Seconds()
	if rate < 0.9*ratePerSecond || rate > 1.1*ratePerSecond {
		t.Fatalf("records span %s: %.1f records/s, want %d within 10%%", span, rate, ratePerSecond)
	}
	t.Logf("%d records over %s: %.1f records/s", count, span, rate)
	if err := w.stop(30 * time.Second); err != nil {
		t.Fatalf("stopping: %v", err)
	}
}

// TestUnlimitedGeneratorSendsExactlyItsCount: without a rate the generator
// renders on several goroutines; it still sends exactly count records, each
// seq once.
func TestUnlimitedGeneratorSendsExactlyItsCount(t *testing.T) {
	const count = 25_000 // several batches of 2,000 for each renderer
	topic := kfk.CreateTopic(t, 3)
	startWorker(t, fmt.Sprintf(`{"mode": "produce", "kafka": {"bootstrapServers": %s},
		"producer": {"topic": %q, "generator": {"ratePerSecond": 0, "count": %d, "value": "{\"seq\": {{seq}}}"}}}`,
		bootstrapJSON(), topic, count), nil)
	testenv.Eventually(t, 60*time.Second, func() error {
		var total int64
		for _, end := range kfk.EndOffsets(t, topic) {
			total += end
		}
		if total < count {
			return fmt.Errorf("%d of %d records", total, count)
		}
		return nil
	})
	seen := map[int]bool{}
	for _, m := range kfk.ReadAll(t, topic) {
		var v struct{ Seq int }
		if err := json.Unmarshal(m.Value, &v); err != nil {
			t.Fatal(err)
		}
		if seen[v.Seq] || v.Seq < 1 || v.Seq > count {
			t.Fatalf("seq %d repeated or outside 1..%d", v.Seq, count)
		}
		seen[v.Seq] = true
	}
	if len(seen) != count {
		t.Fatalf("%d records, want exactly %d", len(seen), count)
	}
}

// TestProducedRecordsReadByKafkaPython: what the worker writes, the Python
// client of the original tutorial reads as JSON.
func TestProducedRecordsReadByKafkaPython(t *testing.T) {
	python := testenv.KafkaPython(t)
	topic := kfk.CreateTopic(t, 2)
	startWorker(t, fmt.Sprintf(`{"mode": "produce", "kafka": {"bootstrapServers": %s},
		"producer": {"topic": %q, "generator": {"ratePerSecond": 0, "count": 50, "value": "{\"n\": {{seq}}, \"mensaje\": \"hola\"}"}}}`,
		bootstrapJSON(), topic), nil)
	script := `
import json, sys
from kafka import KafkaConsumer
c = KafkaConsumer(sys.argv[2], bootstrap_servers=sys.argv[1].split(","), auto_offset_reset="earliest",
                  consumer_timeout_ms=20000, value_deserializer=lambda v: json.loads(v))
seen = set()
for m in c:
    assert m.value["mensaje"] == "hola", m.value
    seen.add(m.value["n"])
    if len(seen) == 50:
        break
print(len(seen))
`
	out, err := exec.CommandContext(t.Context(), python, "-c", script, strings.Join(kfk.Bootstrap, ","), topic).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "50" {
		t.Fatalf("kafka-python read: %v\n%s", err, out)
	}
}

func startHTTPSource(t *testing.T, topic, extra string, env map[string]string) string {
	t.Helper()
	port := testenv.FreePort(t)
	if env == nil {
		env = map[string]string{}
	}
	env[workerconfig.EnvHTTPSourcePort] = fmt.Sprint(port)
	w := startWorker(t, fmt.Sprintf(`{"mode": "produce", "kafka": {"bootstrapServers": %s},
		"producer": {"topic": %q, "http": {"port": 8080, "maxBodyBytes": 4096 %s}}}`, bootstrapJSON(), topic, extra), env)
	w.waitReady(t)
	return fmt.Sprintf("http://127.0.0.1:%d%s", port, worker.MessagesPath)
}

type postAnswer struct {
	Records []worker.WrittenRecord `json:"records"`
	Error   string                 `json:"error"`
}

func post(t *testing.T, url, contentType, token, body string) (int, postAnswer, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	var ans postAnswer
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &ans); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, data)
	}
	return resp.StatusCode, ans, resp.Header
}

// recordAt reads the record at one partition and offset.
func recordAt(t *testing.T, topic string, partition int, offset int64) kafka.Message {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: kfk.Bootstrap, Topic: topic, Partition: partition, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(offset); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatalf("reading %s/%d@%d: %v", topic, partition, offset, err)
	}
	return m
}

func TestHTTPSourceAcknowledgesWhatKafkaHas(t *testing.T) {
	topic := kfk.CreateTopic(t, 3)
	url := startHTTPSource(t, topic, `, "keyField": "order.id"`, nil)

	status, ans, _ := post(t, url, "application/json", "", `{"order": {"id": "o-1"}, "total": 12.5}`)
	if status != http.StatusOK || len(ans.Records) != 1 {
		t.Fatalf("object: %d %+v", status, ans)
	}
	m := recordAt(t, topic, ans.Records[0].Partition, ans.Records[0].Offset)
	if string(m.Key) != "o-1" || string(m.Value) != `{"order": {"id": "o-1"}, "total": 12.5}` {
		t.Fatalf("the acknowledged offset holds key %q value %s", m.Key, m.Value)
	}

	status, ans, _ = post(t, url, "application/json; charset=utf-8", "", `[{"order": {"id": "o-2"}}, {"order": {"id": 3}}]`)
	if status != http.StatusOK || len(ans.Records) != 2 {
		t.Fatalf("array: %d %+v", status, ans)
	}
	for i, want := range []string{"o-2", "3"} {
		if m := recordAt(t, topic, ans.Records[i].Partition, ans.Records[i].Offset); string(m.Key) != want {
			t.Fatalf("array record %d: key %q at the acknowledged offset, want %q", i, m.Key, want)
		}
	}
}

// TestHTTPSourceRefusesBadRequestsAndWritesNothing: 23 kinds of bad or
// hostile requests, each answered with its status and an error message,
// nothing written, and the server still serving.
func TestHTTPSourceRefusesBadRequestsAndWritesNothing(t *testing.T) {
	topic := kfk.CreateTopic(t, 1)
	url := startHTTPSource(t, topic, `, "keyField": "id", "authRequired": true`, map[string]string{workerconfig.EnvHTTPSourceToken: "s3cret"})
	before := kfk.EndOffsets(t, topic)[0]

	for _, tc := range []struct {
		name, contentType, token, body string
		want                           int
	}{
		{"malformed JSON", "application/json", "s3cret", `{"id": "a",`, http.StatusBadRequest},
		{"not an object", "application/json", "s3cret", `"hello"`, http.StatusBadRequest},
		{"empty array", "application/json", "s3cret", `[]`, http.StatusBadRequest},
		{"array with a non-object", "application/json", "s3cret", `[{"id": "a"}, 42]`, http.StatusBadRequest},
		{"array with one malformed object", "application/json", "s3cret", `[{"id": "a"}, {"id": }]`, http.StatusBadRequest},
		{"missing key field", "application/json", "s3cret", `[{"id": "a"}, {"other": 1}]`, http.StatusBadRequest},
		{"key field an object", "application/json", "s3cret", `{"id": {"nested": 1}}`, http.StatusBadRequest},
		{"invalid UTF-8", "application/json", "s3cret", "{\"id\": \"\xff\xfe\"}", http.StatusBadRequest},
		{"too large", "application/json", "s3cret", `{"id": "a", "pad": "` + strings.Repeat("x", 5000) + `"}`, http.StatusRequestEntityTooLarge},
		{"wrong content type", "text/plain", "s3cret", `{"id": "a"}`, http.StatusUnsupportedMediaType},
		{"no token", "application/json", "", `{"id": "a"}`, http.StatusUnauthorized},
		{"wrong token", "application/json", "guess", `{"id": "a"}`, http.StatusUnauthorized},
		{"no content type", "", "s3cret", `{"id": "a"}`, http.StatusUnsupportedMediaType},
		{"XML content type", "application/xml", "s3cret", `<id>a</id>`, http.StatusUnsupportedMediaType},
		{"deep nesting", "application/json", "s3cret", strings.Repeat("[", 1500) + strings.Repeat("]", 1500), http.StatusBadRequest},
		{"trailing garbage", "application/json", "s3cret", `{"id": "a"} trailing`, http.StatusBadRequest},
		{"two concatenated objects", "application/json", "s3cret", `{"id": "a"}{"id": "b"}`, http.StatusBadRequest},
		{"null", "application/json", "s3cret", `null`, http.StatusBadRequest},
		{"a number", "application/json", "s3cret", `42`, http.StatusBadRequest},
		{"byte order mark", "application/json", "s3cret", "\ufeff{\"id\": \"a\"}", http.StatusBadRequest},
		{"huge array over the limit", "application/json", "s3cret", "[" + strings.Repeat(`{"id": "a"},`, 500) + `{"id": "a"}]`, http.StatusRequestEntityTooLarge},
		{"empty body", "application/json", "s3cret", ``, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, ans, _ := post(t, url, tc.contentType, tc.token, tc.body)
			if status != tc.want || ans.Error == "" {
				t.Fatalf("status %d, answer %+v; want %d with an error message", status, ans, tc.want)
			}
		})
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
		t.Fatalf("GET: %s, Allow %q; want 405 with Allow: POST", resp.Status, resp.Header.Get("Allow"))
	}
	if after := kfk.EndOffsets(t, topic)[0]; after != before {
		t.Fatalf("refused requests wrote %d records", after-before)
	}
	if status, _, _ := post(t, url, "application/json", "s3cret", `{"id": "a"}`); status != http.StatusOK {
		t.Fatalf("a good request after the bad ones: %d", status)
	}
}

// TestHTTPSourceConcurrentClients: 100 clients post 10 records each at once;
// every acknowledged record is in the topic exactly where its answer said.
func TestHTTPSourceConcurrentClients(t *testing.T) {
	const clients, perClient = 100, 10
	topic := kfk.CreateTopic(t, 6)
	url := startHTTPSource(t, topic, `, "keyField": "id"`, nil)

	type placed struct {
		id  string
		rec worker.WrittenRecord
	}
	var (
		mu            sync.Mutex
		placedRecords []placed
		wg            sync.WaitGroup
		errs          = make(chan error, clients)
	)
	for c := range clients {
		wg.Go(func() {
			var body strings.Builder
			body.WriteString("[")
			ids := make([]string, perClient)
			for i := range perClient {
				ids[i] = fmt.Sprintf("c%d-r%d", c, i)
				if i > 0 {
					body.WriteString(",")
				}
				fmt.Fprintf(&body, `{"id": %q}`, ids[i])
			}
			body.WriteString("]")
			resp, err := http.Post(url, "application/json", strings.NewReader(body.String()))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var ans postAnswer
			if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || resp.StatusCode != http.StatusOK || len(ans.Records) != perClient {
				errs <- fmt.Errorf("client %d: %s %+v %w", c, resp.Status, ans, err)
				return
			}
			mu.Lock()
			for i, r := range ans.Records {
				placedRecords = append(placedRecords, placed{ids[i], r})
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	at := map[worker.WrittenRecord]string{}
	for _, m := range kfk.ReadAll(t, topic) {
		at[worker.WrittenRecord{Partition: m.Partition, Offset: m.Offset}] = string(m.Key)
	}
	if len(at) != clients*perClient {
		t.Fatalf("the topic holds %d records, want %d", len(at), clients*perClient)
	}
	for _, p := range placedRecords {
		if at[p.rec] != p.id {
			t.Fatalf("record %s acknowledged at %d@%d, which holds %q", p.id, p.rec.Partition, p.rec.Offset, at[p.rec])
		}
	}
}

// TestHTTPSourceKafkaDown: with Kafka unreachable the answer is 503 with
// Retry-After, within the write timeout.
func TestHTTPSourceKafkaDown(t *testing.T) {
	cfg := &workerconfig.Producer{Topic: "orders", Acks: "All", Compression: "None", Partitioner: "Hash", BatchSize: 100, BatchBytes: 1 << 20, MaxAttempts: 1, Linger: workerconfig.Duration{Duration: time.Millisecond}}
	writer, err := worker.NewWriter(cfg, &kafka.Transport{DialTimeout: 200 * time.Millisecond}, []string{fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	src := &worker.HTTPSource{
		Config: &workerconfig.HTTPSource{MaxBodyBytes: 1024}, Writer: writer, Metrics: worker.NewMetrics(),
		Log: discardLogger(), WriteTimeout: 2 * time.Second,
	}
	server := httptest.NewServer(src.Handler())
	defer server.Close()
	status, ans, header := post(t, server.URL+worker.MessagesPath, "application/json", "", `{"id": 1}`)
	if status != http.StatusServiceUnavailable || header.Get("Retry-After") == "" || ans.Error == "" {
		t.Fatalf("Kafka down: %d, Retry-After %q, %+v; want 503 with Retry-After", status, header.Get("Retry-After"), ans)
	}
}
