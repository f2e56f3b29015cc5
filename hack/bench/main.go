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

// Command bench measures Vermont against the tools people would use
// instead, on the same broker in the same run, and writes
// docs/benchmarks.md and docs/benchmarks.json. Run it with `make bench`.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/segmentio/kafka-go"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/vermont-io/kafka-operator/internal/testenv"
)

// Settings of one bench run; flags make a quick run possible.
type settings struct {
	Runs             int    `json:"runs"`
	ProducerRecords  []int  `json:"producerRecords"` // per record size, same order as sizes
	ConsumerRecords  int    `json:"consumerRecords"`
	Groups           int    `json:"groups"`
	Partitions       int    `json:"partitions"`
	Bootstrap        string `json:"bootstrap"`
	KafkaVersion     string `json:"kafkaVersion"`
	KafkaLibs        string `json:"-"`
	Bin              string `json:"-"`
	Out              string `json:"-"`
	OperatorPollSecs int    `json:"operatorPollSeconds"`
}

var sizes = []int{1024, 100}

func main() {
	s := settings{Partitions: 6, OperatorPollSecs: 15}
	flag.IntVar(&s.Runs, "runs", 3, "interleaved runs per figure (the median is reported)")
	flag.IntVar(&s.ConsumerRecords, "consumer-records", 300_000, "records of 1 KiB read by each consumer run")
	flag.IntVar(&s.Groups, "groups", 1000, "KafkaConsumerGroups in the operator benchmark")
	p1k := flag.Int("producer-records-1k", 300_000, "records per producer run, 1 KiB records")
	p100 := flag.Int("producer-records-100", 1_000_000, "records per producer run, 100 B records")
	flag.StringVar(&s.Bin, "bin", "bin", "directory of the manager and worker binaries")
	flag.StringVar(&s.Out, "out", "docs", "directory for benchmarks.md and benchmarks.json")
	only := flag.String("only", "", "run only this part: producer, consumer, operator, micro")
	flag.Parse()
	s.ProducerRecords = []int{*p1k, *p100}
	ctrllog.SetLogger(logr.Discard())
	s.Bootstrap = os.Getenv(testenv.EnvBootstrap)
	s.KafkaVersion = os.Getenv("KAFKA_VERSION")
	s.KafkaLibs = os.Getenv("KAFKA_LIBS")
	if s.Bootstrap == "" || s.KafkaLibs == "" {
		fail("KAFKA_BOOTSTRAP and KAFKA_LIBS must be set: run through make bench, which starts the real broker")
	}
	results := &report{Settings: s, Machine: machine(), Started: time.Now().UTC()}
	parts := map[string]func(*settings, *report){"producer": benchProducers, "consumer": benchConsumers, "operator": benchOperator, "micro": benchMicro}
	for _, name := range []string{"producer", "consumer", "operator", "micro"} {
		if *only != "" && *only != name {
			continue
		}
		say("=== %s", name)
		parts[name](&s, results)
	}
	results.Finished = time.Now().UTC()
	if err := results.write(s.Out); err != nil {
		fail(err.Error())
	}
	say("wrote %s and %s", filepath.Join(s.Out, "benchmarks.md"), filepath.Join(s.Out, "benchmarks.json"))
}

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...) }

func fail(msg string) {
	fmt.Fprintf(os.Stderr, "bench: %s\n", msg)
	os.Exit(1)
}

// ---- throughput -------------------------------------------------------

// figure is one measured configuration: every run's records/s, its median
// and MB/s.
type figure struct {
	Tool        string    `json:"tool"`
	Size        int       `json:"recordBytes"`
	Compression string    `json:"compression,omitempty"`
	Records     int       `json:"records"`
	Runs        []float64 `json:"recordsPerSecond"`
	Median      float64   `json:"medianRecordsPerSecond"`
	MBps        float64   `json:"medianMBPerSecond"`
	How         string    `json:"how"`
}

func (f *figure) finish() {
	sorted := append([]float64(nil), f.Runs...)
	sort.Float64s(sorted)
	f.Median = sorted[len(sorted)/2]
	f.MBps = f.Median * float64(f.Size) / 1e6
}

