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

package workerconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FieldError is a problem with one field of the config, named by its JSON
// path, with what to change.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func fieldError(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// Parse decodes a JSON config, rejecting unknown fields, fills defaults,
// applies the port overrides from getenv (nil for none) and validates it.
// Errors name the offending field.
func Parse(data []byte, getenv func(string) string) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, decodeError(err)
	}
	if dec.More() {
		return nil, fieldError("(config)", "holds more than one JSON value")
	}
	c.applyDefaults()
	if getenv != nil {
		if err := c.applyPortOverrides(getenv); err != nil {
			return nil, err
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fieldError(typeErr.Field, "must be a %s, not a JSON %s", typeErr.Type, typeErr.Value)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fieldError("(config)", "is not valid JSON at byte %d: %v", syntaxErr.Offset, err)
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fieldError(strings.Trim(msg, `"`), "is not a known field: check its spelling")
	}
	return fieldError("(config)", "%v", err)
}

// Defaults the worker applies when the config leaves a field zero; the
// operator renders every field, so these matter for hand-written configs.
const (
	DefaultBatchSize      = 1000
	DefaultBatchBytes     = 1 << 20
	DefaultLinger         = 5 * time.Millisecond
	DefaultMaxAttempts    = 10
	DefaultHTTPPort       = 8080
	DefaultMaxBodyBytes   = 1 << 20
	DefaultBackoffInitial = 100 * time.Millisecond
	DefaultBackoffMax     = 30 * time.Second
	DefaultDrainTimeout   = 20 * time.Second
	DefaultHTTPTimeout    = 10 * time.Second
	// DefaultReadTimeout and DefaultReadHeaderTimeout bound how long an
	// HTTP-source client may hold a connection while sending a request.
	DefaultReadTimeout       = 60 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
)

func (c *Config) applyDefaults() {
	if c.AdminPort == 0 {
		c.AdminPort = DefaultAdminPort
	}
	if c.Kafka.SecretsEnvPrefix == "" {
		c.Kafka.SecretsEnvPrefix = EnvPrefixKafka
	}
	if p := c.Producer; p != nil {
		p.Acks = orDefault(p.Acks, "All")
		p.Compression = orDefault(p.Compression, "Lz4")
		p.Partitioner = orDefault(p.Partitioner, "Hash")
		if p.BatchSize == 0 {
			p.BatchSize = DefaultBatchSize
		}
		if p.BatchBytes == 0 {
			p.BatchBytes = DefaultBatchBytes
		}
		if p.Linger.Duration == 0 {
			p.Linger.Duration = DefaultLinger
		}
		if p.MaxAttempts == 0 {
			p.MaxAttempts = DefaultMaxAttempts
		}
		if h := p.HTTP; h != nil {
			if h.Port == 0 {
				h.Port = DefaultHTTPPort
			}
			if h.MaxBodyBytes == 0 {
				h.MaxBodyBytes = DefaultMaxBodyBytes
			}
			if h.ReadTimeout.Duration == 0 {
				h.ReadTimeout.Duration = DefaultReadTimeout
			}
		}
	}
	if cs := c.Consumer; cs != nil {
		cs.StartOffset = orDefault(cs.StartOffset, "Earliest")
		if cs.BackoffInitial.Duration == 0 {
			cs.BackoffInitial.Duration = DefaultBackoffInitial
		}
		if cs.BackoffMax.Duration == 0 {
			cs.BackoffMax.Duration = DefaultBackoffMax
		}
		if cs.MaxInFlight == 0 {
			cs.MaxInFlight = 1
		}
		if cs.DrainTimeout.Duration == 0 {
			cs.DrainTimeout.Duration = DefaultDrainTimeout
		}
		if cs.Sink.Log != nil {
			cs.Sink.Log.Format = orDefault(cs.Sink.Log.Format, "JSON")
		}
		if h := cs.Sink.HTTP; h != nil {
			if h.Timeout.Duration == 0 {
				h.Timeout.Duration = DefaultHTTPTimeout
			}
			if h.MaxBatchRecords == 0 {
				h.MaxBatchRecords = 1
			}
		}
		if k := cs.Sink.Kafka; k != nil && k.Kafka != nil && k.Kafka.SecretsEnvPrefix == "" {
			k.Kafka.SecretsEnvPrefix = EnvPrefixSinkKafka
		}
	}
}

