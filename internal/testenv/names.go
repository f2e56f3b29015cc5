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
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

var unsafeNameChars = regexp.MustCompile(`[^a-z0-9-]+`)

// UniqueName returns a name for a Kafka topic, group or Kubernetes object
// that is unique to this test run: a DNS-1123 label (which is also a legal
// Kafka topic name) built from the prefix, the test's name and random hex.
func UniqueName(t testing.TB, prefix string) string {
	t.Helper()
	var random [4]byte
	if _, err := rand.Read(random[:]); err != nil {
		t.Fatalf("reading random bytes: %v", err)
	}
	base := strings.Trim(unsafeNameChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	const maxBase = 63 - 1 - 8 - 1 // room for the prefix separator, the random suffix and its separator
	base = prefix + "-" + base
	if len(base) > maxBase {
		base = strings.TrimRight(base[:maxBase], "-")
	}
	return base + "-" + hex.EncodeToString(random[:])
}
