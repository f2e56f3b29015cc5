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
	"time"

	corev1 "k8s.io/api/core/v1"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// Defaults the operator applies where the API leaves a field unset.
const (
	defaultReplicas          = 1
	defaultGracePeriod       = 30
	defaultDrainMargin       = 10 // seconds of the grace period kept for commit and leave
	defaultPollInterval      = 30 // seconds, for groups without autoscaling
	fieldOwner               = "vermont-operator"
	workerContainerName      = "worker"
	defaultHTTPSourceSvcPort = 80
)

// connectionConfig renders a KafkaConnection for the worker; secrets stay
// out of it (see secretEnv).
func connectionConfig(c kafkav1alpha1.KafkaConnection, envPrefix string) workerconfig.Connection {
	out := workerconfig.Connection{SecretsEnvPrefix: envPrefix}
	for _, s := range c.BootstrapServers {
		out.BootstrapServers = append(out.BootstrapServers, string(s))
	}
	if t := c.TLS; t != nil && t.Enabled {
		out.TLS = &workerconfig.TLS{
			CA:                 t.CASecretRef != nil,
			ClientCert:         t.CertSecretRef != nil,
			InsecureSkipVerify: t.InsecureSkipVerify != nil && *t.InsecureSkipVerify,
		}
	}
	if s := c.SASL; s != nil {
		out.SASL = &workerconfig.SASL{Mechanism: string(s.Mechanism)}
	}
	return out
}

// secretKey is one Secret key a connection needs, with the environment
// variable the worker reads it from.
type secretKey struct {
	Env, Secret, Key string
}

// connectionSecrets lists the Secret keys a connection needs.
func connectionSecrets(c kafkav1alpha1.KafkaConnection, envPrefix string) []secretKey {
	var keys []secretKey
	if t := c.TLS; t != nil && t.Enabled {
		if r := t.CASecretRef; r != nil {
			keys = append(keys, secretKey{envPrefix + workerconfig.EnvSuffixTLSCA, r.Name, r.Key})
		}
		if r := t.CertSecretRef; r != nil {
			keys = append(keys,
				secretKey{envPrefix + workerconfig.EnvSuffixTLSCert, r.Name, r.CertKey},
				secretKey{envPrefix + workerconfig.EnvSuffixTLSKey, r.Name, r.KeyKey})
		}
	}
	if s := c.SASL; s != nil && s.SecretRef != nil {
		keys = append(keys,
			secretKey{envPrefix + workerconfig.EnvSuffixSASLUsername, s.SecretRef.Name, "username"},
			secretKey{envPrefix + workerconfig.EnvSuffixSASLPassword, s.SecretRef.Name, "password"})
	}
	return keys
}

// secretEnv turns Secret keys into environment variables from secretKeyRef:
// the values never pass through the operator into the pod spec.
func secretEnv(keys []secretKey) []corev1.EnvVar {
	env := make([]corev1.EnvVar, 0, len(keys))
	for _, k := range keys {
		env = append(env, corev1.EnvVar{Name: k.Env, ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: k.Secret}, Key: k.Key},
		}})
	}
	return env
}

func gracePeriod(w *kafkav1alpha1.WorkerSpec) int64 {
	if w != nil && w.TerminationGracePeriodSeconds != nil {
		return *w.TerminationGracePeriodSeconds
	}
	return defaultGracePeriod
}

