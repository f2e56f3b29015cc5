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

package v1alpha1_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/testenv"
)

var samplesDir = filepath.Join(testenv.RepoRoot(), "config", "samples")

// TestSamplesAreAccepted creates every object of every sample file as written.
func TestSamplesAreAccepted(t *testing.T) {
	ns := newNamespace(t)
	files, err := filepath.Glob(filepath.Join(samplesDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, file := range files {
		for _, obj := range readObjects(t, file) {
			obj.SetNamespace(ns)
			if err := kube.Client.Create(t.Context(), obj); err != nil {
				t.Errorf("%s: %s %s refused: %v", filepath.Base(file), obj.GetKind(), obj.GetName(), err)
			}
			kinds[obj.GetKind()]++
		}
	}
	if kinds["KafkaProducer"] < 3 || kinds["KafkaConsumerGroup"] < 3 {
		t.Fatalf("samples hold %v; want at least 3 producers and 3 consumer groups", kinds)
	}
}

// TestKubectl drives the API with the machine's real kubectl, as a user would.
func TestKubectl(t *testing.T) {
	kubectlPath := testenv.LookTool(t, "kubectl")
	ns := newNamespace(t)
	kubeconfig := adminKubeconfig(t)
	kubectl := func(args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), kubectlPath, append([]string{"--kubeconfig", kubeconfig, "-n", ns}, args...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	mustKubectl := func(args ...string) string {
		t.Helper()
		out, err := kubectl(args...)
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	mustKubectl("apply", "-f", samplesDir+"/")

	out := mustKubectl("get", "kafka")
	for _, want := range []string{
		"kafkaproducer.kafka.vermont.io/orders-generator", "kafkaconsumergroup.kafka.vermont.io/orders-audit",
		"TOPIC", "DESIRED", "READY", "LAG", "STATE", "STATUS", "AGE",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl get kafka does not show %q:\n%s", want, out)
		}
	}
	if out := mustKubectl("get", "kcg", "-o", "wide"); !strings.Contains(out, "TOPICS") || !strings.Contains(out, `["orders"]`) {
		t.Errorf("kubectl get kcg -o wide does not show the topics:\n%s", out)
	}

	out = mustKubectl("explain", "kafkaconsumergroup.spec.autoscaling")
	for _, want := range []string{"lagPerReplica", "ceil(total lag / lagPerReplica)", "scaleDownStabilization", "allowIdleConsumers"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl explain does not document %q:\n%s", want, out)
		}
	}

	mustKubectl("scale", "kcg", "orders-webhook", "--replicas=3")
	var group kafkav1alpha1.KafkaConsumerGroup
	if err := kube.Client.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: "orders-webhook"}, &group); err != nil {
		t.Fatal(err)
	}
	if group.Spec.Replicas == nil || *group.Spec.Replicas != 3 {
		t.Fatalf("after kubectl scale --replicas=3, spec.replicas = %v", group.Spec.Replicas)
	}

	out, err := kubectl("scale", "kcg", "orders-audit", "--replicas=3")
	if err == nil || !strings.Contains(out, "edit spec.autoscaling.minReplicas and maxReplicas instead") {
		t.Fatalf("kubectl scale on an autoscaled group: err %v, output:\n%s\nwant it refused with the CEL message", err, out)
	}
}

// adminKubeconfig writes a kubeconfig for an administrator of the test API
// server and returns its path.
func adminKubeconfig(t *testing.T) string {
	t.Helper()
	user, err := kube.Env.AddUser(envtest.User{Name: "vermont-test-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatalf("adding a user: %v", err)
	}
	config, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, config, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readObjects decodes every object of a multi-document YAML file.
func readObjects(t *testing.T, file string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		if err := decoder.Decode(&obj.Object); err != nil {
			if err.Error() == "EOF" {
				return objs
			}
			t.Fatalf("%s: %v", file, err)
		}
		if len(obj.Object) > 0 {
			objs = append(objs, obj)
		}
	}
}