// payloadFile writes n JSON records of exactly size bytes, one per line.
func payloadFile(dir string, size, n int) string {
	path := filepath.Join(dir, fmt.Sprintf("payload-%d-%d.json", size, n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	f, err := os.Create(path)
	if err != nil {
		fail(err.Error())
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintln(w, jsonRecord(i, size))
	}
	_ = w.Flush()
	_ = f.Close()
	return path
}

// jsonRecord is a JSON object of exactly size bytes.
func jsonRecord(i, size int) string {
	head := fmt.Sprintf(`{"id": %d, "pad": "`, i)
	return head + strings.Repeat("x", max(size-len(head)-2, 0)) + `"}`
}

func benchProducers(s *settings, r *report) {
	dir, _ := os.MkdirTemp("", "vermont-bench-")
	defer os.RemoveAll(dir)
	admin := newAdmin(s.Bootstrap)
	for si, size := range sizes {
		n := s.ProducerRecords[si]
		payload := payloadFile(dir, size, 1000)
		lines := linesFile(dir, payload, n)
		for _, comp := range []string{"none", "lz4"} {
			figs := map[string]*figure{}
			for _, tool := range []string{"vermont worker", "kafka-producer-perf-test", "kcat -P"} {
				figs[tool] = &figure{Tool: tool, Size: size, Compression: comp, Records: n}
			}
			for run := range s.Runs {
				for _, tool := range []string{"vermont worker", "kafka-producer-perf-test", "kcat -P"} {
					topic := fmt.Sprintf("bench-p-%d-%s-%d-%d", size, comp, run, time.Now().UnixNano())
					admin.createTopic(topic, s.Partitions)
					var rate float64
					switch tool {
					case "vermont worker":
						rate, figs[tool].How = produceWorker(s, admin, topic, size, comp, n)
					case "kafka-producer-perf-test":
						rate, figs[tool].How = producePerfTest(s, topic, payload, comp, n)
					case "kcat -P":
						rate, figs[tool].How = produceKcat(s, admin, topic, lines, comp, n)
					}
					admin.deleteTopic(topic)
					figs[tool].Runs = append(figs[tool].Runs, rate)
					say("producer %dB %s %-24s run %d: %.0f records/s", size, comp, tool, run+1, rate)
				}
			}
			for _, tool := range []string{"vermont worker", "kafka-producer-perf-test", "kcat -P"} {
				figs[tool].finish()
				r.Producer = append(r.Producer, *figs[tool])
			}
		}
	}
}

func linesFile(dir, payload string, n int) string {
	data, err := os.ReadFile(payload)
	if err != nil {
		fail(err.Error())
	}
	lines := bytes.SplitAfter(bytes.TrimRight(data, "\n"), []byte("\n"))
	path := filepath.Join(dir, fmt.Sprintf("lines-%d-%s", n, filepath.Base(payload)))
	f, err := os.Create(path)
	if err != nil {
		fail(err.Error())
	}
	w := bufio.NewWriter(f)
	for i := range n {
		line := lines[i%len(lines)]
		_, _ = w.Write(bytes.TrimRight(line, "\n"))
		_ = w.WriteByte('\n')
	}
	_ = w.Flush()
	_ = f.Close()
	return path
}

var compressionName = map[string]string{"none": "None", "lz4": "Lz4"}

func produceWorker(s *settings, admin *admin, topic string, size int, comp string, n int) (float64, string) {
	head := `{\"id\": {{seq}}, \"pad\": \"`
	pad := strings.Repeat("x", max(size-len(`{"id": 100000, "pad": "`)-2, 0))
	config := fmt.Sprintf(`{"mode": "produce", "kafka": {"bootstrapServers": [%q]}, "producer": {"topic": %q, "acks": "All", "compression": %q,
		"generator": {"ratePerSecond": 0, "count": %d, "value": "%s%s\"}"}}}`, s.Bootstrap, topic, compressionName[comp], n, head, pad)
	start := time.Now()
	cmd := workerCommand(s, "produce", config)
	if err := cmd.Start(); err != nil {
		fail(err.Error())
	}
	defer stopCommand(cmd)
	admin.waitEndOffsets(topic, int64(n), 5*time.Minute)
	elapsed := time.Since(start)
	return float64(n) / elapsed.Seconds(), "wall time from process start until the topic's end offsets (acks=all) reach the count"
}

func workerCommand(s *settings, mode, config string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.Bin, "worker"), mode)
	port := freePort()
	cmd.Env = append(os.Environ(), "VERMONT_WORKER_CONFIG="+config, "POD_NAME=bench-worker", "VERMONT_ADMIN_PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	return cmd
}

func stopCommand(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

var perfRate = regexp.MustCompile(`(\d+) records sent, ([\d.]+) records/sec`)

func producePerfTest(s *settings, topic, payload, comp string, n int) (float64, string) {
	out, err := exec.Command("java", "-cp", s.KafkaLibs+"/*", "-Dlog4j2.level=error", "org.apache.kafka.tools.ProducerPerformance",
		"--topic", topic, "--num-records", strconv.Itoa(n), "--throughput", "-1", "--payload-file", payload,
		"--producer-props", "bootstrap.servers="+s.Bootstrap, "acks=all", "compression.type="+comp, "linger.ms=5").CombinedOutput()
	if err != nil {
		fail(fmt.Sprintf("ProducerPerformance: %v\n%s", err, out))
	}
	m := perfRate.FindAllStringSubmatch(string(out), -1)
	if len(m) == 0 {
		fail("ProducerPerformance printed no summary:\n" + string(out))
	}
	rate, _ := strconv.ParseFloat(m[len(m)-1][2], 64)
	return rate, "the tool's own summary line (excludes JVM start), acks=all, linger.ms=5, JSON payloads from a file"
}

func produceKcat(s *settings, admin *admin, topic, lines, comp string, n int) (float64, string) {
	start := time.Now()
	out, err := exec.Command("kcat", "-P", "-b", s.Bootstrap, "-t", topic, "-X", "acks=all", "-X", "linger.ms=5", "-z", comp, "-l", lines).CombinedOutput()
	if err != nil {
		fail(fmt.Sprintf("kcat -P: %v\n%s", err, out))
	}
	admin.waitEndOffsets(topic, int64(n), time.Minute)
	return float64(n) / time.Since(start).Seconds(), "wall time of kcat -P -l FILE (it exits after every delivery report), acks=all, linger.ms=5"
}

func benchConsumers(s *settings, r *report) {
	dir, _ := os.MkdirTemp("", "vermont-bench-")
	defer os.RemoveAll(dir)
	admin := newAdmin(s.Bootstrap)
	n := s.ConsumerRecords
	topic := fmt.Sprintf("bench-c-%d", time.Now().UnixNano())
	admin.createTopic(topic, s.Partitions)
	defer admin.deleteTopic(topic)
	lines := linesFile(dir, payloadFile(dir, 1024, 1000), n)
	if out, err := exec.Command("kcat", "-P", "-b", s.Bootstrap, "-t", topic, "-X", "acks=all", "-z", "none", "-l", lines).CombinedOutput(); err != nil {
		fail(fmt.Sprintf("pre-filling: %v\n%s", err, out))
	}
	admin.waitEndOffsets(topic, int64(n), time.Minute)
	tools := []string{"vermont worker (discard sink)", "kafka-consumer-perf-test", "kcat -C -G"}
	figs := map[string]*figure{}
	for _, tool := range tools {
		figs[tool] = &figure{Tool: tool, Size: 1024, Records: n}
	}
	for run := range s.Runs {
		for _, tool := range tools {
			group := fmt.Sprintf("bench-g-%d", time.Now().UnixNano())
			var rate float64
			switch tool {
			case tools[0]:
				rate, figs[tool].How = consumeWorker(s, topic, group, n)
			case tools[1]:
				rate, figs[tool].How = consumePerfTest(s, topic, group, n)
			case tools[2]:
				rate, figs[tool].How = consumeKcat(s, topic, group, n)
			}
			figs[tool].Runs = append(figs[tool].Runs, rate)
			say("consumer 1024B %-30s run %d: %.0f records/s", tool, run+1, rate)
		}
	}
	for _, tool := range tools {
		figs[tool].finish()
		r.Consumer = append(r.Consumer, *figs[tool])
	}
}

func consumeWorker(s *settings, topic, group string, n int) (float64, string) {
	config := fmt.Sprintf(`{"mode": "consume", "kafka": {"bootstrapServers": [%q]}, "consumer": {"groupID": %q, "topics": [%q], "sink": {"discard": {}}}}`, s.Bootstrap, group, topic)
	cmd := workerCommand(s, "consume", config)
	port := strings.TrimPrefix(cmd.Env[len(cmd.Env)-1], "VERMONT_ADMIN_PORT=")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fail(err.Error())
	}
	defer stopCommand(cmd)
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		if delivered(port) >= float64(n) {
			return float64(n) / time.Since(start).Seconds(), "wall time from process start (group join included) until vermont_worker_records_delivered_total reaches the count"
		}
		time.Sleep(20 * time.Millisecond)
	}
	fail("the worker did not consume the topic within 5 minutes")
	return 0, ""
}

