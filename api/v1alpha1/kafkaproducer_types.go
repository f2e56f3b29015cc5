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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KafkaProducerSpec is the desired state of a KafkaProducer.
type KafkaProducerSpec struct {
	// kafka is the cluster the producer writes to.
	// +required
	Kafka KafkaConnection `json:"kafka"`

	// topic receives the records.
	// +required
	Topic TopicName `json:"topic"`

	// topicSpec, when set, makes the operator create the topic if it is
	// missing and add partitions when partitions grows. The operator never
	// deletes a topic and never removes partitions.
	// +optional
	TopicSpec *TopicSpec `json:"topicSpec,omitempty"`

	// replicas is the number of worker pods. Defaults to 1. `kubectl scale`
	// sets it.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Replicas *int32 `json:"replicas,omitempty"`

	// source is where records come from: exactly one of generator, http.
	// +required
	Source SourceSpec `json:"source"`

	// producer tunes the Kafka producer: acks, compression, batching.
	// +optional
	// +kubebuilder:default={}
	Producer *ProducerSettings `json:"producer,omitempty"`

	// worker overrides the worker pods.
	// +optional
	Worker *WorkerSpec `json:"worker,omitempty"`
}

// TopicSpec is the topic the operator creates for a producer.
// +kubebuilder:validation:XValidation:rule="self.partitions >= oldSelf.partitions",message="topicSpec.partitions cannot decrease: Kafka cannot remove partitions from a topic; create a new topic instead",fieldPath=".partitions"
type TopicSpec struct {
	// partitions is the topic's partition count. It may grow, never shrink.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	Partitions int32 `json:"partitions"`

	// replicationFactor is the number of copies of each partition. Defaults
	// to the broker's default.replication.factor. Cannot change after the
	// topic exists.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=32
	ReplicationFactor *int32 `json:"replicationFactor,omitempty"`

	// config holds topic-level settings (retention.ms, cleanup.policy, ...)
	// applied when the operator creates the topic.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[a-z0-9.]+$'))",message="topic config keys are Kafka topic settings such as retention.ms: lowercase letters, digits and '.'"
	Config map[string]string `json:"config,omitempty"`
}

// SourceSpec is where a producer's records come from. Exactly one field is set.
// +kubebuilder:validation:XValidation:rule="(has(self.generator) ? 1 : 0) + (has(self.http) ? 1 : 0) == 1",message="set exactly one source: generator or http"
type SourceSpec struct {
	// generator renders records from templates at a fixed rate.
	// +optional
	Generator *GeneratorSource `json:"generator,omitempty"`

	// http accepts records as JSON POSTed to /v1/messages and answers only
	// after Kafka acknowledged them.
	// +optional
	HTTP *HTTPSource `json:"http,omitempty"`
}

// GeneratorSource renders JSON records from Go templates. The templates can
// call seq, now (RFC 3339), unixMillis, uuid, randInt a b, randFloat a b,
// pick "a" "b" ..., pod and hex n. A value template must render valid JSON;
// the operator test-renders it before rolling out.
type GeneratorSource struct {
	// ratePerSecond is the records per second of each worker pod; 0 sends as
	// fast as Kafka accepts. Defaults to 1.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000000
	RatePerSecond *int32 `json:"ratePerSecond,omitempty"`

	// count is the number of records each worker pod sends before it stops;
	// 0 sends forever.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Count int64 `json:"count,omitempty"`

	// key is the template of the record key; empty sends records without a key.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Key string `json:"key,omitempty"`

	// value is the template of the record value, which must render JSON,
	// for example {"id": {{seq}}, "at": "{{now}}"}.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=16384
	Value string `json:"value"`
}

