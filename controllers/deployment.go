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

package controllers

import (
	"encoding/json"
	"fmt"
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// Labels on everything the operator creates. The selector uses the
// instance, the kind and the name label, so that a producer and a group of
// the same name do not select each other's pods.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelKind      = "kafka.vermont.io/kind"
	workerAppName  = "vermont-worker"
	managedBy      = "vermont-operator"
)

// workload is what the Deployment of a producer or a consumer group is
// built from.
type workload struct {
	owner        metav1.Object
	kind         string
	config       workerconfig.Config
	secrets      []secretKey
	envFrom      []corev1.EnvFromSource
	replicas     int32
	worker       *kafkav1alpha1.WorkerSpec
	defaultImage string
	ports        []corev1.ContainerPort
}

func selectorLabels(kind, name string) map[string]string {
	return map[string]string{LabelName: workerAppName, LabelInstance: name, LabelKind: kind}
}

// selectorString is the label selector of a workload's pods, for status.selector.
func selectorString(kind, name string) string {
	return labels.SelectorFromSet(selectorLabels(kind, name)).String()
}

func ownerReference(owner metav1.Object, kind string) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion:         kafkav1alpha1.GroupVersion.String(),
		Kind:               kind,
		Name:               owner.GetName(),
		UID:                owner.GetUID(),
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}
}

// desiredDeployment builds the Deployment of a workload. The worker config
// is part of the pod template, so a config change rolls the pods.
func desiredDeployment(w workload) (*appsv1.Deployment, error) {
	config, err := json.Marshal(w.config)
	if err != nil {
		return nil, fmt.Errorf("rendering the worker config: %w", err)
	}
	name, ns := w.owner.GetName(), w.owner.GetNamespace()
	selector := selectorLabels(w.kind, name)
	podLabels := maps.Clone(selector)
	podLabels[LabelManagedBy] = managedBy
	var podAnnotations map[string]string
	spec := w.worker
	if spec == nil {
		spec = &kafkav1alpha1.WorkerSpec{}
	}
	maps.Copy(podLabels, spec.PodLabels) // the API refuses keys that would shadow ours
	if len(spec.PodAnnotations) > 0 {
		podAnnotations = maps.Clone(spec.PodAnnotations)
	}
	image := spec.Image
	if image == "" {
		image = w.defaultImage
	}

	env := []corev1.EnvVar{
		{Name: workerconfig.EnvPodName, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
		{Name: workerconfig.EnvConfig, Value: string(config)},
	}
	env = append(env, secretEnv(w.secrets)...)
	env = append(env, memoryLimitEnv(spec)...)
	env = append(env, spec.Env...)

	ports := append([]corev1.ContainerPort{{Name: "admin", ContainerPort: int32(w.config.AdminPort), Protocol: corev1.ProtocolTCP}}, w.ports...)
	adminPort := intstr.FromString("admin")
	container := corev1.Container{
		Name:            workerContainerName,
		Image:           image,
		ImagePullPolicy: spec.ImagePullPolicy,
		Command:         []string{"/worker", string(w.config.Mode)},
		Env:             env,
		EnvFrom:         w.envFrom,
		Ports:           ports,
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: adminPort}},
			PeriodSeconds: 5, FailureThreshold: 2,
		},
		LivenessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: adminPort}},
			PeriodSeconds: 10, FailureThreshold: 3,
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
	if spec.Resources != nil {
		container.Resources = *spec.Resources
	}

	return &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       ns,
			Labels:          podLabels,
			OwnerReferences: []metav1.OwnerReference{ownerReference(w.owner, w.kind)},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(w.replicas),
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: podAnnotations},
				Spec: corev1.PodSpec{
					Containers:                    []corev1.Container{container},
					ServiceAccountName:            spec.ServiceAccountName,
					NodeSelector:                  spec.NodeSelector,
					Tolerations:                   spec.Tolerations,
					Affinity:                      spec.Affinity,
					TerminationGracePeriodSeconds: ptr.To(gracePeriod(spec)),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr.To(true),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
				},
			},
		},
	}, nil
}

// consumerWorkload is the workload of a consumer group with its replicas.
func consumerWorkload(kcg *kafkav1alpha1.KafkaConsumerGroup, replicas int32, defaultImage string) workload {
	w := workload{
		owner: kcg, kind: "KafkaConsumerGroup", config: consumerConfig(kcg), secrets: consumerSecrets(kcg),
		replicas: replicas, worker: kcg.Spec.Worker, defaultImage: defaultImage,
	}
	if h := kcg.Spec.Sink.HTTP; h != nil && h.HeadersFromSecret != nil {
		w.envFrom = []corev1.EnvFromSource{{
			Prefix:    workerconfig.EnvPrefixHTTPSinkHeader,
			SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: h.HeadersFromSecret.Name}},
		}}
	}
	return w
}

// producerWorkload is the workload of a producer.
func producerWorkload(kp *kafkav1alpha1.KafkaProducer, defaultImage string) workload {
	w := workload{
		owner: kp, kind: "KafkaProducer", config: producerConfig(kp), secrets: producerSecrets(kp),
		replicas: ptr.Deref(kp.Spec.Replicas, defaultReplicas), worker: kp.Spec.Worker, defaultImage: defaultImage,
	}
	if h := kp.Spec.Source.HTTP; h != nil {
		w.ports = []corev1.ContainerPort{{Name: "http", ContainerPort: h.Port, Protocol: corev1.ProtocolTCP}}
	}
	return w
}

// desiredService is the Service in front of an HTTP source, or nil.
func desiredService(kp *kafkav1alpha1.KafkaProducer) *corev1.Service {
	if kp.Spec.Source.HTTP == nil {
		return nil
	}
	selector := selectorLabels("KafkaProducer", kp.Name)
	svcLabels := maps.Clone(selector)
	svcLabels[LabelManagedBy] = managedBy
	return &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{
			Name: kp.Name, Namespace: kp.Namespace, Labels: svcLabels,
			OwnerReferences: []metav1.OwnerReference{ownerReference(kp, "KafkaProducer")},
		},
		Spec: corev1.ServiceSpec{
			Selector: selector,
			Ports: []corev1.ServicePort{{
				Name: "http", Port: defaultHTTPSourceSvcPort, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}

// serviceEndpoint is the URL clients post records to.
func serviceEndpoint(kp *kafkav1alpha1.KafkaProducer) string {
	return fmt.Sprintf("http://%s.%s.svc:%d/v1/messages", kp.Name, kp.Namespace, defaultHTTPSourceSvcPort)
}

// envGoMemLimit is the Go runtime's soft memory limit.
const envGoMemLimit = "GOMEMLIMIT"

// memoryLimitEnv hands the container's memory limit to the Go runtime, so
// that the worker collects garbage harder as it nears the limit instead of
// being OOM-killed with garbage on its heap; Go reads a CPU limit by
// itself, not a memory one. Without a limit there is nothing to pass, and a
// GOMEMLIMIT the user sets in spec.worker.env wins.
func memoryLimitEnv(spec *kafkav1alpha1.WorkerSpec) []corev1.EnvVar {
	if spec.Resources == nil {
		return nil
	}
	if _, limited := spec.Resources.Limits[corev1.ResourceMemory]; !limited {
		return nil
	}
	for _, e := range spec.Env {
		if e.Name == envGoMemLimit {
			return nil
		}
	}
	return []corev1.EnvVar{{Name: envGoMemLimit, ValueFrom: &corev1.EnvVarSource{
		ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: workerContainerName, Resource: "limits.memory"},
	}}}
}
