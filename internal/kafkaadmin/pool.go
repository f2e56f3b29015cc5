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

// Package kafkaadmin is the operator's view of Kafka: one shared client per
// distinct connection, and observations of consumer groups (members,
// assignments, committed and end offsets, lag) and topics.
package kafkaadmin

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vermont-io/kafka-operator/internal/kafkaconn"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// Pool hands out one kafka-go admin client per distinct connection: the same
// brokers, TLS and SASL settings and secret values share a client (and its
// connection pool), whatever the number of custom resources using them.
type Pool struct {
	mu      sync.Mutex
	clients map[string]*kafka.Client
	opened  atomic.Int64
	// ClientID is the Kafka client ID of the operator's requests.
	ClientID string
}

// NewPool returns an empty pool.
func NewPool(clientID string) *Pool {
	return &Pool{clients: map[string]*kafka.Client{}, ClientID: clientID}
}

// Client returns the shared client for a connection whose secrets are
// given as the environment the worker would see (name -> value).
func (p *Pool) Client(conn workerconfig.Connection, secrets map[string]string) (*kafka.Client, error) {
	key := connectionKey(conn, secrets)
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[key]; ok {
		return c, nil
	}
	sec, err := kafkaconn.Resolve(conn, func(name string) string { return secrets[name] })
	if err != nil {
		return nil, err
	}
	transport := sec.Transport(p.ClientID)
	// Partition counts must be fresh: a cached answer would hide a topic
	// that just grew (kafka-go answers Metadata from this cache).
	transport.MetadataTTL = time.Second
	c := &kafka.Client{Addr: kafka.TCP(conn.BootstrapServers...), Timeout: 10 * time.Second, Transport: transport}
	p.clients[key] = c
	p.opened.Add(1)
	return c, nil
}

// Opened is the number of clients the pool has created.
func (p *Pool) Opened() int64 { return p.opened.Load() }

// connectionKey hashes everything that makes two connections different,
// secret values included, so that a rotated password gets a new client.
func connectionKey(conn workerconfig.Connection, secrets map[string]string) string {
	h := sha256.New()
	servers := append([]string(nil), conn.BootstrapServers...)
	sort.Strings(servers)
	write := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	write(strings.Join(servers, ","))
	if t := conn.TLS; t != nil {
		write("tls")
		write(boolString(t.CA) + boolString(t.ClientCert) + boolString(t.InsecureSkipVerify))
	}
	if s := conn.SASL; s != nil {
		write("sasl:" + s.Mechanism)
	}
	names := make([]string, 0, len(secrets))
	for name := range secrets {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		write(name)
		write(secrets[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
