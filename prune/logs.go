package prune

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// pruneLogs removes the session logs of the day directories that end at or
// before the cut (logs are kept by whole days, so a log may outlive its
// line by less than a day) and the directories once empty. Only *.md files
// are removed; a directory holding anything else is kept and reported. A
// symlink is never followed: a linked day directory is left alone, a
// linked file removed as a link.
func pruneLogs(opt Options, res *Result) error {
	ents, err := os.ReadDir(opt.LogsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("session logs: %w", err)
	}
	var days []string
	for _, e := range ents {
		day, err := time.Parse(dayLayout, e.Name())
		if err != nil || !e.IsDir() || e.Type()&os.ModeSymlink != 0 {
			continue
		}
		if !day.AddDate(0, 0, 1).After(opt.Cut) {
			days = append(days, e.Name())
		}
	}
	sort.Strings(days)
	for _, d := range days {
		if err := pruneDay(opt, filepath.Join(opt.LogsDir, d), res); err != nil {
			return err
		}
	}
	return nil
}

func pruneDay(opt Options, dir string, res *Result) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil // another prune took it
	}
	if err != nil {
		return fmt.Errorf("session logs: %w", err)
	}
	others := false
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".md") || e.IsDir() {
			others = true
			continue
		}
		p := filepath.Join(dir, e.Name())
		info, err := os.Lstat(p)
		if err != nil {
			continue // gone meanwhile
		}
		if !opt.DryRun {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("session logs: %w", err)
			}
		}
		res.Logs++
		if info.Mode().IsRegular() {
			res.LogBytes += info.Size()
		}
	}
	if others {
		res.Left = append(res.Left, dir)
		return nil
	}
	if !opt.DryRun {
		if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("session logs: %w", err)
		}
	}
	res.Dirs = append(res.Dirs, dir)
	return nil
}
