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
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce  sync.Once
	buildDir   string
	buildErr   error
	builtPaths map[string]string
)

// BuildCommands builds the worker and manager commands of this repository
// into dir and returns their paths by name.
func BuildCommands(dir string) (map[string]string, error) {
	paths := map[string]string{}
	for _, cmd := range []string{"worker", "manager"} {
		path := filepath.Join(dir, cmd)
		build := exec.Command("go", "build", "-o", path, "./cmd/"+cmd)
		build.Dir = RepoRoot()
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building %s: %w\n%s", cmd, err, out)
		}
		paths[cmd] = path
	}
	return paths, nil
}

// Binary builds the commands of this repository (for example "worker") once
// per test process and returns the path of one. The binaries live in a
// temporary directory that Main removes when the tests end.
func Binary(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "vermont-bin-"); buildErr == nil {
			builtPaths, buildErr = BuildCommands(buildDir)
		}
	})
	if buildErr != nil {
		t.Fatalf("building the binaries: %v", buildErr)
	}
	path, ok := builtPaths[name]
	if !ok {
		t.Fatalf("no command %q in cmd/", name)
	}
	return path
}

// RemoveBuilds deletes the binaries Binary built; Main calls it.
func RemoveBuilds() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}
