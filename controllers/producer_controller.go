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
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/kafkaadmin"
	"github.com/vermont-io/kafka-operator/internal/worker"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// producerPollInterval is how often a producer's topic is observed again.
const producerPollInterval = 30 * time.Second

// KafkaProducerReconciler reconciles a KafkaProducer into a Deployment of
// workers (and a Service for an HTTP source), creates or grows its topic,
// and writes the status.
type KafkaProducerReconciler struct {
	client.Client
	Recorder    events.EventRecorder
	Pool        *kafkaadmin.Pool
	WorkerImage string
	Clock       clock.PassiveClock
}

// SetupWithManager registers the reconciler.
func (r *KafkaProducerReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&kafkav1alpha1.KafkaProducer{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Named("kafkaproducer").
		Complete(r)
}

// producerView is what a producer's status is computed from.
type producerView struct {
	degraded   *problem
	topic      *kafkaadmin.TopicState
	topicErr   error
	shrink     bool
	deployment *appsv1.Deployment
	now        time.Time
}

// Reconcile runs one pass.
func (r *KafkaProducerReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	kp := &kafkav1alpha1.KafkaProducer{}
	if err := r.Get(ctx, req.NamespacedName, kp); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !kp.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	view := producerView{now: r.Clock.Now()}

	// A template that does not render JSON would crash-loop every worker:
	// refuse to roll it out and say why.
	if g := kp.Spec.Source.Generator; g != nil {
		if _, err := worker.CheckedRecordTemplate(g.Value, g.Key, kp.Name+"-pod"); err != nil {
			view.degraded = &problem{ReasonInvalidTemplate, "spec.source.generator: " + err.Error()}
			if err := r.writeStatus(ctx, kp, view); err != nil {
				return ctrl.Result{}, err
			}
			return ctrl.Result{}, reconcile.TerminalError(fmt.Errorf("invalid generator template: %w", err))
		}
	}

	secrets, err := readSecrets(ctx, r.Client, kp.Namespace, producerSecrets(kp))
	switch {
	case isMissingSecret(err):
		view.degraded = &problem{ReasonSecretNotFound, err.Error()}
	case err != nil:
		return ctrl.Result{}, err
	}

	if view.degraded == nil {
		view.topic, view.shrink, view.topicErr = r.ensureTopic(ctx, kp, secrets)
		var missing *missingSecretError
		if errors.As(view.topicErr, &missing) {
			view.degraded = &problem{"InvalidSecret", missing.Error()}
		}
	}

	if view.degraded == nil {
		desired, err := desiredDeployment(producerWorkload(kp, r.WorkerImage))
		if err != nil {
			return ctrl.Result{}, err
		}
		if err := apply(ctx, r.Client, desired); err != nil {
			return ctrl.Result{}, err
		}
		view.deployment = desired
		if svc := desiredService(kp); svc != nil {
			if err := apply(ctx, r.Client, svc); err != nil {
				return ctrl.Result{}, err
			}
		}
	} else {
		current := &appsv1.Deployment{}
		if err := r.Get(ctx, req.NamespacedName, current); err == nil {
			view.deployment = current
		}
	}
	if err := r.writeStatus(ctx, kp, view); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: producerPollInterval}, nil
}

