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
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// Annotations the process kubelet sets on the pods it runs, so that a
// person or a test can reach a worker on this machine.
const (
	AnnotationAdminPort = "local.vermont.io/admin-port"
	AnnotationHTTPPort  = "local.vermont.io/http-port"
	AnnotationPID       = "local.vermont.io/pid"
	AnnotationLogFile   = "local.vermont.io/log-file"
)

// Kubelet runs the Pods bound to its Node as processes of this machine: it
// binds pending Pods, starts each Pod's container command (mapped to a
// local binary) with the Pod's environment, reports phase, readiness (from
// the worker's /readyz) and restarts, restarts crashed processes with
// backoff, and on deletion sends SIGTERM, waits the grace period, then
// SIGKILL.
type Kubelet struct {
	Client   client.Client
	NodeName string
	// Binaries maps a container command (its base name, "worker") to a
	// local executable.
	Binaries map[string]string
	LogDir   string
	Log      *slog.Logger

	mu    sync.Mutex
	procs map[types.UID]*podProcess
}

type podProcess struct {
	pod       types.NamespacedName
	uid       types.UID
	cmd       *exec.Cmd
	exited    chan struct{}
	exitErr   error
	restarts  int32
	adminPort int
	httpPort  int
	logFile   string
	ready     bool
	nextStart time.Time
	stopping  bool
}

// Run registers the Node and runs the kubelet loop until ctx ends, then
// stops every process it started.
func (k *Kubelet) Run(ctx context.Context) error {
	k.procs = map[types.UID]*podProcess{}
	if err := os.MkdirAll(k.LogDir, 0o755); err != nil {
		return err
	}
	if err := k.registerNode(ctx); err != nil {
		return fmt.Errorf("registering node %s: %w", k.NodeName, err)
	}
	defer k.stopAll()
	ticker := time.NewTicker(250 * time.Millisecond)
	defer ticker.Stop()
	heartbeat := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		if err := k.sync(ctx); err != nil && ctx.Err() == nil {
			k.Log.Warn("Kubelet sync failed", "err", err)
		}
		if time.Since(heartbeat) > 10*time.Second {
			heartbeat = time.Now()
			_ = k.registerNode(ctx)
		}
	}
}

func (k *Kubelet) registerNode(ctx context.Context) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.NodeName, Labels: map[string]string{"kubernetes.io/hostname": k.NodeName}}}
	if err := k.Client.Create(ctx, node); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if err := k.Client.Get(ctx, client.ObjectKeyFromObject(node), node); err != nil {
		return err
	}
	now := metav1.Now()
	node.Status.Conditions = []corev1.NodeCondition{{
		Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "process kubelet is running",
		LastHeartbeatTime: now, LastTransitionTime: now,
	}}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("64"), corev1.ResourceMemory: resource.MustParse("256Gi"), corev1.ResourcePods: resource.MustParse("1000"),
	}
	node.Status.Capacity, node.Status.Allocatable = capacity, capacity
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: k.NodeName}}
	return k.Client.Status().Update(ctx, node)
}

// sync brings the processes in line with the Pods.
func (k *Kubelet) sync(ctx context.Context) error {
	var pods corev1.PodList
	if err := k.Client.List(ctx, &pods); err != nil {
		return err
	}
	seen := map[types.UID]bool{}
	for i := range pods.Items {
		pod := &pods.Items[i]
		if pod.Spec.NodeName == "" {
			if pod.DeletionTimestamp == nil {
				if err := k.bind(ctx, pod); err != nil {
					k.Log.Warn("Binding failed", "pod", pod.Namespace+"/"+pod.Name, "err", err)
				}
			}
			continue
		}
		if pod.Spec.NodeName != k.NodeName {
			continue
		}
		seen[pod.UID] = true
		if pod.DeletionTimestamp != nil {
			k.terminate(pod)
			continue
		}
		k.ensureRunning(ctx, pod)
		k.reportStatus(ctx, pod)
	}
	// Processes whose Pod is gone altogether (force-deleted): stop them.
	k.mu.Lock()
	var orphans []*podProcess
	for uid, p := range k.procs {
		if !seen[uid] {
			orphans = append(orphans, p)
			delete(k.procs, uid)
		}
	}
	k.mu.Unlock()
	for _, p := range orphans {
		stopProcess(p, 10*time.Second)
	}
	return nil
}

