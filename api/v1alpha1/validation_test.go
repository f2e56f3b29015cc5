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

package v1alpha1_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/vermont-io/kafka-operator/internal/testenv"
)

// Valid specs that the invalid cases patch. Each case changes one thing.
const (
	validGroupSpec = `
kafka: {bootstrapServers: ["kafka-0.kafka:9092"]}
topics: [orders]
sink: {log: {}}
`
	validAutoscaledGroupSpec = `
kafka: {bootstrapServers: ["kafka-0.kafka:9092"]}
topics: [orders]
autoscaling: {maxReplicas: 4}
sink: {log: {}}
`
	validProducerSpec = `
kafka: {bootstrapServers: ["kafka-0.kafka:9092"]}
topic: orders
topicSpec: {partitions: 6}
source: {generator: {value: '{"n": {{seq}}}'}}
`
)

type invalidCase struct {
	name string
	kind string // KafkaConsumerGroup or KafkaProducer
	base string // a valid spec
	// patch is merged into base (JSON merge patch semantics: null removes a
	// key) before the create. With update set, base+patch is created first
	// and must be accepted; update is then merged in and the update refused.
	patch  string
	update string
	// field must appear in the error: the path of the offending field.
	field string
	// message must appear in the error: what to change.
	message string
}

func TestInvalidObjectsAreRejected(t *testing.T) {
	const kcg, kp = "KafkaConsumerGroup", "KafkaProducer"
	cases := []invalidCase{
		// KafkaConnection
		{name: "no bootstrap servers", kind: kcg, base: validGroupSpec, patch: `kafka: {bootstrapServers: []}`,
			field: "spec.kafka.bootstrapServers", message: "should have at least 1 items"},
		{name: "bootstrap server without port", kind: kcg, base: validGroupSpec, patch: `kafka: {bootstrapServers: [kafka-0]}`,
			field: "spec.kafka.bootstrapServers[0]", message: "must be host:port"},
		{name: "bootstrap port out of range", kind: kcg, base: validGroupSpec, patch: `kafka: {bootstrapServers: ["kafka:70000"]}`,
			field: "spec.kafka.bootstrapServers[0]", message: "port in 1..65535"},
		{name: "bootstrap with scheme", kind: kcg, base: validGroupSpec, patch: `kafka: {bootstrapServers: ["tcp://kafka:9092"]}`,
			field: "spec.kafka.bootstrapServers[0]", message: "must be host:port"},
		{name: "too many bootstrap servers", kind: kcg, base: validGroupSpec, patch: `kafka: {bootstrapServers: [a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1,j:1,k:1,l:1,m:1,n:1,o:1,p:1,q:1]}`,
			field: "spec.kafka.bootstrapServers", message: "must have at most 16 items"},
		{name: "SASL without a Secret", kind: kcg, base: validGroupSpec, patch: `kafka: {sasl: {mechanism: SCRAM-SHA-512}}`,
			field: "spec.kafka.sasl.secretRef", message: "name a Secret with the keys username and password"},
		{name: "unsupported SASL mechanism", kind: kcg, base: validGroupSpec, patch: `kafka: {sasl: {mechanism: GSSAPI, secretRef: {name: creds}}}`,
			field: "spec.kafka.sasl.mechanism", message: `supported values: "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"`},
		{name: "client certificate without its key", kind: kcg, base: validGroupSpec, patch: `kafka: {tls: {enabled: true, certSecretRef: {name: client, certKey: tls.crt}}}`,
			field: "spec.kafka.tls.certSecretRef.keyKey", message: "a client certificate needs its private key"},
		{name: "TLS settings with TLS disabled", kind: kcg, base: validGroupSpec, patch: `kafka: {tls: {caSecretRef: {name: ca, key: ca.crt}}}`,
			field: "spec.kafka.tls.enabled", message: "tls.enabled must be true"},
		{name: "Secret name not a DNS name", kind: kcg, base: validGroupSpec, patch: `kafka: {tls: {enabled: true, caSecretRef: {name: Kafka_CA, key: ca.crt}}}`,
			field: "spec.kafka.tls.caSecretRef.name", message: "must be a Secret name"},
		{name: "Secret key with a slash", kind: kcg, base: validGroupSpec, patch: `kafka: {tls: {enabled: true, caSecretRef: {name: ca, key: certs/ca.crt}}}`,
			field: "spec.kafka.tls.caSecretRef.key", message: "a Secret key uses only"},

		// KafkaConsumerGroup topics and group
		{name: "no topics", kind: kcg, base: validGroupSpec, patch: `topics: []`,
			field: "spec.topics", message: "should have at least 1 items"},
		{name: "topic with a slash", kind: kcg, base: validGroupSpec, patch: `topics: [orders/v1]`,
			field: "spec.topics[0]", message: "a Kafka topic name uses only letters, digits"},
		{name: "topic named dot-dot", kind: kcg, base: validGroupSpec, patch: `topics: [".."]`,
			field: "spec.topics[0]", message: "cannot be '.' or '..'"},
		{name: "topic name too long", kind: kcg, base: validGroupSpec, patch: `topics: [` + strings.Repeat("t", 250) + `]`,
			field: "spec.topics[0]", message: "may not be more than 249"},
		{name: "duplicate topics", kind: kcg, base: validGroupSpec, patch: `topics: [orders, orders]`,
			field: "spec.topics[1]", message: "Duplicate value"},
		{name: "group ID with a space", kind: kcg, base: validGroupSpec, patch: `groupID: "orders audit"`,
			field: "spec.groupID", message: "groupID uses only letters, digits"},
		{name: "unknown start offset", kind: kcg, base: validGroupSpec, patch: `startOffset: Newest`,
			field: "spec.startOffset", message: `supported values: "Earliest", "Latest"`},

		// Replicas and autoscaling
		{name: "replicas and autoscaling together", kind: kcg, base: validAutoscaledGroupSpec, patch: `replicas: 2`,
			field: "spec", message: "spec.replicas and spec.autoscaling are mutually exclusive"},
		{name: "negative replicas", kind: kcg, base: validGroupSpec, patch: `replicas: -1`,
			field: "spec.replicas", message: "should be greater than or equal to 0"},
		{name: "minReplicas above maxReplicas", kind: kcg, base: validAutoscaledGroupSpec, patch: `autoscaling: {minReplicas: 5, maxReplicas: 4}`,
			field: "spec.autoscaling.minReplicas", message: "minReplicas must be less than or equal to maxReplicas"},
		{name: "maxReplicas above 1000", kind: kcg, base: validAutoscaledGroupSpec, patch: `autoscaling: {maxReplicas: 1001}`,
			field: "spec.autoscaling.maxReplicas", message: "should be less than or equal to 1000"},
		{name: "lagPerReplica zero", kind: kcg, base: validAutoscaledGroupSpec, patch: `autoscaling: {lagPerReplica: 0}`,
			field: "spec.autoscaling.lagPerReplica", message: "should be greater than or equal to 1"},
		{name: "negative activationLag", kind: kcg, base: validAutoscaledGroupSpec, patch: `autoscaling: {activationLag: -5}`,
			field: "spec.autoscaling.activationLag", message: "should be greater than or equal to 0"},
		{name: "pollInterval below 1s", kind: kcg, base: validAutoscaledGroupSpec, patch: `autoscaling: {pollInterval: 500ms}`,
			field: "spec.autoscaling.pollInterval", message: "pollInterval must be between 1s and 10m"},
		{name: "pollInterval above 10m", kind: kcg, base: validAutoscaledGroupSpec, patch: `autoscaling: {pollInterval: 11m}`,
			field: "spec.autoscaling.pollInterval", message: "pollInterval must be between 1s and 10m"},
		{name: "pollInterval not a duration", kind: kcg, base: validAutoscaledGroupSpec, patch: `autoscaling: {pollInterval: "15 seconds"}`,
			field: "spec.autoscaling.pollInterval", message: "should match"},
		{name: "scaleDownStabilization above 1h", kind: kcg, base: validAutoscaledGroupSpec, patch: `autoscaling: {scaleDownStabilization: 2h}`,
			field: "spec.autoscaling.scaleDownStabilization", message: "scaleDownStabilization must be between 0s and 1h"},

		// Sinks
		{name: "no sink", kind: kcg, base: validGroupSpec, patch: `sink: {log: null}`,
			field: "spec.sink", message: "set exactly one sink: log, http, kafka or discard"},
		{name: "two sinks", kind: kcg, base: validGroupSpec, patch: `sink: {discard: {}}`,
			field: "spec.sink", message: "set exactly one sink: log, http, kafka or discard"},
		{name: "unknown log format", kind: kcg, base: validGroupSpec, patch: `sink: {log: {format: XML}}`,
			field: "spec.sink.log.format", message: `supported values: "JSON", "Text"`},
		{name: "HTTP sink with an ftp URL", kind: kcg, base: validGroupSpec, patch: `sink: {log: null, http: {url: "ftp://audit/records"}}`,
			field: "spec.sink.http.url", message: "url must be an absolute http:// or https:// URL"},
		{name: "HTTP sink with a relative URL", kind: kcg, base: validGroupSpec, patch: `sink: {log: null, http: {url: "/records"}}`,
			field: "spec.sink.http.url", message: "url must be an absolute http:// or https:// URL"},
		{name: "HTTP sink timeout above 5m", kind: kcg, base: validGroupSpec, patch: `sink: {log: null, http: {url: "http://audit/records", timeout: 10m}}`,
			field: "spec.sink.http.timeout", message: "timeout must be between 1ms and 5m"},
		{name: "HTTP sink header the sink sets itself", kind: kcg, base: validGroupSpec, patch: `sink: {log: null, http: {url: "http://audit/records", headers: {Kafka-Offset: "1"}}}`,
			field: "spec.sink.http.headers", message: "cannot start with Kafka-"},
		{name: "HTTP sink batch of zero", kind: kcg, base: validGroupSpec, patch: `sink: {log: null, http: {url: "http://audit/records", maxBatchRecords: 0}}`,
			field: "spec.sink.http.maxBatchRecords", message: "should be greater than or equal to 1"},
		{name: "Kafka sink looping into a consumed topic", kind: kcg, base: validGroupSpec, patch: `sink: {log: null, kafka: {topic: orders}}`,
			field: "spec.sink.kafka.topic", message: "records would loop forever"},

		// Delivery
		{name: "dead-letter topic among the consumed topics", kind: kcg, base: validGroupSpec, patch: `delivery: {deadLetterTopic: orders}`,
			field: "spec.delivery.deadLetterTopic", message: "dead letters would be consumed again"},
		{name: "backoff initial above max", kind: kcg, base: validGroupSpec, patch: `delivery: {backoff: {initial: 1m, max: 10s}}`,
			field: "spec.delivery.backoff.initial", message: "backoff.initial must not exceed backoff.max"},
		{name: "maxInFlight zero", kind: kcg, base: validGroupSpec, patch: `delivery: {maxInFlight: 0}`,
			field: "spec.delivery.maxInFlight", message: "should be greater than or equal to 1"},
		{name: "negative maxRetries", kind: kcg, base: validGroupSpec, patch: `delivery: {maxRetries: -1}`,
			field: "spec.delivery.maxRetries", message: "should be greater than or equal to 0"},

		// Worker overrides
		{name: "worker env reserved for the operator", kind: kcg, base: validGroupSpec, patch: `worker: {env: [{name: VERMONT_WORKER_CONFIG, value: "{}"}]}`,
			field: "spec.worker.env", message: "reserved for the operator"},
		{name: "worker pod label the operator selects by", kind: kcg, base: validGroupSpec, patch: `worker: {podLabels: {app.kubernetes.io/name: mine}}`,
			field: "spec.worker.podLabels", message: "set by the operator"},
		{name: "worker grace period zero", kind: kcg, base: validGroupSpec, patch: `worker: {terminationGracePeriodSeconds: 0}`,
			field: "spec.worker.terminationGracePeriodSeconds", message: "should be greater than or equal to 1"},
		{name: "worker pull policy unknown", kind: kcg, base: validGroupSpec, patch: `worker: {imagePullPolicy: Sometimes}`,
			field: "spec.worker.imagePullPolicy", message: `supported values: "Always", "Never", "IfNotPresent"`},

		// KafkaProducer
		{name: "producer without a topic", kind: kp, base: validProducerSpec, patch: `topic: null`,
			field: "spec.topic", message: "Required value"},
		{name: "producer without a source", kind: kp, base: validProducerSpec, patch: `source: {generator: null}`,
			field: "spec.source", message: "set exactly one source: generator or http"},
		{name: "producer with two sources", kind: kp, base: validProducerSpec, patch: `source: {http: {}}`,
			field: "spec.source", message: "set exactly one source: generator or http"},
		{name: "generator without a value template", kind: kp, base: validProducerSpec, patch: `source: {generator: {value: ""}}`,
			field: "spec.source.generator.value", message: "should be at least 1 chars long"},
		{name: "HTTP source port zero", kind: kp, base: validProducerSpec, patch: `source: {generator: null, http: {port: 0}}`,
			field: "spec.source.http.port", message: "should be greater than or equal to 1"},
		{name: "HTTP source port above 65535", kind: kp, base: validProducerSpec, patch: `source: {generator: null, http: {port: 70000}}`,
			field: "spec.source.http.port", message: "should be less than or equal to 65535"},
		{name: "HTTP source body limit above 16 MiB", kind: kp, base: validProducerSpec, patch: `source: {generator: null, http: {maxBodyBytes: 104857600}}`,
			field: "spec.source.http.maxBodyBytes", message: "should be less than or equal to 16777216"},
		{name: "HTTP source read timeout under 1s", kind: kp, base: validProducerSpec, patch: `source: {generator: null, http: {readTimeout: 500ms}}`,
			field: "spec.source.http.readTimeout", message: "readTimeout must be between 1s and 10m"},
		{name: "HTTP source read timeout that is not a duration", kind: kp, base: validProducerSpec, patch: `source: {generator: null, http: {readTimeout: "a minute"}}`,
			field: "spec.source.http.readTimeout", message: "should match"},
		{name: "HTTP source key field with an empty segment", kind: kp, base: validProducerSpec, patch: `source: {generator: null, http: {keyField: "order..id"}}`,
			field: "spec.source.http.keyField", message: "dot-separated path of field names"},
		{name: "unknown acks", kind: kp, base: validProducerSpec, patch: `producer: {acks: Some}`,
			field: "spec.producer.acks", message: `supported values: "All", "Leader", "None"`},
		{name: "unknown compression", kind: kp, base: validProducerSpec, patch: `producer: {compression: Brotli}`,
			field: "spec.producer.compression", message: `supported values: "None", "Gzip", "Snappy", "Lz4", "Zstd"`},
		{name: "linger above 10 s", kind: kp, base: validProducerSpec, patch: `producer: {lingerMs: 20000}`,
			field: "spec.producer.lingerMs", message: "should be less than or equal to 10000"},
		{name: "topic with zero partitions", kind: kp, base: validProducerSpec, patch: `topicSpec: {partitions: 0}`,
			field: "spec.topicSpec.partitions", message: "should be greater than or equal to 1"},
		{name: "topic config key that is no Kafka setting", kind: kp, base: validProducerSpec, patch: `topicSpec: {config: {"Retention MS": "1"}}`,
			field: "spec.topicSpec.config", message: "topic config keys are Kafka topic settings"},

		// Updates
		{name: "changing groupID", kind: kcg, base: validGroupSpec, patch: `groupID: orders-audit`, update: `groupID: orders-audit-2`,
			field: "spec.groupID", message: "groupID is immutable"},
		{name: "setting groupID after creation", kind: kcg, base: validGroupSpec, update: `groupID: other-group`,
			field: "spec.groupID", message: "groupID is immutable"},
		{name: "setting replicas on an autoscaled group", kind: kcg, base: validAutoscaledGroupSpec, update: `replicas: 3`,
			field: "spec", message: "edit spec.autoscaling.minReplicas and maxReplicas instead"},
		{name: "shrinking the producer's topic", kind: kp, base: validProducerSpec, update: `topicSpec: {partitions: 3}`,
			field: "spec.topicSpec.partitions", message: "topicSpec.partitions cannot decrease"},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d invalid cases; the API promises at least 40", len(cases))
	}

	ns := newNamespace(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := newObject(t, tc.kind, ns, merge(t, tc.base, tc.patch))
			err := kube.Client.Create(t.Context(), obj)
			if tc.update != "" {
				if err != nil {
					t.Fatalf("creating the object to update: %v", err)
				}
				t.Cleanup(func() { _ = kube.Client.Delete(t.Context(), obj) })
				if err := unstructured.SetNestedField(obj.Object, merge(t, specOf(t, obj), tc.update), "spec"); err != nil {
					t.Fatal(err)
				}
				err = kube.Client.Update(t.Context(), obj)
			}
			if err == nil {
				t.Fatalf("accepted; want an error naming %s", tc.field)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.field+":") || !strings.Contains(msg, tc.message) {
				t.Fatalf("error does not name the field %q with %q:\n%s", tc.field, tc.message, msg)
			}
		})
	}
}

