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

// Package worker runs one Vermont workload: a producer (generator or HTTP
// source) or an at-least-once consumer group delivering to a sink.
package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vermont-io/kafka-operator/internal/kafkaconn"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// Env is what a worker takes from its process.
type Env struct {
	// Getenv reads secrets and the pod name.
	Getenv func(string) string
	// Environ lists the environment, for prefixed variables (HTTP sink headers).
	Environ func() []string
	// Stdout receives the log sink's records.
	Stdout io.Writer
	// Log receives the worker's own logs.
	Log *slog.Logger
}

// OSEnv is the process's environment, stdout, and JSON logs on stderr.
func OSEnv() Env {
	return Env{
		Getenv:  os.Getenv,
		Environ: os.Environ,
		Stdout:  os.Stdout,
		Log:     slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	}
}

// Run runs the worker until ctx ends, then shuts down cleanly. Errors name
// what failed; secrets never appear in them.
func Run(ctx context.Context, cfg *workerconfig.Config, env Env) error {
	pod := env.Getenv(workerconfig.EnvPodName)
	if pod == "" {
		pod, _ = os.Hostname()
	}
	log := env.Log.With("pod", pod, "mode", string(cfg.Mode))
	security, err := kafkaconn.Resolve(cfg.Kafka, env.Getenv)
	if err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	// A generator template that does not render JSON is a configuration
	// error, found before anything starts.
	var tmpl *RecordTemplate
	if p := cfg.Producer; p != nil && p.Generator != nil {
		if tmpl, err = CheckedRecordTemplate(p.Generator.Value, p.Generator.Key, pod); err != nil {
			return &workerconfig.FieldError{Field: "producer.generator", Problem: err.Error()}
		}
	}
	metrics := NewMetrics()
	health := NewHealth("starting")

	admin, err := listen(cfg.AdminPort)
	if err != nil {
		return fmt.Errorf("adminPort: %w", err)
	}
	adminServer := &http.Server{Handler: AdminHandler(health, metrics), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = adminServer.Serve(admin) }()
	defer shutdown(adminServer, 2*time.Second)
	log.Info("Worker started", "admin", admin.Addr().String(), "bootstrap", strings.Join(cfg.Kafka.BootstrapServers, ","))

	switch cfg.Mode {
	case workerconfig.ModeProduce:
		return runProducer(ctx, cfg, pod, tmpl, security, metrics, health, env, log)
	default:
		return runConsumer(ctx, cfg, pod, security, metrics, health, env, log)
	}
}

func runProducer(ctx context.Context, cfg *workerconfig.Config, pod string, tmpl *RecordTemplate, security kafkaconn.Security, metrics *Metrics, health *Health, env Env, log *slog.Logger) error {
	p := cfg.Producer
	transport := security.Transport(pod)
	writer, err := NewWriter(p, transport, cfg.Kafka.BootstrapServers)
	if err != nil {
		return err
	}
	defer func() {
		if err := closeWithin(writer.Close, 10*time.Second); err != nil {
			log.Warn("Closing the Kafka writer", "err", err)
		}
	}()
	go watchTopic(ctx, &kafka.Client{Addr: kafka.TCP(cfg.Kafka.BootstrapServers...), Transport: transport, Timeout: 10 * time.Second}, p.Topic, health, log)

	if g := p.Generator; g != nil {
		gen := &Generator{Config: g, Template: tmpl, Writer: writer, Metrics: metrics, Health: health, Log: log, FlushTimeout: 10 * time.Second}
		return gen.Run(ctx)
	}

	src := &HTTPSource{Config: p.HTTP, Writer: writer, Metrics: metrics, Log: log, WriteTimeout: 30 * time.Second}
	if p.HTTP.AuthRequired {
		if src.Token = env.Getenv(workerconfig.EnvHTTPSourceToken); src.Token == "" {
			return fmt.Errorf("producer.http.authRequired is true but %s is empty or unset", workerconfig.EnvHTTPSourceToken)
		}
	}
	ln, err := listen(p.HTTP.Port)
	if err != nil {
		return fmt.Errorf("producer.http.port: %w", err)
	}
	server := src.Server()
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	log.Info("HTTP source listening", "addr", ln.Addr().String(), "path", MessagesPath)
	select {
	case <-ctx.Done():
		// Requests in flight get their answer: they wait for Kafka's ack.
		shutdown(server, 30*time.Second)
		return nil
	case err := <-served:
		return fmt.Errorf("HTTP source: %w", err)
	}
}

