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

// Command manager is the Vermont operator: it reconciles KafkaProducer and
// KafkaConsumerGroup objects into Deployments of the worker.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/controllers"
	"github.com/vermont-io/kafka-operator/internal/kafkaadmin"
)

func main() {
	var (
		metricsAddr    string
		probeAddr      string
		leaderElect    bool
		watchNamespace string
		workerImage    string
		qps            float64
		burst          int
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "address the Prometheus metrics endpoint binds to; 0 disables it")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "address the /healthz and /readyz probes bind to")
	flag.BoolVar(&leaderElect, "leader-elect", false, "elect a leader so that only one of several manager replicas reconciles")
	flag.StringVar(&watchNamespace, "watch-namespace", "", "reconcile only objects in this namespace; empty watches all namespaces")
	flag.StringVar(&workerImage, "worker-image", os.Getenv("WORKER_IMAGE"), "default worker image (env WORKER_IMAGE); spec.worker.image overrides it")
	flag.Float64Var(&qps, "kube-api-qps", 100, "requests per second to the Kubernetes API (each group writes its status once per poll)")
	flag.IntVar(&burst, "kube-api-burst", 200, "burst of requests to the Kubernetes API")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))

	if workerImage == "" {
		fmt.Fprintln(os.Stderr, "manager: set the worker image with WORKER_IMAGE or --worker-image (the image of this manager holds /worker too)")
		os.Exit(2)
	}
	if err := run(metricsAddr, probeAddr, leaderElect, watchNamespace, workerImage, qps, burst); err != nil {
		ctrl.Log.Error(err, "Manager stopped")
		os.Exit(1)
	}
}

func run(metricsAddr, probeAddr string, leaderElect bool, watchNamespace, workerImage string, qps float64, burst int) error {
	scheme := runtime.NewScheme()
	if err := errors.Join(clientgoscheme.AddToScheme(scheme), kafkav1alpha1.AddToScheme(scheme)); err != nil {
		return fmt.Errorf("building the scheme: %w", err)
	}
	cacheOpts := cache.Options{}
	if watchNamespace != "" {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{watchNamespace: {}}
	}
	config, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("loading the kubeconfig: %w", err)
	}
	config.QPS, config.Burst = float32(qps), burst
	mgr, err := ctrl.NewManager(config, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         leaderElect,
		LeaderElectionID:       "kafka-operator.vermont.io",
		Cache:                  cacheOpts,
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	pool := kafkaadmin.NewPool("vermont-operator")
	if err := (&controllers.KafkaConsumerGroupReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("vermont-operator"), Pool: pool, WorkerImage: workerImage, Clock: clock.RealClock{},
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the KafkaConsumerGroup controller: %w", err)
	}
	if err := (&controllers.KafkaProducerReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("vermont-operator"), Pool: pool, WorkerImage: workerImage, Clock: clock.RealClock{},
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the KafkaProducer controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("adding the health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("adding the readiness check: %w", err)
	}
	ctrl.Log.Info("Starting manager")
	return mgr.Start(ctrl.SetupSignalHandler())
}
