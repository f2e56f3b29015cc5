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

// Condition types the operator sets on KafkaProducer and KafkaConsumerGroup.
const (
	// ConditionReady is True when the workload runs as specified and the
	// operator could observe it.
	ConditionReady = "Ready"
	// ConditionKafkaReachable is False when the operator cannot talk to the
	// Kafka cluster; observations are then Unknown, never zero.
	ConditionKafkaReachable = "KafkaReachable"
	// ConditionDegraded is True when something needs the user: an invalid
	// spec the schema cannot catch, a missing Secret, a missing topic.
	ConditionDegraded = "Degraded"
	// ConditionScaling is True while a scale is in progress or held.
	ConditionScaling = "Scaling"
	// ConditionLagging reports the consumer group's lag trend over recent
	// observations.
	ConditionLagging = "Lagging"
	// ConditionTopicReady is True when the producer's topic exists with the
	// partitions the spec asks for.
	ConditionTopicReady = "TopicReady"
)
