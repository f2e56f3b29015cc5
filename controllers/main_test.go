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

package controllers_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"go.uber.org/zap/zapcore"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/vermont-io/kafka-operator/controllers"
	"github.com/vermont-io/kafka-operator/internal/kafkaadmin"
	"github.com/vermont-io/kafka-operator/internal/testenv"
)

var (
	kube *testenv.Kubernetes
	kfk  *testenv.Kafka
	pool *kafkaadmin.Pool
)

const testWorkerImage = "vermont-worker:test"

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &kube, &kfk, startManager)) }

// startManager runs the real manager with both reconcilers against the test
// API server, as cmd/manager does.
func startManager() (func(), error) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapLevel())))
	mgr, err := ctrl.NewManager(kube.Config, ctrl.Options{
		Scheme:                 kube.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	pool = kafkaadmin.NewPool("vermont-operator-test")
	if err := (&controllers.KafkaConsumerGroupReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("vermont-operator"), Pool: pool, WorkerImage: testWorkerImage, Clock: clock.RealClock{},
	}).SetupWithManager(mgr); err != nil {
		return nil, err
	}
	if err := (&controllers.KafkaProducerReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("vermont-operator"), Pool: pool, WorkerImage: testWorkerImage, Clock: clock.RealClock{},
	}).SetupWithManager(mgr); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			fmt.Fprintf(os.Stderr, "manager: %v\n", err)
		}
	}, nil
}

// zapLevel keeps the manager quiet unless VERMONT_TEST_VERBOSE is set.
func zapLevel() zapcore.Level {
	if os.Getenv("VERMONT_TEST_VERBOSE") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}

func envtestAdmin() envtest.User {
	return envtest.User{Name: "vermont-test-admin", Groups: []string{"system:masters"}}
}

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o600) }
