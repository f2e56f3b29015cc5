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

package worker

import (
	"fmt"
	"sort"
)

// Tracker decides, for one partition, which offset may be committed: one
// past the highest fetched offset below which every fetched record was
// delivered (or dead-lettered). Records may finish out of order when
// several are in flight; the commit never passes a record still in flight.
//
// Offsets need not be contiguous (compaction and transaction markers leave
// gaps): the tracker only knows offsets that were fetched.
type Tracker struct {
	// pending holds fetched offsets not yet committable, ascending.
	pending []trackedOffset
	// next is the offset to commit; -1 until a record was completed.
	next int64
}

type trackedOffset struct {
	offset int64
	done   bool
}

// NewTracker returns a tracker with nothing to commit yet.
func NewTracker() *Tracker { return &Tracker{next: -1} }

// Fetched records that a record was handed out for delivery. Offsets must
// be fetched in ascending order, as Kafka returns them.
func (t *Tracker) Fetched(offset int64) error {
	if n := len(t.pending); (n > 0 && offset <= t.pending[n-1].offset) || (t.next >= 0 && offset < t.next) {
		return fmt.Errorf("offset %d fetched out of order", offset)
	}
	t.pending = append(t.pending, trackedOffset{offset: offset})
	return nil
}

// Done records that a fetched record was delivered, and advances the
// committable offset past every leading record that is done.
func (t *Tracker) Done(offset int64) error {
	i := sort.Search(len(t.pending), func(i int) bool { return t.pending[i].offset >= offset })
	if i == len(t.pending) || t.pending[i].offset != offset {
		return fmt.Errorf("offset %d was not fetched or is already committable", offset)
	}
	t.pending[i].done = true
	advanced := 0
	for advanced < len(t.pending) && t.pending[advanced].done {
		advanced++
	}
	if advanced > 0 {
		t.next = t.pending[advanced-1].offset + 1
		t.pending = append(t.pending[:0], t.pending[advanced:]...)
	}
	return nil
}

// Committable returns the offset to commit (the next record to read) and
// whether there is one.
func (t *Tracker) Committable() (int64, bool) { return t.next, t.next >= 0 }

// InFlight returns how many fetched records are not yet committable.
func (t *Tracker) InFlight() int { return len(t.pending) }
