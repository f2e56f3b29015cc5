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
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestRecordTemplateRendersJSON(t *testing.T) {
	rt, err := NewRecordTemplate(
		`{"id": {{seq}}, "uuid": "{{uuid}}", "at": "{{now}}", "ms": {{unixMillis}}, "n": {{randInt 1 3}}, "price": {{randFloat 2 9}}, "item": "{{pick "a" "b"}}", "pod": "{{pod}}", "tag": "{{hex 6}}"}`,
		`customer-{{randInt 1 100}}`, "orders-7d9f-abcde")
	if err != nil {
		t.Fatal(err)
	}
	uuidRe := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for want := 1; want <= 100; want++ {
		key, value, err := rt.Render()
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			ID    int     `json:"id"`
			UUID  string  `json:"uuid"`
			At    string  `json:"at"`
			MS    int64   `json:"ms"`
			N     int     `json:"n"`
			Price float64 `json:"price"`
			Item  string  `json:"item"`
			Pod   string  `json:"pod"`
			Tag   string  `json:"tag"`
		}
		if err := json.Unmarshal(value, &v); err != nil {
			t.Fatalf("record %d is not JSON: %v: %s", want, err, value)
		}
		switch {
		case v.ID != want:
			t.Fatalf("seq = %d, want %d", v.ID, want)
		case !uuidRe.MatchString(v.UUID):
			t.Fatalf("uuid %q is not a v4 UUID", v.UUID)
		case v.N < 1 || v.N > 3, v.Price < 2 || v.Price >= 9, v.Item != "a" && v.Item != "b":
			t.Fatalf("random values out of range: %s", value)
		case v.Pod != "orders-7d9f-abcde", len(v.Tag) != 6, v.MS == 0, !strings.HasSuffix(v.At, "Z"):
			t.Fatalf("unexpected record: %s", value)
		case !strings.HasPrefix(string(key), "customer-"):
			t.Fatalf("key %q does not follow its template", key)
		}
	}
}

func TestRecordTemplateErrors(t *testing.T) {
	for _, tt := range []struct{ value, want string }{
		{`{"id": {{seq}`, "value template"},
		{`{"id": {{nosuchfunc}}}`, `function "nosuchfunc" not defined`},
		{`{"name": {{pick "a" "b"}}}`, "rendered invalid JSON"},
		{`{"n": {{randInt 5 1}}}`, "must not be below the first"},
	} {
		rt, err := NewRecordTemplate(tt.value, "", "pod")
		if err == nil {
			_, _, err = rt.Render()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("template %s: error %v, want it to mention %q", tt.value, err, tt.want)
		}
	}
}

func BenchmarkRecordTemplate(b *testing.B) {
	rt, err := NewRecordTemplate(`{"orderId": "{{uuid}}", "seq": {{seq}}, "item": "{{pick "espresso" "latte"}}", "quantity": {{randInt 1 5}}, "at": "{{now}}"}`, `customer-{{randInt 1 100}}`, "pod")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := rt.Render(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMessages(b *testing.B) {
	var body strings.Builder
	body.WriteString("[")
	for i := range 100 {
		if i > 0 {
			body.WriteString(",")
		}
		fmt.Fprintf(&body, `{"order": {"id": "o-%d"}, "total": %d.5, "items": ["latte", "mocha"]}`, i, i)
	}
	body.WriteString("]")
	data := []byte(body.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMessages(data, "order.id"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestForksShareTheSequence: a template and its forks render at once, and
// seq stays unique and gapless across them.
func TestForksShareTheSequence(t *testing.T) {
	const forks, each = 4, 500
	rt, err := NewRecordTemplate(`{"seq": {{seq}}, "pod": "{{pod}}"}`, "", "p")
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan int64, forks*each)
	errs := make(chan error, forks)
	var wg sync.WaitGroup
	for i := range forks {
		tmpl := rt
		if i > 0 {
			tmpl = rt.Fork()
		}
		wg.Go(func() {
			for range each {
				_, value, err := tmpl.Render()
				if err != nil {
					errs <- err
					return
				}
				var v struct{ Seq int64 }
				if err := json.Unmarshal(value, &v); err != nil {
					errs <- err
					return
				}
				results <- v.Seq
			}
		})
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for s := range results {
		if seen[s] || s < 1 || s > forks*each {
			t.Fatalf("seq %d repeated or outside 1..%d", s, forks*each)
		}
		seen[s] = true
	}
	if len(seen) != forks*each {
		t.Fatalf("%d distinct seqs, want %d", len(seen), forks*each)
	}
}

// BenchmarkValidJSON: the check of every generated value, on the 1 KiB
// record of `make bench`, against encoding/json's Valid.
func BenchmarkValidJSON(b *testing.B) {
	value := []byte(`{"id": 12345, "pad": "` + strings.Repeat("x", 1000) + `"}`)
	b.Run("validJSON", func(b *testing.B) {
		b.SetBytes(int64(len(value)))
		for b.Loop() {
			_ = validJSON(value)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(value)))
		for b.Loop() {
			_ = json.Valid(value)
		}
	})
}

// TestRandFloatStaysBelowItsUpperBound: two decimals never round up to b.
func TestRandFloatStaysBelowItsUpperBound(t *testing.T) {
	for range 200_000 {
		s, err := randFloat(2, 9)
		if err != nil {
			t.Fatal(err)
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 2 || f >= 9 || len(s) != len("2.00") {
			t.Fatalf("randFloat 2 9 = %q (%v), want two decimals in [2, 9)", s, err)
		}
	}
}