func (k *Kubelet) bind(ctx context.Context, pod *corev1.Pod) error {
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: k.NodeName},
	}
	return k.Client.SubResource("binding").Create(ctx, pod, binding)
}

// ensureRunning starts a Pod's process, or restarts it after a crash once
// its backoff passed.
func (k *Kubelet) ensureRunning(ctx context.Context, pod *corev1.Pod) {
	k.mu.Lock()
	p, ok := k.procs[pod.UID]
	if !ok {
		p = &podProcess{pod: client.ObjectKeyFromObject(pod), uid: pod.UID, logFile: filepath.Join(k.LogDir, pod.Namespace+"_"+pod.Name+".log")}
		k.procs[pod.UID] = p
	}
	k.mu.Unlock()
	if p.cmd != nil {
		select {
		case <-p.exited:
			if p.stopping {
				return
			}
			// Crashed (or exited): restart with backoff, as a kubelet does.
			backoff := min(time.Duration(1<<min(p.restarts, 5))*time.Second, 30*time.Second)
			if p.nextStart.IsZero() {
				p.nextStart = time.Now().Add(backoff)
				k.Log.Info("Worker process exited; restarting", "pod", p.pod.String(), "err", p.exitErr, "backoff", backoff)
			}
			if time.Now().Before(p.nextStart) {
				return
			}
			p.restarts++
			p.nextStart = time.Time{}
		default:
			return
		}
	}
	if err := k.start(ctx, pod, p); err != nil {
		k.Log.Warn("Starting the worker process failed", "pod", p.pod.String(), "err", err)
		p.cmd, p.exited = nil, nil
	}
}

