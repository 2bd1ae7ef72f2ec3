// Package fakeapi serves a fake Anthropic Messages API on 127.0.0.1 for tests
// that run the real Claude Code binary.
//
// It speaks the streaming (SSE) dialect that Claude Code 2.1.328 was seen to
// accept (see the fixtures sse-text.txt and sse-tool-use.txt): message_start,
// content blocks with text or input_json deltas, message_delta with the final
// usage, message_stop. Request n (counting from 1) is served the usage
// input 100+n, output 10+n, cache creation 1000+n, cache read 5000+n, so every
// token total a test checks can be traced back to the requests served.
package fakeapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kind says how the server answers one request.
type Kind int

// The kinds of answer.
const (
	// Text answers with one text block and stop_reason end_turn.
	Text Kind = iota
	// ToolUse answers with a text block and a Bash tool call, stop_reason tool_use.
	ToolUse
	// Error answers with an HTTP error status and an Anthropic error body.
	Error
	// Hang accepts the request and never answers until the client goes away
	// or the server is closed.
	Hang
	// Stall opens the stream (status 200, message_start, a ping) and then
	// sends nothing more until the client goes away or the server is closed:
	// a connection that hangs mid-answer.
	Stall
)

// Reply describes the answer to one request.
type Reply struct {
	Kind    Kind
	Text    string // Text and ToolUse: the text block
	Command string // ToolUse: the Bash command to run
	// Tool and Input, if Tool is set, make a ToolUse answer call that tool
	// with that input instead of Bash (StructuredOutput, for --json-schema).
	Tool   string
	Input  any
	Status int // Error: HTTP status
	// Headers are added to the response (rate-limit headers on a 429).
	Headers map[string]string
}

// Usage is a token count as the API reports it.
type Usage struct {
	Input, Output, CacheCreation, CacheRead int64
}

// Total is the sum of all four counts.
func (u Usage) Total() int64 { return u.Input + u.Output + u.CacheCreation + u.CacheRead }

// UsageFor is the usage served to request n (counting from 1).
func UsageFor(n int) Usage {
	return Usage{Input: 100 + int64(n), Output: 10 + int64(n), CacheCreation: 1000 + int64(n), CacheRead: 5000 + int64(n)}
}

// Script decides the answer to request n (counting from 1). body is the
// request body as sent.
type Script func(n int, body []byte) Reply

// Server is a running fake API.
type Server struct {
	URL string

	mu       sync.Mutex
	requests int
	last     time.Time // when the last request arrived
	served   Usage     // usage of the successful answers only
	bodies   [][]byte
	srv      *http.Server
	done     chan struct{}
}

// Start serves script on a free port of 127.0.0.1 until the test ends.
func Start(t testing.TB, script Script) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fakeapi: listen: %v", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), done: make(chan struct{})}
	s.srv = &http.Server{Handler: s.handler(script), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and releases hanging requests.
func (s *Server) Close() {
	select {
	case <-s.done:
		return
	default:
		close(s.done)
	}
	s.srv.Close()
}

// Requests is the number of Messages requests received so far.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// LastRequest is when the last Messages request arrived (zero if none).
func (s *Server) LastRequest() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Served is the total usage of all successful answers so far.
func (s *Server) Served() Usage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

// Bodies returns copies of the request bodies received so far.
func (s *Server) Bodies() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

func (s *Server) handler(script Script) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Claude Code routes proxy requests here too when HTTPS_PROXY points
		// at us; refuse them so nothing leaves the machine.
		if r.Method == http.MethodConnect || !strings.HasPrefix(r.URL.Path, "/v1/messages") {
			http.Error(w, "not served by fakeapi", http.StatusNotFound)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/v1/messages/count_tokens") {
			writeJSON(w, http.StatusOK, map[string]any{"input_tokens": 100})
			return
		}
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.requests++
		s.last = time.Now()
		n := s.requests
		s.bodies = append(s.bodies, body)
		s.mu.Unlock()

		reply := script(n, body)
		for k, v := range reply.Headers {
			w.Header().Set(k, v)
		}
		switch reply.Kind {
		case Error:
			s.writeError(w, reply.Status)
		case Hang:
			s.hang(r)
		case Stall:
			writeStall(w, n)
			s.hang(r)
		default:
			u := UsageFor(n)
			s.mu.Lock()
			s.served.Input += u.Input
			s.served.Output += u.Output
			s.served.CacheCreation += u.CacheCreation
			s.served.CacheRead += u.CacheRead
			s.mu.Unlock()
			writeStream(w, n, reply, u)
		}
	}
}

