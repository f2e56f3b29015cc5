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

package v1alpha1

import corev1 "k8s.io/api/core/v1"

// WorkerSpec overrides the worker pods the operator creates.
type WorkerSpec struct {
	// image is the worker image. Defaults to the image the operator was
	// installed with (its WORKER_IMAGE).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	Image string `json:"image,omitempty"`

	// imagePullPolicy is the pull policy of the worker image.
	// +optional
	// +kubebuilder:validation:Enum=Always;Never;IfNotPresent
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`

	// resources are the worker container's compute resource requests and limits.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// env adds environment variables to the worker container. Names starting
	// with VERMONT_ and POD_NAME are set by the operator and cannot be used.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:XValidation:rule="self.all(e, !e.name.startsWith('VERMONT_') && e.name != 'POD_NAME')",message="env names starting with VERMONT_ and POD_NAME are reserved for the operator: rename the variable"
	Env []corev1.EnvVar `json:"env,omitempty"`

	// nodeSelector constrains the worker pods to nodes with these labels.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// tolerations let the worker pods run on nodes with matching taints.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// affinity sets the worker pods' node and pod affinity rules.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// serviceAccountName is the service account the worker pods run as.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// podLabels are added to the worker pods. They cannot replace the labels
	// the operator selects its pods by.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('kafka.vermont.io/') && !k.startsWith('app.kubernetes.io/'))",message="podLabels keys under kafka.vermont.io/ and app.kubernetes.io/ are set by the operator: use another key"
	PodLabels map[string]string `json:"podLabels,omitempty"`

	// podAnnotations are added to the worker pods.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`

	// terminationGracePeriodSeconds is how long a worker pod may take to
	// drain in-flight records and commit after SIGTERM. Keep it above the sink
	// timeout plus 10 seconds.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3600
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
}
