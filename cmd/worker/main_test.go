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
	"bytes"
	"strings"
	"testing"

	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for _, want := range []string{"worker produce|consume", "VERMONT_WORKER_CONFIG", "POD_NAME", "/readyz"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
}

// TestBadConfigExitsTwoWithOneLine: a bad configuration is exit code 2 and
// one line naming the field, no stack trace.
func TestBadConfigExitsTwoWithOneLine(t *testing.T) {
	for _, tt := range []struct{ name, args, config, want string }{
		{"no config", "consume", "", "set VERMONT_WORKER_CONFIG or pass --config FILE"},
		{"bad field", "consume", `{"mode": "consume", "kafka": {"bootstrapServers": ["kafka"]}, "consumer": {"groupID": "g", "topics": ["t"], "sink": {"log": {}}}}`, "kafka.bootstrapServers[0]: must be host:port"},
		{"mode mismatch", "produce", `{"mode": "consume", "kafka": {"bootstrapServers": ["k:1"]}, "consumer": {"groupID": "g", "topics": ["t"], "sink": {"log": {}}}}`, `mode: the configuration is for "consume" but the command is "produce"`},
		{"unknown command", "serve", "", `unknown command "serve"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(workerconfig.EnvConfig, tt.config)
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), strings.Fields(tt.args), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tt.want)
			}
			if tt.name != "unknown command" && strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
				t.Fatalf("more than one line: %q", stderr.String())
			}
		})
	}
}
