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
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// MessagesPath is where the HTTP source accepts records.
const MessagesPath = "/v1/messages"

// HTTPSource accepts JSON objects over HTTP and answers only after Kafka
// acknowledged every one of them.
type HTTPSource struct {
	Config  *workerconfig.HTTPSource
	Writer  *kafka.Writer
	Token   string // bearer token required when Config.AuthRequired
	Metrics *Metrics
	Log     *slog.Logger
	// WriteTimeout bounds the wait for Kafka; past it the answer is 503.
	WriteTimeout time.Duration
}

// WrittenRecord is where one posted record landed.
type WrittenRecord struct {
	Partition int   `json:"partition"`
	Offset    int64 `json:"offset"`
}

type messagesResponse struct {
	Records []WrittenRecord `json:"records"`
}

type errorResponse struct {
	Error string `json:"error"`
}

// Server returns the source's HTTP server. Its timeouts bound what a slow
// or stalled client can hold: headers must arrive within
// min(DefaultReadHeaderTimeout, ReadTimeout) or the connection is closed,
// the whole request within ReadTimeout or the answer is 408.
func (s *HTTPSource) Server() *http.Server {
	read := s.Config.ReadTimeout.Duration
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: min(workerconfig.DefaultReadHeaderTimeout, read),
		ReadTimeout:       read,
		// Counted from the end of the headers: the body, then Kafka's
		// acknowledgement, then the answer.
		WriteTimeout:   read + s.WriteTimeout + 5*time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
	}
}

// Handler returns the source's HTTP handler.
func (s *HTTPSource) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(MessagesPath, s.serveMessages)
	return mux
}

func (s *HTTPSource) serveMessages(w http.ResponseWriter, r *http.Request) {
	status, body := s.handle(w, r)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vermont"`)
	}
	if status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	s.Metrics.HTTPRequests.WithLabelValues(strconv.Itoa(status)).Inc()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// handle decides the answer to one request; it writes to Kafka only when
// every record of the request is valid.
func (s *HTTPSource) handle(w http.ResponseWriter, r *http.Request) (int, any) {
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, errorResponse{"use POST"}
	}
	if s.Config.AuthRequired && !s.authorized(r) {
		return http.StatusUnauthorized, errorResponse{"missing or wrong bearer token (Authorization: Bearer <token>)"}
	}
	if mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mediaType != "application/json" {
		return http.StatusUnsupportedMediaType, errorResponse{"Content-Type must be application/json"}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.Config.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return http.StatusRequestEntityTooLarge, errorResponse{fmt.Sprintf("body exceeds %d bytes: split it into several requests", s.Config.MaxBodyBytes)}
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return http.StatusRequestTimeout, errorResponse{fmt.Sprintf("the request was not received within %s (readTimeout): send it at once; nothing was written", s.Config.ReadTimeout.Duration)}
		}
		return http.StatusBadRequest, errorResponse{"reading the body: " + err.Error()}
	}
	msgs, err := ParseMessages(data, s.Config.KeyField)
	if err != nil {
		return http.StatusBadRequest, errorResponse{err.Error() + "; nothing was written"}
	}

	reports := make([]deliveryReport, len(msgs))
	for i := range msgs {
		msgs[i].WriterData = &reports[i]
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.WriteTimeout)
	defer cancel()
	if err := s.Writer.WriteMessages(ctx, msgs...); err != nil {
		s.Metrics.ProduceFailures.Add(float64(len(msgs)))
		if errors.Is(err, kafka.MessageSizeTooLarge) {
			return http.StatusRequestEntityTooLarge, errorResponse{"Kafka refused a record as too large: " + err.Error()}
		}
		s.Log.Warn("Writing posted records to Kafka failed", "records", len(msgs), "err", err)
		return http.StatusServiceUnavailable, errorResponse{"Kafka did not acknowledge the records; retry later: " + err.Error()}
	}
	s.Metrics.Produced.Add(float64(len(msgs)))
	resp := messagesResponse{Records: make([]WrittenRecord, len(reports))}
	for i, rep := range reports {
		resp.Records[i] = WrittenRecord{Partition: rep.partition, Offset: rep.offset}
	}
	return http.StatusOK, resp
}

func (s *HTTPSource) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && s.Token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.Token)) == 1
}

// ParseMessages turns a request body (one JSON object or an array of JSON
// objects) into records, keyed by keyField when it is set. It rejects the
// whole body on the first problem, naming the record.
func ParseMessages(body []byte, keyField string) ([]kafka.Message, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("body is not valid UTF-8")
	}
	trimmed := bytes.TrimSpace(body)
	var objects []json.RawMessage
	switch {
	case len(trimmed) == 0:
		return nil, errors.New("body is empty: post a JSON object or an array of objects")
	case trimmed[0] == '{':
		if !validJSON(trimmed) {
			return nil, errors.New("body is not valid JSON")
		}
		objects = []json.RawMessage{trimmed}
	case trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &objects); err != nil {
			return nil, fmt.Errorf("body is not a valid JSON array: %w", err)
		}
		if len(objects) == 0 {
			return nil, errors.New("body is an empty array: nothing to write")
		}
	default:
		return nil, errors.New("body must be a JSON object or an array of objects")
	}
	path := splitKeyField(keyField)
	msgs := make([]kafka.Message, len(objects))
	for i, obj := range objects {
		obj = bytes.TrimSpace(obj)
		if len(obj) == 0 || obj[0] != '{' {
			return nil, fmt.Errorf("record %d is not a JSON object", i)
		}
		msgs[i].Value = obj
		if path != nil {
			key, err := extractKey(obj, path)
			if err != nil {
				return nil, fmt.Errorf("record %d: %w", i, err)
			}
			msgs[i].Key = key
		}
	}
	return msgs, nil
}

func splitKeyField(keyField string) []string {
	if keyField == "" {
		return nil
	}
	return strings.Split(keyField, ".")
}

// extractKey returns the value at path as the record key: a string as is,
// a number as written.
func extractKey(obj json.RawMessage, path []string) ([]byte, error) {
	current := obj
	for i, name := range path {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(current, &fields); err != nil {
			return nil, fmt.Errorf("key field %s: %s is not an object", strings.Join(path, "."), strings.Join(path[:i], "."))
		}
		next, ok := fields[name]
		if !ok {
			return nil, fmt.Errorf("key field %s is missing", strings.Join(path, "."))
		}
		current = next
	}
	var s string
	if err := json.Unmarshal(current, &s); err == nil {
		return []byte(s), nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(current))
	dec.UseNumber()
	if err := dec.Decode(&n); err == nil {
		return []byte(n.String()), nil
	}
	return nil, fmt.Errorf("key field %s must be a string or a number", strings.Join(path, "."))
}
