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

package testenv

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Broker is an Apache Kafka broker of a test's own, run by hack/kafka.sh on
// free ports. Faults such as a broker outage go to it, never to the broker
// the other tests (and packages running in parallel) share.
type Broker struct {
	*Kafka
	env []string
}

// StartBroker starts a broker of the test's own and stops it, removing its
// data, when the test ends. It needs Java (and the Kafka jars hack/kafka.sh
// fetches from Maven Central); without Java it skips on a laptop and fails
// where a real broker is required.
func StartBroker(t testing.TB) *Broker {
	t.Helper()
	if _, err := exec.LookPath("java"); err != nil {
		missingTool(t, "java (for a broker of the test's own)", err)
	}
	port := FreePort(t)
	b := &Broker{env: []string{
		fmt.Sprintf("KAFKA_PORT=%d", port),
		fmt.Sprintf("KAFKA_CONTROLLER_PORT=%d", FreePort(t)),
		fmt.Sprintf("KAFKA_SASL_SSL_PORT=%d", FreePort(t)),
		fmt.Sprintf("KAFKA_SSL_PORT=%d", FreePort(t)),
		fmt.Sprintf("KAFKA_SASL_PLAINTEXT_PORT=%d", FreePort(t)),
		"KAFKA_HEAP=-Xms128m -Xmx512m",
	}}
	t.Cleanup(func() {
		if out, err := b.script("stop"); err != nil {
			t.Errorf("stopping the test's broker: %v\n%s", err, out)
		}
	})
	if out, err := b.script("start"); err != nil {
		t.Fatalf("starting a broker of the test's own: %v\n%s", err, out)
	}
	bootstrap := []string{fmt.Sprintf("127.0.0.1:%d", port)}
	b.Kafka = &Kafka{Bootstrap: bootstrap, client: newAdminClient(bootstrap)}
	if err := b.waitReachable(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	return b
}

// Halt stops the broker gracefully and keeps its data: an outage.
func (b *Broker) Halt(t testing.TB) {
	t.Helper()
	if out, err := b.script("halt"); err != nil {
		t.Fatalf("halting the test's broker: %v\n%s", err, out)
	}
}

// Resume starts the halted broker again on its data and returns once it
// serves clients.
func (b *Broker) Resume(t testing.TB) {
	t.Helper()
	if out, err := b.script("resume"); err != nil {
		t.Fatalf("resuming the test's broker: %v\n%s", err, out)
	}
	if err := b.waitReachable(30 * time.Second); err != nil {
		t.Fatal(err)
	}
}

func (b *Broker) script(command string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(RepoRoot(), "hack", "kafka.sh"), command)
	cmd.Env = append(cmd.Environ(), b.env...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
