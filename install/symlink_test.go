package install

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// foreignUID owns the links the tests plant as "another user".
const foreignUID = 4242

// plantForeign makes path (a link, not its target) belong to another user:
// chown as root, else pretend this process is someone else.
func plantForeign(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() == 0 {
		if err := os.Lchown(path, foreignUID, foreignUID); err != nil {
			t.Fatal(err)
		}
		return
	}
	saved := euid
	euid = func() int { return os.Geteuid() + 1 }
	t.Cleanup(func() { euid = saved })
}

// outside is a file in its own folder that no install may touch.
func outside(t *testing.T) (path string, check func()) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "victim")
	const content = "do not touch\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, func() {
		t.Helper()
		if got := mustRead(t, path); got != content {
			t.Errorf("%s was written: %q", path, got)
		}
		if entries, err := os.ReadDir(filepath.Dir(path)); err != nil || len(entries) != 1 {
			t.Errorf("files appeared beside %s: %v", path, entries)
		}
	}
}

// TestBackupLinkIsReplaced: a symlink planted at the backup's name is
// replaced by the backup, never written through.
func TestBackupLinkIsReplaced(t *testing.T) {
	victim, check := outside(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(p, []byte(otherSettings), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, p+BackupSuffix); err != nil {
		t.Fatal(err)
	}
	c, err := Install(p, goldenCommand, Options{})
	if err != nil {
		t.Fatal(err)
	}
	check()
	fi, err := os.Lstat(c.Backup)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup: %v %v", fi, err)
	}
	if got := mustRead(t, c.Backup); got != otherSettings {
		t.Errorf("backup = %q", got)
	}
}

// TestUntrustedSymlink: a settings file that is another user's link, or
// whose link leads to another user's file, is refused and nothing is
// written anywhere.
func TestUntrustedSymlink(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, link, victim string)
		want  string
	}{
		{
			name: "link owned by another user",
			setup: func(t *testing.T, link, victim string) {
				if err := os.Symlink(victim, link); err != nil {
					t.Fatal(err)
				}
				plantForeign(t, link)
			},
			want: ": is a symlink that belongs to another user (uid ",
		},
		{
			name: "another user's link later in the chain",
			setup: func(t *testing.T, link, victim string) {
				mid := filepath.Join(filepath.Dir(victim), "..", filepath.Base(filepath.Dir(victim))+"-mid")
				if err := os.Symlink(victim, mid); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Remove(mid) })
				if err := os.Symlink(mid, link); err != nil {
					t.Fatal(err)
				}
				if os.Geteuid() != 0 {
					t.Skip("needs root to own one link and not the other")
				}
				plantForeign(t, mid)
			},
			want: ": leads through the symlink ",
		},
		{
			name: "own link to another user's file",
			setup: func(t *testing.T, link, victim string) {
				if os.Geteuid() != 0 {
					t.Skip("needs root to give the target away")
				}
				if err := os.Symlink(victim, link); err != nil {
					t.Fatal(err)
				}
				if err := os.Chown(victim, foreignUID, foreignUID); err != nil {
					t.Fatal(err)
				}
			},
			want: ", which belongs to another user (uid 4242)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			victim, check := outside(t)
			dir := t.TempDir()
			link := filepath.Join(dir, "settings.json")
			tc.setup(t, link, victim)
			for _, op := range []func() (*Change, error){
				func() (*Change, error) { return Install(link, goldenCommand, Options{}) },
				func() (*Change, error) { return PreviewInstall(link, goldenCommand, Options{}) },
				func() (*Change, error) { return Uninstall(link, Options{}) },
			} {
				_, err := op()
				if !errors.Is(err, ErrSymlink) || !strings.HasPrefix(err.Error(), link+": ") || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v, want ErrSymlink with %q", err, tc.want)
				}
			}
			if st := Inspect("--settings", link); !errors.Is(st.Err, ErrSymlink) {
				t.Errorf("status read it: %+v", st)
			}
			check()
			if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
				t.Errorf("files written beside the link: %v %v", entries, err)
			}
		})
	}
}

// TestStaleTempFiles: the temporary files a killed install left behind are
// removed by the next one; files that only look like them are kept.
func TestStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	stale := []string{"settings.json" + tempInfix + "123", "settings.json" + BackupSuffix + tempInfix + "9"}
	kept := []string{"settings.json" + tempInfix + "x1", "other.json" + tempInfix + "1", "settings.json.bak", "settings.json" + tempInfix + "77"}
	for _, name := range append(stale, kept[:3]...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	victim, check := outside(t)
	if err := os.Symlink(victim, filepath.Join(dir, kept[3])); err != nil { // not a regular file
		t.Fatal(err)
	}
	if _, err := Install(p, goldenCommand, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left: %v", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s removed: %v", name, err)
		}
	}
	check()
}

// TestLockSerialises: an install waits for the folder's lock, then reads
// the file again, so a change made while it waited (by another ccq-hook
// holding the lock) is kept, not overwritten with a plan made before it.
func TestLockSerialises(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Install(p, goldenCommand, Options{})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("install did not wait for the lock: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	// The other holder's change.
	if err := os.WriteFile(p, []byte(otherSettings), 0o644); err != nil {
		t.Fatal(err)
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := mustRead(t, p)
	if !strings.Contains(got, `"SECRET": "s3cr3t"`) || !strings.Contains(got, goldenCommand) {
		t.Errorf("a change was lost:\n%s", got)
	}
}

// TestConcurrentInstalls: installs and uninstalls racing on one file leave
// valid settings and no temporary file.
func TestConcurrentInstalls(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(p, []byte(otherSettings), 0o644); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				_, err = Install(p, goldenCommand, Options{})
			} else {
				_, err = Uninstall(p, Options{})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if _, err := parseSettings(p, []byte(mustRead(t, p))); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 2 {
		t.Errorf("folder holds %v (%v)", entries, err)
	}
}
