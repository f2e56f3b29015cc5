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

// StartOffset is where a group with no committed offset starts reading.
// +kubebuilder:validation:Enum=Earliest;Latest
type StartOffset string

// Start offsets.
const (
	StartOffsetEarliest StartOffset = "Earliest"
	StartOffsetLatest   StartOffset = "Latest"
)

// KafkaConsumerGroupSpec is the desired state of a KafkaConsumerGroup.
// +kubebuilder:validation:XValidation:rule="!(has(self.replicas) && has(self.autoscaling))",message="spec.replicas and spec.autoscaling are mutually exclusive: this group is autoscaled, so edit spec.autoscaling.minReplicas and maxReplicas instead (kubectl scale does not apply), or remove spec.autoscaling to set replicas by hand"
// +kubebuilder:validation:XValidation:rule="has(oldSelf.groupID) == has(self.groupID) && (!has(self.groupID) || self.groupID == oldSelf.groupID)",message="groupID is immutable: it names the Kafka consumer group whose committed offsets this object owns; create a new KafkaConsumerGroup to use another group",fieldPath=".groupID"
// +kubebuilder:validation:XValidation:rule="!has(self.delivery) || !has(self.delivery.deadLetterTopic) || !(self.delivery.deadLetterTopic in self.topics)",message="delivery.deadLetterTopic must differ from the consumed topics: dead letters would be consumed again",fieldPath=".delivery.deadLetterTopic"
// +kubebuilder:validation:XValidation:rule="!has(self.sink.kafka) || has(self.sink.kafka.kafka) || !(self.sink.kafka.topic in self.topics)",message="sink.kafka.topic must differ from the consumed topics on the same cluster: records would loop forever",fieldPath=".sink.kafka.topic"
type KafkaConsumerGroupSpec struct {
	// kafka is the cluster the group consumes from.
	// +required
	Kafka KafkaConnection `json:"kafka"`

	// topics are the topics the group consumes.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +listType=set
	Topics []TopicName `json:"topics"`

	// groupID is the Kafka consumer group ID. Defaults to the object's name.
	// Immutable: committed offsets belong to the group.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-zA-Z0-9._-]+$')",message="groupID uses only letters, digits, '.', '_' and '-'"
	GroupID string `json:"groupID,omitempty"`

	// startOffset is where the group starts on a partition without a
	// committed offset: Earliest (every record kept) or Latest (new records only).
	// +optional
	// +kubebuilder:default=Earliest
	StartOffset StartOffset `json:"startOffset,omitempty"`

	// replicas is the number of worker pods when autoscaling is not set.
	// Defaults to 1. `kubectl scale` sets it.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Replicas *int32 `json:"replicas,omitempty"`

	// autoscaling scales the worker pods by consumer lag. Mutually exclusive
	// with replicas.
	// +optional
	Autoscaling *AutoscalingSpec `json:"autoscaling,omitempty"`

	// sink is where each record goes: exactly one of log, http, kafka, discard.
	// +required
	Sink SinkSpec `json:"sink"`

	// delivery sets retries, backoff, the dead-letter topic and ordering.
	// +optional
	// +kubebuilder:default={}
	Delivery *DeliverySpec `json:"delivery,omitempty"`

	// worker overrides the worker pods.
	// +optional
	Worker *WorkerSpec `json:"worker,omitempty"`
}

