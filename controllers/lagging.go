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

package controllers

import (
	"fmt"
	"sort"
	"strings"
)

// LagStatus is the Burrow-style verdict on a partition or a group.
type LagStatus string

// Verdicts, from best to worst.
const (
	LagOK      LagStatus = "OK"
	LagWarning LagStatus = "Warning"
	LagStalled LagStatus = "Stalled"
	LagStopped LagStatus = "Stopped"
)

func severity(s LagStatus) int {
	switch s {
	case LagWarning:
		return 1
	case LagStalled:
		return 2
	case LagStopped:
		return 3
	}
	return 0
}

// PartitionSample is one observation of one partition.
type PartitionSample struct {
	Committed int64 // -1: no commit
	Lag       int64
	// Held is true when a group member held the partition.
	Held bool
}

// EvaluatePartition judges a window of observations of one partition,
// oldest first, by Burrow's rules: OK if the lag reached zero in the
// window; Stopped if nobody committed during the whole window (no commit at
// all, or an unmoving offset with no member holding the partition); Stalled
// if a member holds it but the committed offset did not move while lag
// stayed above zero; Warning if the committed offset moves but the lag only
// grew; OK otherwise.
func EvaluatePartition(window []PartitionSample) LagStatus {
	if len(window) < 2 {
		return LagOK
	}
	moved, grewOnly := false, true
	for i, s := range window {
		if s.Lag == 0 {
			return LagOK
		}
		if i > 0 {
			if s.Committed != window[i-1].Committed {
				moved = true
			}
			if s.Lag < window[i-1].Lag {
				grewOnly = false
			}
		}
	}
	last := window[len(window)-1]
	switch {
	case !moved && (last.Committed < 0 || !last.Held):
		return LagStopped
	case !moved:
		return LagStalled
	case grewOnly && last.Lag > window[0].Lag:
		return LagWarning
	}
	return LagOK
}

// GroupLagVerdict is the worst partition verdict, with the partitions that
// have it, for the Lagging condition.
type GroupLagVerdict struct {
	Status     LagStatus
	Partitions []string // "topic/partition", sorted
}

// EvaluateGroup judges every partition's window and keeps the worst.
func EvaluateGroup(windows map[string][]PartitionSample) GroupLagVerdict {
	v := GroupLagVerdict{Status: LagOK}
	for partition, window := range windows {
		s := EvaluatePartition(window)
		switch {
		case severity(s) > severity(v.Status):
			v = GroupLagVerdict{Status: s, Partitions: []string{partition}}
		case s == v.Status && s != LagOK:
			v.Partitions = append(v.Partitions, partition)
		}
	}
	sort.Strings(v.Partitions)
	return v
}

// Message describes the verdict for a person.
func (v GroupLagVerdict) Message(windowSize int) string {
	if v.Status == LagOK {
		return fmt.Sprintf("every partition caught up or is progressing over the last %d observations", windowSize)
	}
	shown := v.Partitions
	more := ""
	if len(shown) > 5 {
		more = fmt.Sprintf(" and %d more", len(shown)-5)
		shown = shown[:5]
	}
	what := map[LagStatus]string{
		LagWarning: "lag only grew although offsets are committed",
		LagStalled: "a member holds it but the committed offset did not move while lag stayed above zero",
		LagStopped: "no commit during the whole window while lag stayed above zero",
	}[v.Status]
	return fmt.Sprintf("%s: %s%s (over the last %d observations)", what, strings.Join(shown, ", "), more, windowSize)
}
