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

package controllers

import (
	appsv1 "k8s.io/api/apps/v1"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
)

// Apply is apply, for the tests of package controllers_test.
var Apply = apply

// DesiredConsumerDeployment is the Deployment the operator wants for a
// group at the given replicas.
func DesiredConsumerDeployment(kcg *kafkav1alpha1.KafkaConsumerGroup, replicas int32, image string) (*appsv1.Deployment, error) {
	return desiredDeployment(consumerWorkload(kcg, replicas, image))
}