// AutoscalingSpec scales a consumer group by its lag.
// +kubebuilder:validation:XValidation:rule="!has(self.minReplicas) || self.minReplicas <= self.maxReplicas",message="minReplicas must be less than or equal to maxReplicas",fieldPath=".minReplicas"
type AutoscalingSpec struct {
	// minReplicas is the fewest worker pods. 0 lets an idle group scale to
	// zero; it wakes when lag exceeds activationLag. Defaults to 1.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	MinReplicas *int32 `json:"minReplicas,omitempty"`

	// maxReplicas is the most worker pods.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxReplicas int32 `json:"maxReplicas"`

	// lagPerReplica is the lag one worker pod should carry: the group wants
	// ceil(total lag / lagPerReplica) pods. Defaults to 1000.
	// +optional
	// +kubebuilder:default=1000
	// +kubebuilder:validation:Minimum=1
	LagPerReplica int64 `json:"lagPerReplica,omitempty"`

	// activationLag is the total lag above which a group at zero pods wakes.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	ActivationLag int64 `json:"activationLag,omitempty"`

	// pollInterval is how often the operator observes the group's lag.
	// 1s to 10m; defaults to 15s.
	// +optional
	// +kubebuilder:default="15s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('10m')",message="pollInterval must be between 1s and 10m"
	PollInterval metav1.Duration `json:"pollInterval,omitzero"`

	// scaleDownStabilization is how long the group keeps its highest recent
	// replica recommendation before scaling down, so that it does not flap.
	// 0s to 1h; defaults to 5m.
	// +optional
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s') && duration(self) <= duration('1h')",message="scaleDownStabilization must be between 0s and 1h"
	ScaleDownStabilization *metav1.Duration `json:"scaleDownStabilization,omitempty"`

	// allowIdleConsumers lets the group run more pods than partitions. Kafka
	// gives the extra pods nothing to do, so it defaults to false.
	// +optional
	// +kubebuilder:default=false
	AllowIdleConsumers bool `json:"allowIdleConsumers,omitempty"`
}

// SinkSpec is where a consumer group delivers records. Exactly one field is set.
// +kubebuilder:validation:XValidation:rule="(has(self.log) ? 1 : 0) + (has(self.http) ? 1 : 0) + (has(self.kafka) ? 1 : 0) + (has(self.discard) ? 1 : 0) == 1",message="set exactly one sink: log, http, kafka or discard"
type SinkSpec struct {
	// log writes each record as a line to the worker's standard output.
	// +optional
	Log *LogSink `json:"log,omitempty"`

	// http POSTs each record to a URL.
	// +optional
	HTTP *HTTPSink `json:"http,omitempty"`

	// kafka forwards each record to a topic, keeping key and headers.
	// +optional
	Kafka *KafkaSink `json:"kafka,omitempty"`

	// discard drops each record after reading it; for benchmarks and tests.
	// +optional
	Discard *DiscardSink `json:"discard,omitempty"`
}

// LogFormat is the format of log sink lines.
// +kubebuilder:validation:Enum=JSON;Text
type LogFormat string

// Log formats.
const (
	LogFormatJSON LogFormat = "JSON"
	LogFormatText LogFormat = "Text"
)

// LogSink writes records to standard output.
type LogSink struct {
	// format is JSON (one object per record with topic, partition, offset,
	// key, timestamp and value) or Text. Defaults to JSON.
	// +optional
	// +kubebuilder:default=JSON
	Format LogFormat `json:"format,omitempty"`
}

// HTTPSink POSTs records to a URL. 2xx acknowledges a record; 4xx other
// than 408 and 429 is permanent (dead-letter); 5xx, 408, 429 and timeouts
// are retried.
type HTTPSink struct {
	// url receives the POSTs. Each carries the headers Kafka-Topic,
	// Kafka-Partition, Kafka-Offset and Kafka-Key so the receiver can
	// de-duplicate.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHost() != ''",message="url must be an absolute http:// or https:// URL, for example http://audit.orders.svc:8080/records"
	URL string `json:"url"`

	// timeout bounds one POST. 1ms to 5m; defaults to 10s.
	// +optional
	// +kubebuilder:default="10s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1ms') && duration(self) <= duration('5m')",message="timeout must be between 1ms and 5m"
	Timeout metav1.Duration `json:"timeout,omitzero"`

	// headers are added to every POST.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z0-9-]+$') && !k.lowerAscii().startsWith('kafka-'))",message="header names use letters, digits and '-', and cannot start with Kafka- (the sink sets those)"
	Headers map[string]string `json:"headers,omitempty"`

	// headersFromSecret names a Secret whose keys and values are added as
	// headers to every POST, for credentials.
	// +optional
	HeadersFromSecret *SecretReference `json:"headersFromSecret,omitempty"`

	// maxBatchRecords sends up to this many records of one partition in one
	// POST, as a JSON array. Defaults to 1 (one record per POST).
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxBatchRecords int32 `json:"maxBatchRecords,omitempty"`
}

