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

// Package workerconfig is the one contract between the operator and the
// worker: the operator renders a Config as JSON into the worker's
// environment (VERMONT_WORKER_CONFIG), the worker loads and validates it.
// Secrets never appear in it: they reach the worker as environment
// variables whose names this package defines.
package workerconfig

import (
	"encoding/json"
	"fmt"
	"time"
)

// EnvConfig is the environment variable holding the JSON Config.
const EnvConfig = "VERMONT_WORKER_CONFIG"

// EnvPodName is the environment variable holding the pod's name (downward
// API). The worker uses it as its Kafka client ID, which is how the operator
// maps consumer group members to pods.
const EnvPodName = "POD_NAME"

// Environment variables carrying secrets. The operator sets them from
// secretKeyRef; the worker reads them. A Connection's SecretsEnvPrefix
// selects the set: <prefix>_SASL_USERNAME and so on.
const (
	EnvSuffixSASLUsername = "_SASL_USERNAME"
	EnvSuffixSASLPassword = "_SASL_PASSWORD"
	EnvSuffixTLSCA        = "_TLS_CA_PEM"
	EnvSuffixTLSCert      = "_TLS_CERT_PEM"
	EnvSuffixTLSKey       = "_TLS_KEY_PEM"

	// EnvPrefixKafka is the prefix of the main cluster's secrets.
	EnvPrefixKafka = "VERMONT_KAFKA"
	// EnvPrefixSinkKafka is the prefix of the Kafka sink's cluster secrets.
	EnvPrefixSinkKafka = "VERMONT_SINK_KAFKA"
	// EnvHTTPSourceToken holds the bearer token the HTTP source requires.
	EnvHTTPSourceToken = "VERMONT_HTTP_SOURCE_TOKEN"
	// EnvPrefixHTTPSinkHeader prefixes environment variables whose suffix is
	// a header name and whose value is the header value (envFrom a Secret).
	EnvPrefixHTTPSinkHeader = "VERMONT_SINK_HTTP_HEADER_"
)

// Port overrides for running several workers on one host (the local
// cluster runs every pod as a process of the same machine): when set, they
// replace adminPort and producer.http.port.
const (
	EnvAdminPort      = "VERMONT_ADMIN_PORT"
	EnvHTTPSourcePort = "VERMONT_HTTP_SOURCE_PORT"
)

// DefaultAdminPort serves /healthz, /readyz and /metrics.
const DefaultAdminPort = 9090

// Mode is what a worker runs.
type Mode string

// Modes.
const (
	ModeProduce Mode = "produce"
	ModeConsume Mode = "consume"
)

// Config is the whole configuration of one worker.
type Config struct {
	// Mode is produce or consume; it must match the worker's subcommand.
	Mode Mode `json:"mode"`
	// Kafka is the cluster the worker produces to or consumes from.
	Kafka Connection `json:"kafka"`
	// AdminPort serves /healthz, /readyz and /metrics. Default 9090.
	AdminPort int `json:"adminPort,omitempty"`
	// Producer is set in produce mode.
	Producer *Producer `json:"producer,omitempty"`
	// Consumer is set in consume mode.
	Consumer *Consumer `json:"consumer,omitempty"`
}

// Connection says how to reach a Kafka cluster. Credentials and
// certificates are read from environment variables named by
// SecretsEnvPrefix and the EnvSuffix constants.
type Connection struct {
	BootstrapServers []string `json:"bootstrapServers"`
	// TLS is set when the brokers speak TLS.
	TLS *TLS `json:"tls,omitempty"`
	// SASL is set when the brokers require SASL.
	SASL *SASL `json:"sasl,omitempty"`
	// SecretsEnvPrefix is the prefix of the environment variables holding
	// this connection's secrets (EnvPrefixKafka by default).
	SecretsEnvPrefix string `json:"secretsEnvPrefix,omitempty"`
}

// TLS settings. Which PEMs are present in the environment is part of the
// config, so that a missing Secret is an error, not a silent downgrade.
type TLS struct {
	// CA is true when <prefix>_TLS_CA_PEM holds the CA to trust; otherwise
	// the system roots verify the brokers.
	CA bool `json:"ca,omitempty"`
	// ClientCert is true when <prefix>_TLS_CERT_PEM and _TLS_KEY_PEM hold a
	// client certificate and key.
	ClientCert bool `json:"clientCert,omitempty"`
	// InsecureSkipVerify accepts any broker certificate.
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
}