var deliveredLine = regexp.MustCompile(`(?m)^vermont_worker_records_delivered_total\{[^}]*\} ([\d.e+]+)$`)

func delivered(port string) float64 {
	resp, err := http.Get("http://127.0.0.1:" + port + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var total float64
	for _, m := range deliveredLine.FindAllStringSubmatch(string(body), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		total += v
	}
	return total
}

func consumePerfTest(s *settings, topic, group string, n int) (float64, string) {
	out, err := exec.Command("java", "-cp", s.KafkaLibs+"/*", "-Dlog4j2.level=error", "org.apache.kafka.tools.ConsumerPerformance",
		"--bootstrap-server", s.Bootstrap, "--topic", topic, "--num-records", strconv.Itoa(n), "--group", group, "--timeout", "60000").CombinedOutput()
	if err != nil {
		fail(fmt.Sprintf("ConsumerPerformance: %v\n%s", err, out))
	}
	// The last line is CSV: start.time, end.time, data.consumed.in.MB,
	// MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
	var rate float64
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, ",")
		if len(fields) >= 6 {
			if v, err := strconv.ParseFloat(strings.TrimSpace(fields[5]), 64); err == nil {
				rate = v
			}
		}
	}
	if rate == 0 {
		fail("ConsumerPerformance printed no summary:\n" + string(out))
	}
	return rate, "the tool's own nMsg.sec (group join included, JVM start excluded)"
}