// KafkaSink forwards records to a topic.
type KafkaSink struct {
	// topic receives the records.
	// +required
	Topic TopicName `json:"topic"`

	// kafka is another cluster to write to. Defaults to the cluster the group
	// consumes from.
	// +optional
	Kafka *KafkaConnection `json:"kafka,omitempty"`
}

// DiscardSink drops records. It has no settings.
type DiscardSink struct{}

// DeliverySpec sets how a consumer group retries records its sink refuses.
type DeliverySpec struct {
	// maxRetries is how many times a record is retried after its first
	// attempt fails. Then it goes to deadLetterTopic or, without one, stops
	// its partition (never skipped). Defaults to 5.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	MaxRetries *int32 `json:"maxRetries,omitempty"`

	// backoff is the exponential backoff, with jitter, between retries.
	// +optional
	// +kubebuilder:default={}
	Backoff BackoffSpec `json:"backoff,omitzero"`

	// deadLetterTopic receives records that exhausted their retries, with
	// headers saying why. Without it such a record stops its partition and
	// the group reports Degraded.
	// +optional
	DeadLetterTopic TopicName `json:"deadLetterTopic,omitempty"`

	// maxInFlight is how many records of one partition may be delivered at
	// once. 1 keeps strict order. Offsets are committed only below the first
	// undelivered record either way. Defaults to 1.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxInFlight int32 `json:"maxInFlight,omitempty"`
}

// BackoffSpec is an exponential backoff.
// The has() guards let the empty default ({}) validate before its own
// field defaults apply.
// +kubebuilder:validation:XValidation:rule="!has(self.initial) || !has(self.max) || duration(self.initial) <= duration(self.max)",message="backoff.initial must not exceed backoff.max",fieldPath=".initial"
type BackoffSpec struct {
	// initial is the first wait. 1ms to 1m; defaults to 100ms.
	// +optional
	// +kubebuilder:default="100ms"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1ms') && duration(self) <= duration('1m')",message="backoff.initial must be between 1ms and 1m"
	Initial metav1.Duration `json:"initial,omitzero"`

	// max caps the wait. 1ms to 1h; defaults to 30s.
	// +optional
	// +kubebuilder:default="30s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1ms') && duration(self) <= duration('1h')",message="backoff.max must be between 1ms and 1h"
	Max metav1.Duration `json:"max,omitzero"`
}

// GroupState is the state of a Kafka consumer group as the broker reports it.
// +kubebuilder:validation:Enum=Stable;PreparingRebalance;CompletingRebalance;Empty;Dead;Unknown
type GroupState string

// Consumer group states.
const (
	GroupStateStable              GroupState = "Stable"
	GroupStatePreparingRebalance  GroupState = "PreparingRebalance"
	GroupStateCompletingRebalance GroupState = "CompletingRebalance"
	GroupStateEmpty               GroupState = "Empty"
	GroupStateDead                GroupState = "Dead"
	GroupStateUnknown             GroupState = "Unknown"
)

// KafkaConsumerGroupStatus is the observed state of a KafkaConsumerGroup,
// written by the operator only.
type KafkaConsumerGroupStatus struct {
	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions are Ready, KafkaReachable, Scaling, Lagging and Degraded.
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

	// desiredReplicas is the number of worker pods the operator wants: the
	// spec's replicas, or the autoscaler's decision.
	// +optional
	DesiredReplicas int32 `json:"desiredReplicas,omitempty"`

	// selector is the label selector of the worker pods, for the scale
	// subresource.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Selector string `json:"selector,omitempty"`

	// sinkType is the kind of sink in use (log, http, kafka, discard).
	// +optional
	// +kubebuilder:validation:MaxLength=16
	SinkType string `json:"sinkType,omitempty"`

	// lastScaleTime is when the operator last changed the replica count.
	// +optional
	LastScaleTime *metav1.Time `json:"lastScaleTime,omitempty"`

	// lastObservedTime is when the operator last observed the group in Kafka.
	// +optional
	LastObservedTime *metav1.Time `json:"lastObservedTime,omitempty"`

	// groupState is the consumer group's state as the broker reports it.
	// +optional
	GroupState GroupState `json:"groupState,omitempty"`

	// partitions is the number of partitions across all topics.
	// +optional
	Partitions int32 `json:"partitions,omitempty"`

	// totalLag is the number of records not yet committed across all
	// partitions. Absent when the lag is unknown (never reported as 0).
	// +optional
	TotalLag *int64 `json:"totalLag,omitempty"`

	// maxPartitionLag is the largest lag of one partition. Absent when unknown.
	// +optional
	MaxPartitionLag *int64 `json:"maxPartitionLag,omitempty"`

	// topics is the lag per topic.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Topics []TopicLag `json:"topics,omitempty"`

	// members are the group's members, each mapped to its pod, with the
	// partitions it holds. Sorted by pod.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	Members []GroupMember `json:"members,omitempty"`

	// laggiestPartitions are the partitions with the most lag, at most 20,
	// so that the status stays small for topics with thousands of partitions.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	LaggiestPartitions []PartitionLag `json:"laggiestPartitions,omitempty"`
}

