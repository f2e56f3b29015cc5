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
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Operator metrics, served with controller-runtime's on the manager's
// metrics endpoint.
var (
	consumerGroupLag = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vermont_consumergroup_lag", Help: "Records not yet committed by a consumer group, per topic.",
	}, []string{"namespace", "name", "topic"})
	consumerGroupDesiredReplicas = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vermont_consumergroup_desired_replicas", Help: "Worker replicas the operator wants for a consumer group.",
	}, []string{"namespace", "name"})
	observationDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "vermont_kafka_observation_duration_seconds", Help: "Time to observe one consumer group or topic in Kafka.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	})
	observationErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "vermont_kafka_observation_errors_total", Help: "Observations of Kafka that failed.",
	})
)

func init() {
	metrics.Registry.MustRegister(consumerGroupLag, consumerGroupDesiredReplicas, observationDuration, observationErrors)
}
