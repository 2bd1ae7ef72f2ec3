//go:build unix

package stats

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// TestCacheFIFOAndDevice: a FIFO or a link to /dev/zero planted at the
// summary cache path is neither read (a FIFO hung stats, /dev/zero filled
// memory) nor replaced; the figures are computed from the history.
func TestCacheFIFOAndDevice(t *testing.T) {
	for _, kind := range []string{"fifo", "zero"} {
		t.Run(kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), recorder.HistoryName)
			appendFile(t, path, randomLines(t, rand.New(rand.NewPCG(5, 6)), 50, day0, time.Hour))
			cache := CachePath(path)
			if err := os.MkdirAll(filepath.Dir(cache), 0o700); err != nil {
				t.Fatal(err)
			}
			var err error
			if kind == "fifo" {
				err = syscall.Mkfifo(cache, 0o600)
				t.Cleanup(func() { // let a regressed open go
					if r, err := os.OpenFile(cache, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
						if w, err := os.OpenFile(cache, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
							w.Close()
						}
						r.Close()
					}
				})
			} else {
				err = os.Symlink("/dev/zero", cache)
			}
			if err != nil {
				t.Fatal(err)
			}
			want := show(compute(t, path, Options{}))
			done := make(chan string, 1)
			go func() { done <- show(compute(t, path, Options{Cache: cache})) }()
			select {
			case got := <-done:
				if got != want {
					t.Errorf("with a %s at the cache path\n%s\nwant\n%s", kind, got, want)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("Compute still blocked on the %s cache after 20s", kind)
			}
			st, err := os.Lstat(cache)
			if err != nil || st.Mode().IsRegular() {
				t.Errorf("the %s at the cache path was replaced: %v %v", kind, st, err)
			}
		})
	}
}
