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

package worker

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the worker's Prometheus metrics, on a registry of its own so
// that several workers can run in one process (tests).
type Metrics struct {
	Registry *prometheus.Registry

	Produced        prometheus.Counter
	ProduceFailures prometheus.Counter
	Consumed        *prometheus.CounterVec
	Delivered       *prometheus.CounterVec
	DeadLettered    *prometheus.CounterVec
	DeliveryErrors  *prometheus.CounterVec
	DeliveryLatency prometheus.Histogram
	InFlight        prometheus.Gauge
	CommittedOffset *prometheus.GaugeVec
	PartitionLag    *prometheus.GaugeVec
	StoppedParts    prometheus.Gauge
	Rebalances      prometheus.Counter
	HTTPRequests    *prometheus.CounterVec
}

// NewMetrics registers the worker's metrics and the Go runtime's.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	partition := []string{"topic", "partition"}
	m := &Metrics{
		Registry: reg,
		Produced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vermont_worker_records_produced_total", Help: "Records Kafka acknowledged.",
		}),
		ProduceFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vermont_worker_produce_failures_total", Help: "Records whose write to Kafka failed after every attempt.",
		}),
		Consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vermont_worker_records_consumed_total", Help: "Records fetched from Kafka.",
		}, []string{"topic"}),
		Delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vermont_worker_records_delivered_total", Help: "Records the sink acknowledged.",
		}, []string{"topic"}),
		DeadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vermont_worker_records_dead_lettered_total", Help: "Records written to the dead-letter topic.",
		}, []string{"topic"}),
		DeliveryErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vermont_worker_delivery_failures_total", Help: "Failed delivery attempts, by kind (retryable or permanent).",
		}, []string{"topic", "kind"}),
		DeliveryLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vermont_worker_delivery_duration_seconds", Help: "Time from fetch to acknowledgement by the sink.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vermont_worker_records_in_flight", Help: "Records fetched and not yet delivered.",
		}),
		CommittedOffset: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vermont_worker_committed_offset", Help: "Last offset committed per assigned partition.",
		}, partition),
		PartitionLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vermont_worker_partition_lag", Help: "Records behind the end of each assigned partition, as last fetched.",
		}, partition),
		StoppedParts: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vermont_worker_stopped_partitions", Help: "Partitions stopped on a record that exhausted its retries with no dead-letter topic.",
		}),
		Rebalances: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vermont_worker_rebalances_total", Help: "Consumer group generations joined.",
		}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vermont_worker_http_source_requests_total", Help: "HTTP source requests by status code.",
		}, []string{"code"}),
	}
	for _, c := range []prometheus.Collector{
		m.Produced, m.ProduceFailures, m.Consumed, m.Delivered, m.DeadLettered, m.DeliveryErrors, m.DeliveryLatency,
		m.InFlight, m.CommittedOffset, m.PartitionLag, m.StoppedParts, m.Rebalances, m.HTTPRequests,
	} {
		f(c)
	}
	return m
}
