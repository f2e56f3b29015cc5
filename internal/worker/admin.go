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
	"encoding/json"
	"net/http"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Health is what /readyz reports: ready once the worker is connected (a
// producer) or has joined its group (a consumer), and no partition stopped.
type Health struct {
	mu      sync.Mutex
	ready   bool
	reason  string
	stopped map[string]string // "topic/partition" -> why
}

// NewHealth returns a Health that is not ready, for the given reason.
func NewHealth(reason string) *Health {
	return &Health{reason: reason, stopped: map[string]string{}}
}

// SetReady marks the worker ready, or not with a reason.
func (h *Health) SetReady(ready bool, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ready, h.reason = ready, reason
}

// StopPartition records that a partition stopped on an undeliverable record.
func (h *Health) StopPartition(partition, why string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped[partition] = why
}

// ResumePartition forgets a stopped partition (it was revoked or recovered).
func (h *Health) ResumePartition(partition string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.stopped, partition)
}

type readiness struct {
	Ready             bool               `json:"ready"`
	Reason            string             `json:"reason,omitempty"`
	StoppedPartitions []stoppedPartition `json:"stoppedPartitions,omitempty"`
}

type stoppedPartition struct {
	Partition string `json:"partition"`
	Reason    string `json:"reason"`
}

func (h *Health) snapshot() readiness {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := readiness{Ready: h.ready && len(h.stopped) == 0, Reason: h.reason}
	for p, why := range h.stopped {
		r.StoppedPartitions = append(r.StoppedPartitions, stoppedPartition{Partition: p, Reason: why})
	}
	sort.Slice(r.StoppedPartitions, func(i, j int) bool { return r.StoppedPartitions[i].Partition < r.StoppedPartitions[j].Partition })
	if r.Ready {
		r.Reason = ""
	} else if r.Reason == "" {
		r.Reason = "partitions stopped on undeliverable records"
	}
	return r
}

// AdminHandler serves /healthz (the process runs), /readyz (JSON details,
// 503 when not ready) and /metrics.
func AdminHandler(h *Health, m *Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		r := h.snapshot()
		w.Header().Set("Content-Type", "application/json")
		if !r.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(r)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	return mux
}
