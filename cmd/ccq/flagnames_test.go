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

// TestCommandsFor: run builds only the command its arguments name, after
// the app's own flags; the help, an unknown command and no command at all
// get every command, and --version none.
func TestCommandsFor(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"launch", "--quiet", "job"}, []string{"launch"}},
		{[]string{"--logs-dir", "L", "stats", "--by", "model"}, []string{"stats"}},
		{[]string{"--logs-dir=L", "schedule", "install"}, []string{"schedule"}},
		{[]string{"--logs-dir", "launch", "stats"}, []string{"stats"}}, // "launch" is the flag's value
		{[]string{"--version"}, []string{"-"}},
		{[]string{"-v"}, []string{"-"}},
		{[]string{"-v", "runs"}, []string{"runs"}},
		{nil, nil},
		{[]string{"--help"}, nil},
		{[]string{"-h", "launch"}, nil},
		{[]string{"lanch"}, nil},
		{[]string{"help", "launch"}, nil},
		{[]string{"--", "launch"}, nil},
	} {
		if got := commandsFor(tt.args); !slices.Equal(got, tt.want) {
			t.Errorf("commandsFor(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
	a := &appEnv{env: map[string]string{}, stdout: io.Discard, stderr: io.Discard}
	for _, c := range commandTable {
		one, all := newApp(a, c.name), newApp(a)
		if len(one.Commands) != 1 || one.Commands[0].Name != c.name {
			t.Fatalf("newApp(%q) built %d commands", c.name, len(one.Commands))
		}
		var got, want bytes.Buffer
		one.Writer, all.Writer = &got, &want
		_ = one.Run([]string{"ccq", c.name, "--help"})
		_ = all.Run([]string{"ccq", c.name, "--help"})
		if got.String() != want.String() || got.Len() == 0 {
			t.Errorf("ccq %s --help differs when only it is built:\n%s\nwant:\n%s", c.name, got.String(), want.String())
		}
	}
}