// SASL settings; the username and password come from the environment.
type SASL struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
	Mechanism string `json:"mechanism"`
}

// Producer configures produce mode.
type Producer struct {
	Topic string `json:"topic"`
	// Acks is All, Leader or None.
	Acks string `json:"acks"`
	// Compression is None, Gzip, Snappy, Lz4 or Zstd.
	Compression string `json:"compression"`
	// BatchSize is the most records per partition batch.
	BatchSize int `json:"batchSize"`
	// BatchBytes is the largest partition batch in bytes.
	BatchBytes int64 `json:"batchBytes"`
	// Linger is how long a batch waits for more records.
	Linger Duration `json:"linger"`
	// MaxAttempts is how many times a batch is tried.
	MaxAttempts int `json:"maxAttempts"`
	// Partitioner is Hash, RoundRobin or Murmur2.
	Partitioner string `json:"partitioner"`
	// Generator is set for a generator source.
	Generator *Generator `json:"generator,omitempty"`
	// HTTP is set for an HTTP source.
	HTTP *HTTPSource `json:"http,omitempty"`
}

// Generator renders records from templates.
type Generator struct {
	// RatePerSecond is the records per second; 0 is as fast as possible.
	RatePerSecond int `json:"ratePerSecond"`
	// Count is the records to send before stopping; 0 is unbounded.
	Count int64 `json:"count,omitempty"`
	// Key is the key template; empty sends no key.
	Key string `json:"key,omitempty"`
	// Value is the value template; it must render JSON.
	Value string `json:"value"`
}

// HTTPSource accepts JSON records over HTTP.
type HTTPSource struct {
	Port         int    `json:"port"`
	MaxBodyBytes int64  `json:"maxBodyBytes"`
	KeyField     string `json:"keyField,omitempty"`
	// ReadTimeout bounds the reading of one request, headers and body;
	// headers alone get min(DefaultReadHeaderTimeout, ReadTimeout).
	ReadTimeout Duration `json:"readTimeout"`
	// AuthRequired is true when EnvHTTPSourceToken holds a bearer token
	// that every request must carry.
	AuthRequired bool `json:"authRequired,omitempty"`
}

// Consumer configures consume mode.
type Consumer struct {
	GroupID string   `json:"groupID"`
	Topics  []string `json:"topics"`
	// StartOffset is Earliest or Latest.
	StartOffset string `json:"startOffset"`
	// MaxRetries is the retries after a failed first attempt.
	MaxRetries int `json:"maxRetries"`
	// BackoffInitial and BackoffMax bound the exponential backoff.
	BackoffInitial Duration `json:"backoffInitial"`
	BackoffMax     Duration `json:"backoffMax"`
	// DeadLetterTopic receives records that exhausted their retries; empty
	// stops the partition instead.
	DeadLetterTopic string `json:"deadLetterTopic,omitempty"`
	// MaxInFlight is the records of one partition delivered at once.
	MaxInFlight int `json:"maxInFlight"`
	// DrainTimeout bounds the drain of in-flight records at shutdown and
	// rebalance; the operator derives it from the grace period.
	DrainTimeout Duration `json:"drainTimeout"`
	Sink         Sink     `json:"sink"`
}

// Sink is where records go; exactly one field is set.
type Sink struct {
	Log     *LogSink   `json:"log,omitempty"`
	HTTP    *HTTPSink  `json:"http,omitempty"`
	Kafka   *KafkaSink `json:"kafka,omitempty"`
	Discard *struct{}  `json:"discard,omitempty"`
}

// LogSink writes records to standard output.
type LogSink struct {
	// Format is JSON or Text.
	Format string `json:"format"`
}

// HTTPSink POSTs records.
type HTTPSink struct {
	URL     string            `json:"url"`
	Timeout Duration          `json:"timeout"`
	Headers map[string]string `json:"headers,omitempty"`
	// MaxBatchRecords is the records of one partition per POST.
	MaxBatchRecords int `json:"maxBatchRecords"`
}

// KafkaSink forwards records to a topic.
type KafkaSink struct {
	Topic string `json:"topic"`
	// Kafka is another cluster; nil writes to the consumed cluster.
	Kafka *Connection `json:"kafka,omitempty"`
}

// Duration is a time.Duration written as a Go duration string ("5s").
type Duration struct{ time.Duration }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration must be a string such as \"5s\": %w", err)
	}
	parsed, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	d.Duration = parsed
	return nil
}
