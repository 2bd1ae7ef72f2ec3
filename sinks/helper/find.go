package helper

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Name is the helper's executable name.
const Name = "ccq-helper"

// EnvHelper names the helper's executable explicitly, before the search.
const EnvHelper = "CCQ_HELPER"

// ErrNotFound is returned by Find when there is no helper to run.
var ErrNotFound = errors.New(Name + " not found")

// Find is the helper's path: $CCQ_HELPER, else ccq-helper in the folder of
// the running executable (so a ccq and its helper installed together stay
// together), else ccq-helper on env's PATH.
func Find(env map[string]string) (string, error) {
	if p := env[EnvHelper]; p != "" {
		if isExecutable(p) {
			return p, nil
		}
		return "", fmt.Errorf("%w: $%s names %s, which is not an executable file", ErrNotFound, EnvHelper, p)
	}
	if self, err := os.Executable(); err == nil {
		if self, err = filepath.EvalSymlinks(self); err == nil {
			if p := filepath.Join(filepath.Dir(self), Name); isExecutable(p) {
				return p, nil
			}
		}
	}
	for _, dir := range filepath.SplitList(env["PATH"]) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue // a relative PATH entry would run what the cwd holds
		}
		if p := filepath.Join(dir, Name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w next to ccq or on $PATH", ErrNotFound)
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// environ is env as a process environment.
func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// Hint is what to tell a user whose helper is missing.
func Hint() string {
	return "install " + Name + " next to ccq (go build -o bin/ ./cmd/... builds both), or set $" + EnvHelper
}
