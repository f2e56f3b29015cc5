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

// Package controllers holds the reconcilers of KafkaProducer and
// KafkaConsumerGroup, the pure builders of the objects they own, status
// computation and the scaling policy.
package controllers

// The manager's permissions, least privilege, no wildcards. `make manifests`
// turns these markers into config/rbac/role.yaml.
//
// +kubebuilder:rbac:groups=kafka.vermont.io,resources=kafkaproducers;kafkaconsumergroups,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=kafka.vermont.io,resources=kafkaproducers/status;kafkaconsumergroups/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
