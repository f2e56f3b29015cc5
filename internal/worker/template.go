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
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strconv"
	"sync/atomic"
	"text/template"
	"time"
)

// RecordTemplate renders generator records: a value that must be JSON and
// an optional key. The functions are those of DESIGN 3.3: seq, now,
// unixMillis, uuid, randInt, randFloat, pick, pod, hex. A RecordTemplate is
// not safe for concurrent use; its forks render concurrently with it.
type RecordTemplate struct {
	value *template.Template
	key   *template.Template
	// counter is shared with the forks, so that seq stays unique; seq is
	// the number of the record this template renders now.
	counter *atomic.Int64
	seq     int64
	buf     bytes.Buffer
	source  [3]string // value, key, pod: what Fork parses again
}

// NewRecordTemplate parses the templates. pod is the value of {{pod}}.
func NewRecordTemplate(value, key, pod string) (*RecordTemplate, error) {
	return parseRecordTemplate(value, key, pod, &atomic.Int64{})
}

// Fork returns a template of the same source that renders concurrently
// with rt and shares its sequence: seq stays unique across them.
func (rt *RecordTemplate) Fork() *RecordTemplate {
	fork, err := parseRecordTemplate(rt.source[0], rt.source[1], rt.source[2], rt.counter)
	if err != nil {
		panic("a parsed template failed to parse again: " + err.Error())
	}
	return fork
}

func parseRecordTemplate(value, key, pod string, counter *atomic.Int64) (*RecordTemplate, error) {
	rt := &RecordTemplate{counter: counter, source: [3]string{value, key, pod}}
	funcs := template.FuncMap{
		"seq":        func() int64 { return rt.seq },
		"now":        func() string { return time.Now().UTC().Format(time.RFC3339Nano) },
		"unixMillis": func() int64 { return time.Now().UnixMilli() },
		"uuid":       newUUID,
		"randInt":    randInt,
		"randFloat":  randFloat,
		"pick":       pick,
		"pod":        func() string { return pod },
		"hex":        randHex,
	}
	var err error
	if rt.value, err = template.New("value").Funcs(funcs).Option("missingkey=error").Parse(value); err != nil {
		return nil, fmt.Errorf("value template: %w", err)
	}
	if key != "" {
		if rt.key, err = template.New("key").Funcs(funcs).Option("missingkey=error").Parse(key); err != nil {
			return nil, fmt.Errorf("key template: %w", err)
		}
	}
	return rt, nil
}

// CheckedRecordTemplate parses the templates and test-renders one record
// with a throwaway copy, so that a template that does not render JSON is a
// configuration error before anything is sent.
func CheckedRecordTemplate(value, key, pod string) (*RecordTemplate, error) {
	probe, err := NewRecordTemplate(value, key, pod)
	if err != nil {
		return nil, err
	}
	if _, _, err := probe.Render(); err != nil {
		return nil, err
	}
	return NewRecordTemplate(value, key, pod)
}

// Render renders the next record: seq counts from 1 per template. The value
// is checked to be valid JSON; the key, when there is a key template, is
// returned as rendered. The returned slices are the caller's.
func (rt *RecordTemplate) Render() (key, value []byte, err error) {
	n := rt.counter.Add(1)
	rt.seq = n
	rt.buf.Reset()
	if err := rt.value.Execute(&rt.buf, nil); err != nil {
		return nil, nil, fmt.Errorf("value template, record %d: %w", n, err)
	}
	if !validJSON(rt.buf.Bytes()) {
		return nil, nil, fmt.Errorf("value template, record %d: rendered invalid JSON: %.200s", n, rt.buf.String())
	}
	value = bytes.Clone(rt.buf.Bytes())
	if rt.key != nil {
		rt.buf.Reset()
		if err := rt.key.Execute(&rt.buf, nil); err != nil {
			return nil, nil, fmt.Errorf("key template, record %d: %w", n, err)
		}
		key = bytes.Clone(rt.buf.Bytes())
	}
	return key, value, nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// randInt returns an integer in [a, b].
func randInt(a, b int) (int, error) {
	if b < a {
		return 0, fmt.Errorf("randInt %d %d: the second bound must not be below the first", a, b)
	}
	return a + mrand.IntN(b-a+1), nil
}

// randFloat returns a float in [a, b), written with two decimals so that it
// reads as money or a measurement in JSON.
func randFloat(a, b float64) (string, error) {
	if b < a {
		return "", fmt.Errorf("randFloat %g %g: the second bound must not be below the first", a, b)
	}
	// Rounding to two decimals could reach b (8.996 reads 9.00); cutting
	// the digits off cannot. Bounds with at most two decimals stay exact.
	cents := math.Floor((a + mrand.Float64()*(b-a)) * 100)
	return strconv.FormatFloat(max(cents/100, a), 'f', 2, 64), nil
}

func pick(choices ...string) (string, error) {
	if len(choices) == 0 {
		return "", fmt.Errorf("pick needs at least one choice")
	}
	return choices[mrand.IntN(len(choices))], nil
}

func randHex(n int) (string, error) {
	if n < 1 || n > 1024 {
		return "", fmt.Errorf("hex %d: the length must be in 1..1024", n)
	}
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n], nil
}
