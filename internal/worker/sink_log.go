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
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// LogSink writes each record as one line: a JSON object with topic,
// partition, offset, key, timestamp and value (JSON values embedded as
// JSON, others as strings), or a line of text.
type LogSink struct {
	Out  io.Writer
	Text bool

	mu  sync.Mutex
	buf bytes.Buffer
}

type logLine struct {
	Topic     string          `json:"topic"`
	Partition int             `json:"partition"`
	Offset    int64           `json:"offset"`
	Key       *string         `json:"key"`
	Timestamp time.Time       `json:"timestamp"`
	Value     json.RawMessage `json:"value"`
}

// Deliver writes the batch in one write, so that lines of concurrent
// partitions do not interleave.
func (s *LogSink) Deliver(_ context.Context, records []kafka.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Reset()
	for _, r := range records {
		if s.Text {
			fmt.Fprintf(&s.buf, "%s/%d@%d key=%q %s\n", r.Topic, r.Partition, r.Offset, r.Key, r.Value)
			continue
		}
		line := logLine{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Time.UTC(), Value: r.Value}
		if r.Key != nil {
			key := string(r.Key)
			line.Key = &key
		}
		if !validJSON(r.Value) {
			quoted, _ := json.Marshal(string(r.Value))
			line.Value = quoted
		}
		if err := json.NewEncoder(&s.buf).Encode(line); err != nil {
			return Permanent(err)
		}
	}
	if _, err := s.Out.Write(s.buf.Bytes()); err != nil {
		return fmt.Errorf("writing to the log: %w", err)
	}
	return nil
}

// MaxBatch keeps one write per batch reasonably small.
func (s *LogSink) MaxBatch() int { return 500 }

// Name is "log".
func (s *LogSink) Name() string { return "log" }

// Close does nothing: the output belongs to the caller.
func (s *LogSink) Close() error { return nil }