// newObject returns an object of a Vermont kind with a name unique to the test.
func newObject(t *testing.T, kind, namespace string, spec map[string]any) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	obj.SetAPIVersion("kafka.vermont.io/v1alpha1")
	obj.SetKind(kind)
	obj.SetNamespace(namespace)
	obj.SetName(testenv.UniqueName(t, "obj"))
	return obj
}

func specOf(t *testing.T, obj client.Object) string {
	t.Helper()
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		t.Fatalf("%T is not unstructured", obj)
	}
	out, err := yaml.Marshal(u.Object["spec"])
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// merge applies a YAML merge patch (RFC 7386: objects merge, null removes a
// key, anything else replaces) to a YAML document.
func merge(t *testing.T, base, patch string) map[string]any {
	t.Helper()
	var doc, p map[string]any
	if err := yaml.Unmarshal([]byte(base), &doc); err != nil {
		t.Fatalf("base: %v", err)
	}
	if err := yaml.Unmarshal([]byte(patch), &p); err != nil {
		t.Fatalf("patch: %v", err)
	}
	return mergeMaps(doc, p)
}

func mergeMaps(doc, patch map[string]any) map[string]any {
	if doc == nil {
		doc = map[string]any{}
	}
	for k, v := range patch {
		switch v := v.(type) {
		case nil:
			delete(doc, k)
		case map[string]any:
			sub, _ := doc[k].(map[string]any)
			doc[k] = mergeMaps(sub, v)
		default:
			doc[k] = v
		}
	}
	return doc
}
