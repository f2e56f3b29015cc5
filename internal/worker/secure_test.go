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
	"bufio"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vermont-io/kafka-operator/internal/testenv"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// TestWorkerThroughSecureListeners: the worker produces and consumes through
// each secure listener of the real broker, with credentials and the CA from
// the environment, and never logs the password.
func TestWorkerThroughSecureListeners(t *testing.T) {
	sec := testenv.Secure(t)
	for _, tc := range []struct {
		name, bootstrap, connection string
	}{
		{"SASL_SSL SCRAM-SHA-512", sec.SASLSSL, `"tls": {"ca": true}, "sasl": {"mechanism": "SCRAM-SHA-512"}`},
		{"SASL_SSL PLAIN", sec.SASLSSL, `"tls": {"ca": true}, "sasl": {"mechanism": "PLAIN"}`},
		{"SSL", sec.SSL, `"tls": {"ca": true}`},
		{"SASL_PLAINTEXT SCRAM-SHA-256", sec.SASLPlaintext, `"sasl": {"mechanism": "SCRAM-SHA-256"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := kfk.CreateTopic(t, 2)
			env := map[string]string{
				workerconfig.EnvPrefixKafka + workerconfig.EnvSuffixSASLUsername: sec.Username,
				workerconfig.EnvPrefixKafka + workerconfig.EnvSuffixSASLPassword: sec.Password,
				workerconfig.EnvPrefixKafka + workerconfig.EnvSuffixTLSCA:        sec.CAPEM,
			}
			conn := fmt.Sprintf(`{"bootstrapServers": [%q], %s}`, tc.bootstrap, tc.connection)
			producer := startWorker(t, fmt.Sprintf(`{"mode": "produce", "kafka": %s, "producer": {"topic": %q,
				"generator": {"ratePerSecond": 0, "count": 10, "value": "{\"n\": {{seq}}}"}}}`, conn, topic), env)
			consumer := startWorker(t, fmt.Sprintf(`{"mode": "consume", "kafka": %s, "consumer": {"groupID": %q, "topics": [%q],
				"sink": {"log": {}}}}`, conn, testenv.UniqueName(t, "group"), topic), env)
			testenv.Eventually(t, 60*time.Second, func() error {
				n := 0
				for s := bufio.NewScanner(strings.NewReader(consumer.stdout.String())); s.Scan(); {
					n++
				}
				if n < 10 {
					return fmt.Errorf("%d of 10 records consumed through %s", n, tc.name)
				}
				return nil
			})
			for _, w := range []*inProcessWorker{producer, consumer} {
				if strings.Contains(w.logs.String(), sec.Password) {
					t.Fatal("a worker logged the password")
				}
			}
		})
	}
}

// TestWorkerWrongPasswordExitsClearly: with a wrong password the consumer
// stops with an error that says what to fix, without the password.
func TestWorkerWrongPasswordExitsClearly(t *testing.T) {
	sec := testenv.Secure(t)
	const wrong = "not-the-password-4711"
	w := startWorker(t, fmt.Sprintf(`{"mode": "consume", "kafka": {"bootstrapServers": [%q], "sasl": {"mechanism": "SCRAM-SHA-512"}},
		"consumer": {"groupID": "g", "topics": ["orders"], "sink": {"discard": {}}}}`, sec.SASLPlaintext), map[string]string{
		workerconfig.EnvPrefixKafka + workerconfig.EnvSuffixSASLUsername: sec.Username,
		workerconfig.EnvPrefixKafka + workerconfig.EnvSuffixSASLPassword: wrong,
	})
	select {
	case err := <-w.done:
		w.done <- err // for the cleanup's stop
		if err == nil || !strings.Contains(err.Error(), "SASL authentication failed") || !strings.Contains(err.Error(), "username and password") {
			t.Fatalf("error %v; want one that names SASL authentication and the credentials to check", err)
		}
		if strings.Contains(err.Error(), wrong) || strings.Contains(w.logs.String(), wrong) {
			t.Fatal("the password appears in the error or the logs")
		}
		t.Logf("worker stopped with: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("the worker kept running with a wrong password")
	}
}
