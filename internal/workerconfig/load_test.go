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
	"strings"
	"testing"
	"time"
)

const validConsume = `{"mode": "consume", "kafka": {"bootstrapServers": ["kafka:9092"]},
	"consumer": {"groupID": "g", "topics": ["orders"], "sink": {"log": {}}}}`

func TestParseAppliesDefaults(t *testing.T) {
	c, err := Parse([]byte(validConsume), nil)
	if err != nil {
		t.Fatal(err)
	}
	cs := c.Consumer
	if c.AdminPort != DefaultAdminPort || c.Kafka.SecretsEnvPrefix != EnvPrefixKafka || cs.StartOffset != "Earliest" ||
		cs.MaxInFlight != 1 || cs.BackoffInitial.Duration != DefaultBackoffInitial || cs.Sink.Log.Format != "JSON" {
		t.Fatalf("defaults not applied: %+v %+v", c, cs)
	}
	p, err := Parse([]byte(`{"mode": "produce", "kafka": {"bootstrapServers": ["kafka:9092"]}, "producer": {"topic": "t", "generator": {"value": "{}"}}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pr := p.Producer; pr.Acks != "All" || pr.Linger.Duration != 5*time.Millisecond || pr.Compression != "Lz4" || pr.BatchSize != DefaultBatchSize {
		t.Fatalf("producer defaults not applied: %+v", pr)
	}
}

func TestParseNamesTheField(t *testing.T) {
	for _, tt := range []struct {
		name, config, field string
	}{
		{"not JSON", `{"mode": `, "(config)"},
		{"unknown field", `{"mode": "consume", "kafak": {}}`, "kafak"},
		{"wrong type", `{"mode": "consume", "adminPort": "9090"}`, "adminPort"},
		{"unknown mode", `{"mode": "both", "kafka": {"bootstrapServers": ["k:1"]}}`, "mode"},
		{"no bootstrap", strings.Replace(validConsume, `["kafka:9092"]`, `[]`, 1), "kafka.bootstrapServers"},
		{"bootstrap without port", strings.Replace(validConsume, `"kafka:9092"`, `"kafka"`, 1), "kafka.bootstrapServers[0]"},
		{"bad topic", strings.Replace(validConsume, `["orders"]`, `["a/b"]`, 1), "consumer.topics[0]"},
		{"no group", strings.Replace(validConsume, `"groupID": "g"`, `"groupID": ""`, 1), "consumer.groupID"},
		{"two sinks", strings.Replace(validConsume, `{"log": {}}`, `{"log": {}, "discard": {}}`, 1), "consumer.sink"},
		{"bad URL", strings.Replace(validConsume, `{"log": {}}`, `{"http": {"url": "ftp://x"}}`, 1), "consumer.sink.http.url"},
		{"bad duration", strings.Replace(validConsume, `"groupID": "g"`, `"groupID": "g", "backoffMax": "soon"`, 1), "(config)"},
		{"backoff inverted", strings.Replace(validConsume, `"groupID": "g"`, `"groupID": "g", "backoffInitial": "1m", "backoffMax": "1s"`, 1), "consumer.backoffInitial"},
		{"bad SASL", strings.Replace(validConsume, `"bootstrapServers": ["kafka:9092"]`, `"bootstrapServers": ["kafka:9092"], "sasl": {"mechanism": "GSSAPI"}`, 1), "kafka.sasl.mechanism"},
		{"producer without source", `{"mode": "produce", "kafka": {"bootstrapServers": ["k:1"]}, "producer": {"topic": "t"}}`, "producer"},
		{"HTTP source on the admin port", `{"mode": "produce", "kafka": {"bootstrapServers": ["k:1"]}, "producer": {"topic": "t", "http": {"port": 9090}}}`, "producer.http.port"},
		{"unknown acks", `{"mode": "produce", "kafka": {"bootstrapServers": ["k:1"]}, "producer": {"topic": "t", "acks": "Most", "generator": {"value": "{}"}}}`, "producer.acks"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.config), nil)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), tt.field+":") {
				t.Fatalf("error %q does not start with the field %q", err, tt.field)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans several lines: %q", err)
			}
		})
	}
}

func TestPortOverrides(t *testing.T) {
	env := map[string]string{EnvAdminPort: "19191"}
	c, err := Parse([]byte(validConsume), func(k string) string { return env[k] })
	if err != nil || c.AdminPort != 19191 {
		t.Fatalf("admin port override: %v %d", err, c.AdminPort)
	}
	env[EnvAdminPort] = "huge"
	if _, err := Parse([]byte(validConsume), func(k string) string { return env[k] }); err == nil || !strings.HasPrefix(err.Error(), EnvAdminPort+":") {
		t.Fatalf("bad override: %v", err)
	}
}
