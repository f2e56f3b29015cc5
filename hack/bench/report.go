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

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

type report struct {
	Settings settings         `json:"settings"`
	Machine  machineInfo      `json:"machine"`
	Started  time.Time        `json:"started"`
	Finished time.Time        `json:"finished"`
	Producer []figure         `json:"producer"`
	Consumer []figure         `json:"consumer"`
	Operator *operatorFigures `json:"operator,omitempty"`
	Micro    string           `json:"goBenchmarks,omitempty"`
}

// benchMicro runs the Go micro-benchmarks of the hot paths.
func benchMicro(_ *settings, r *report) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1",
		"./internal/worker/", "./controllers/")
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		fail(fmt.Sprintf("go test -bench: %v\n%s", err, out))
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "goos") || strings.HasPrefix(line, "goarch") ||
			strings.HasPrefix(line, "pkg:") || strings.HasPrefix(line, "cpu:") {
			keep = append(keep, line)
		}
	}
	r.Micro = strings.Join(keep, "\n")
}

func (r *report) write(dir string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "benchmarks.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "benchmarks.md"), []byte(r.markdown()), 0o644)
}

func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Benchmarks")
	w("")
	w("Written by `make bench` (`hack/bench`) on %s; raw numbers in [benchmarks.json](benchmarks.json).", r.Finished.Format("2006-01-02 15:04 UTC"))
	w("Every figure is the median of %d interleaved runs (worker, then each peer, run after run) on the same broker.", r.Settings.Runs)
	w("What the figures mean, the targets missed and what was tried: [performance.md](performance.md).")
	w("")
	w("Machine: %s, %d cores, %s memory. Go %s; %s; kcat %s; Apache Kafka %s (KRaft, one broker on 127.0.0.1, the same machine).",
		r.Machine.CPU, r.Machine.Cores, r.Machine.Memory, r.Machine.Go, r.Machine.Java, r.Machine.Kcat, r.Settings.KafkaVersion)
	w("")
	if len(r.Producer) > 0 {
		w("## Producer")
		w("")
		w("Topic with %d partitions, acks=all, JSON records of the given size, linger 5 ms for every tool.", r.Settings.Partitions)
		w("")
		w("| record | compression | tool | records/s | MB/s | runs | worker / tool |")
		w("|---|---|---|---|---|---|---|")
		r.throughputRows(&b, r.Producer, "vermont worker")
		w("")
		r.targets(&b, r.Producer, "vermont worker", map[string]float64{"kafka-producer-perf-test": 0.9, "kcat -P": 1.0})
		w("")
	}
	if len(r.Consumer) > 0 {
		w("## Consumer")
		w("")
		w("%d records of 1 KiB pre-filled in a %d-partition topic, read from the start by a new group each run.", r.Settings.ConsumerRecords, r.Settings.Partitions)
		w("")
		w("| record | compression | tool | records/s | MB/s | runs | worker / tool |")
		w("|---|---|---|---|---|---|---|")
		r.throughputRows(&b, r.Consumer, "vermont worker (discard sink)")
		w("")
		r.targets(&b, r.Consumer, "vermont worker (discard sink)", map[string]float64{"kafka-consumer-perf-test": 0.9, "kcat -C -G": 1.0})
		w("")
	}
	if len(r.Producer)+len(r.Consumer) > 0 {
		w("How each tool was timed:")
		w("")
		seen := map[string]bool{}
		for _, f := range append(append([]figure{}, r.Producer...), r.Consumer...) {
			if !seen[f.Tool] {
				seen[f.Tool] = true
				w("- %s: %s.", f.Tool, f.How)
			}
		}
		w("")
	}
	if o := r.Operator; o != nil {
		w("## Operator")
		w("")
		w("%d KafkaConsumerGroups on one manager (envtest kube-apiserver, the real broker), each with a real group in Kafka, poll interval %d s.", o.Groups, o.PollIntervalSecs)
		w("")
		w("| figure | value | target | met |")
		w("|---|---|---|---|")
		w("| time until every Deployment exists | %.1f s | | |", o.AllDeploymentsSecs)
		w("| apply-to-Deployment latency p50 | %.0f ms | | |", o.ApplyP50Millis)
		w("| apply-to-Deployment latency p99 | %.0f ms | < 1000 ms | %s |", o.ApplyP99Millis, yes(o.ApplyP99Millis < 1000))
		w("| worst status staleness over %.0f s | %.1f s | <= poll interval (%d s, +1 s timestamp precision) | %s |", o.ObservationWindowSec, o.WorstStalenessSecs, o.PollIntervalSecs, yes(o.WorstStalenessSecs <= float64(o.PollIntervalSecs)+1 && o.GroupsNeverObserved == 0))
		w("| groups never observed | %d | 0 | %s |", o.GroupsNeverObserved, yes(o.GroupsNeverObserved == 0))
		w("| manager peak RSS | %.0f MiB | < 200 MiB | %s |", o.PeakRSSMiB, yes(o.PeakRSSMiB < 200))
		w("| manager CPU time (whole benchmark) | %.1f s | | |", o.CPUSeconds)
		// kafka-go keeps control (metadata) and data connections in separate
		// groups, one connection per request in flight in each: at most two
		// per concurrent reconcile, whatever the number of groups.
		const maxConnections = 2*32 + 4
		w("| manager TCP connections to the broker | %d | one shared pool per cluster: bounded by the 32 concurrent reconciles (kafka-go: a control and a data connection per request in flight), not by the %d groups (<= %d) | %s |", o.KafkaConnections, o.Groups, maxConnections, yes(o.KafkaConnections <= maxConnections))
		w("| lag burst to status.desiredReplicas | %.2f s | <= one poll interval (%d s) | %s |", o.ReactionStatusSecs, o.PollIntervalSecs, yes(o.ReactionStatusSecs > 0 && o.ReactionStatusSecs <= float64(o.PollIntervalSecs)))
		w("| lag burst to Deployment replicas | %.2f s | | |", o.ReactionDeploySecs)
		w("")
	}
	if r.Micro != "" {
		w("## Go micro-benchmarks")
		w("")
		w("`go test -run '^$' -bench . -benchmem ./internal/worker/ ./controllers/` (benchstat-friendly):")
		w("")
		w("```")
		w("%s", r.Micro)
		w("```")
		w("")
	}
	return b.String()
}