// watchTopic keeps the producer's readiness tied to its topic existing.
func watchTopic(ctx context.Context, client *kafka.Client, topic string, health *Health, log *slog.Logger) {
	reported := ""
	for {
		reqCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		meta, err := client.Metadata(reqCtx, &kafka.MetadataRequest{Topics: []string{topic}})
		cancel()
		reason := ""
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			reason = "cannot reach Kafka: " + err.Error()
		case len(meta.Topics) != 1 || meta.Topics[0].Error != nil:
			reason = fmt.Sprintf("topic %s does not exist", topic)
		}
		health.SetReady(reason == "", reason)
		if reason != reported {
			if reason != "" {
				log.Warn("Producer not ready", "reason", reason)
			}
			reported = reason
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}

func runConsumer(ctx context.Context, cfg *workerconfig.Config, pod string, security kafkaconn.Security, metrics *Metrics, health *Health, env Env, log *slog.Logger) error {
	cc := cfg.Consumer
	sink, err := newSink(cfg, pod, security, env)
	if err != nil {
		return err
	}
	defer func() { _ = closeWithin(sink.Close, 10*time.Second) }()
	consumer := &Consumer{
		Config:  cc,
		Brokers: cfg.Kafka.BootstrapServers,
		Dialer:  security.Dialer(pod),
		Sink:    sink,
		Metrics: metrics,
		Health:  health,
		Log:     log,
	}
	if cc.DeadLetterTopic != "" {
		consumer.DeadLetter = &kafka.Writer{
			Addr:         kafka.TCP(cfg.Kafka.BootstrapServers...),
			Topic:        cc.DeadLetterTopic,
			Balancer:     &kafka.Hash{},
			RequiredAcks: kafka.RequireAll,
			BatchTimeout: 5 * time.Millisecond,
			Transport:    security.Transport(pod),
		}
		defer func() { _ = closeWithin(consumer.DeadLetter.Close, 10*time.Second) }()
	}
	return consumer.Run(ctx)
}

func newSink(cfg *workerconfig.Config, pod string, security kafkaconn.Security, env Env) (Sink, error) {
	s := cfg.Consumer.Sink
	switch {
	case s.Log != nil:
		return &LogSink{Out: env.Stdout, Text: s.Log.Format == "Text"}, nil
	case s.HTTP != nil:
		headers := map[string]string{}
		for k, v := range s.HTTP.Headers {
			headers[k] = v
		}
		for _, kv := range env.Environ() {
			if name, value, ok := strings.Cut(kv, "="); ok {
				if header, ok := strings.CutPrefix(name, workerconfig.EnvPrefixHTTPSinkHeader); ok && header != "" {
					headers[header] = value
				}
			}
		}
		return &HTTPSink{URL: s.HTTP.URL, Headers: headers, Batch: s.HTTP.MaxBatchRecords, Client: &http.Client{Timeout: s.HTTP.Timeout.Duration}}, nil
	case s.Kafka != nil:
		target, sec := cfg.Kafka, security
		if s.Kafka.Kafka != nil {
			target = *s.Kafka.Kafka
			var err error
			if sec, err = kafkaconn.Resolve(target, env.Getenv); err != nil {
				return nil, fmt.Errorf("consumer.sink.kafka.kafka: %w", err)
			}
		}
		return &KafkaSink{Writer: &kafka.Writer{
			Addr:         kafka.TCP(target.BootstrapServers...),
			Topic:        s.Kafka.Topic,
			Balancer:     &kafka.Hash{},
			RequiredAcks: kafka.RequireAll,
			BatchTimeout: 5 * time.Millisecond,
			Transport:    sec.Transport(pod),
		}}, nil
	case s.Discard != nil:
		return DiscardSink{}, nil
	}
	return nil, errors.New("consumer.sink: no sink set")
}

func listen(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		return nil, fmt.Errorf("listening on port %d: %w", port, err)
	}
	return ln, nil
}

func shutdown(server *http.Server, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_ = server.Shutdown(ctx)
}
