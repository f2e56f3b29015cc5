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
	"context"
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"
)

// Sink delivers records of one partition, in order. Deliver returns nil
// only when every record of the batch was acknowledged; an error marked
// permanent (see Permanent) will not succeed on retry.
type Sink interface {
	// Deliver hands a batch of records of one partition to the sink.
	Deliver(ctx context.Context, records []kafka.Message) error
	// MaxBatch is the most records one Deliver call takes.
	MaxBatch() int
	// Name is the sink's kind, for logs.
	Name() string
	// Close releases the sink's resources.
	Close() error
}

// permanentError marks a delivery error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: the record goes to the
// dead-letter topic (or stops its partition) at once.
func Permanent(err error) error { return &permanentError{err: err} }

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// DiscardSink acknowledges every record without doing anything; for
// benchmarks and tests.
type DiscardSink struct{}

// Deliver acknowledges the records.
func (DiscardSink) Deliver(context.Context, []kafka.Message) error { return nil }

// MaxBatch is large: discarding costs nothing.
func (DiscardSink) MaxBatch() int { return 10_000 }

// Name is "discard".
func (DiscardSink) Name() string { return "discard" }

// Close does nothing.
func (DiscardSink) Close() error { return nil }

// KafkaSink forwards records to a topic, keeping their keys and headers.
type KafkaSink struct {
	Writer *kafka.Writer
}

// Deliver writes the records and waits for Kafka's acknowledgement.
func (s *KafkaSink) Deliver(ctx context.Context, records []kafka.Message) error {
	out := make([]kafka.Message, len(records))
	for i, r := range records {
		out[i] = kafka.Message{Key: r.Key, Value: r.Value, Headers: r.Headers}
	}
	err := s.Writer.WriteMessages(ctx, out...)
	if errors.Is(err, kafka.MessageSizeTooLarge) {
		return Permanent(fmt.Errorf("forwarding to %s: %w", s.Writer.Topic, err))
	}
	if err != nil {
		return fmt.Errorf("forwarding to %s: %w", s.Writer.Topic, err)
	}
	return nil
}

// MaxBatch lets a partition's backlog go out in few produce requests.
func (s *KafkaSink) MaxBatch() int { return 500 }

// Name is "kafka".
func (s *KafkaSink) Name() string { return "kafka" }

// Close flushes and closes the writer.
func (s *KafkaSink) Close() error { return s.Writer.Close() }
