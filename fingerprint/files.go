package fingerprint

import (
	"bytes"
	"context"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/regfile"
)

// maxFile bounds what is read of one memory or settings file; a larger
// file is hashed by its first maxFile bytes and its size.
const maxFile = 1 << 20

// None is the value of a part whose files do not exist.
const None = "none"

// managedSettings is where an administrator's settings live on Linux.
const managedSettings = "/etc/claude-code/managed-settings.json"

// configFiles lists the memory and settings files Claude Code would load
// for a run in dir: the user's, then CLAUDE.md, CLAUDE.local.md and
// .claude/CLAUDE.md in dir and every folder above it, and the settings of
// dir and of the repository root.
func configFiles(dir, home, root string) (memory, settings []string) {
	if home != "" {
		memory = append(memory, filepath.Join(home, ".claude", "CLAUDE.md"))
		settings = append(settings, filepath.Join(home, ".claude", "settings.json"))
	}
	settings = append(settings, managedSettings)
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		memory = append(memory, filepath.Join(d, "CLAUDE.md"), filepath.Join(d, "CLAUDE.local.md"), filepath.Join(d, ".claude", "CLAUDE.md"))
		if d == filepath.Dir(d) {
			break
		}
	}
	dirs := []string{dir}
	if root != "" && root != filepath.Clean(dir) {
		dirs = append(dirs, root)
	}
	for _, d := range dirs {
		settings = append(settings, filepath.Join(d, ".claude", "settings.json"), filepath.Join(d, ".claude", "settings.local.json"))
	}
	return memory, settings
}

// hashFiles hashes the names and contents of the files that exist; None
// when none does.
func hashFiles(paths []string) string {
	h := fnv.New64a()
	n := 0
	for _, p := range paths {
		b, ok := readBounded(p, maxFile)
		if !ok {
			continue
		}
		n++
		io.WriteString(h, p+"\x00")
		h.Write(b)
		h.Write([]byte{0})
	}
	if n == 0 {
		return None
	}
	return sum32(h)
}

// readBounded reads up to limit bytes of a regular file: a FIFO or a
// device is never opened for reading.
func readBounded(path string, limit int64) ([]byte, bool) {
	f, err := regfile.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit))
	return b, err == nil
}

// gitRoot is the folder holding .git at or above dir, "" if none.
func gitRoot(dir string) string {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if d == filepath.Dir(d) {
			return ""
		}
	}
}

// gitDirs resolves root's .git: a folder, or a file "gitdir: …" (a
// worktree or submodule) whose commondir holds the shared refs.
func gitDirs(root string) (gitDir, common string, ok bool) {
	gitDir = filepath.Join(root, ".git")
	st, err := os.Stat(gitDir)
	if err != nil {
		return "", "", false
	}
	if !st.IsDir() {
		b, ok := readBounded(gitDir, 4096)
		line := strings.TrimSpace(string(b))
		if !ok || !strings.HasPrefix(line, "gitdir:") {
			return "", "", false
		}
		gitDir = strings.TrimSpace(strings.TrimPrefix(line, "gitdir:"))
		if !filepath.IsAbs(gitDir) {
			gitDir = filepath.Join(root, gitDir)
		}
	}
	common = gitDir
	if b, ok := readBounded(filepath.Join(gitDir, "commondir"), 4096); ok {
		c := strings.TrimSpace(string(b))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitDir, c)
		}
		common = c
	}
	return gitDir, common, true
}

// headCommit reads the commit HEAD points at from the files under .git,
// without running git: HEAD, then the loose ref, then packed-refs.
func headCommit(root string) string {
	gitDir, common, ok := gitDirs(root)
	if !ok {
		return ""
	}
	ref := ""
	for range 5 { // a symbolic ref may point at another
		b, ok := readBounded(filepath.Join(gitDir, "HEAD"), 4096)
		if ref != "" {
			b, ok = readBounded(filepath.Join(common, filepath.FromSlash(ref)), 4096)
			if !ok {
				b, ok = readBounded(filepath.Join(gitDir, filepath.FromSlash(ref)), 4096)
			}
			if !ok {
				return packedRef(common, ref)
			}
		}
		if !ok {
			return ""
		}
		s := strings.TrimSpace(string(b))
		if r, isRef := strings.CutPrefix(s, "ref:"); isRef {
			ref = strings.TrimSpace(r)
			if strings.Contains(ref, "..") {
				return ""
			}
			continue
		}
		if isHex(s) {
			return s
		}
		return ""
	}
	return ""
}

func packedRef(common, ref string) string {
	b, ok := readBounded(filepath.Join(common, "packed-refs"), 64<<20)
	if !ok {
		return ""
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		if sha, name, ok := strings.Cut(string(l), " "); ok && name == ref && isHex(sha) {
			return sha
		}
	}
	return ""
}

func isHex(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// gitStatusTimeout bounds `git status` in a large repository; past it the
// dirty flag is unknown.
const gitStatusTimeout = 2 * time.Second

// gitPart is "<commit 12 hex>", with "+dirty" when tracked files differ
// from it; without runGit the flag is unknown and the commit ends in
// DirtyUnknown, so a hook's line never reads as clean. None outside a
// repository, "" when unknown.
func gitPart(root string, runGit bool) string {
	if root == "" {
		return None
	}
	c := headCommit(root)
	if c == "" {
		return "" // an empty repository, or refs ccq cannot read
	}
	c = c[:12]
	switch {
	case !runGit:
		c += DirtyUnknown
	case dirty(root):
		c += "+dirty"
	}
	return c
}

// dirty runs git status on tracked files only (untracked files are the
// run's own output as often as not), without taking the index lock.
func dirty(root string) bool {
	if _, err := exec.LookPath("git"); err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), gitStatusTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain", "--untracked-files=no")
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0")
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	return err == nil && len(bytes.TrimSpace(out)) > 0
}
