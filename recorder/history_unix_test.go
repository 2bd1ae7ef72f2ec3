//go:build unix

package recorder

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestAppendCreatesPrivateFiles(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "logs", "scheduler")
	e := Entry{TaskID: "t"}
	if err := Append(dir, &e); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: DirMode, filepath.Dir(dir): DirMode, HistoryPath(dir): FileMode} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
}
