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
	"fmt"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"

	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// deliveryReport is where the Writer's Completion callback leaves the
// partition and offset of one message (carried in Message.WriterData),
// because WriteMessages does not return them.
type deliveryReport struct {
	partition int
	offset    int64
}

// NewWriter returns a kafka-go Writer for the producer config. Every
// setting is explicit: the zero Writer would use acks=0 (silent loss) and
// a 1 s batch timeout.
func NewWriter(p *workerconfig.Producer, transport *kafka.Transport, bootstrap []string) (*kafka.Writer, error) {
	acks, err := requiredAcks(p.Acks)
	if err != nil {
		return nil, err
	}
	codec, err := compression(p.Compression)
	if err != nil {
		return nil, err
	}
	balancer, err := newBalancer(p.Partitioner)
	if err != nil {
		return nil, err
	}
	return &kafka.Writer{
		Addr:         kafka.TCP(bootstrap...),
		Topic:        p.Topic,
		Balancer:     balancer,
		MaxAttempts:  p.MaxAttempts,
		BatchSize:    p.BatchSize,
		BatchBytes:   p.BatchBytes,
		BatchTimeout: p.Linger.Duration,
		RequiredAcks: acks,
		Compression:  codec,
		Transport:    transport,
		Completion: func(messages []kafka.Message, err error) {
			if err != nil {
				return
			}
			for i := range messages {
				if r, ok := messages[i].WriterData.(*deliveryReport); ok {
					r.partition, r.offset = messages[i].Partition, messages[i].Offset
				}
			}
		},
	}, nil
}

func requiredAcks(acks string) (kafka.RequiredAcks, error) {
	switch acks {
	case "All":
		return kafka.RequireAll, nil
	case "Leader":
		return kafka.RequireOne, nil
	case "None":
		return kafka.RequireNone, nil
	}
	return 0, fmt.Errorf("producer.acks: unknown value %q", acks)
}

func compression(name string) (kafka.Compression, error) {
	switch name {
	case "None":
		return 0, nil
	case "Gzip":
		return compress.Gzip, nil
	case "Snappy":
		return compress.Snappy, nil
	case "Lz4":
		return compress.Lz4, nil
	case "Zstd":
		return compress.Zstd, nil
	}
	return 0, fmt.Errorf("producer.compression: unknown value %q", name)
}

func newBalancer(name string) (kafka.Balancer, error) {
	switch name {
	case "Hash":
		return &kafka.Hash{}, nil
	case "RoundRobin":
		return &kafka.RoundRobin{}, nil
	case "Murmur2":
		return kafka.Murmur2Balancer{}, nil
	}
	return nil, fmt.Errorf("producer.partitioner: unknown value %q", name)
}
