// Package install registers ccq-hook in Claude Code's settings files: it
// adds, updates and removes ccq's hook entries without changing a byte of
// anything else, and reports where recording is switched on. The command
// line around it lives in cmd/ccq-hook.
package install

import (
	"path/filepath"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Change is an install or uninstall of one settings file: planned by a
// Preview function, or done by Install or Uninstall.
type Change struct {
	Path    string // the settings file as named
	Target  string // the file that holds the settings: Path after symlinks
	Existed bool   // the file existed before
	Plan    Plan
	// Backup is where the previous content was kept; empty when nothing
	// was written or there was no previous content.
	Backup string
}

// planner plans a change to the text of a settings file.
type planner func(file string, old []byte) (Plan, error)

func installer(command string, events []string) planner {
	return func(file string, old []byte) (Plan, error) { return planInstall(file, old, command, events) }
}

// Install registers command for every event in o.Events in the settings
// file at path (created if missing), updating an older ccq entry in place.
func Install(path, command string, o Options) (*Change, error) {
	return commitChange(path, installer(command, o.events()), o)
}

// Uninstall removes every ccq entry from the settings file at path.
func Uninstall(path string, o Options) (*Change, error) { return commitChange(path, planUninstall, o) }

// PreviewInstall plans Install and writes nothing.
func PreviewInstall(path, command string, o Options) (*Change, error) {
	return preview(path, installer(command, o.events()), o)
}

// PreviewUninstall plans Uninstall and writes nothing.
func PreviewUninstall(path string, o Options) (*Change, error) {
	return preview(path, planUninstall, o)
}

// plan reads the file at path and plans the change, without a lock.
func plan(path string, p planner) (*Change, *file, error) {
	f, err := load(path)
	if err != nil {
		return nil, nil, err
	}
	pl, err := p(f.target, f.data)
	if err != nil {
		return nil, nil, err
	}
	return &Change{Path: path, Target: f.target, Existed: f.exists, Plan: pl}, f, nil
}

// preview plans the change and checks that it could be written.
func preview(path string, p planner, o Options) (*Change, error) {
	c, f, err := plan(path, p)
	if err != nil {
		return nil, err
	}
	if err := f.writable(); err != nil {
		return nil, err
	}
	if err := o.mayWrite(f.target); err != nil {
		return nil, err
	}
	return c, nil
}

// commitChange plans the change and carries it out under the folder's lock,
// reading the file again once the lock is held: two ccq-hook runs on one
// file take turns, and the second builds on the first's result.
//
// Nothing is written, not even a folder, without the rights o asks for.
func commitChange(path string, p planner, o Options) (*Change, error) {
	c, _, err := plan(path, p)
	if err != nil || !c.Plan.Changed() {
		return c, err
	}
	if err := o.mayWrite(c.Target); err != nil {
		return nil, err
	}
	if err := o.mkdir(c.Target); err != nil {
		return nil, o.noRights(c.Target, err)
	}
	unlock, err := lockDir(filepath.Dir(c.Target))
	if err != nil {
		return nil, o.noRights(c.Target, err)
	}
	defer unlock()
	c, f, err := plan(path, p)
	if err != nil || !c.Plan.Changed() {
		return c, err
	}
	removeStale(f.target)
	c.Backup, err = f.commit(c.Plan)
	return c, o.noRights(c.Target, err)
}

// Diff is the change as a unified diff; /dev/null stands for a file that
// does not exist before or after.
func (c *Change) Diff() (string, error) {
	if !c.Plan.Changed() {
		return "", nil
	}
	from, to := c.Path, c.Path
	if !c.Existed {
		from = "/dev/null"
	}
	if c.Plan.Remove {
		to = "/dev/null"
	}
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        splitLines(c.Plan.Old),
		B:        splitLines(c.Plan.New),
		FromFile: from,
		ToFile:   to,
		Context:  3,
	})
}

// splitLines cuts text into lines for difflib, each ending in a newline
// (difflib's own SplitLines adds an empty last line).
func splitLines(b []byte) []string {
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	}
	return lines
}
