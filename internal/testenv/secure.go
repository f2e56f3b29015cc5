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
	"os"
	"testing"
)

// SecureKafka describes the secure listeners of the broker hack/kafka.sh
// runs (`hack/kafka.sh secure-env`): SASL over TLS, TLS only and SASL in
// clear, a CA and a test user.
type SecureKafka struct {
	SASLSSL, SSL, SASLPlaintext string
	CAPEM                       string
	Username, Password          string
}

// Secure returns the secure listeners from the environment. Without them the
// test is skipped on a laptop and fails in CI, where .ci/run exports them.
func Secure(t testing.TB) SecureKafka {
	t.Helper()
	s := SecureKafka{
		SASLSSL: os.Getenv("KAFKA_SASL_SSL_BOOTSTRAP"), SSL: os.Getenv("KAFKA_SSL_BOOTSTRAP"),
		SASLPlaintext: os.Getenv("KAFKA_SASL_PLAINTEXT_BOOTSTRAP"),
		Username:      os.Getenv("KAFKA_SASL_USERNAME"), Password: os.Getenv("KAFKA_SASL_PASSWORD"),
	}
	if s.SASLSSL == "" || s.Password == "" {
		missingTool(t, "the broker's secure listeners (export $(hack/kafka.sh secure-env))", nil)
	}
	ca, err := os.ReadFile(os.Getenv("KAFKA_TLS_CA_FILE"))
	if err != nil {
		t.Fatalf("reading KAFKA_TLS_CA_FILE: %v", err)
	}
	s.CAPEM = string(ca)
	return s
}
