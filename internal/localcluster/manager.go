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

package localcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// WorkerImage is the image name the local cluster's manager gives its
// workers; the process kubelet runs the worker binary for it.
const WorkerImage = "vermont-worker:local"

// Manager is the operator binary running against the local cluster.
type Manager struct {
	cmd  *exec.Cmd
	done chan struct{}
	// LogFile holds its output.
	LogFile string
	// Kubeconfig is the manager's own, least-privilege kubeconfig.
	Kubeconfig string
}

// managerKubeconfig creates the ManagerUser, binds it to the generated
// ClusterRole and writes its kubeconfig.
func (c *Cluster) managerKubeconfig(roleFile string) (string, error) {
	data, err := os.ReadFile(roleFile)
	if err != nil {
		return "", err
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.Unmarshal(data, role); err != nil {
		return "", fmt.Errorf("%s: %w", roleFile, err)
	}
	ctx := context.Background()
	if err := c.Client.Create(ctx, role); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", err
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name + "-" + ManagerUser},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: ManagerUser}},
	}
	if err := c.Client.Create(ctx, binding); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", err
	}
	user, err := c.env.AddUser(envtest.User{Name: ManagerUser}, nil)
	if err != nil {
		return "", err
	}
	config, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(filepath.Dir(c.Kubeconfig), "manager.kubeconfig")
	return path, os.WriteFile(path, config, 0o600)
}

// ManagerUser is the identity the local manager runs as: bound only to the
// ClusterRole generated from the +kubebuilder:rbac markers, never an admin.
const ManagerUser = "vermont-manager"

// StartManager runs the manager binary as ManagerUser, with only the
// permissions of roleFile (config/rbac/role.yaml).
func (c *Cluster) StartManager(binary, roleFile string) (*Manager, error) {
	kubeconfig, err := c.managerKubeconfig(roleFile)
	if err != nil {
		return nil, fmt.Errorf("setting up the manager's identity: %w", err)
	}
	m := &Manager{LogFile: filepath.Join(c.LogDir, "manager.log"), Kubeconfig: kubeconfig, done: make(chan struct{})}
	logs, err := os.Create(m.LogFile)
	if err != nil {
		return nil, err
	}
	m.cmd = exec.Command(binary, "--metrics-bind-address=0", "--health-probe-bind-address=0")
	m.cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "WORKER_IMAGE="+WorkerImage)
	m.cmd.Stdout, m.cmd.Stderr = logs, logs
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		_ = logs.Close()
		return nil, fmt.Errorf("starting the manager: %w", err)
	}
	go func() { _ = m.cmd.Wait(); _ = logs.Close(); close(m.done) }()
	return m, nil
}

// Stop sends SIGTERM and waits, then kills.
func (m *Manager) Stop() {
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(15 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

// Kill ends the manager with SIGKILL, as a crash or an OOM kill would.
func (m *Manager) Kill() {
	_ = m.cmd.Process.Kill()
	<-m.done
}