func (c *Config) applyPortOverrides(getenv func(string) string) error {
	for _, o := range []struct {
		env  string
		port *int
	}{
		{EnvAdminPort, &c.AdminPort},
		{EnvHTTPSourcePort, httpSourcePort(c)},
	} {
		v := getenv(o.env)
		if v == "" || o.port == nil {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return fieldError(o.env, "must be a port in 1..65535, not %q", v)
		}
		*o.port = n
	}
	return nil
}

func httpSourcePort(c *Config) *int {
	if c.Producer == nil || c.Producer.HTTP == nil {
		return nil
	}
	return &c.Producer.HTTP.Port
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

var (
	topicName = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)
	envPrefix = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
)

// Validate checks the config and returns the first problem as a FieldError.
func (c *Config) Validate() error {
	switch c.Mode {
	case ModeProduce:
		if c.Producer == nil || c.Consumer != nil {
			return fieldError("producer", "produce mode needs a producer section and no consumer section")
		}
	case ModeConsume:
		if c.Consumer == nil || c.Producer != nil {
			return fieldError("consumer", "consume mode needs a consumer section and no producer section")
		}
	default:
		return fieldError("mode", "must be %q or %q, not %q", ModeProduce, ModeConsume, c.Mode)
	}
	if err := validatePort("adminPort", c.AdminPort); err != nil {
		return err
	}
	if err := c.Kafka.validate("kafka"); err != nil {
		return err
	}
	if c.Producer != nil {
		return c.Producer.validate("producer", c.AdminPort)
	}
	return c.Consumer.validate("consumer")
}

func (k *Connection) validate(field string) error {
	if len(k.BootstrapServers) == 0 {
		return fieldError(field+".bootstrapServers", "at least one host:port is required")
	}
	for i, s := range k.BootstrapServers {
		host, port, err := net.SplitHostPort(s)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return fieldError(fmt.Sprintf("%s.bootstrapServers[%d]", field, i), "must be host:port, not %q", s)
		}
	}
	if k.SASL != nil {
		switch k.SASL.Mechanism {
		case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		default:
			return fieldError(field+".sasl.mechanism", "must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not %q", k.SASL.Mechanism)
		}
	}
	if !envPrefix.MatchString(k.SecretsEnvPrefix) {
		return fieldError(field+".secretsEnvPrefix", "must be an environment variable prefix such as %s, not %q", EnvPrefixKafka, k.SecretsEnvPrefix)
	}
	return nil
}

func (p *Producer) validate(field string, adminPort int) error {
	if err := validateTopic(field+".topic", p.Topic); err != nil {
		return err
	}
	checks := []error{
		oneOf(field+".acks", p.Acks, "All", "Leader", "None"),
		oneOf(field+".compression", p.Compression, "None", "Gzip", "Snappy", "Lz4", "Zstd"),
		oneOf(field+".partitioner", p.Partitioner, "Hash", "RoundRobin", "Murmur2"),
		atLeast(field+".batchSize", int64(p.BatchSize), 1),
		atLeast(field+".batchBytes", p.BatchBytes, 1024),
		atLeast(field+".maxAttempts", int64(p.MaxAttempts), 1),
	}
	if err := firstError(checks); err != nil {
		return err
	}
	if p.Linger.Duration < 0 {
		return fieldError(field+".linger", "must not be negative")
	}
	if (p.Generator == nil) == (p.HTTP == nil) {
		return fieldError(field, "set exactly one source: generator or http")
	}
	if g := p.Generator; g != nil {
		if g.RatePerSecond < 0 {
			return fieldError(field+".generator.ratePerSecond", "must be 0 (as fast as possible) or more")
		}
		if g.Count < 0 {
			return fieldError(field+".generator.count", "must be 0 (unbounded) or more")
		}
		if strings.TrimSpace(g.Value) == "" {
			return fieldError(field+".generator.value", "a value template is required")
		}
	}
	if h := p.HTTP; h != nil {
		if err := validatePort(field+".http.port", h.Port); err != nil {
			return err
		}
		if h.Port == adminPort {
			return fieldError(field+".http.port", "%d is the worker's admin port (health and metrics): pick another", h.Port)
		}
		if h.MaxBodyBytes < 1 {
			return fieldError(field+".http.maxBodyBytes", "must be at least 1")
		}
		if h.ReadTimeout.Duration < 0 {
			return fieldError(field+".http.readTimeout", "must not be negative")
		}
	}
	return nil
}

