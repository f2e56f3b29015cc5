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
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/kafkaadmin"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// Event reasons.
const (
	EventScaledUp   = "ScaledUp"
	EventScaledDown = "ScaledDown"
	EventTopic      = "TopicChanged"
)

// observeTimeout bounds one observation of Kafka.
const observeTimeout = 10 * time.Second

// KafkaConsumerGroupReconciler reconciles a KafkaConsumerGroup into a
// Deployment of workers, observes the group in Kafka, scales by lag and
// writes the status.
type KafkaConsumerGroupReconciler struct {
	client.Client
	Recorder    events.EventRecorder
	Pool        *kafkaadmin.Pool
	WorkerImage string
	Clock       clock.PassiveClock

	// memory holds, per group, what decisions need from earlier
	// observations: scaling recommendations and lag windows.
	memory sync.Map // types.NamespacedName -> *groupMemory
}

type groupMemory struct {
	mu      sync.Mutex
	history []Recommendation
	windows map[string][]PartitionSample
	// last is the latest successful observation.
	last *pastObservation
}

type pastObservation struct {
	obs        *kafkaadmin.GroupObservation
	at         time.Time
	generation int64
}

// maxObservationReuse bounds how old an observation may be to stand for a
// new one.
const maxObservationReuse = 5 * time.Second

// reusable returns the last observation when it is recent enough to stand
// for a new one: events (the Deployment the operator just created, a pod
// turning ready) reconcile a group right after its poll, and observing
// Kafka again for each of them doubles the load on the broker and the
// manager when many groups are created at once. Polls, more than half an
// interval apart, always observe; so does a changed spec.
func (m *groupMemory) reusable(generation int64, now time.Time, poll time.Duration) (*pastObservation, bool) {
	if m.last == nil || m.last.generation != generation {
		return nil, false
	}
	return m.last, now.Sub(m.last.at) < min(poll/2, maxObservationReuse)
}

// SetupWithManager registers the reconciler. Status writes do not change
// the generation, so they do not trigger another reconcile.
func (r *KafkaConsumerGroupReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&kafkav1alpha1.KafkaConsumerGroup{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&appsv1.Deployment{}).
		// Observing Kafka waits on the network: several groups at once.
		WithOptions(controller.Options{MaxConcurrentReconciles: 32}).
		Named("kafkaconsumergroup").
		Complete(r)
}

