package launch

import (
	"errors"
	"path/filepath"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// A task setting is declared once, in settingTable: its front-matter key,
// the `ccq launch` flag that overrides it, how its value is read and
// checked, and how the flag's value is laid over the task's. The parser,
// the list of known keys and merge all walk the table.

// setting is one row of settingTable.
type setting struct {
	key  string // front-matter key
	flag string // `ccq launch` flag that overrides it; "" for none
	// parse reads the key's value into t, checking it.
	parse func(t *Task, key string, v ast.Node) error
	// merge lays the flag's value (in flags) over s, the task's; nil
	// for a setting no flag overrides.
	merge func(s, flags *Settings)
}

// settingTable is every task setting, in the order the known keys are
// listed in messages.
var settingTable = []setting{
	{key: "description", parse: func(t *Task, _ string, v ast.Node) error { return decodeScalar(v, &t.Description) }},
	duration("timeout", "timeout", func(s *Settings) *time.Duration { return &s.Timeout }),
	scalar("model", "model", func(s *Settings) *string { return &s.Model }, nil),
	scalar("max_turns", "max-turns", func(s *Settings) *int { return &s.MaxTurns }, func(n int) error {
		if n <= 0 {
			return errors.New("max_turns must be a positive number")
		}
		return nil
	}),
	scalar("permission_mode", "permission-mode", func(s *Settings) *string { return &s.PermissionMode }, nil),
	list("allowed_tools", "allowed-tools", func(s *Settings) *[]string { return &s.AllowedTools }, nil),
	list("disallowed_tools", "disallowed-tools", func(s *Settings) *[]string { return &s.DisallowedTools }, nil),
	{key: "cwd", flag: "cwd", parse: parseCwd, merge: scalarMerge(func(s *Settings) *string { return &s.Cwd })},
	{key: "args", parse: func(t *Task, _ string, v ast.Node) (err error) {
		t.Settings.Args, err = decodeList(v)
		return err
	}}, // arguments after -- come after the task's: see merge
	{key: "retries", flag: "retries", parse: parseRetries, merge: func(s, flags *Settings) {
		if flags.Retries != nil {
			s.Retries = flags.Retries
		}
	}},
	list("retry_on", "retry-on", func(s *Settings) *[]string { return &s.RetryOn }, ParseRetryOn),
	duration("retry_delay", "retry-delay", func(s *Settings) *time.Duration { return &s.RetryDelay }),
	duration("retry_max_delay", "retry-max-delay", func(s *Settings) *time.Duration { return &s.RetryMaxDelay }),
	duration("deadline", "deadline", func(s *Settings) *time.Duration { return &s.Deadline }),
	duration("idle_timeout", "idle-timeout", func(s *Settings) *time.Duration { return &s.IdleTimeout }),
	scalar("overlap", "overlap", func(s *Settings) *string { return &s.Overlap }, CheckOverlap),
	scalar("max_budget_usd", "max-budget-usd", func(s *Settings) *float64 { return &s.MaxBudgetUSD }, CheckBudget),
	scalar("ping_url", "ping-url", func(s *Settings) *string { return &s.PingURL }, nil),
	list("notify", "notify", func(s *Settings) *[]string { return &s.Notify }, nil),
	scalar("notify_on", "notify-on", func(s *Settings) *string { return &s.NotifyOn }, nil),
	{key: "schedule", parse: scheduleKey},
	{key: "grace", parse: scheduleKey},
	{key: "jitter", parse: scheduleKey},
	{key: "catch_up", parse: scheduleKey},
	{key: "verify", parse: setVerifyKey},
	{key: "verify_timeout", parse: setVerifyKey},
	{key: "expect", parse: setVerifyKey},
	{key: "expect_not", parse: setVerifyKey},
	{key: "output_schema", parse: setVerifyKey},
	{key: "feedback", flag: "feedback", parse: setVerifyKey, merge: scalarMerge(func(s *Settings) *int { return &s.Feedback })},
}

// frontMatterKeys are the keys a task's front matter may hold.
var frontMatterKeys = func() []string {
	keys := make([]string, len(settingTable))
	for i, st := range settingTable {
		keys[i] = st.key
	}
	return keys
}()

// SettingFlags maps each front-matter key a `ccq launch` flag overrides
// to that flag's name, for cmd/ccq to check its flags against.
func SettingFlags() map[string]string {
	m := map[string]string{}
	for _, st := range settingTable {
		if st.flag != "" {
			m[st.key] = st.flag
		}
	}
	return m
}

// setKey sets the task's setting key from v; known is false for a key
// that is not one.
func setKey(t *Task, key string, v ast.Node) (known bool, err error) {
	for _, st := range settingTable {
		if st.key == key {
			return true, st.parse(t, key, v)
		}
	}
	return false, nil
}

// merge lays the flags over the task's settings: a flag's zero value is
// one not given.
func merge(task, flags Settings) Settings {
	s := task
	for _, st := range settingTable {
		if st.merge != nil {
			st.merge(&s, &flags)
		}
	}
	s.Args = append(append([]string(nil), task.Args...), flags.Args...)
	return s
}

// scalar is a setting of one plain value, checked by check (nil: any).
func scalar[T comparable](key, flag string, field func(*Settings) *T, check func(T) error) setting {
	return setting{key: key, flag: flag, merge: scalarMerge(field),
		parse: func(t *Task, _ string, v ast.Node) error {
			p := field(&t.Settings)
			if err := decodeScalar(v, p); err != nil || check == nil {
				return err
			}
			return check(*p)
		}}
}

// scalarMerge lays a plain value given as a flag over the task's.
func scalarMerge[T comparable](field func(*Settings) *T) func(s, flags *Settings) {
	return func(s, flags *Settings) {
		var zero T
		if v := *field(flags); v != zero {
			*field(s) = v
		}
	}
}

// duration is a setting of a positive Go duration.
func duration(key, flag string, field func(*Settings) *time.Duration) setting {
	return setting{key: key, flag: flag, merge: scalarMerge(field),
		parse: func(t *Task, key string, v ast.Node) (err error) {
			*field(&t.Settings), err = decodeDuration(v, key)
			return err
		}}
}

// list is a setting of a list of values, normalised and checked by check
// (nil: any).
func list(key, flag string, field func(*Settings) *[]string, check func([]string) ([]string, error)) setting {
	return setting{key: key, flag: flag,
		merge: func(s, flags *Settings) {
			if v := *field(flags); len(v) > 0 {
				*field(s) = v
			}
		},
		parse: func(t *Task, _ string, v ast.Node) error {
			l, err := decodeList(v)
			if err == nil && check != nil {
				l, err = check(l)
			}
			*field(&t.Settings) = l
			return err
		}}
}

// parseCwd reads the run's working directory, relative to the task file.
func parseCwd(t *Task, _ string, v ast.Node) error {
	s := &t.Settings
	err := decodeScalar(v, &s.Cwd)
	if err == nil && s.Cwd != "" && !filepath.IsAbs(s.Cwd) {
		s.Cwd = filepath.Join(filepath.Dir(t.Path), s.Cwd)
	}
	return err
}

// parseRetries reads retries, a count checked by CheckRetries.
func parseRetries(t *Task, _ string, v ast.Node) error {
	var n int
	err := decodeScalar(v, &n)
	if err == nil {
		err = CheckRetries(n)
		t.Settings.Retries = &n
	}
	return err
}

// scheduleKey reads a key of the task's schedule (task_schedule.go).
func scheduleKey(t *Task, key string, v ast.Node) error { return setScheduleKey(&t.Settings, key, v) }
