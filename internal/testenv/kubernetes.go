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

package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
)

// EnvAssets names the environment variable pointing at the directory holding
// kube-apiserver, etcd and kube-controller-manager (`make envtest-assets`).
const EnvAssets = "KUBEBUILDER_ASSETS"

// Kubernetes is a real kube-apiserver and etcd started by envtest, with the
// Vermont CRDs installed.
type Kubernetes struct {
	Env    *envtest.Environment
	Config *rest.Config
	Client client.Client
	Scheme *k8sruntime.Scheme
}

// NewScheme returns a scheme with the built-in kinds, CRDs and Vermont kinds.
func NewScheme() (*k8sruntime.Scheme, error) {
	scheme := k8sruntime.NewScheme()
	err := errors.Join(
		clientgoscheme.AddToScheme(scheme),
		apiextensionsv1.AddToScheme(scheme),
		kafkav1alpha1.AddToScheme(scheme),
	)
	return scheme, err
}

// StartKubernetes starts kube-apiserver and etcd from KUBEBUILDER_ASSETS and
// installs the CRDs from config/crd/bases. Call Stop when done.
func StartKubernetes() (*Kubernetes, error) {
	assets, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	scheme, err := NewScheme()
	if err != nil {
		return nil, fmt.Errorf("building the scheme: %w", err)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting kube-apiserver and etcd from %s: %w", assets, err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("creating a client: %w", err), env.Stop())
	}
	return &Kubernetes{Env: env, Config: cfg, Client: c, Scheme: scheme}, nil
}

// Stop stops kube-apiserver and etcd and removes their data.
func (k *Kubernetes) Stop() error { return k.Env.Stop() }

// AssetsDir returns the directory of the Kubernetes binaries, checking that
// they are there, with an error that names the make target that builds them.
func AssetsDir() (string, error) {
	dir := os.Getenv(EnvAssets)
	if dir == "" {
		return "", fmt.Errorf("%s is not set: run the tests with `make test`, or build the Kubernetes binaries with `make envtest-assets` and export %s=$(make -s envtest-assets)", EnvAssets, EnvAssets)
	}
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			return "", fmt.Errorf("%s=%s has no %s: build it with `make envtest-assets`", EnvAssets, dir, bin)
		}
	}
	return dir, nil
}

// RepoRoot returns the root of this repository, found from this source file,
// so that tests find config/ whatever their package directory.
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("testenv: cannot locate its own source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}
