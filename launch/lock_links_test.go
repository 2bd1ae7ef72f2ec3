//go:build unix

package launch

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ccq-dev/ccq/recorder"
)

// victim is a file a planted link points at; it must stay as it is.
func victim(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(p, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func assertUntouched(t *testing.T, p string) {
	t.Helper()
	if b, err := os.ReadFile(p); err != nil || string(b) != "keep\n" {
		t.Errorf("%s now %q (%v): written through the link", p, b, err)
	}
}

// TestLocksAndSkipsRefuseLinks: a link planted at a task lock, a slot lock,
// .locks itself or skips.jsonl is refused; what it points at is untouched.
func TestLocksAndSkipsRefuseLinks(t *testing.T) {
	t.Run("task lock", func(t *testing.T) {
		logs, v := t.TempDir(), victim(t)
		os.Mkdir(LocksDir(logs), 0o700)
		if err := os.Symlink(v, TaskLockPath(logs, "nightly")); err != nil {
			t.Fatal(err)
		}
		if l, err := tryLock(TaskLockPath(logs, "nightly")); !errors.Is(err, recorder.ErrSymlink) {
			l.release()
			t.Errorf("tryLock through a link: %v, want ErrSymlink", err)
		}
		assertUntouched(t, v)
		if h := readHolder(TaskLockPath(logs, "nightly")); h.PID != 0 {
			t.Errorf("readHolder read through the link: %+v", h)
		}
	})
	t.Run("slot lock", func(t *testing.T) {
		logs, v := t.TempDir(), victim(t)
		os.Mkdir(LocksDir(logs), 0o700)
		if err := os.Symlink(v, filepath.Join(LocksDir(logs), "slot-0.lock")); err != nil {
			t.Fatal(err)
		}
		if l, err := trySlot(logs, 2); !errors.Is(err, recorder.ErrSymlink) {
			l.release()
			t.Errorf("trySlot through a link: %v, want ErrSymlink", err)
		}
		assertUntouched(t, v)
	})
	t.Run(".locks", func(t *testing.T) {
		logs, elsewhere := t.TempDir(), t.TempDir()
		if err := os.Symlink(elsewhere, LocksDir(logs)); err != nil {
			t.Fatal(err)
		}
		if l, err := tryLock(TaskLockPath(logs, "nightly")); !errors.Is(err, recorder.ErrSymlink) {
			l.release()
			t.Errorf("tryLock under a linked .locks: %v, want ErrSymlink", err)
		}
		if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
			t.Errorf("a lock file was made in the link's target: %v", ents)
		}
	})
	t.Run("skips", func(t *testing.T) {
		logs, v := t.TempDir(), victim(t)
		if err := os.Symlink(v, SkipsPath(logs)); err != nil {
			t.Fatal(err)
		}
		if err := appendSkip(logs, Skip{Task: "nightly", Reason: "overlap"}); !errors.Is(err, recorder.ErrSymlink) {
			t.Errorf("appendSkip through a link: %v, want ErrSymlink", err)
		}
		assertUntouched(t, v)
	})
	t.Run("fifo lock", func(t *testing.T) {
		logs := t.TempDir()
		os.Mkdir(LocksDir(logs), 0o700)
		if err := syscall.Mkfifo(TaskLockPath(logs, "nightly"), 0o600); err != nil {
			t.Fatal(err)
		}
		if l, err := tryLock(TaskLockPath(logs, "nightly")); !errors.Is(err, recorder.ErrNotRegular) {
			l.release()
			t.Errorf("tryLock on a FIFO: %v, want ErrNotRegular", err)
		}
	})
}

// TestLockAndSkipModes: the logs directory, .locks, the lock files and
// skips.jsonl are made 0700 and 0600, as the README says (they were 0755
// and 0644), whatever the umask.
func TestLockAndSkipModes(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	logs := filepath.Join(t.TempDir(), "logs", "scheduler")
	l, err := tryLock(TaskLockPath(logs, "nightly"))
	if err != nil || l == nil {
		t.Fatalf("tryLock: %v", err)
	}
	l.release()
	s, err := trySlot(logs, 1)
	if err != nil || s == nil {
		t.Fatalf("trySlot: %v", err)
	}
	s.release()
	if err := appendSkip(logs, Skip{Task: "nightly", Reason: "overlap"}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{
		logs:                          0o700,
		LocksDir(logs):                0o700,
		TaskLockPath(logs, "nightly"): 0o600,
		filepath.Join(LocksDir(logs), "slot-0.lock"): 0o600,
		SkipsPath(logs): 0o600,
	} {
		st, err := os.Lstat(p)
		if err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, st.Mode().Perm(), err, want)
		}
	}
}
