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

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	kafkav1alpha1 "github.com/vermont-io/kafka-operator/api/v1alpha1"
	"github.com/vermont-io/kafka-operator/internal/testenv"
)

type operatorFigures struct {
	Groups               int     `json:"groups"`
	AllDeploymentsSecs   float64 `json:"secondsUntilEveryDeploymentExists"`
	ApplyP50Millis       float64 `json:"applyToDeploymentP50Millis"`
	ApplyP99Millis       float64 `json:"applyToDeploymentP99Millis"`
	PollIntervalSecs     int     `json:"pollIntervalSeconds"`
	WorstStalenessSecs   float64 `json:"worstStatusStalenessSeconds"`
	GroupsNeverObserved  int     `json:"groupsNeverObserved"`
	PeakRSSMiB           float64 `json:"managerPeakRSSMiB"`
	CPUSeconds           float64 `json:"managerCPUSeconds"`
	KafkaConnections     int     `json:"managerKafkaConnections"`
	ReactionStatusSecs   float64 `json:"lagBurstToDesiredReplicasSeconds"`
	ReactionDeploySecs   float64 `json:"lagBurstToDeploymentReplicasSeconds"`
	ObservationWindowSec float64 `json:"stalenessWindowSeconds"`
}

func benchOperator(s *settings, r *report) {
	kube, err := testenv.StartKubernetes()
	if err != nil {
		fail(err.Error())
	}
	defer func() { _ = kube.Stop() }()
	user, err := kube.Env.AddUser(envtest.User{Name: "bench-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		fail(err.Error())
	}
	kubeconfig, _ := user.KubeConfig()
	dir, _ := os.MkdirTemp("", "vermont-bench-op-")
	defer os.RemoveAll(dir)
	kubeconfigPath := filepath.Join(dir, "kubeconfig")
	_ = os.WriteFile(kubeconfigPath, kubeconfig, 0o600)
	ctx := context.Background()
	// The benchmark's own client must not be the bottleneck.
	fast := rest.CopyConfig(kube.Config)
	fast.QPS, fast.Burst = 1000, 2000
	c, err := client.New(fast, client.Options{Scheme: kube.Scheme})
	if err != nil {
		fail(err.Error())
	}

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}
	if err := c.Create(ctx, ns); err != nil {
		fail(err.Error())
	}
	admin := newAdmin(s.Bootstrap)
	topic := fmt.Sprintf("bench-op-%d", time.Now().UnixNano())
	admin.createTopic(topic, 1)
	defer admin.deleteTopic(topic)
	say("operator: committing an offset for each of %d groups so that each is a real group in Kafka", s.Groups)
	for i := range s.Groups {
		_, err := admin.c.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
			GroupID: groupName(i), GenerationID: -1,
			Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: 0}}},
		})
		if err != nil {
			fail(fmt.Sprintf("committing for %s: %v", groupName(i), err))
		}
	}

	logFile, _ := os.Create(filepath.Join(dir, "manager.log"))
	manager := exec.Command(filepath.Join(s.Bin, "manager"), "--metrics-bind-address=0", "--health-probe-bind-address=0")
	manager.Env = append(os.Environ(), "KUBECONFIG="+kubeconfigPath, "WORKER_IMAGE=bench:latest")
	manager.Stdout, manager.Stderr = logFile, logFile
	if err := manager.Start(); err != nil {
		fail(err.Error())
	}
	defer func() {
		_ = manager.Process.Signal(syscall.SIGTERM)
		_ = manager.Wait()
	}()

	f := operatorFigures{Groups: s.Groups, PollIntervalSecs: s.OperatorPollSecs}
	created := map[string]time.Time{}
	start := time.Now()
	for i := range s.Groups {
		name := fmt.Sprintf("g-%04d", i)
		kcg := &kafkav1alpha1.KafkaConsumerGroup{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "bench"},
			Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
				Kafka:   kafkav1alpha1.KafkaConnection{BootstrapServers: []kafkav1alpha1.BootstrapServer{kafkav1alpha1.BootstrapServer(s.Bootstrap)}},
				Topics:  []kafkav1alpha1.TopicName{kafkav1alpha1.TopicName(topic)},
				GroupID: groupName(i),
				Autoscaling: &kafkav1alpha1.AutoscalingSpec{MinReplicas: ptr.To[int32](1), MaxReplicas: 1, LagPerReplica: 1000,
					PollInterval: metav1.Duration{Duration: time.Duration(s.OperatorPollSecs) * time.Second}},
				Sink: kafkav1alpha1.SinkSpec{Discard: &kafkav1alpha1.DiscardSink{}},
			},
		}
		if err := c.Create(ctx, kcg); err != nil {
			fail(err.Error())
		}
		created[name] = time.Now()
	}
	say("operator: created %d KafkaConsumerGroups in %s", s.Groups, time.Since(start).Round(time.Millisecond))

	seen := map[string]time.Time{}
	for deadline := time.Now().Add(10 * time.Minute); len(seen) < s.Groups; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			fail(fmt.Sprintf("only %d of %d Deployments after 10 minutes", len(seen), s.Groups))
		}
		var list appsv1.DeploymentList
		if err := c.List(ctx, &list, client.InNamespace("bench")); err != nil {
			continue
		}
		now := time.Now()
		for _, d := range list.Items {
			if _, ok := seen[d.Name]; !ok {
				seen[d.Name] = now
			}
		}
	}
	var latencies []float64
	var last time.Time
	for name, t := range seen {
		latencies = append(latencies, t.Sub(created[name]).Seconds()*1000)
		if t.After(last) {
			last = t
		}
	}
	sort.Float64s(latencies)
	f.AllDeploymentsSecs = last.Sub(start).Seconds()
	f.ApplyP50Millis = latencies[len(latencies)/2]
	f.ApplyP99Millis = latencies[len(latencies)*99/100]
	say("operator: every Deployment in %.1fs; apply-to-Deployment p50 %.0fms p99 %.0fms", f.AllDeploymentsSecs, f.ApplyP50Millis, f.ApplyP99Millis)

	// Staleness: over three poll intervals, how old is each group's
	// lastObservedTime at worst (second precision in the API)?
	window := 3 * time.Duration(s.OperatorPollSecs) * time.Second
	f.ObservationWindowSec = window.Seconds()
	warmup := time.Now().Add(time.Duration(s.OperatorPollSecs) * time.Second)
	for end := time.Now().Add(window + time.Duration(s.OperatorPollSecs)*time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		var list kafkav1alpha1.KafkaConsumerGroupList
		if err := c.List(ctx, &list, client.InNamespace("bench")); err != nil {
			continue
		}
		now := time.Now()
		never := 0
		for _, g := range list.Items {
			if g.Status.LastObservedTime == nil {
				never++
				continue
			}
			if now.After(warmup) {
				f.WorstStalenessSecs = max(f.WorstStalenessSecs, now.Sub(g.Status.LastObservedTime.Time).Seconds())
			}
		}
		f.GroupsNeverObserved = never
	}
	pid := manager.Process.Pid
	f.PeakRSSMiB = peakRSSMiB(pid)
	f.CPUSeconds = cpuSeconds(pid)
	f.KafkaConnections = connectionsTo(pid, s.Bootstrap)
	say("operator: worst staleness %.1fs (poll %ds); peak RSS %.0f MiB; CPU %.1fs; %d Kafka connections", f.WorstStalenessSecs, s.OperatorPollSecs, f.PeakRSSMiB, f.CPUSeconds, f.KafkaConnections)

	f.ReactionStatusSecs, f.ReactionDeploySecs = reaction(ctx, c, admin, s)
	say("operator: lag burst to desiredReplicas %.2fs, to Deployment replicas %.2fs", f.ReactionStatusSecs, f.ReactionDeploySecs)
	r.Operator = &f
}

