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
	"testing"
)

// Main starts what a test package needs, runs its tests and stops everything
// it started, whatever the outcome. A nil pointer asks for nothing: pass nil
// for kube or kfk when the package does not use it. Each setup runs once the
// rest is up (a manager, say); the stop it returns runs before the rest
// stops. It returns the exit code.
func Main(m *testing.M, kube **Kubernetes, kfk **Kafka, setups ...func() (stop func(), err error)) int {
	defer RemoveBuilds()
	if kfk != nil {
		k, err := StartKafka()
		if err != nil {
			fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
			return 1
		}
		defer k.Stop()
		*kfk = k
	}
	if kube != nil {
		k, err := StartKubernetes()
		if err != nil {
			fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
			return 1
		}
		defer func() {
			if err := k.Stop(); err != nil {
				fmt.Fprintf(os.Stderr, "testenv: stopping kube-apiserver: %v\n", err)
			}
		}()
		*kube = k
	}
	for _, setup := range setups {
		stop, err := setup()
		if err != nil {
			fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
			return 1
		}
		defer stop()
	}
	return m.Run()
}