// Reconcile runs one pass: desired Deployment, observation, decision, status.
func (r *KafkaConsumerGroupReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)
	kcg := &kafkav1alpha1.KafkaConsumerGroup{}
	if err := r.Get(ctx, req.NamespacedName, kcg); err != nil {
		if apierrors.IsNotFound(err) {
			r.memory.Delete(req.NamespacedName)
			forgetGroupMetrics(req.NamespacedName)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if !kcg.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	now := r.Clock.Now()
	mem := r.memoryFor(req.NamespacedName)
	view := groupView{now: now, lastScale: kcg.Status.LastScaleTime}

	secrets, err := readSecrets(ctx, r.Client, kcg.Namespace, consumerSecrets(kcg))
	switch {
	case isMissingSecret(err):
		view.degraded = &problem{ReasonSecretNotFound, err.Error()}
	case err != nil:
		return ctrl.Result{}, err
	}
	if h := kcg.Spec.Sink.HTTP; view.degraded == nil && h != nil && h.HeadersFromSecret != nil {
		if err := r.Get(ctx, types.NamespacedName{Namespace: kcg.Namespace, Name: h.HeadersFromSecret.Name}, &corev1.Secret{}); apierrors.IsNotFound(err) {
			view.degraded = &problem{ReasonSecretNotFound, fmt.Sprintf("Secret %s (spec.sink.http.headersFromSecret) not found in namespace %s", h.HeadersFromSecret.Name, kcg.Namespace)}
		}
	}
	mem.mu.Lock()
	past, reuse := mem.reusable(kcg.Generation, now, pollInterval(kcg))
	mem.mu.Unlock()
	reuse = reuse && view.degraded == nil
	view.observedAt = now
	switch {
	case reuse:
		view.obs, view.observedAt = past.obs, past.at
	case view.degraded == nil:
		view.obs, view.obsErr = r.observe(ctx, kcg, secrets)
		if view.obsErr != nil && isMissingSecret(view.obsErr) {
			view.degraded = &problem{"InvalidSecret", view.obsErr.Error()}
		}
	default:
		view.obsErr = fmt.Errorf("not observed: %s", view.degraded.message)
	}

	current := &appsv1.Deployment{}
	exists := true
	if err := r.Get(ctx, req.NamespacedName, current); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		exists = false
	}
	currentReplicas := int32(-1)
	if exists && current.Spec.Replicas != nil {
		currentReplicas = *current.Spec.Replicas
	}

	mem.mu.Lock()
	view.desired, view.decision = r.decideReplicas(kcg, currentReplicas, view.obs, mem, now)
	if reuse {
		view.verdict = EvaluateGroup(mem.windows)
	} else {
		view.verdict = EvaluateGroup(recordWindows(mem, view.obs))
		if view.obs != nil {
			mem.last = &pastObservation{obs: view.obs, at: now, generation: kcg.Generation}
		}
	}
	mem.mu.Unlock()

	deployment := current
	if view.degraded == nil {
		desired, err := desiredDeployment(consumerWorkload(kcg, view.desired, r.WorkerImage))
		if err != nil {
			return ctrl.Result{}, err
		}
		if err := apply(ctx, r.Client, desired); err != nil {
			return ctrl.Result{}, err
		}
		deployment = desired
		if exists && currentReplicas != view.desired {
			r.recordScale(kcg, currentReplicas, view.desired, view.decision)
			view.lastScale = ptr.To(metav1.NewTime(now))
			log.Info("Scaled consumer group", "consumergroup", klog.KObj(kcg), "from", currentReplicas, "to", view.desired)
		}
	} else if !exists {
		deployment = nil
	}

	view.deployment = deployment
	view.pods, err = r.podNames(ctx, kcg)
	if err != nil {
		return ctrl.Result{}, err
	}
	status := computeGroupStatus(kcg, view)
	updateGroupMetrics(req.NamespacedName, status)
	if !equality.Semantic.DeepEqual(kcg.Status, status) {
		patch := client.MergeFrom(kcg.DeepCopy())
		kcg.Status = status
		if err := r.Status().Patch(ctx, kcg, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("writing status: %w", err)
		}
	}
	// Observe again one poll interval after this observation started, not
	// after this reconcile ended, so that the period does not drift.
	return ctrl.Result{RequeueAfter: max(pollInterval(kcg)-r.Clock.Since(view.observedAt), 0)}, nil
}

func (r *KafkaConsumerGroupReconciler) memoryFor(key types.NamespacedName) *groupMemory {
	m, _ := r.memory.LoadOrStore(key, &groupMemory{windows: map[string][]PartitionSample{}})
	return m.(*groupMemory)
}

func (r *KafkaConsumerGroupReconciler) observe(ctx context.Context, kcg *kafkav1alpha1.KafkaConsumerGroup, secrets map[string]string) (*kafkaadmin.GroupObservation, error) {
	kc, err := r.Pool.Client(connectionConfig(kcg.Spec.Kafka, workerconfig.EnvPrefixKafka), secrets)
	if err != nil {
		return nil, &missingSecretError{fmt.Sprintf("the connection's Secrets are unusable: %v", err)}
	}
	topics := make([]string, len(kcg.Spec.Topics))
	for i, t := range kcg.Spec.Topics {
		topics[i] = string(t)
	}
	ctx, cancel := context.WithTimeout(ctx, observeTimeout)
	defer cancel()
	start := time.Now()
	obs, err := kafkaadmin.ObserveGroup(ctx, kc, groupID(kcg), topics, kcg.Spec.StartOffset != kafkav1alpha1.StartOffsetLatest)
	observationDuration.Observe(time.Since(start).Seconds())
	if err != nil {
		observationErrors.Inc()
	}
	return obs, err
}

