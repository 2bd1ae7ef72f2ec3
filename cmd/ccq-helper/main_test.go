package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestUsage: bad arguments are ccq's usage errors (exit 2, one
// "ccq: error:" line), since ccq passes the helper's stderr and exit code
// through; a failure is exit 1.
func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, exitUsage, "ccq-helper is run by ccq"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"metrics", "--bogus"}, exitUsage, "metrics: flag provided but not defined: -bogus"},
		{[]string{"metrics"}, exitUsage, "metrics: --history is required"},
		{[]string{"export", "otlp", "--history", "/h", "extra"}, exitUsage, `export otlp: unexpected argument "extra"`},
		{[]string{"export", "otlp", "--history", "/nonexistent/h"}, exitFailure, "export otlp: no OTLP endpoint for logs"},
		{[]string{"metrics", "serve", "--history", "/h", "--listen", "nonsense"}, exitFailure, "metrics serve: listen tcp: address nonsense"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, nil, &stdout, &stderr, []string{"HOME=/no-home"})
			if code != tt.code || !strings.HasPrefix(stderr.String(), "ccq: error: "+tt.msg) || stdout.Len() != 0 {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d, ccq: error: %s", code, stderr.String(), stdout.String(), tt.code, tt.msg)
			}
		})
	}
	var stdout bytes.Buffer
	if code := run([]string{"--version"}, nil, &stdout, &stdout, nil); code != 0 || !strings.HasPrefix(stdout.String(), "ccq-helper version ") {
		t.Errorf("--version: exit %d, %q", code, stdout.String())
	}
}
