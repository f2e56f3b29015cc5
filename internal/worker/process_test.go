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

package worker_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vermont-io/kafka-operator/internal/testenv"
	"github.com/vermont-io/kafka-operator/internal/worker"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// workerProcess is the real worker binary, run as the process kubelet will.
type workerProcess struct {
	cmd       *exec.Cmd
	adminPort int
	logFile   string
	exited    chan struct{}
	exitErr   error
}

func startConsumerProcess(t *testing.T, configJSON, pod string) *workerProcess {
	t.Helper()
	p := &workerProcess{adminPort: testenv.FreePort(t), exited: make(chan struct{})}
	p.logFile = filepath.Join(t.TempDir(), pod+".log")
	logs, err := os.Create(p.logFile)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(testenv.Binary(t, "worker"), "consume")
	p.cmd.Env = append(os.Environ(),
		workerconfig.EnvConfig+"="+configJSON,
		workerconfig.EnvPodName+"="+pod,
		workerconfig.EnvAdminPort+"="+strconv.Itoa(p.adminPort),
	)
	p.cmd.Stdout, p.cmd.Stderr = logs, logs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting the worker: %v", err)
	}
	go func() {
		p.exitErr = p.cmd.Wait()
		_ = logs.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			out, _ := os.ReadFile(p.logFile)
			t.Logf("%s logs:\n%s", pod, out)
		}
	})
	return p
}

func (p *workerProcess) waitReady(t *testing.T) {
	t.Helper()
	testenv.Eventually(t, 60*time.Second, func() error {
		select {
		case <-p.exited:
			return fmt.Errorf("worker exited: %w", p.exitErr)
		default:
		}
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", p.adminPort))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(resp.Body)
			return fmt.Errorf("/readyz %s: %s", resp.Status, body)
		}
		return nil
	})
}

// recordingServer is an HTTP sink receiver run by the test: it counts each
// record by the Kafka-Partition and Kafka-Offset headers (the
// de-duplication key the sink promises), and answers as respond says.
type recordingServer struct {
	*httptest.Server
	mu       sync.Mutex
	seen     map[string]int
	requests int
	headers  []http.Header
	respond  func(n int, body []byte) int
}

func newRecordingServer(t *testing.T, respond func(n int, body []byte) int) *recordingServer {
	s := &recordingServer{seen: map[string]int{}, respond: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.requests++
		n := s.requests
		s.mu.Unlock()
		status := http.StatusOK
		if s.respond != nil {
			status = s.respond(n, body)
		}
		if status/100 == 2 {
			s.mu.Lock()
			s.seen[r.Header.Get(worker.HeaderPartition)+"@"+r.Header.Get(worker.HeaderOffset)]++
			s.headers = append(s.headers, r.Header.Clone())
			s.mu.Unlock()
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *recordingServer) counts() (unique, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.seen {
		unique++
		total += n
	}
	return unique, total
}

func consumeHTTPConfig(topic, group, url string, extra string) string {
	return fmt.Sprintf(`{"mode": "consume", "kafka": {"bootstrapServers": %s}, "consumer": {"groupID": %q, "topics": [%q],
		"maxRetries": 3, "backoffInitial": "10ms", "backoffMax": "100ms", "drainTimeout": "10s",
		"sink": {"http": {"url": %q, "timeout": "2s"}} %s}}`, bootstrapJSON(), group, topic, url, extra)
}

// TestConsumerSurvivesKill9: one of two worker processes is killed with
// SIGKILL mid-stream and a new one started; every record still reaches the
// sink.
func TestConsumerSurvivesKill9(t *testing.T) {
	const total = 20_000
	topic := kfk.CreateTopic(t, 6)
	group := testenv.UniqueName(t, "group")
	server := newRecordingServer(t, nil)
	config := consumeHTTPConfig(topic, group, server.URL, "")

	victim := startConsumerProcess(t, config, "worker-a")
	other := startConsumerProcess(t, config, "worker-b")
	victim.waitReady(t)
	other.waitReady(t)
	kfk.Produce(t, topic, keyedRecords(total)...)
	testenv.Eventually(t, 60*time.Second, func() error {
		if unique, _ := server.counts(); unique < total/10 {
			return fmt.Errorf("%d records delivered", unique)
		}
		return nil
	})
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.exited
	killedAt := time.Now()
	startConsumerProcess(t, config, "worker-a2")
	testenv.Eventually(t, 120*time.Second, func() error {
		if unique, _ := server.counts(); unique < total {
			return fmt.Errorf("%d of %d records delivered", unique, total)
		}
		return nil
	})
	unique, all := server.counts()
	t.Logf("kill -9: %d records, %d lost, %d duplicates; all delivered %s after the kill", total, total-unique, all-unique, time.Since(killedAt).Round(100*time.Millisecond))
}

// TestConsumerSIGTERM: on SIGTERM the worker drains, commits, leaves the
// group (which is Empty at once, not after the session timeout) and exits 0.
func TestConsumerSIGTERM(t *testing.T) {
	const total = 2_000
	topic := kfk.CreateTopic(t, 3)
	group := testenv.UniqueName(t, "group")
	server := newRecordingServer(t, nil)
	kfk.Produce(t, topic, keyedRecords(total)...)

	p := startConsumerProcess(t, consumeHTTPConfig(topic, group, server.URL, ""), "worker-term")
	testenv.Eventually(t, 60*time.Second, func() error {
		if unique, _ := server.counts(); unique < total {
			return fmt.Errorf("%d of %d delivered", unique, total)
		}
		return nil
	})
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("the worker did not exit within 20 s of SIGTERM")
	}
	if p.exitErr != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", p.exitErr)
	}
	exitedAfter := time.Since(sent)

	// The session timeout is 10 s: an Empty group within 3 s means the
	// worker left, rather than being evicted.
	testenv.Eventually(t, 3*time.Second, func() error {
		state, members, err := kfk.GroupState(t.Context(), group)
		if err != nil || state != "Empty" || members != 0 {
			return fmt.Errorf("group %s: state %q with %d members (%w)", group, state, members, err)
		}
		return nil
	})
	committed := kfk.CommittedOffsets(t, group, topic)
	for partition, end := range kfk.EndOffsets(t, topic) {
		if committed[partition] != end {
			t.Fatalf("partition %d: committed %d, want %d (every delivered record)", partition, committed[partition], end)
		}
	}
	t.Logf("exited 0 %s after SIGTERM; group Empty; offsets committed", exitedAfter.Round(time.Millisecond))
}

