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

// Package localcluster runs a whole local Kubernetes for development and
// end-to-end tests, without containers: kube-apiserver and etcd (through
// envtest), kube-controller-manager (so Deployments make ReplicaSets make
// Pods with the real controllers), and a process kubelet that runs each Pod
// of the worker as a process of this machine.
package localcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/vermont-io/kafka-operator/internal/testenv"
)

// Options configure a local cluster.
type Options struct {
	// Dir holds the kubeconfig and the logs.
	Dir string
	// Binaries maps container commands ("worker") to local executables.
	Binaries map[string]string
	Log      *slog.Logger
}

// Cluster is a running local cluster.
type Cluster struct {
	Config     *rest.Config
	Client     client.Client
	Kubeconfig string
	LogDir     string

	env           *envtest.Environment
	kcm           *exec.Cmd
	kcmExited     chan struct{}
	stopKubelet   context.CancelFunc
	kubeletExited chan error
}

// Start starts the control plane, kube-controller-manager and the kubelet.
func Start(opts Options) (*Cluster, error) {
	kube, err := testenv.StartKubernetes()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Config: kube.Config, Client: kube.Client, env: kube.Env, LogDir: filepath.Join(opts.Dir, "logs")}
	if err := os.MkdirAll(c.LogDir, 0o755); err != nil {
		return nil, errors.Join(err, kube.Stop())
	}
	admin, err := kube.Env.AddUser(envtest.User{Name: "vermont-local-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, errors.Join(err, kube.Stop())
	}
	config, err := admin.KubeConfig()
	if err != nil {
		return nil, errors.Join(err, kube.Stop())
	}
	c.Kubeconfig = filepath.Join(opts.Dir, "kubeconfig")
	if err := os.WriteFile(c.Kubeconfig, config, 0o600); err != nil {
		return nil, errors.Join(err, kube.Stop())
	}
	if err := c.startControllerManager(kube.Env.BinaryAssetsDirectory); err != nil {
		return nil, errors.Join(err, kube.Stop())
	}
	kubelet := &Kubelet{Client: kube.Client, NodeName: "local", Binaries: opts.Binaries, LogDir: filepath.Join(c.LogDir, "pods"), Log: opts.Log}
	ctx, cancel := context.WithCancel(context.Background())
	c.stopKubelet, c.kubeletExited = cancel, make(chan error, 1)
	go func() { c.kubeletExited <- kubelet.Run(ctx) }()
	return c, nil
}

func (c *Cluster) startControllerManager(assets string) error {
	logs, err := os.Create(filepath.Join(c.LogDir, "kube-controller-manager.log"))
	if err != nil {
		return err
	}
	c.kcm = exec.Command(filepath.Join(assets, "kube-controller-manager"),
		"--kubeconfig="+c.Kubeconfig,
		"--controllers=deployment-controller,replicaset-controller,garbage-collector-controller,serviceaccount-controller",
		"--leader-elect=false",
		"--secure-port=0",
		"--concurrent-deployment-syncs=10",
		"--concurrent-replicaset-syncs=10",
	)
	c.kcm.Stdout, c.kcm.Stderr = logs, logs
	c.kcm.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.kcm.Start(); err != nil {
		_ = logs.Close()
		return fmt.Errorf("starting kube-controller-manager: %w", err)
	}
	c.kcmExited = make(chan struct{})
	go func() { _ = c.kcm.Wait(); _ = logs.Close(); close(c.kcmExited) }()
	return nil
}

// Stop stops the kubelet (and every worker process), kube-controller-manager
// and the control plane.
func (c *Cluster) Stop() error {
	c.stopKubelet()
	errs := []error{<-c.kubeletExited}
	_ = c.kcm.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.kcmExited:
	case <-time.After(10 * time.Second):
		_ = c.kcm.Process.Kill()
		<-c.kcmExited
	}
	errs = append(errs, c.env.Stop())
	return errors.Join(errs...)
}
