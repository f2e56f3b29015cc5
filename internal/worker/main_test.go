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
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vermont-io/kafka-operator/internal/testenv"
	"github.com/vermont-io/kafka-operator/internal/worker"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

var kfk *testenv.Kafka

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, nil, &kfk)) }

// syncBuffer is a bytes.Buffer safe for the worker's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// inProcessWorker is worker.Run in a goroutine, as cmd/worker runs it.
type inProcessWorker struct {
	adminPort int
	stdout    *syncBuffer
	logs      *syncBuffer
	cancel    context.CancelFunc
	done      chan error
}

// startWorker runs a worker with the JSON config and extra environment. It
// is stopped (as by SIGTERM) when the test ends, and its logs are printed
// if the test failed.
func startWorker(t *testing.T, configJSON string, extraEnv map[string]string) *inProcessWorker {
	t.Helper()
	env := map[string]string{
		workerconfig.EnvAdminPort: strconv.Itoa(testenv.FreePort(t)),
		workerconfig.EnvPodName:   testenv.UniqueName(t, "pod"),
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	getenv := func(k string) string { return env[k] }
	cfg, err := workerconfig.Parse([]byte(configJSON), getenv)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	w := &inProcessWorker{adminPort: cfg.AdminPort, stdout: &syncBuffer{}, logs: &syncBuffer{}, done: make(chan error, 1)}
	var ctx context.Context
	ctx, w.cancel = context.WithCancel(context.Background())
	environ := func() []string {
		var out []string
		for k, v := range env {
			out = append(out, k+"="+v)
		}
		return out
	}
	go func() {
		w.done <- worker.Run(ctx, cfg, worker.Env{
			Getenv: getenv, Environ: environ, Stdout: w.stdout,
			Log: slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
	}()
	t.Cleanup(func() {
		_ = w.stop(30 * time.Second)
		if t.Failed() {
			t.Logf("worker logs:\n%s", w.logs.String())
		}
	})
	return w
}

// stop cancels the worker's context, as SIGTERM does, and waits for Run.
func (w *inProcessWorker) stop(timeout time.Duration) error {
	w.cancel()
	select {
	case err, ok := <-w.done:
		if ok {
			close(w.done)
		}
		return err
	case <-time.After(timeout):
		return fmt.Errorf("worker did not stop within %s", timeout)
	}
}

// waitReady polls /readyz until it answers 200.
func (w *inProcessWorker) waitReady(t *testing.T) {
	t.Helper()
	testenv.Eventually(t, 60*time.Second, func() error { return w.ready() })
}

func (w *inProcessWorker) ready() error {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", w.adminPort))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz: %s %s", resp.Status, body)
	}
	return nil
}

func bootstrapJSON() string {
	out := "["
	for i, b := range kfk.Bootstrap {
		if i > 0 {
			out += ","
		}
		out += strconv.Quote(b)
	}
	return out + "]"
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
