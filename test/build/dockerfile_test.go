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

// Package build_test checks the image recipe without a container engine:
// the Dockerfile's build commands produce static binaries that run on
// distroless/static, which has no libc.
package build_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/vermont-io/kafka-operator/internal/testenv"
)

// TestDockerfileBuildsStaticBinaries runs the Dockerfile's go build commands
// (CGO_ENABLED=0, as the RUN line has them) and checks that each binary has
// no ELF interpreter, that is, needs no dynamic loader, and lands where the
// final stage copies it from.
func TestDockerfileBuildsStaticBinaries(t *testing.T) {
	root := testenv.RepoRoot()
	dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	builds := regexp.MustCompile(`CGO_ENABLED=0 [^&\n]*? go build [^&\n]*? -o /out/(\w+) \./cmd/\w+`).FindAllStringSubmatch(string(dockerfile), -1)
	if len(builds) != 2 {
		t.Fatalf("found %d static go build commands in the Dockerfile, want 2 (manager and worker)", len(builds))
	}
	out := t.TempDir()
	for _, b := range builds {
		command, name := b[0], b[1]
		if !strings.Contains(string(dockerfile), "COPY --from=build /out/"+name+" /"+name) {
			t.Errorf("the final stage does not copy /out/%s to /%s", name, name)
		}
		// Run the Dockerfile's own command, with its /out/ moved to a temp dir.
		cmd := exec.CommandContext(t.Context(), "sh", "-c", strings.Replace(command, "/out/", out+"/", 1))
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "TARGETOS="+runtime.GOOS, "TARGETARCH="+runtime.GOARCH)
		if output, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", command, err, output)
		}
		bin, err := elf.Open(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, prog := range bin.Progs {
			if prog.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked: it would not start on distroless/static", name)
			}
		}
		_ = bin.Close()
	}
}