func groupName(i int) string { return fmt.Sprintf("bench-op-group-%04d", i) }

// reaction measures a lag burst on an idle, observed group: until
// status.desiredReplicas changes, and until the Deployment's replicas do.
func reaction(ctx context.Context, c client.Client, admin *admin, s *settings) (float64, float64) {
	topic := fmt.Sprintf("bench-react-%d", time.Now().UnixNano())
	admin.createTopic(topic, 6)
	defer admin.deleteTopic(topic)
	kcg := &kafkav1alpha1.KafkaConsumerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: "reaction", Namespace: "bench"},
		Spec: kafkav1alpha1.KafkaConsumerGroupSpec{
			Kafka:  kafkav1alpha1.KafkaConnection{BootstrapServers: []kafkav1alpha1.BootstrapServer{kafkav1alpha1.BootstrapServer(s.Bootstrap)}},
			Topics: []kafkav1alpha1.TopicName{kafkav1alpha1.TopicName(topic)},
			Autoscaling: &kafkav1alpha1.AutoscalingSpec{MinReplicas: ptr.To[int32](1), MaxReplicas: 6, LagPerReplica: 10,
				PollInterval: metav1.Duration{Duration: time.Duration(s.OperatorPollSecs) * time.Second}},
			Sink: kafkav1alpha1.SinkSpec{Discard: &kafkav1alpha1.DiscardSink{}},
		},
	}
	if err := c.Create(ctx, kcg); err != nil {
		fail(err.Error())
	}
	key := types.NamespacedName{Namespace: "bench", Name: "reaction"}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		_ = c.Get(ctx, key, kcg)
		if kcg.Status.TotalLag != nil {
			break
		}
		if time.Now().After(deadline) {
			fail("the reaction group was never observed")
		}
	}
	w := &kafka.Writer{Addr: kafka.TCP(s.Bootstrap), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond,
		Transport: &kafka.Transport{MetadataTTL: time.Second}}
	defer w.Close()
	msgs := make([]kafka.Message, 600)
	for i := range msgs {
		msgs[i] = kafka.Message{Value: []byte(`{"burst": true}`)}
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		fail(err.Error())
	}
	burst := time.Now()
	var toStatus, toDeploy float64
	for deadline := burst.Add(3 * time.Duration(s.OperatorPollSecs) * time.Second); time.Now().Before(deadline) && (toStatus == 0 || toDeploy == 0); time.Sleep(50 * time.Millisecond) {
		if toStatus == 0 && c.Get(ctx, key, kcg) == nil && kcg.Status.DesiredReplicas > 1 {
			toStatus = time.Since(burst).Seconds()
		}
		var d appsv1.Deployment
		if toDeploy == 0 && c.Get(ctx, key, &d) == nil && d.Spec.Replicas != nil && *d.Spec.Replicas > 1 {
			toDeploy = time.Since(burst).Seconds()
		}
	}
	return toStatus, toDeploy
}

func peakRSSMiB(pid int) float64 {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func cpuSeconds(pid int) float64 {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, 0x29)+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

// connectionsTo counts the process's established TCP connections to the
// broker's port.
func connectionsTo(pid int, bootstrap string) int {
	_, portStr, _ := strings.Cut(bootstrap, ":")
	port, _ := strconv.Atoi(portStr)
	inodes := map[string]bool{}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	count := 0
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, _ := os.ReadFile(table)
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "01" || !inodes[f[9]] { // 01 = ESTABLISHED
				continue
			}
			remote := f[2]
			if p, err := strconv.ParseInt(remote[strings.LastIndexByte(remote, ':')+1:], 16, 32); err == nil && int(p) == port {
				count++
			}
		}
	}
	return count
}