func (c *Consumer) validate(field string) error {
	if c.GroupID == "" {
		return fieldError(field+".groupID", "a consumer group ID is required")
	}
	if len(c.Topics) == 0 {
		return fieldError(field+".topics", "at least one topic is required")
	}
	for i, t := range c.Topics {
		if err := validateTopic(fmt.Sprintf("%s.topics[%d]", field, i), t); err != nil {
			return err
		}
	}
	checks := []error{
		oneOf(field+".startOffset", c.StartOffset, "Earliest", "Latest"),
		atLeast(field+".maxRetries", int64(c.MaxRetries), 0),
		atLeast(field+".maxInFlight", int64(c.MaxInFlight), 1),
	}
	if err := firstError(checks); err != nil {
		return err
	}
	if c.BackoffInitial.Duration > c.BackoffMax.Duration {
		return fieldError(field+".backoffInitial", "%s exceeds backoffMax %s", c.BackoffInitial, c.BackoffMax)
	}
	if c.DeadLetterTopic != "" {
		if err := validateTopic(field+".deadLetterTopic", c.DeadLetterTopic); err != nil {
			return err
		}
	}
	return c.Sink.validate(field + ".sink")
}

func (s *Sink) validate(field string) error {
	set := 0
	for _, present := range []bool{s.Log != nil, s.HTTP != nil, s.Kafka != nil, s.Discard != nil} {
		if present {
			set++
		}
	}
	if set != 1 {
		return fieldError(field, "set exactly one sink: log, http, kafka or discard")
	}
	switch {
	case s.Log != nil:
		return oneOf(field+".log.format", s.Log.Format, "JSON", "Text")
	case s.HTTP != nil:
		u, err := url.Parse(s.HTTP.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fieldError(field+".http.url", "must be an absolute http:// or https:// URL, not %q", s.HTTP.URL)
		}
		if s.HTTP.Timeout.Duration <= 0 {
			return fieldError(field+".http.timeout", "must be positive")
		}
		return atLeast(field+".http.maxBatchRecords", int64(s.HTTP.MaxBatchRecords), 1)
	case s.Kafka != nil:
		if err := validateTopic(field+".kafka.topic", s.Kafka.Topic); err != nil {
			return err
		}
		if s.Kafka.Kafka != nil {
			return s.Kafka.Kafka.validate(field + ".kafka.kafka")
		}
	}
	return nil
}

func validateTopic(field, name string) error {
	if !topicName.MatchString(name) || name == "." || name == ".." {
		return fieldError(field, "%q is not a Kafka topic name (1 to 249 letters, digits, '.', '_', '-')", name)
	}
	return nil
}

func validatePort(field string, port int) error {
	if port < 1 || port > 65535 {
		return fieldError(field, "must be a port in 1..65535, not %d", port)
	}
	return nil
}

func oneOf(field, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return fieldError(field, "must be one of %s, not %q", strings.Join(allowed, ", "), value)
}

func atLeast(field string, value, minimum int64) error {
	if value < minimum {
		return fieldError(field, "must be at least %d, not %d", minimum, value)
	}
	return nil
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