func (k *Kubelet) start(ctx context.Context, pod *corev1.Pod, p *podProcess) error {
	if len(pod.Spec.Containers) == 0 || len(pod.Spec.Containers[0].Command) == 0 {
		return errors.New("the pod's first container has no command")
	}
	c := pod.Spec.Containers[0]
	binary, ok := k.Binaries[filepath.Base(c.Command[0])]
	if !ok {
		return fmt.Errorf("no local binary for command %s (image %s)", c.Command[0], c.Image)
	}
	env, err := k.resolveEnv(ctx, pod, c)
	if err != nil {
		return err
	}
	if p.adminPort == 0 {
		if p.adminPort, err = freePort(); err != nil {
			return err
		}
		for _, port := range c.Ports {
			if port.Name == "http" {
				if p.httpPort, err = freePort(); err != nil {
					return err
				}
			}
		}
	}
	env = append(env, workerconfig.EnvAdminPort+"="+strconv.Itoa(p.adminPort))
	if p.httpPort != 0 {
		env = append(env, workerconfig.EnvHTTPSourcePort+"="+strconv.Itoa(p.httpPort))
	}
	logs, err := os.OpenFile(p.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(binary, append(c.Command[1:], c.Args...)...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logs, logs
	// Its own process group, so that Ctrl-C in a terminal reaches the
	// kubelet, which then stops the workers in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = logs.Close()
		return err
	}
	p.cmd, p.exited, p.ready = cmd, make(chan struct{}), false
	go func(exited chan struct{}) {
		p.exitErr = cmd.Wait()
		_ = logs.Close()
		close(exited)
	}(p.exited)
	k.Log.Info("Started worker process", "pod", p.pod.String(), "pid", cmd.Process.Pid, "log", p.logFile)
	return nil
}

// resolveEnv is the container's environment as a kubelet computes it:
// plain values, the downward API (metadata.name, metadata.namespace,
// status.podIP) and Secrets.
func (k *Kubelet) resolveEnv(ctx context.Context, pod *corev1.Pod, c corev1.Container) ([]string, error) {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	secrets := map[string]*corev1.Secret{}
	secret := func(name string) (*corev1.Secret, error) {
		if s, ok := secrets[name]; ok {
			return s, nil
		}
		s := &corev1.Secret{}
		if err := k.Client.Get(ctx, types.NamespacedName{Namespace: pod.Namespace, Name: name}, s); err != nil {
			return nil, fmt.Errorf("secret %s: %w", name, err)
		}
		secrets[name] = s
		return s, nil
	}
	for _, from := range c.EnvFrom {
		if from.SecretRef == nil {
			continue
		}
		s, err := secret(from.SecretRef.Name)
		if err != nil {
			return nil, err
		}
		for key, v := range s.Data {
			env = append(env, from.Prefix+key+"="+string(v))
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env = append(env, e.Name+"="+e.Value)
		case e.ValueFrom.FieldRef != nil:
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.name":
				env = append(env, e.Name+"="+pod.Name)
			case "metadata.namespace":
				env = append(env, e.Name+"="+pod.Namespace)
			case "status.podIP", "status.hostIP":
				env = append(env, e.Name+"=127.0.0.1")
			default:
				return nil, fmt.Errorf("env %s: field %s is not supported by the process kubelet", e.Name, e.ValueFrom.FieldRef.FieldPath)
			}
		case e.ValueFrom.ResourceFieldRef != nil:
			v, err := resourceFieldValue(c, e.ValueFrom.ResourceFieldRef)
			if err != nil {
				return nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
			env = append(env, e.Name+"="+v)
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			s, err := secret(ref.Name)
			if err != nil {
				return nil, err
			}
			v, ok := s.Data[ref.Key]
			if !ok {
				return nil, fmt.Errorf("env %s: secret %s has no key %s", e.Name, ref.Name, ref.Key)
			}
			env = append(env, e.Name+"="+string(v))
		}
	}
	return env, nil
}

// reportStatus writes the Pod's phase, readiness and restarts.
func (k *Kubelet) reportStatus(ctx context.Context, pod *corev1.Pod) {
	k.mu.Lock()
	p := k.procs[pod.UID]
	k.mu.Unlock()
	if p == nil || p.cmd == nil {
		return
	}
	running := true
	select {
	case <-p.exited:
		running = false
	default:
	}
	ready := running && probe(p.adminPort)
	p.ready = ready

	annotations := map[string]string{
		AnnotationAdminPort: strconv.Itoa(p.adminPort), AnnotationPID: strconv.Itoa(p.cmd.Process.Pid), AnnotationLogFile: p.logFile,
	}
	if p.httpPort != 0 {
		annotations[AnnotationHTTPPort] = strconv.Itoa(p.httpPort)
	}
	needAnnotations := false
	for key, v := range annotations {
		if pod.Annotations[key] != v {
			needAnnotations = true
		}
	}
	if needAnnotations {
		patch := client.MergeFrom(pod.DeepCopy())
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		for key, v := range annotations {
			pod.Annotations[key] = v
		}
		if err := k.Client.Patch(ctx, pod, patch); err != nil {
			return
		}
	}

	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	state := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}
	if !running {
		state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: fmt.Sprint(p.exitErr)}}
	}
	old := pod.Status
	if old.Phase == corev1.PodRunning && len(old.ContainerStatuses) == 1 && old.ContainerStatuses[0].Ready == ready &&
		old.ContainerStatuses[0].RestartCount == p.restarts && (old.ContainerStatuses[0].State.Running != nil) == running {
		return
	}
	if len(old.ContainerStatuses) == 1 && old.ContainerStatuses[0].State.Running != nil && running {
		state.Running.StartedAt = old.ContainerStatuses[0].State.Running.StartedAt
	}
	now := metav1.Now()
	pod.Status.Phase = corev1.PodRunning
	pod.Status.PodIP, pod.Status.HostIP = "127.0.0.1", "127.0.0.1"
	pod.Status.PodIPs = []corev1.PodIP{{IP: "127.0.0.1"}}
	if pod.Status.StartTime == nil {
		pod.Status.StartTime = &now
	}
	pod.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: status, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: status, LastTransitionTime: now},
	}
	c := pod.Spec.Containers[0]
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: c.Name, Image: c.Image, ImageID: "local://" + c.Image, Ready: ready, RestartCount: p.restarts,
		Started: &running, State: state, ContainerID: "process://" + strconv.Itoa(p.cmd.Process.Pid),
	}}
	if err := k.Client.Status().Update(ctx, pod); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
		k.Log.Warn("Updating pod status failed", "pod", p.pod.String(), "err", err)
	}
}