// HTTPSource accepts JSON records over HTTP.
type HTTPSource struct {
	// port is the port the worker listens on; the operator's Service exposes
	// it. 1..65535; defaults to 8080.
	// +optional
	// +kubebuilder:default=8080
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`

	// maxBodyBytes is the largest request body accepted; larger gets 413.
	// 1 to 16 MiB; defaults to 1 MiB.
	// +optional
	// +kubebuilder:default=1048576
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=16777216
	MaxBodyBytes int64 `json:"maxBodyBytes,omitempty"`

	// keyField is the dot-separated path of a field in each posted object
	// whose value becomes the record key, for example order.customerId.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9_-]+(\\\\.[A-Za-z0-9_-]+)*$')",message="keyField is a dot-separated path of field names, for example order.customerId"
	KeyField string `json:"keyField,omitempty"`

	// readTimeout bounds how long a client may take to send one request,
	// headers and body: a slower client gets 408 Request Timeout or, still
	// sending its headers after min(10s, readTimeout), a closed connection.
	// Nothing of such a request is written. 1s to 10m; defaults to 60s.
	// +optional
	// +kubebuilder:default="60s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('10m')",message="readTimeout must be between 1s and 10m"
	ReadTimeout metav1.Duration `json:"readTimeout,omitzero"`

	// authSecretRef names the Secret key holding a bearer token that clients
	// must send (Authorization: Bearer ...); without it the endpoint is open.
	// +optional
	AuthSecretRef *SecretKeyReference `json:"authSecretRef,omitempty"`
}

// Acks is how many broker acknowledgements a write waits for.
// +kubebuilder:validation:Enum=All;Leader;None
type Acks string

// Acknowledgement levels.
const (
	AcksAll    Acks = "All"
	AcksLeader Acks = "Leader"
	AcksNone   Acks = "None"
)

// Compression is a Kafka compression codec.
// +kubebuilder:validation:Enum=None;Gzip;Snappy;Lz4;Zstd
type Compression string

// Compression codecs.
const (
	CompressionNone   Compression = "None"
	CompressionGzip   Compression = "Gzip"
	CompressionSnappy Compression = "Snappy"
	CompressionLz4    Compression = "Lz4"
	CompressionZstd   Compression = "Zstd"
)

// Partitioner picks the partition of a record.
// +kubebuilder:validation:Enum=Hash;RoundRobin;Murmur2
type Partitioner string

// Partitioners.
const (
	// PartitionerHash hashes the key as Sarama does (FNV-1a).
	PartitionerHash Partitioner = "Hash"
	// PartitionerRoundRobin spreads records evenly, ignoring keys.
	PartitionerRoundRobin Partitioner = "RoundRobin"
	// PartitionerMurmur2 hashes the key as the Java client does.
	PartitionerMurmur2 Partitioner = "Murmur2"
)

// ProducerSettings tune the Kafka producer.
type ProducerSettings struct {
	// acks is All (every in-sync replica; no loss when a broker fails),
	// Leader or None. Defaults to All.
	// +optional
	// +kubebuilder:default=All
	Acks Acks `json:"acks,omitempty"`

	// compression is the codec of record batches. Defaults to Lz4.
	// +optional
	// +kubebuilder:default=Lz4
	Compression Compression `json:"compression,omitempty"`

	// batchSize is the most records in one batch per partition. Defaults to 1000.
	// +optional
	// +kubebuilder:default=1000
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000000
	BatchSize int32 `json:"batchSize,omitempty"`

	// batchBytes is the largest batch per partition, in bytes. 1 KiB to 64
	// MiB; defaults to 1 MiB.
	// +optional
	// +kubebuilder:default=1048576
	// +kubebuilder:validation:Minimum=1024
	// +kubebuilder:validation:Maximum=67108864
	BatchBytes int64 `json:"batchBytes,omitempty"`

	// lingerMs is how long a batch waits for more records before it is sent.
	// 0 to 10000; defaults to 5.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10000
	LingerMs *int32 `json:"lingerMs,omitempty"`

	// maxAttempts is how many times a batch is tried before the write fails.
	// Retries can duplicate records. Defaults to 10.
	// +optional
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	MaxAttempts int32 `json:"maxAttempts,omitempty"`

	// partitioner picks each record's partition from its key. Defaults to Hash.
	// +optional
	// +kubebuilder:default=Hash
	Partitioner Partitioner `json:"partitioner,omitempty"`
}

// ProducerTopicStatus is the producer's topic as observed in Kafka.
type ProducerTopicStatus struct {
	// name is the topic.
	// +optional
	// +kubebuilder:validation:MaxLength=249
	Name string `json:"name,omitempty"`

	// partitions is the topic's partition count.
	// +optional
	Partitions int32 `json:"partitions,omitempty"`

	// exists is true when the topic exists in Kafka.
	// +optional
	Exists bool `json:"exists,omitempty"`
}

// KafkaProducerStatus is the observed state of a KafkaProducer, written by
// the operator only.
type KafkaProducerStatus struct {
	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions are Ready, KafkaReachable, TopicReady and Degraded.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// replicas is the number of worker pods that exist.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// readyReplicas is the number of worker pods that are ready.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`

	// selector is the label selector of the worker pods, for the scale
	// subresource.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Selector string `json:"selector,omitempty"`

	// topic is the producer's topic as observed in Kafka.
	// +optional
	Topic *ProducerTopicStatus `json:"topic,omitempty"`

	// endpoint is the URL of the HTTP source's Service, when the source is http.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Endpoint string `json:"endpoint,omitempty"`
}

// KafkaProducer runs worker pods that write JSON records to a Kafka topic,
// from a generator or from an HTTP endpoint.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.replicas,selectorpath=.status.selector
// +kubebuilder:resource:shortName=kp,categories=kafka
// +kubebuilder:printcolumn:name="Topic",type=string,JSONPath=`.spec.topic`,description="Topic the records go to"
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.spec.replicas`,description="Worker pods wanted"
// +kubebuilder:printcolumn:name="Ready",type=integer,JSONPath=`.status.readyReplicas`,description="Worker pods ready"
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,description="Reason of the Ready condition"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.status.endpoint`,priority=1
type KafkaProducer struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the desired state of the producer.
	// +required
	Spec KafkaProducerSpec `json:"spec"`

	// status is the observed state, written by the operator.
	// +optional
	Status KafkaProducerStatus `json:"status,omitzero"`
}

// KafkaProducerList is a list of KafkaProducer.
//
// +kubebuilder:object:root=true
type KafkaProducerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []KafkaProducer `json:"items"`
}

func init() {
	knownTypes = append(knownTypes, &KafkaProducer{}, &KafkaProducerList{})
}