// TestHTTPSinkRetriesUntilTheReceiverRecovers: the receiver answers 500 to
// its first 8 requests; every record is delivered once it recovers, with
// the Kafka-* headers, and the offsets are committed.
func TestHTTPSinkRetriesUntilTheReceiverRecovers(t *testing.T) {
	const total = 20
	topic := kfk.CreateTopic(t, 1)
	group := testenv.UniqueName(t, "group")
	server := newRecordingServer(t, func(n int, _ []byte) int {
		if n <= 8 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	kfk.Produce(t, topic, keyedRecords(total)...)
	startWorker(t, consumeHTTPConfig(topic, group, server.URL, `, "maxRetries": 20`), nil)
	testenv.Eventually(t, 30*time.Second, func() error {
		if unique, _ := server.counts(); unique < total {
			return fmt.Errorf("%d of %d delivered", unique, total)
		}
		return nil
	})
	server.mu.Lock()
	h := server.headers[0]
	server.mu.Unlock()
	if h.Get(worker.HeaderTopic) != topic || h.Get(worker.HeaderPartition) != "0" || h.Get(worker.HeaderOffset) != "0" || h.Get(worker.HeaderKey) != "k000000" {
		t.Fatalf("first delivery headers: %v", h)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if c := kfk.CommittedOffsets(t, group, topic)[0]; c != total {
			return fmt.Errorf("committed %d, want %d", c, total)
		}
		return nil
	})
}

// TestHTTPSinkDeadLettersPermanentFailures: the receiver refuses one record
// with 400; it goes to the dead-letter topic with headers saying why, the
// others are delivered, and the offsets move past it.
func TestHTTPSinkDeadLettersPermanentFailures(t *testing.T) {
	const total = 10
	topic := kfk.CreateTopic(t, 1)
	dlq := kfk.CreateTopic(t, 1)
	group := testenv.UniqueName(t, "group")
	server := newRecordingServer(t, func(_ int, body []byte) int {
		if string(body) == `{"i": 4}` {
			return http.StatusBadRequest
		}
		return http.StatusOK
	})
	kfk.Produce(t, topic, keyedRecords(total)...)
	startWorker(t, consumeHTTPConfig(topic, group, server.URL, fmt.Sprintf(`, "deadLetterTopic": %q`, dlq)), nil)

	testenv.Eventually(t, 30*time.Second, func() error {
		if c := kfk.CommittedOffsets(t, group, topic)[0]; c != total {
			return fmt.Errorf("committed %d, want %d", c, total)
		}
		return nil
	})
	if unique, _ := server.counts(); unique != total-1 {
		t.Fatalf("%d records delivered, want %d (all but the refused one)", unique, total-1)
	}
	letters := kfk.ReadAll(t, dlq)
	if len(letters) != 1 || string(letters[0].Value) != `{"i": 4}` || string(letters[0].Key) != "k000004" {
		t.Fatalf("dead-letter topic holds %d records: %+v", len(letters), letters)
	}
	headers := map[string]string{}
	for _, h := range letters[0].Headers {
		headers[h.Key] = string(h.Value)
	}
	if headers[worker.HeaderDLQTopic] != topic || headers[worker.HeaderDLQPartition] != "0" || headers[worker.HeaderDLQOffset] != "4" ||
		headers[worker.HeaderDLQGroup] != group || headers[worker.HeaderDLQAttempts] != "1" || headers[worker.HeaderDLQReason] == "" {
		t.Fatalf("dead letter headers: %v", headers)
	}
}

// TestHTTPSinkStopsPartitionWithoutDeadLetterTopic: without a dead-letter
// topic the refused record stops its partition: nothing after it is
// delivered, its offset stays uncommitted, and /readyz says why.
func TestHTTPSinkStopsPartitionWithoutDeadLetterTopic(t *testing.T) {
	const total = 10
	topic := kfk.CreateTopic(t, 1)
	group := testenv.UniqueName(t, "group")
	server := newRecordingServer(t, func(_ int, body []byte) int {
		if string(body) == `{"i": 4}` {
			return http.StatusUnprocessableEntity
		}
		return http.StatusOK
	})
	kfk.Produce(t, topic, keyedRecords(total)...)
	w := startWorker(t, consumeHTTPConfig(topic, group, server.URL, ""), nil)

	testenv.Eventually(t, 30*time.Second, func() error {
		err := w.ready()
		if err == nil {
			return fmt.Errorf("/readyz is still 200")
		}
		var body struct {
			StoppedPartitions []struct{ Partition, Reason string } `json:"stoppedPartitions"`
		}
		resp, herr := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", w.adminPort))
		if herr != nil {
			return herr
		}
		defer resp.Body.Close()
		if derr := json.NewDecoder(resp.Body).Decode(&body); derr != nil || len(body.StoppedPartitions) != 1 || body.StoppedPartitions[0].Partition != topic+"/0" {
			return fmt.Errorf("/readyz does not report the stopped partition: %+v (%w)", body, derr)
		}
		return nil
	})
	testenv.Eventually(t, 10*time.Second, func() error {
		if c := kfk.CommittedOffsets(t, group, topic)[0]; c != 4 {
			return fmt.Errorf("committed %d, want 4 (the refused record's offset)", c)
		}
		return nil
	})
	if unique, _ := server.counts(); unique != 4 {
		t.Fatalf("%d records delivered, want 4 (those before the refused one)", unique)
	}
}

// TestHTTPSinkTwoMinuteOutage: the receiver answers 500 for two minutes,
// then recovers. Nothing is committed while nothing is delivered, and every
// record arrives after the recovery, without a restart.
func TestHTTPSinkTwoMinuteOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("a two-minute outage")
	}
	const total, outage = 300, 2 * time.Minute
	topic := kfk.CreateTopic(t, 3)
	group := testenv.UniqueName(t, "group")
	kfk.Produce(t, topic, keyedRecords(total)...)
	var recoveredAt atomic.Int64 // unix nanos of the first acknowledged request
	start := time.Now()
	server := newRecordingServer(t, func(int, []byte) int {
		if time.Since(start) < outage {
			return http.StatusInternalServerError
		}
		recoveredAt.CompareAndSwap(0, time.Now().UnixNano())
		return http.StatusOK
	})
	startWorker(t, consumeHTTPConfig(topic, group, server.URL, `, "maxRetries": 1000, "backoffInitial": "100ms", "backoffMax": "5s"`), nil)

	// During the outage nothing may be committed: every record is undelivered.
	for time.Since(start) < outage-5*time.Second {
		for p, c := range kfk.CommittedOffsets(t, group, topic) {
			if c > 0 {
				t.Fatalf("partition %d committed %d during the outage, past undelivered records", p, c)
			}
		}
		if unique, _ := server.counts(); unique != 0 {
			t.Fatalf("%d records acknowledged during the outage", unique)
		}
		time.Sleep(5 * time.Second) // sampling the outage, not synchronizing
	}
	testenv.Eventually(t, 60*time.Second, func() error {
		if unique, _ := server.counts(); unique < total {
			return fmt.Errorf("%d of %d delivered after the outage", unique, total)
		}
		committed := kfk.CommittedOffsets(t, group, topic)
		for p, end := range kfk.EndOffsets(t, topic) {
			if committed[p] != end {
				return fmt.Errorf("partition %d committed %d of %d", p, committed[p], end)
			}
		}
		return nil
	})
	unique, all := server.counts()
	t.Logf("two-minute sink outage: %d records, %d lost, %d duplicates; all delivered and committed %s after the sink recovered",
		total, total-unique, all-unique, time.Since(time.Unix(0, recoveredAt.Load())).Round(100*time.Millisecond))
}