// hang waits until the client goes away or the server is closed.
func (s *Server) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

// writeStall starts an answer and flushes it, as a server does before it
// stops sending.
func writeStall(w http.ResponseWriter, n int) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("request-id", fmt.Sprintf("req_fake_%04d", n))
	w.WriteHeader(http.StatusOK)
	start, _ := json.Marshal(map[string]any{"type": "message_start", "message": map[string]any{
		"id": fmt.Sprintf("msg_fake_%04d_stall", n), "type": "message", "role": "assistant", "model": "claude-opus-5-5",
		"content": []any{}, "stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": 0, "output_tokens": 1}}})
	fmt.Fprintf(w, "event: message_start\ndata: %s\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n", start)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

func (s *Server) writeError(w http.ResponseWriter, status int) {
	typ := "api_error"
	switch status {
	case 429:
		typ = "rate_limit_error"
	case 529:
		typ = "overloaded_error"
	case 400, 413:
		typ = "invalid_request_error"
	case 401:
		typ = "authentication_error"
	}
	writeJSON(w, status, map[string]any{
		"type":  "error",
		"error": map[string]any{"type": typ, "message": fmt.Sprintf("fake failure %d", status)},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", "req_fake_error")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

type event struct {
	name string
	data any
}

func writeStream(w http.ResponseWriter, n int, reply Reply, u Usage) {
	id := fmt.Sprintf("msg_fake_%04d_%08x", n, time.Now().UnixNano()&0xffffffff)
	text := reply.Text
	if text == "" {
		text = "Hi! This is the fake API answering."
	}
	stop := "end_turn"
	startUsage := map[string]any{
		"input_tokens": u.Input, "cache_creation_input_tokens": u.CacheCreation,
		"cache_read_input_tokens": u.CacheRead, "output_tokens": 1,
		"cache_creation": map[string]any{"ephemeral_5m_input_tokens": u.CacheCreation, "ephemeral_1h_input_tokens": 0},
		"service_tier":   "standard",
	}
	evs := []event{
		{"message_start", map[string]any{"type": "message_start", "message": map[string]any{
			"id": id, "type": "message", "role": "assistant", "model": "claude-opus-5-5",
			"content": []any{}, "stop_reason": nil, "stop_sequence": nil, "usage": startUsage}}},
		{"content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "text", "text": ""}}},
		{"ping", map[string]any{"type": "ping"}},
	}
	for i, word := range strings.SplitAfter(text, " ") {
		_ = i
		evs = append(evs, event{"content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": word}}})
	}
	evs = append(evs, event{"content_block_stop", map[string]any{"type": "content_block_stop", "index": 0}})
	if reply.Kind == ToolUse {
		stop = "tool_use"
		tool := "Bash"
		input, _ := json.Marshal(map[string]any{"command": reply.Command, "description": "Run a command"})
		if reply.Tool != "" {
			tool = reply.Tool
			input, _ = json.Marshal(reply.Input)
		}
		evs = append(evs,
			event{"content_block_start", map[string]any{"type": "content_block_start", "index": 1,
				"content_block": map[string]any{"type": "tool_use", "id": fmt.Sprintf("toolu_fake_%04d", n), "name": tool, "input": map[string]any{}}}},
			event{"content_block_delta", map[string]any{"type": "content_block_delta", "index": 1,
				"delta": map[string]any{"type": "input_json_delta", "partial_json": string(input)}}},
			event{"content_block_stop", map[string]any{"type": "content_block_stop", "index": 1}},
		)
	}
	evs = append(evs,
		event{"message_delta", map[string]any{"type": "message_delta",
			"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
			"usage": map[string]any{"input_tokens": u.Input, "cache_creation_input_tokens": u.CacheCreation,
				"cache_read_input_tokens": u.CacheRead, "output_tokens": u.Output}}},
		event{"message_stop", map[string]any{"type": "message_stop"}},
	)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("request-id", fmt.Sprintf("req_fake_%04d", n))
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	for _, e := range evs {
		b, _ := json.Marshal(e.data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.name, b)
		if fl != nil {
			fl.Flush()
		}
	}
}