// TopicLag is the lag of one consumed topic.
type TopicLag struct {
	// name is the topic.
	// +required
	// +kubebuilder:validation:MaxLength=249
	Name string `json:"name"`

	// partitions is the topic's partition count.
	// +optional
	Partitions int32 `json:"partitions,omitempty"`

	// lag is the topic's total lag. Absent when unknown.
	// +optional
	Lag *int64 `json:"lag,omitempty"`

	// laggingPartitions is the number of partitions with lag above zero.
	// +optional
	LaggingPartitions int32 `json:"laggingPartitions,omitempty"`
}

// GroupMember is one member of the consumer group.
type GroupMember struct {
	// pod is the worker pod of this member (its Kafka client ID), or empty
	// for a member that is not one of this object's pods.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Pod string `json:"pod,omitempty"`

	// clientID is the member's Kafka client ID.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	ClientID string `json:"clientID,omitempty"`

	// host is the member's address as the broker sees it.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	Host string `json:"host,omitempty"`

	// assignments are the partitions the member holds, per topic.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Assignments []TopicAssignment `json:"assignments,omitempty"`
}

// TopicAssignment is the partitions of one topic a member holds.
type TopicAssignment struct {
	// topic is the topic.
	// +required
	// +kubebuilder:validation:MaxLength=249
	Topic string `json:"topic"`

	// partitions are the partition numbers, ascending.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10000
	Partitions []int32 `json:"partitions,omitempty"`
}

// PartitionLag is the lag of one partition.
type PartitionLag struct {
	// topic is the partition's topic.
	// +required
	// +kubebuilder:validation:MaxLength=249
	Topic string `json:"topic"`

	// partition is the partition number.
	// +required
	Partition int32 `json:"partition"`

	// lag is the number of records not yet committed.
	// +required
	Lag int64 `json:"lag"`

	// pod holds the partition, when a member does.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Pod string `json:"pod,omitempty"`
}

// KafkaConsumerGroup runs a Kafka consumer group as worker pods that deliver
// each record to a sink, at least once, and scales them by lag.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.replicas,selectorpath=.status.selector
// +kubebuilder:resource:shortName=kcg,categories=kafka
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.status.desiredReplicas`,description="Worker pods the operator wants"
// +kubebuilder:printcolumn:name="Ready",type=integer,JSONPath=`.status.readyReplicas`,description="Worker pods ready"
// +kubebuilder:printcolumn:name="Lag",type=integer,JSONPath=`.status.totalLag`,description="Records not yet committed, all partitions"
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.groupState`,description="Consumer group state in Kafka"
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,description="Reason of the Ready condition"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Topics",type=string,JSONPath=`.spec.topics`,priority=1
// +kubebuilder:printcolumn:name="Sink",type=string,JSONPath=`.status.sinkType`,priority=1
type KafkaConsumerGroup struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the desired state of the consumer group.
	// +required
	Spec KafkaConsumerGroupSpec `json:"spec"`

	// status is the observed state, written by the operator.
	// +optional
	Status KafkaConsumerGroupStatus `json:"status,omitzero"`
}

// KafkaConsumerGroupList is a list of KafkaConsumerGroup.
//
// +kubebuilder:object:root=true
type KafkaConsumerGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []KafkaConsumerGroup `json:"items"`
}

func init() {
	knownTypes = append(knownTypes, &KafkaConsumerGroup{}, &KafkaConsumerGroupList{})
}
