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
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// LookTool returns the path of a command-line client the tests drive (kcat,
// kubectl, a Python with kafka-python). When it is missing the test is
// skipped on a laptop, but fails when a real broker is required (in CI),
// because there the client must be installed by .ci/run.
func LookTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	missingTool(t, name, err)
	return ""
}

// KafkaPython returns a Python interpreter that can import kafka-python (the
// client of the tutorial Vermont grew from; Debian package python3-kafka,
// which installs into the system Python, not into a pyenv or venv one).
// lz4 is required too: the worker compresses with Lz4 by default. Missing,
// it skips or fails the test as LookTool does.
func KafkaPython(t testing.TB) string {
	t.Helper()
	var lastErr error
	for _, candidate := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(candidate)
		if err != nil {
			lastErr = err
			continue
		}
		out, err := exec.Command(path, "-c", "import kafka, lz4").CombinedOutput()
		if err == nil {
			return path
		}
		lastErr = fmt.Errorf("%s: %w: %s", path, err, out)
	}
	missingTool(t, "kafka-python with lz4 (Debian: python3-kafka python3-lz4)", lastErr)
	return ""
}

func missingTool(t testing.TB, name string, err error) {
	t.Helper()
	if os.Getenv(EnvRequireRealKafka) == "1" {
		t.Fatalf("%s is required (%s=1) but not installed: %v", name, EnvRequireRealKafka, err)
	}
	t.Skipf("%s not installed; skipping (CI installs it)", name)
}
