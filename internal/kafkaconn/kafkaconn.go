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

// Package kafkaconn turns a workerconfig.Connection and the secrets in the
// environment into kafka-go's Dialer (consumer groups, readers) and
// Transport (writers, admin client). kafka-go configures TLS and SASL
// separately on each, so both are built from one place.
package kafkaconn

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// Getenv reads an environment variable; os.Getenv in production, a map in tests.
type Getenv func(string) string

// Security is the TLS configuration and SASL mechanism of a connection,
// resolved from the environment.
type Security struct {
	TLS  *tls.Config
	SASL sasl.Mechanism
}

// Resolve reads the connection's secrets from the environment. A secret the
// config says is there but is empty is an error naming the variable (never
// its value).
func Resolve(c workerconfig.Connection, getenv Getenv) (Security, error) {
	var sec Security
	prefix := c.SecretsEnvPrefix
	if prefix == "" {
		prefix = workerconfig.EnvPrefixKafka
	}
	need := func(suffix string) (string, error) {
		name := prefix + suffix
		v := getenv(name)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty or unset: the operator sets it from the connection's Secret", name)
		}
		return v, nil
	}
	if t := c.TLS; t != nil {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // opt-in, surfaced as a Warning condition by the operator
		if t.CA {
			pem, err := need(workerconfig.EnvSuffixTLSCA)
			if err != nil {
				return sec, err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(pem)) {
				return sec, fmt.Errorf("%s%s holds no PEM certificate", prefix, workerconfig.EnvSuffixTLSCA)
			}
			cfg.RootCAs = pool
		}
		if t.ClientCert {
			certPEM, err := need(workerconfig.EnvSuffixTLSCert)
			if err != nil {
				return sec, err
			}
			keyPEM, err := need(workerconfig.EnvSuffixTLSKey)
			if err != nil {
				return sec, err
			}
			cert, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
			if err != nil {
				return sec, fmt.Errorf("%s%s and %s%s do not hold a certificate and its key: %w", prefix, workerconfig.EnvSuffixTLSCert, prefix, workerconfig.EnvSuffixTLSKey, err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		sec.TLS = cfg
	}
	if s := c.SASL; s != nil {
		user, err := need(workerconfig.EnvSuffixSASLUsername)
		if err != nil {
			return sec, err
		}
		pass, err := need(workerconfig.EnvSuffixSASLPassword)
		if err != nil {
			return sec, err
		}
		switch s.Mechanism {
		case "PLAIN":
			sec.SASL = plain.Mechanism{Username: user, Password: pass}
		case "SCRAM-SHA-256", "SCRAM-SHA-512":
			algo := scram.SHA256
			if s.Mechanism == "SCRAM-SHA-512" {
				algo = scram.SHA512
			}
			m, err := scram.Mechanism(algo, user, pass)
			if err != nil {
				return sec, fmt.Errorf("SASL %s: %w", s.Mechanism, err)
			}
			sec.SASL = m
		default:
			return sec, fmt.Errorf("unsupported SASL mechanism %q", s.Mechanism)
		}
	}
	return sec, nil
}

// Dialer returns a kafka-go Dialer (for consumer groups and readers) with
// the client ID the broker reports for group members.
func (s Security) Dialer(clientID string) *kafka.Dialer {
	return &kafka.Dialer{
		ClientID:      clientID,
		Timeout:       10 * time.Second,
		DualStack:     true,
		TLS:           s.TLS,
		SASLMechanism: s.SASL,
	}
}

// Transport returns a kafka-go Transport (for writers and the admin client).
func (s Security) Transport(clientID string) *kafka.Transport {
	return &kafka.Transport{
		ClientID:    clientID,
		DialTimeout: 10 * time.Second,
		IdleTimeout: 30 * time.Second,
		MetadataTTL: 5 * time.Second,
		TLS:         s.TLS,
		SASL:        s.SASL,
		Dial:        (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
}