// ensureTopic creates or grows the topic when topicSpec asks for it, and
// observes it otherwise.
func (r *KafkaProducerReconciler) ensureTopic(ctx context.Context, kp *kafkav1alpha1.KafkaProducer, secrets map[string]string) (*kafkaadmin.TopicState, bool, error) {
	kc, err := r.Pool.Client(connectionConfig(kp.Spec.Kafka, workerconfig.EnvPrefixKafka), secrets)
	if err != nil {
		return nil, false, &missingSecretError{fmt.Sprintf("the connection's Secrets are unusable: %v", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, observeTimeout)
	defer cancel()
	topic := string(kp.Spec.Topic)
	ts := kp.Spec.TopicSpec
	if ts == nil {
		state, err := kafkaadmin.ObserveTopic(ctx, kc, topic)
		if err != nil {
			return nil, false, err
		}
		return &state, false, nil
	}
	before, err := kafkaadmin.ObserveTopic(ctx, kc, topic)
	if err != nil {
		return nil, false, err
	}
	if before.Exists && before.Partitions > int(ts.Partitions) {
		return &before, true, nil
	}
	after, err := kafkaadmin.EnsureTopic(ctx, kc, topic, int(ts.Partitions), int(ptr.Deref(ts.ReplicationFactor, -1)), ts.Config)
	if err != nil {
		return nil, false, err
	}
	switch {
	case !before.Exists:
		r.Recorder.Eventf(kp, nil, corev1.EventTypeNormal, EventTopic, "CreateTopic", "Created topic %s with %d partitions", topic, after.Partitions)
	case after.Partitions != before.Partitions:
		r.Recorder.Eventf(kp, nil, corev1.EventTypeNormal, EventTopic, "AddPartitions", "Raised topic %s from %d to %d partitions", topic, before.Partitions, after.Partitions)
	}
	return &after, false, nil
}

func (r *KafkaProducerReconciler) writeStatus(ctx context.Context, kp *kafkav1alpha1.KafkaProducer, v producerView) error {
	status := computeProducerStatus(kp, v)
	if equality.Semantic.DeepEqual(kp.Status, status) {
		return nil
	}
	patch := client.MergeFrom(kp.DeepCopy())
	kp.Status = status
	if err := r.Status().Patch(ctx, kp, patch); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	return nil
}

// computeProducerStatus is the status of a producer, as a pure function of
// what was observed.
func computeProducerStatus(kp *kafkav1alpha1.KafkaProducer, v producerView) kafkav1alpha1.KafkaProducerStatus {
	st := kafkav1alpha1.KafkaProducerStatus{
		ObservedGeneration: kp.Generation,
		Conditions:         append([]metav1.Condition(nil), kp.Status.Conditions...),
		Selector:           selectorString("KafkaProducer", kp.Name),
		Topic:              kp.Status.Topic,
	}
	if kp.Spec.Source.HTTP != nil {
		st.Endpoint = serviceEndpoint(kp)
	}
	if d := v.deployment; d != nil {
		st.Replicas, st.ReadyReplicas = d.Status.Replicas, d.Status.ReadyReplicas
	}
	now := metav1.NewTime(v.now)
	set := func(condType string, status metav1.ConditionStatus, reason, message string) {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type: condType, Status: status, Reason: reason, Message: message,
			ObservedGeneration: kp.Generation, LastTransitionTime: now,
		})
	}
	topic := string(kp.Spec.Topic)
	degraded := v.degraded
	switch {
	case v.topic != nil:
		st.Topic = &kafkav1alpha1.ProducerTopicStatus{Name: topic, Exists: v.topic.Exists, Partitions: int32(v.topic.Partitions)}
		set(kafkav1alpha1.ConditionKafkaReachable, metav1.ConditionTrue, ReasonObserved, "the operator reached Kafka")
		switch {
		case v.shrink:
			msg := fmt.Sprintf("topic %s has %d partitions, more than topicSpec.partitions %d: Kafka cannot remove partitions, so the operator leaves the topic as it is; raise topicSpec.partitions to %d", topic, v.topic.Partitions, kp.Spec.TopicSpec.Partitions, v.topic.Partitions)
			set(kafkav1alpha1.ConditionTopicReady, metav1.ConditionFalse, ReasonPartitionShrink, msg)
			degraded = &problem{ReasonPartitionShrink, msg}
		case !v.topic.Exists:
			msg := fmt.Sprintf("topic %s does not exist: create it, or set spec.topicSpec so that the operator creates it", topic)
			set(kafkav1alpha1.ConditionTopicReady, metav1.ConditionFalse, ReasonTopicNotFound, msg)
			if degraded == nil {
				degraded = &problem{ReasonTopicNotFound, msg}
			}
		default:
			set(kafkav1alpha1.ConditionTopicReady, metav1.ConditionTrue, ReasonTopicReady, fmt.Sprintf("topic %s exists with %d partitions", topic, v.topic.Partitions))
		}
	case v.topicErr != nil:
		set(kafkav1alpha1.ConditionKafkaReachable, metav1.ConditionFalse, ReasonKafkaUnreachable, "cannot reach Kafka: "+v.topicErr.Error())
	}
	if degraded != nil {
		set(kafkav1alpha1.ConditionDegraded, metav1.ConditionTrue, degraded.reason, degraded.message)
	} else {
		set(kafkav1alpha1.ConditionDegraded, metav1.ConditionFalse, ReasonAsExpected, "nothing needs attention")
	}
	desired := ptr.Deref(kp.Spec.Replicas, defaultReplicas)
	switch {
	case degraded != nil:
		set(kafkav1alpha1.ConditionReady, metav1.ConditionFalse, degraded.reason, degraded.message)
	case v.topic == nil:
		set(kafkav1alpha1.ConditionReady, metav1.ConditionFalse, ReasonKafkaUnreachable, "cannot reach Kafka")
	case st.ReadyReplicas < desired:
		set(kafkav1alpha1.ConditionReady, metav1.ConditionFalse, ReasonWorkersNotReady, fmt.Sprintf("%d of %d worker pods ready", st.ReadyReplicas, desired))
	default:
		set(kafkav1alpha1.ConditionReady, metav1.ConditionTrue, ReasonReconciled, fmt.Sprintf("%d worker pods ready", st.ReadyReplicas))
	}
	return st
}
