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

package localcluster

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestResourceFieldValue: downward-API resource references resolve as a
// kubelet resolves them (divided by the divisor, rounded up).
func TestResourceFieldValue(t *testing.T) {
	c := corev1.Container{Name: "worker", Resources: corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi"), corev1.ResourceCPU: resource.MustParse("1500m")},
		Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
	}}
	for _, tc := range []struct {
		resource, divisor, want string
	}{
		{"limits.memory", "", "134217728"},
		{"limits.memory", "1Mi", "128"},
		{"requests.memory", "1Gi", "1"},
		{"limits.cpu", "", "2"},
		{"limits.cpu", "1m", "1500"},
		{"requests.cpu", "", "error"},
		{"limits.ephemeral-storage", "", "error"},
	} {
		ref := &corev1.ResourceFieldSelector{ContainerName: "worker", Resource: tc.resource}
		if tc.divisor != "" {
			ref.Divisor = resource.MustParse(tc.divisor)
		}
		got, err := resourceFieldValue(c, ref)
		if tc.want == "error" {
			if err == nil {
				t.Errorf("%s: %q, want an error", tc.resource, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s / %s: %q (%v), want %s", tc.resource, tc.divisor, got, err, tc.want)
		}
	}
}
