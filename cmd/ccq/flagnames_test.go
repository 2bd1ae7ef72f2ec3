package main

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestQuickNames: the wrapped flags answer Names() as urfave/cli's own
// FlagNames does, every flag of every command is wrapped, and the help
// of each command is the same as with the flags unwrapped.
func TestQuickNames(t *testing.T) {
	help := func(app *cli.App, args ...string) string {
		var out bytes.Buffer
		app.Writer, app.ErrWriter = &out, &out
		_ = app.Run(append([]string{"ccq"}, args...))
		return out.String()
	}
	a := &appEnv{env: map[string]string{}, stdout: io.Discard, stderr: io.Discard}
	quick, plain := newApp(a), newApp(a)
	var walk func(qs, ps []*cli.Command, path []string)
	walk = func(qs, ps []*cli.Command, path []string) {
		for i, qc := range qs {
			pc, p := ps[i], append(slices.Clip(path), qc.Name)
			for j, f := range qc.Flags {
				orig := unwrapFlag(f)
				if orig == f {
					t.Errorf("%v: flag %v (%T) is not wrapped", p, f.Names(), f)
				}
				pc.Flags[j] = orig
				if got, want := f.Names(), orig.Names(); !slices.Equal(got, want) {
					t.Errorf("%v: Names() %q, want %q", p, got, want)
				}
			}
			walk(qc.Subcommands, pc.Subcommands, p)
			if q, w := help(quick, append(p, "--help")...), help(plain, append(p, "--help")...); q != w {
				t.Errorf("ccq %v --help differs with the wrapped flags:\n%s\nwant:\n%s", p, q, w)
			}
		}
	}
	walk(quick.Commands, plain.Commands, nil)
	if got := flagNames("a, b", []string{"c d"}); !slices.Equal(got, cli.FlagNames("a, b", []string{"c d"})) {
		t.Errorf("flagNames cuts %q, cli.FlagNames %q", got, cli.FlagNames("a, b", []string{"c d"}))
	}
}

func unwrapFlag(f cli.Flag) cli.Flag {
	switch f := f.(type) {
	case quickString:
		return f.StringFlag
	case quickBool:
		return f.BoolFlag
	case quickInt:
		return f.IntFlag
	case quickInt64:
		return f.Int64Flag
	case quickFloat64:
		return f.Float64Flag
	case quickDuration:
		return f.DurationFlag
	case quickStringSlice:
		return f.StringSliceFlag
	}
	return f
}
