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

package workerconfig

import (
	"encoding/json"
	"testing"
)

// FuzzParse: any input is refused with a field error or parses into a
// config that validates and survives a JSON round trip; it never panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte(validConsume))
	f.Add([]byte(`{"mode": "produce", "kafka": {"bootstrapServers": ["k:1"]}, "producer": {"topic": "t", "generator": {"value": "{}"}}}`))
	f.Add([]byte(`{"mode": "produce", "kafka": {"bootstrapServers": ["k:1"], "sasl": {"mechanism": "PLAIN"}, "tls": {"ca": true}}, "producer": {"topic": "t", "http": {"port": 8080}}}`))
	f.Add([]byte(`{"mode": "consume"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"mode": "consume", "consumer": {"backoffMax": "-5s"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, nil)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that does not validate: %v", err)
		}
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(again, nil); err != nil {
			t.Fatalf("a parsed config does not parse again: %v\n%s", err, again)
		}
	})
}
