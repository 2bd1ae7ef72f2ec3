package launch

import (
	"path/filepath"
	"strings"

	"github.com/ccq-dev/ccq/recorder"
)

// readTranscript reads the run's transcript when no hook summed it up:
// hooks not installed, --bare, or a SessionEnd hook that never ran.
func readTranscript(r *recorder.Run, snap Snapshot, env map[string]string, dir string, resumeOff recorder.Offsets) *recorder.Transcript {
	var path string
	off := resumeOff
	if r != nil {
		path = r.TranscriptPath
		if r.Offsets != nil {
			off = r.Offsets
		}
	}
	if path == "" {
		sid := snap.SessionID
		if r != nil && sid == "" {
			sid = r.SessionID
		}
		if sid == "" || strings.ContainsAny(sid, "/\\") {
			return nil
		}
		cwd := snap.Cwd
		if cwd == "" {
			cwd = dir
		}
		path = TranscriptPath(env, cwd, sid)
	}
	if path == "" {
		return nil
	}
	t, err := recorder.ReadSession(path, off)
	if err != nil {
		return nil
	}
	return &t
}

// transcriptOffsets records the size of every transcript (and subagent
// transcript) Claude Code keeps for directory dir, before a resumed run
// appends to one of them.
func transcriptOffsets(env map[string]string, dir string) recorder.Offsets {
	p := TranscriptPath(env, dir, "x")
	if p == "" {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "*.jsonl"))
	off := recorder.Offsets{}
	for _, f := range files {
		for k, v := range recorder.SessionOffsets(f) {
			off[k] = v
		}
	}
	return off
}

// TranscriptPath is where Claude Code keeps the transcript of session sid
// run in directory cwd: $CLAUDE_CONFIG_DIR (else $HOME/.claude), then
// projects/<cwd with every character other than a letter or digit turned
// into '-'>/<sid>.jsonl.
func TranscriptPath(env map[string]string, cwd, sid string) string {
	base := env[EnvClaudeConfigDir]
	if base == "" {
		home := env["HOME"]
		if home == "" {
			return ""
		}
		base = filepath.Join(home, ".claude")
	}
	b := []byte(cwd)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '-'
		}
	}
	return filepath.Join(base, "projects", string(b), sid+".jsonl")
}
