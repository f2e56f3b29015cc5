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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/segmentio/kafka-go"
)

// Headers the HTTP sink sets on every POST, so that receivers can
// de-duplicate (delivery is at least once).
const (
	HeaderTopic      = "Kafka-Topic"
	HeaderPartition  = "Kafka-Partition"
	HeaderOffset     = "Kafka-Offset"
	HeaderKey        = "Kafka-Key"
	HeaderLastOffset = "Kafka-Last-Offset"
	HeaderCount      = "Kafka-Record-Count"
)

// HTTPSink POSTs records. One record is posted as its value; a batch as a
// JSON array of values, with Kafka-Offset the first offset and
// Kafka-Last-Offset the last. 2xx acknowledges; 408, 429, 5xx and transport
// errors are retried; any other status is permanent.
type HTTPSink struct {
	URL     string
	Headers map[string]string
	Client  *http.Client
	Batch   int
}

// Deliver POSTs the batch and classifies the answer.
func (s *HTTPSink) Deliver(ctx context.Context, records []kafka.Message) error {
	body, contentType := httpBody(records)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	for k, v := range s.Headers {
		req.Header.Set(k, v)
	}
	first := records[0]
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(HeaderTopic, first.Topic)
	req.Header.Set(HeaderPartition, strconv.Itoa(first.Partition))
	req.Header.Set(HeaderOffset, strconv.FormatInt(first.Offset, 10))
	if len(records) == 1 {
		if first.Key != nil {
			req.Header.Set(HeaderKey, string(first.Key))
		}
	} else {
		req.Header.Set(HeaderLastOffset, strconv.FormatInt(records[len(records)-1].Offset, 10))
		req.Header.Set(HeaderCount, strconv.Itoa(len(records)))
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", s.URL, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("POST %s: %s: %s", s.URL, resp.Status, bytes.TrimSpace(snippet))
	if retryableStatus(resp.StatusCode) {
		return err
	}
	return Permanent(err)
}

// retryableStatus: the receiver is overloaded, down or slow, not refusing.
func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

func httpBody(records []kafka.Message) ([]byte, string) {
	if len(records) == 1 {
		if validJSON(records[0].Value) {
			return records[0].Value, "application/json"
		}
		return records[0].Value, "application/octet-stream"
	}
	values := make([]json.RawMessage, len(records))
	for i, r := range records {
		if validJSON(r.Value) {
			values[i] = r.Value
		} else {
			values[i], _ = json.Marshal(string(r.Value))
		}
	}
	body, _ := json.Marshal(values)
	return body, "application/json"
}

// MaxBatch is the configured records per POST.
func (s *HTTPSink) MaxBatch() int { return s.Batch }

// Name is "http".
func (s *HTTPSink) Name() string { return "http" }

// Close releases idle connections.
func (s *HTTPSink) Close() error {
	s.Client.CloseIdleConnections()
	return nil
}
