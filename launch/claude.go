package launch

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/ccq-dev/ccq/recorder"
)

// Environment variables the launcher reads or sets, besides recorder's.
const (
	EnvClaude          = "CCQ_CLAUDE" // claude binary when --claude is not given
	EnvClaudeConfigDir = "CLAUDE_CONFIG_DIR"
	Entrypoint         = "ccq-scheduler" // CLAUDE_CODE_ENTRYPOINT of launched runs
)

// claudeArgs is the command line after the binary.
func claudeArgs(prompt string, s Settings, extra []string) []string {
	a := []string{"-p", prompt, "--output-format", "stream-json", "--verbose"}
	if s.Model != "" {
		a = append(a, "--model", s.Model)
	}
	if s.MaxTurns > 0 {
		a = append(a, "--max-turns", strconv.Itoa(s.MaxTurns))
	}
	if s.PermissionMode != "" {
		a = append(a, "--permission-mode", s.PermissionMode)
	}
	if len(s.AllowedTools) > 0 {
		a = append(a, "--allowedTools", strings.Join(s.AllowedTools, ","))
	}
	if len(s.DisallowedTools) > 0 {
		a = append(a, "--disallowedTools", strings.Join(s.DisallowedTools, ","))
	}
	if s.MaxBudgetUSD > 0 {
		// Claude Code 2.1.328 has the flag (claude --help); ccq passes it
		// on without probing, which would cost a node start per launch.
		a = append(a, "--max-budget-usd", strconv.FormatFloat(s.MaxBudgetUSD, 'f', -1, 64))
	}
	a = append(a, s.Args...)
	return append(a, extra...)
}

// findClaude picks the binary: the flag, then $CCQ_CLAUDE, then claude on
// the PATH of env.
func findClaude(flag string, env map[string]string, cwd string) (string, error) {
	name := flag
	if name == "" {
		name = env[EnvClaude]
	}
	if name == "" {
		name = "claude"
	}
	if strings.Contains(name, "/") {
		if !filepath.IsAbs(name) {
			name = filepath.Join(cwd, name)
		}
		if err := executable(name); err != nil {
			return "", err
		}
		return name, nil
	}
	for _, d := range filepath.SplitList(env["PATH"]) {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, name)
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in $PATH", name)
}

func executable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s: not an executable file", p)
	}
	return nil
}

// withheldEnv are the variables of ccq's environment that claude does not
// get: ccq's own credentials (a ping URL is a check's key, a notify URL a
// webhook's), which any tool of the run could read, and the headers of
// ccq's OTLP exporter (the collector's token). Claude Code's telemetry
// reads the same OTEL_EXPORTER_OTLP_* names; its headers come from its
// own settings (otelHeadersHelper) instead.
// (Switches, not maps: a package-level map is built at every ccq start.)
func withheldEnv(k string) bool {
	switch k {
	case "CCQ_PING_URL", "CCQ_NOTIFY", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
		"OTEL_EXPORTER_OTLP_METRICS_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS":
		return true
	}
	return false
}

// otlpEndpoint: the OTLP endpoint variables: claude gets them (its
// telemetry joins the run's trace through them) unless one carries a
// credential — user info, a query, or a path beyond the standard ones.
func otlpEndpoint(k string) bool {
	switch k {
	case "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":
		return true
	}
	return false
}

// withheld reports whether claude's environment leaves out k=v.
func withheld(k, v string) bool {
	if withheldEnv(k) {
		return true
	}
	if !otlpEndpoint(k) {
		return false
	}
	v = strings.TrimSpace(v)
	if hp, err := url.Parse("//" + v); err == nil && hp.Host == v && hp.Port() != "" {
		return false // host:port, as gRPC takes it
	}
	u, err := url.Parse(v)
	if err != nil {
		return true
	}
	if u.Opaque != "" || u.Scheme == "" && u.Host == "" {
		return false // host:port, as gRPC takes it
	}
	switch strings.TrimSuffix(u.Path, "/") {
	case "", "/v1/logs", "/v1/metrics", "/v1/traces":
	default:
		return true
	}
	return u.User != nil || u.RawQuery != "" || u.Fragment != ""
}

// childEnv is ccq's environment without what is withheld from claude,
// plus what the sinks add (extra) and what the run's hooks need.
func childEnv(env, extra map[string]string, task, runID, logPath, logsDir string) []string {
	m := make(map[string]string, len(env)+len(extra)+6)
	for k, v := range env {
		if !withheld(k, v) {
			m[k] = v
		}
	}
	for k, v := range extra {
		m[k] = v
	}
	m[recorder.EnvEntrypoint] = Entrypoint
	m[recorder.EnvTaskID] = task
	m[recorder.EnvRunID] = runID
	m[recorder.EnvLogFile] = logPath
	m[recorder.EnvLogsDir] = logsDir
	m[recorder.EnvLauncherPID] = strconv.Itoa(os.Getpid())
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// resumes reports whether claude's arguments continue an earlier session
// (--resume/-r, --continue/-c), which appends to its transcript.
func resumes(argv []string) bool {
	for _, a := range argv {
		if a == "--" {
			break
		}
		switch {
		case a == "-r", a == "-c", a == "--continue", a == "--resume", strings.HasPrefix(a, "--resume="):
			return true
		}
	}
	return false
}

// MinBudgetUSD is the smallest --max-budget-usd: a cent. Less is no budget
// a run could keep (1e-300 would stop it before its first request) and is
// a typo more likely than a wish.
const MinBudgetUSD = 0.01

// CheckBudget refuses a budget that is not a finite amount of dollars of
// at least MinBudgetUSD (NaN, Inf, 0, negative, 1e-300).
func CheckBudget(usd float64) error {
	if math.IsNaN(usd) || math.IsInf(usd, 0) || usd < MinBudgetUSD {
		return fmt.Errorf("must be an amount of dollars of at least %.2f, such as 2.50", MinBudgetUSD)
	}
	return nil
}
