package report

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

// TestCSPHashes: the page's Content-Security-Policy names the hashes of
// the style and script it embeds, or the browser applies neither.
func TestCSPHashes(t *testing.T) {
	for _, f := range []struct{ name, body, have string }{
		{"styleHash", styleCSS, styleHash},
		{"scriptHash", scriptJS, scriptHash},
	} {
		h := sha256.Sum256([]byte(f.body))
		if want := "sha256-" + base64.StdEncoding.EncodeToString(h[:]); f.have != want {
			t.Errorf("report/render.go: %s = %q, want %q (the embedded file changed)", f.name, f.have, want)
		}
	}
}
