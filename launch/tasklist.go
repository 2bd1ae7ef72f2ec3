package launch

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// List returns the tasks in dir, sorted by name. Files that do not parse are
// returned too, with their error, so `ccq tasks` can show what is wrong.
func List(dir string) ([]*Task, []error, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var tasks []*Task
	var errs []error
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), TaskExt) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		path := filepath.Join(dir, n)
		data, err := readTaskFile(path)
		if err == nil {
			var t *Task
			if t, err = ParseTask(path, data); err == nil {
				tasks = append(tasks, t)
				continue
			}
		}
		errs = append(errs, err)
	}
	return tasks, errs, nil
}
