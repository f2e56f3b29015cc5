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

// Package testenv is the one helper every integration test uses: a real
// kube-apiserver (envtest, from the binaries `make envtest-assets` builds) and
// a Kafka cluster (KAFKA_BOOTSTRAP, or an in-process broker on a laptop).
//
// A test package starts both once in TestMain and shares them:
//
//	var (
//		kube *testenv.Kubernetes
//		kfk  *testenv.Kafka
//	)
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &kube, &kfk)) }
package testenv