// terminate stops a deleted Pod's process (SIGTERM, the grace period, then
// SIGKILL) in the background and removes the Pod once it is gone.
func (k *Kubelet) terminate(pod *corev1.Pod) {
	k.mu.Lock()
	p, ok := k.procs[pod.UID]
	if ok && p.stopping {
		k.mu.Unlock()
		return
	}
	if ok {
		p.stopping = true
	}
	k.mu.Unlock()
	grace := 30 * time.Second
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	key := client.ObjectKeyFromObject(pod)
	uid := pod.UID
	go func() {
		if ok {
			stopProcess(p, grace)
			k.Log.Info("Stopped worker process", "pod", key.String(), "exit", fmt.Sprint(p.exitErr))
		}
		k.mu.Lock()
		delete(k.procs, uid)
		k.mu.Unlock()
		gone := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace, UID: uid}}
		if err := k.Client.Delete(context.Background(), gone, client.GracePeriodSeconds(0), client.Preconditions{UID: &uid}); err != nil && !apierrors.IsNotFound(err) {
			k.Log.Warn("Removing the pod failed", "pod", key.String(), "err", err)
		}
	}()
}

// stopProcess sends SIGTERM, waits up to grace, then SIGKILL.
func stopProcess(p *podProcess, grace time.Duration) {
	if p.cmd == nil || p.exited == nil {
		return
	}
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// stopAll stops every process, as a node shutting down would.
func (k *Kubelet) stopAll() {
	k.mu.Lock()
	procs := make([]*podProcess, 0, len(k.procs))
	for _, p := range k.procs {
		procs = append(procs, p)
	}
	k.procs = map[types.UID]*podProcess{}
	k.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Go(func() { stopProcess(p, 10*time.Second) })
	}
	wg.Wait()
}

func probe(port int) bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/readyz")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// ProcessPID returns the pid of a Pod's process, for tests that kill it.
func ProcessPID(pod *corev1.Pod) (int, error) {
	return strconv.Atoi(strings.TrimSpace(pod.Annotations[AnnotationPID]))
}

// resourceFieldValue resolves a downward-API resource reference as the
// kubelet does: the container's limit or request divided by the divisor
// (default 1), rounded up. A missing limit, which a kubelet fills from the
// node's allocatable resources, is refused here.
func resourceFieldValue(c corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	var list corev1.ResourceList
	kind, name, _ := strings.Cut(ref.Resource, ".")
	switch kind {
	case "limits":
		list = c.Resources.Limits
	case "requests":
		list = c.Resources.Requests
	}
	q, ok := list[corev1.ResourceName(name)]
	if !ok || (name != "cpu" && name != "memory") {
		return "", fmt.Errorf("resource %s of container %s is unset or not supported by the process kubelet", ref.Resource, c.Name)
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	if name == "cpu" {
		return strconv.FormatInt(ceilDiv(q.MilliValue(), divisor.MilliValue()), 10), nil
	}
	return strconv.FormatInt(ceilDiv(q.Value(), divisor.Value()), 10), nil
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
