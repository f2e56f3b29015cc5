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

// BootstrapServer is one broker address, host:port, that clients use to
// discover the Kafka cluster.
// +kubebuilder:validation:MinLength=3
// +kubebuilder:validation:MaxLength=261
// +kubebuilder:validation:XValidation:rule="self.matches('^(\\\\[[0-9a-fA-F:.]+\\\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$')",message="must be host:port with a port in 1..65535, for example kafka-0.kafka.svc:9092 or [fd00::1]:9092"
type BootstrapServer string

// TopicName is the name of a Kafka topic.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=249
// +kubebuilder:validation:XValidation:rule="self.matches('^[a-zA-Z0-9._-]+$')",message="a Kafka topic name uses only letters, digits, '.', '_' and '-'"
// +kubebuilder:validation:XValidation:rule="self != '.' && self != '..'",message="a Kafka topic name cannot be '.' or '..'"
type TopicName string

// KafkaConnection says how to reach a Kafka cluster: its brokers and the
// TLS and SASL settings. Secrets are read from the object's namespace and
// reach the worker only as environment variables, never in its config.
type KafkaConnection struct {
	// bootstrapServers lists host:port addresses of brokers from which the
	// clients discover the whole cluster.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	BootstrapServers []BootstrapServer `json:"bootstrapServers"`

	// tls enables TLS to the brokers and names the certificates to trust and
	// present.
	// +optional
	TLS *KafkaTLS `json:"tls,omitempty"`

	// sasl authenticates to the brokers with a username and password.
	// +optional
	SASL *KafkaSASL `json:"sasl,omitempty"`
}

// KafkaTLS configures TLS to the brokers.
// +kubebuilder:validation:XValidation:rule="(has(self.enabled) && self.enabled) || (!has(self.caSecretRef) && !has(self.certSecretRef) && !has(self.insecureSkipVerify))",message="tls.enabled must be true when caSecretRef, certSecretRef or insecureSkipVerify is set",fieldPath=".enabled"
type KafkaTLS struct {
	// enabled turns TLS on. Without caSecretRef the system's trusted
	// certificate authorities verify the brokers.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// caSecretRef names the Secret key holding the PEM certificate authority
	// that signed the brokers' certificates.
	// +optional
	CASecretRef *SecretKeyReference `json:"caSecretRef,omitempty"`

	// certSecretRef names the Secret holding a client certificate and its
	// key, for brokers that require mutual TLS.
	// +optional
	CertSecretRef *ClientCertificateReference `json:"certSecretRef,omitempty"`

	// insecureSkipVerify accepts any broker certificate. It defeats TLS
	// authentication, is meant for experiments only, and raises a Warning
	// condition on the object.
	// +optional
	InsecureSkipVerify *bool `json:"insecureSkipVerify,omitempty"`
}

// SASLMechanism is a SASL authentication mechanism.
// +kubebuilder:validation:Enum=PLAIN;SCRAM-SHA-256;SCRAM-SHA-512
type SASLMechanism string

// SASL mechanisms Vermont supports.
const (
	SASLPlain       SASLMechanism = "PLAIN"
	SASLScramSHA256 SASLMechanism = "SCRAM-SHA-256"
	SASLScramSHA512 SASLMechanism = "SCRAM-SHA-512"
)

// KafkaSASL configures SASL authentication.
// +kubebuilder:validation:XValidation:rule="has(self.secretRef)",message="sasl.secretRef is required: name a Secret with the keys username and password",fieldPath=".secretRef"
type KafkaSASL struct {
	// mechanism is the SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
	// PLAIN sends the password in clear: use it only with TLS.
	// +required
	Mechanism SASLMechanism `json:"mechanism"`

	// secretRef names a Secret with the keys username and password.
	// +optional
	SecretRef *SecretReference `json:"secretRef,omitempty"`
}

// SecretReference names a Secret in the object's namespace.
type SecretReference struct {
	// name is the name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!format.dns1123Subdomain().validate(self).hasValue()",message="must be a Secret name: lowercase letters, digits, '-' and '.'"
	Name string `json:"name"`
}

// SecretKeyReference names one key of a Secret in the object's namespace.
type SecretKeyReference struct {
	// name is the name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!format.dns1123Subdomain().validate(self).hasValue()",message="must be a Secret name: lowercase letters, digits, '-' and '.'"
	Name string `json:"name"`

	// key is the key within the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[-._a-zA-Z0-9]+$')",message="a Secret key uses only letters, digits, '-', '_' and '.'"
	Key string `json:"key"`
}

// ClientCertificateReference names a Secret holding a PEM client
// certificate and its private key.
// +kubebuilder:validation:XValidation:rule="has(self.certKey)",message="certKey is required: name the Secret key holding the PEM client certificate (usually tls.crt)",fieldPath=".certKey"
// +kubebuilder:validation:XValidation:rule="has(self.keyKey)",message="keyKey is required: a client certificate needs its private key; name the Secret key holding it (usually tls.key)",fieldPath=".keyKey"
type ClientCertificateReference struct {
	// name is the name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!format.dns1123Subdomain().validate(self).hasValue()",message="must be a Secret name: lowercase letters, digits, '-' and '.'"
	Name string `json:"name"`

	// certKey is the Secret key holding the PEM client certificate.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	CertKey string `json:"certKey,omitempty"`

	// keyKey is the Secret key holding the PEM private key of the client
	// certificate.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	KeyKey string `json:"keyKey,omitempty"`
}