// decideReplicas is spec.replicas for a fixed group, or the scaling
// policy's decision for an autoscaled one.
func (r *KafkaConsumerGroupReconciler) decideReplicas(kcg *kafkav1alpha1.KafkaConsumerGroup, current int32, obs *kafkaadmin.GroupObservation, mem *groupMemory, now time.Time) (int32, *ScaleDecision) {
	a := kcg.Spec.Autoscaling
	if a == nil {
		return ptr.Deref(kcg.Spec.Replicas, defaultReplicas), nil
	}
	policy := resolveAutoscaling(a)
	if current < 0 {
		current = policy.MinReplicas
	}
	if len(mem.history) == 0 && kcg.Status.LastScaleTime != nil {
		// A restarted manager has no recommendations in memory; the last
		// scale, recorded in the status, stands for one, so that a restart
		// does not cut the stabilization window short.
		mem.history = []Recommendation{{Time: kcg.Status.LastScaleTime.Time, Replicas: current}}
	}
	d := DecideReplicas(policy, current, lagSummary(obs), mem.history, now)
	mem.history = d.History
	return d.Replicas, &d
}

func resolveAutoscaling(a *kafkav1alpha1.AutoscalingSpec) Autoscaling {
	out := Autoscaling{
		MinReplicas: ptr.Deref(a.MinReplicas, 1), MaxReplicas: a.MaxReplicas, LagPerReplica: max(a.LagPerReplica, 1),
		ActivationLag: a.ActivationLag, ScaleDownStabilization: 5 * time.Minute, AllowIdleConsumers: a.AllowIdleConsumers,
	}
	if a.ScaleDownStabilization != nil {
		out.ScaleDownStabilization = a.ScaleDownStabilization.Duration
	}
	return out
}

// recordWindows adds an observation to the per-partition lag windows and
// returns them.
func recordWindows(mem *groupMemory, obs *kafkaadmin.GroupObservation) map[string][]PartitionSample {
	if obs == nil {
		return mem.windows
	}
	seen := map[string]bool{}
	for _, p := range obs.Partitions {
		key := p.Topic + "/" + strconv.Itoa(p.Partition)
		seen[key] = true
		w := append(mem.windows[key], PartitionSample{Committed: p.Committed, Lag: p.Lag, Held: p.ClientID != ""})
		if len(w) > lagWindow {
			w = w[len(w)-lagWindow:]
		}
		mem.windows[key] = w
	}
	for key := range mem.windows {
		if !seen[key] {
			delete(mem.windows, key)
		}
	}
	return mem.windows
}

func (r *KafkaConsumerGroupReconciler) recordScale(kcg *kafkav1alpha1.KafkaConsumerGroup, from, to int32, d *ScaleDecision) {
	reason := EventScaledUp
	if to < from {
		reason = EventScaledDown
	}
	why := "spec.replicas changed"
	if d != nil {
		why = d.Reason
	}
	r.Recorder.Eventf(kcg, nil, corev1.EventTypeNormal, reason, "Scale", "Scaled from %d to %d replicas: %s", from, to, why)
}

func (r *KafkaConsumerGroupReconciler) podNames(ctx context.Context, kcg *kafkav1alpha1.KafkaConsumerGroup) (map[string]bool, error) {
	var pods corev1.PodList
	if err := r.List(ctx, &pods, client.InNamespace(kcg.Namespace), client.MatchingLabels(selectorLabels("KafkaConsumerGroup", kcg.Name))); err != nil {
		return nil, fmt.Errorf("listing worker pods: %w", err)
	}
	names := make(map[string]bool, len(pods.Items))
	for _, p := range pods.Items {
		names[p.Name] = true
	}
	return names, nil
}

func pollInterval(kcg *kafkav1alpha1.KafkaConsumerGroup) time.Duration {
	if a := kcg.Spec.Autoscaling; a != nil && a.PollInterval.Duration > 0 {
		return a.PollInterval.Duration
	}
	return defaultPollInterval * time.Second
}

func updateGroupMetrics(key types.NamespacedName, st kafkav1alpha1.KafkaConsumerGroupStatus) {
	consumerGroupDesiredReplicas.WithLabelValues(key.Namespace, key.Name).Set(float64(st.DesiredReplicas))
	for _, t := range st.Topics {
		if t.Lag != nil {
			consumerGroupLag.WithLabelValues(key.Namespace, key.Name, t.Name).Set(float64(*t.Lag))
		}
	}
}

func forgetGroupMetrics(key types.NamespacedName) {
	consumerGroupDesiredReplicas.DeleteLabelValues(key.Namespace, key.Name)
	consumerGroupLag.DeletePartialMatch(map[string]string{"namespace": key.Namespace, "name": key.Name})
}