func (r *report) throughputRows(b *strings.Builder, figs []figure, ours string) {
	base := map[string]float64{}
	for _, f := range figs {
		if f.Tool == ours {
			base[fmt.Sprint(f.Size, f.Compression)] = f.Median
		}
	}
	for _, f := range figs {
		ratio := ""
		if f.Tool != ours && f.Median > 0 {
			ratio = fmt.Sprintf("%.2f", base[fmt.Sprint(f.Size, f.Compression)]/f.Median)
		}
		runs := make([]string, len(f.Runs))
		for i, v := range f.Runs {
			runs[i] = fmt.Sprintf("%.0f", v)
		}
		comp := f.Compression
		if comp == "" {
			comp = "none"
		}
		fmt.Fprintf(b, "| %d B | %s | %s | %.0f | %.1f | %s | %s |\n", f.Size, comp, f.Tool, f.Median, f.MBps, strings.Join(runs, ", "), ratio)
	}
}

func (r *report) targets(b *strings.Builder, figs []figure, ours string, want map[string]float64) {
	base := map[string]float64{}
	for _, f := range figs {
		if f.Tool == ours {
			base[fmt.Sprint(f.Size, f.Compression)] = f.Median
		}
	}
	fmt.Fprintf(b, "Targets (DESIGN 8): ")
	var parts []string
	for _, f := range figs {
		target, ok := want[f.Tool]
		if !ok || f.Median == 0 {
			continue
		}
		ratio := base[fmt.Sprint(f.Size, f.Compression)] / f.Median
		parts = append(parts, fmt.Sprintf("%d B %s vs %s: %.2fx (target >= %.1fx) %s", f.Size, orNone(f.Compression), f.Tool, ratio, target, yes(ratio >= target)))
	}
	fmt.Fprintf(b, "%s.\n", strings.Join(parts, "; "))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func yes(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