// consumerConfig renders the worker configuration of a consumer group.
func consumerConfig(kcg *kafkav1alpha1.KafkaConsumerGroup) workerconfig.Config {
	s := kcg.Spec
	c := &workerconfig.Consumer{
		GroupID:     groupID(kcg),
		StartOffset: string(s.StartOffset),
		MaxInFlight: 1,
		MaxRetries:  5,
	}
	for _, t := range s.Topics {
		c.Topics = append(c.Topics, string(t))
	}
	if d := s.Delivery; d != nil {
		if d.MaxRetries != nil {
			c.MaxRetries = int(*d.MaxRetries)
		}
		if d.MaxInFlight > 0 {
			c.MaxInFlight = int(d.MaxInFlight)
		}
		c.BackoffInitial.Duration = d.Backoff.Initial.Duration
		c.BackoffMax.Duration = d.Backoff.Max.Duration
		c.DeadLetterTopic = string(d.DeadLetterTopic)
	}
	// Drain within the grace period, keeping time to commit and leave.
	c.DrainTimeout.Duration = secondsDuration(max(gracePeriod(s.Worker)-defaultDrainMargin, 1))
	switch k := s.Sink; {
	case k.Log != nil:
		c.Sink.Log = &workerconfig.LogSink{Format: string(k.Log.Format)}
	case k.HTTP != nil:
		c.Sink.HTTP = &workerconfig.HTTPSink{URL: k.HTTP.URL, Timeout: workerconfig.Duration{Duration: k.HTTP.Timeout.Duration}, Headers: k.HTTP.Headers, MaxBatchRecords: int(k.HTTP.MaxBatchRecords)}
	case k.Kafka != nil:
		c.Sink.Kafka = &workerconfig.KafkaSink{Topic: string(k.Kafka.Topic)}
		if k.Kafka.Kafka != nil {
			conn := connectionConfig(*k.Kafka.Kafka, workerconfig.EnvPrefixSinkKafka)
			c.Sink.Kafka.Kafka = &conn
		}
	case k.Discard != nil:
		c.Sink.Discard = &struct{}{}
	}
	return workerconfig.Config{
		Mode:      workerconfig.ModeConsume,
		Kafka:     connectionConfig(s.Kafka, workerconfig.EnvPrefixKafka),
		AdminPort: workerconfig.DefaultAdminPort,
		Consumer:  c,
	}
}

// consumerSecrets lists every Secret key a consumer group's workers need.
func consumerSecrets(kcg *kafkav1alpha1.KafkaConsumerGroup) []secretKey {
	keys := connectionSecrets(kcg.Spec.Kafka, workerconfig.EnvPrefixKafka)
	if k := kcg.Spec.Sink.Kafka; k != nil && k.Kafka != nil {
		keys = append(keys, connectionSecrets(*k.Kafka, workerconfig.EnvPrefixSinkKafka)...)
	}
	return keys
}

// producerConfig renders the worker configuration of a producer.
func producerConfig(kp *kafkav1alpha1.KafkaProducer) workerconfig.Config {
	s := kp.Spec
	p := &workerconfig.Producer{Topic: string(s.Topic)}
	if ps := s.Producer; ps != nil {
		p.Acks, p.Compression, p.Partitioner = string(ps.Acks), string(ps.Compression), string(ps.Partitioner)
		p.BatchSize, p.BatchBytes, p.MaxAttempts = int(ps.BatchSize), ps.BatchBytes, int(ps.MaxAttempts)
		if ps.LingerMs != nil {
			p.Linger.Duration = millisDuration(int64(*ps.LingerMs))
		}
	}
	if g := s.Source.Generator; g != nil {
		p.Generator = &workerconfig.Generator{Count: g.Count, Key: g.Key, Value: g.Value, RatePerSecond: 1}
		if g.RatePerSecond != nil {
			p.Generator.RatePerSecond = int(*g.RatePerSecond)
		}
	}
	if h := s.Source.HTTP; h != nil {
		p.HTTP = &workerconfig.HTTPSource{Port: int(h.Port), MaxBodyBytes: h.MaxBodyBytes, KeyField: h.KeyField,
			ReadTimeout: workerconfig.Duration{Duration: h.ReadTimeout.Duration}, AuthRequired: h.AuthSecretRef != nil}
	}
	return workerconfig.Config{
		Mode:      workerconfig.ModeProduce,
		Kafka:     connectionConfig(s.Kafka, workerconfig.EnvPrefixKafka),
		AdminPort: workerconfig.DefaultAdminPort,
		Producer:  p,
	}
}

// producerSecrets lists every Secret key a producer's workers need.
func producerSecrets(kp *kafkav1alpha1.KafkaProducer) []secretKey {
	keys := connectionSecrets(kp.Spec.Kafka, workerconfig.EnvPrefixKafka)
	if h := kp.Spec.Source.HTTP; h != nil && h.AuthSecretRef != nil {
		keys = append(keys, secretKey{workerconfig.EnvHTTPSourceToken, h.AuthSecretRef.Name, h.AuthSecretRef.Key})
	}
	return keys
}

func groupID(kcg *kafkav1alpha1.KafkaConsumerGroup) string {
	if kcg.Spec.GroupID != "" {
		return kcg.Spec.GroupID
	}
	return kcg.Name
}

func secondsDuration(s int64) time.Duration { return time.Duration(s) * time.Second }
func millisDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
