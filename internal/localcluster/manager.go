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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
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
}

// StartManager runs the manager binary with the cluster's kubeconfig.
func (c *Cluster) StartManager(binary string) (*Manager, error) {
	m := &Manager{LogFile: filepath.Join(c.LogDir, "manager.log"), done: make(chan struct{})}
	logs, err := os.Create(m.LogFile)
	if err != nil {
		return nil, err
	}
	m.cmd = exec.Command(binary, "--metrics-bind-address=0", "--health-probe-bind-address=0")
	m.cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig, "WORKER_IMAGE="+WorkerImage)
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
