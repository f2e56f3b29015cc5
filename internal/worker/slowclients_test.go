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

package worker_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHTTPSourceSlowClients holds the HTTP source's connections open the
// ways slow or hostile clients do, 8 of each kind at once. Each gets the
// answer its kind deserves within the read timeout (3 s here; 60 s by
// default), nothing reaches Kafka, and a good client is served while they
// hang on.
func TestHTTPSourceSlowClients(t *testing.T) {
	const readTimeout, perKind = 3 * time.Second, 8
	topic := kfk.CreateTopic(t, 1)
	source := startHTTPSource(t, topic, `, "keyField": "id", "readTimeout": "3s"`, nil)
	u, err := url.Parse(source)
	if err != nil {
		t.Fatal(err)
	}
	before := kfk.EndOffsets(t, topic)[0]

	headers := "POST " + u.Path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/json\r\n"
	for _, tc := range []struct {
		name string
		// send writes what the client sends; it trickles or stalls.
		send func(conn net.Conn)
		// want is the status line the client gets, "" for a connection
		// closed without an answer.
		want string
	}{
		{"connects and says nothing", func(net.Conn) {}, ""},
		{"headers one line every 500 ms, never finished", func(conn net.Conn) {
			trickle(conn, []string{headers}, 0)
			for i := 0; ; i++ {
				if !trickle(conn, []string{fmt.Sprintf("X-Slow-%d: 1\r\n", i)}, 500*time.Millisecond) {
					return
				}
			}
		}, ""},
		{"body one byte every 300 ms", func(conn net.Conn) {
			body := `{"id": "slow", "padding": "................"}`
			trickle(conn, []string{headers + fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))}, 0)
			trickle(conn, strings.Split(body, ""), 300*time.Millisecond)
		}, "HTTP/1.1 408 Request Timeout"},
		{"body stalls halfway", func(conn net.Conn) {
			trickle(conn, []string{headers + "Content-Length: 40\r\n\r\n" + `{"id": "stalled", `}, 0)
		}, "HTTP/1.1 408 Request Timeout"},
		{"chunked body that never ends", func(conn net.Conn) {
			trickle(conn, []string{headers + "Transfer-Encoding: chunked\r\n\r\n", "5\r\n{\"id\"\r\n"}, 0)
		}, "HTTP/1.1 408 Request Timeout"},
		{"headers over 64 KiB", func(conn net.Conn) {
			trickle(conn, []string{headers + "X-Huge: " + strings.Repeat("h", 70<<10) + "\r\n\r\n"}, 0)
		}, "HTTP/1.1 431 Request Header Fields Too Large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var wg sync.WaitGroup
			errs := make(chan error, perKind)
			for range perKind {
				wg.Go(func() { errs <- slowClient(u.Host, tc.send, tc.want, readTimeout) })
			}
			// While they hang on, a good client is served.
			start := time.Now()
			if status, _, _ := post(t, source, "application/json", "", fmt.Sprintf(`{"id": %q}`, tc.name)); status != http.StatusOK {
				t.Errorf("a good request while %d slow clients hang on: %d", perKind, status)
			} else if took := time.Since(start); took > readTimeout/2 {
				t.Errorf("a good request took %s while slow clients hang on", took)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		// Only the good requests, one per kind, were written.
		if after := kfk.EndOffsets(t, topic)[0]; after != before+6 {
			t.Errorf("%d records written; want the 6 good ones only", after-before)
		}
	})
}

// trickle writes the parts one by one, pausing between them; false when
// the server has closed the connection.
func trickle(conn net.Conn, parts []string, pause time.Duration) bool {
	for _, p := range parts {
		time.Sleep(pause) // the client's own slowness, not synchronisation
		if _, err := io.WriteString(conn, p); err != nil {
			return false
		}
	}
	return true
}

// slowClient connects, sends as told (in the background, as a slow client
// keeps sending), and checks the server's answer and that it came within
// the read timeout and a margin.
func slowClient(addr string, send func(net.Conn), want string, readTimeout time.Duration) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	start := time.Now()
	go send(conn)
	_ = conn.SetReadDeadline(time.Now().Add(readTimeout + 5*time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	took := time.Since(start)
	var timeout net.Error
	switch {
	case errors.As(err, &timeout) && timeout.Timeout():
		return fmt.Errorf("the server still held the connection after %s (read timeout %s)", took.Round(time.Millisecond), readTimeout)
	case want == "" && status != "":
		return fmt.Errorf("answered %q; want the connection closed", status)
	case want != "" && err != nil:
		return fmt.Errorf("no answer after %s: %w; want %q", took.Round(time.Millisecond), err, want)
	case want != "" && strings.TrimSpace(status) != want:
		return fmt.Errorf("answered %q after %s; want %q", status, took.Round(time.Millisecond), want)
	}
	return nil
}
