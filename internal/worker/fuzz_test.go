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
	"strings"
	"testing"
)

// FuzzRecordTemplate: any template either fails to parse or render with an
// error, or renders a value that is valid JSON; it never panics.
func FuzzRecordTemplate(f *testing.F) {
	for _, seed := range []string{
		`{"id": {{seq}}}`,
		`{"at": "{{now}}", "n": {{randInt 1 5}}, "p": {{randFloat 1 2}}, "x": "{{pick "a" "b"}}", "h": "{{hex 8}}", "u": "{{uuid}}"}`,
		`{"pod": "{{pod}}", "ms": {{unixMillis}}}`,
		`{{randInt 5 1}}`,
		`{{hex 0}}`,
		`{{pick}}`,
		`[{{seq}}, {{seq}}]`,
		`{{`,
		`"plain string"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		rt, err := NewRecordTemplate(value, "k-{{seq}}", "pod-0")
		if err != nil {
			return
		}
		_, rendered, err := rt.Render()
		if err == nil && !json.Valid(rendered) {
			t.Fatalf("template %q rendered invalid JSON without an error: %s", value, rendered)
		}
	})
}

// FuzzParseMessages: any body is either refused with an error or turned
// into records that are each a JSON object; it never panics.
func FuzzParseMessages(f *testing.F) {
	for _, seed := range []struct{ body, key string }{
		{`{"id": "a"}`, "id"},
		{`[{"order": {"id": 1}}, {"order": {"id": "x"}}]`, "order.id"},
		{`[]`, ""},
		{`[1, 2]`, ""},
		{`{"id": {"deep": true}}`, "id"},
		{"{\"id\": \"\xff\"}", ""},
		{`[[[[[[[[[[]]]]]]]]]]`, ""},
		{`   {"a": 1}   `, "a"},
	} {
		f.Add([]byte(seed.body), seed.key)
	}
	f.Fuzz(func(t *testing.T, body []byte, keyField string) {
		msgs, err := ParseMessages(body, keyField)
		if err != nil {
			return
		}
		if len(msgs) == 0 {
			t.Fatal("accepted a body with no records")
		}
		for i, m := range msgs {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(m.Value, &obj); err != nil {
				t.Fatalf("record %d is not a JSON object: %s", i, m.Value)
			}
		}
	})
}

// FuzzValidJSON holds validJSON to encoding/json's Valid on any input.
func FuzzValidJSON(f *testing.F) {
	for _, seed := range []string{
		`{"id": 1, "pad": "xxxx"}`, `[1, -0.5e+3, true, false, null, "a\"b\\c\/\u00e9\n"]`, ` {"a": {"b": []}} `,
		`01`, `-`, `1.`, `1e`, `.5`, `"\x"`, `"\u12"`, "\"tab\there\"", `{"a" 1}`, `{"a": 1,}`, `[1,]`, `{,}`,
		`tru`, `nul`, `"unterminated`, "\"\xff\xfe\"", `{"a":1} x`, ``, ` `, `[[[[]]]]`, `{"":""}`, `1 2`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validJSON(data), json.Valid(data); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", data, got, want)
		}
	})
}

// TestValidJSONDepth: nesting up to encoding/json's limit is valid, one
// more is not, as for json.Valid (too large a seed for the fuzzer to mutate
// quickly).
func TestValidJSONDepth(t *testing.T) {
	for _, depth := range []int{10_000, 10_001} {
		data := []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
		if got, want := validJSON(data), json.Valid(data); got != want || got != (depth <= 10_000) {
			t.Errorf("depth %d: validJSON %v, json.Valid %v", depth, got, want)
		}
	}
}