func consumeKcat(s *settings, topic, group string, n int) (float64, string) {
	start := time.Now()
	cmd := exec.Command("kcat", "-C", "-b", s.Bootstrap, "-G", group, "-X", "auto.offset.reset=earliest", "-c", strconv.Itoa(n), "-q", "-f", "", topic)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		fail(fmt.Sprintf("kcat -C -G: %v\n%s", err, stderr.String()))
	}
	return float64(n) / time.Since(start).Seconds(), "wall time of kcat -C -G -c N (group join included)"
}

// ---- Kafka admin helpers ----------------------------------------------

type admin struct{ c *kafka.Client }

func newAdmin(bootstrap string) *admin {
	return &admin{c: &kafka.Client{Addr: kafka.TCP(strings.Split(bootstrap, ",")...), Timeout: 30 * time.Second,
		Transport: &kafka.Transport{ClientID: "vermont-bench", MetadataTTL: time.Second}}}
}

func (a *admin) createTopic(topic string, partitions int) {
	resp, err := a.c.CreateTopics(context.Background(), &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: partitions, ReplicationFactor: 1}}})
	if err == nil {
		err = resp.Errors[topic]
	}
	if err != nil {
		fail(fmt.Sprintf("creating %s: %v", topic, err))
	}
	a.endOffsets(topic, partitions) // waits for leaders
}

func (a *admin) deleteTopic(topic string) {
	_, _ = a.c.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: []string{topic}})
}

func (a *admin) endOffsets(topic string, partitions int) int64 {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
		for p := range partitions {
			req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p))
		}
		resp, err := a.c.ListOffsets(context.Background(), req)
		if err != nil {
			continue
		}
		var total int64
		ok := true
		for _, p := range resp.Topics[topic] {
			if p.Error != nil {
				ok = false
			}
			total += p.LastOffset
		}
		if ok {
			return total
		}
	}
	fail("no end offsets for " + topic)
	return 0
}

func (a *admin) waitEndOffsets(topic string, want int64, timeout time.Duration) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if a.endOffsets(topic, 6) >= want {
			return
		}
	}
	fail(fmt.Sprintf("%s did not reach %d records within %s", topic, want, timeout))
}

// ---- machine and report -------------------------------------------------

type machineInfo struct {
	CPU    string `json:"cpu"`
	Cores  int    `json:"cores"`
	Memory string `json:"memory"`
	Go     string `json:"go"`
	Java   string `json:"java"`
	Kcat   string `json:"kcat"`
}

func machine() machineInfo {
	m := machineInfo{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				m.CPU = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.Memory = strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(data), "\n", 2)[0], "MemTotal:"))
	}
	if out, err := exec.Command("java", "-version").CombinedOutput(); err == nil {
		m.Java = strings.SplitN(string(out), "\n", 2)[0]
	}
	if out, err := exec.Command("kcat", "-V").CombinedOutput(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			// "Version 1.7.1 (JSON, ..., librdkafka 2.0.2 builtin.features=...)"
			if v, rest, ok := strings.Cut(line, " ("); ok && strings.HasPrefix(v, "Version ") {
				m.Kcat = v
				if _, lib, ok := strings.Cut(rest, "librdkafka "); ok {
					m.Kcat += " (librdkafka " + strings.Fields(lib)[0] + ")"
				}
			}
		}
	}
	return m
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err.Error())
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
