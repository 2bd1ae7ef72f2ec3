package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// urfave/cli v2 finds a flag by calling Names() on each of the command's
// flags, and each Names() call runs a regular expression over every name.
// IsSet and the check for flag actions do that for every flag, so the cost
// grows with the square of a command's flags: `ccq launch`, 31 flags, ran
// about 2,500 regular expressions at every start (0.7 ms, a tenth of ccq's
// own start-up). quickNames wraps each flag so that Names() answers from a
// slice made once; everything else, the help text included, is the flag's
// own.

type (
	quickString struct {
		*cli.StringFlag
		names []string
	}
	quickBool struct {
		*cli.BoolFlag
		names []string
	}
	quickInt struct {
		*cli.IntFlag
		names []string
	}
	quickInt64 struct {
		*cli.Int64Flag
		names []string
	}
	quickFloat64 struct {
		*cli.Float64Flag
		names []string
	}
	quickDuration struct {
		*cli.DurationFlag
		names []string
	}
	quickStringSlice struct {
		*cli.StringSliceFlag
		names []string
	}
)

func (f quickString) Names() []string      { return f.names }
func (f quickBool) Names() []string        { return f.names }
func (f quickInt) Names() []string         { return f.names }
func (f quickInt64) Names() []string       { return f.names }
func (f quickFloat64) Names() []string     { return f.names }
func (f quickDuration) Names() []string    { return f.names }
func (f quickStringSlice) Names() []string { return f.names }

// quickNames wraps the flags of cmds, their subcommands' included.
func quickNames(cmds []*cli.Command) {
	for _, cmd := range cmds {
		for i, f := range cmd.Flags {
			cmd.Flags[i] = quickFlag(f)
		}
		quickNames(cmd.Subcommands)
	}
}

func quickFlag(f cli.Flag) cli.Flag {
	switch f := f.(type) {
	case *cli.StringFlag:
		return quickString{f, flagNames(f.Name, f.Aliases)}
	case *cli.BoolFlag:
		return quickBool{f, flagNames(f.Name, f.Aliases)}
	case *cli.IntFlag:
		return quickInt{f, flagNames(f.Name, f.Aliases)}
	case *cli.Int64Flag:
		return quickInt64{f, flagNames(f.Name, f.Aliases)}
	case *cli.Float64Flag:
		return quickFloat64{f, flagNames(f.Name, f.Aliases)}
	case *cli.DurationFlag:
		return quickDuration{f, flagNames(f.Name, f.Aliases)}
	case *cli.StringSliceFlag:
		return quickStringSlice{f, flagNames(f.Name, f.Aliases)}
	}
	return f
}

// flagNames is cli.FlagNames without its regular expression: each name
// cut at its first comma or space.
func flagNames(name string, aliases []string) []string {
	names := make([]string, 0, 1+len(aliases))
	for _, n := range append([]string{name}, aliases...) {
		if i := strings.IndexAny(n, ", "); i >= 0 {
			n = n[:i]
		}
		names = append(names, n)
	}
	return names
}

// isBoolFlag and isDurationFlag see through the wrapping.
func isBoolFlag(f cli.Flag) bool {
	switch f.(type) {
	case *cli.BoolFlag, quickBool:
		return true
	}
	return false
}

func isDurationFlag(f cli.Flag) bool {
	switch f.(type) {
	case *cli.DurationFlag, quickDuration:
		return true
	}
	return false
}
