package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// createRunsCommand is a placeholder until `ccq runs` lands.
func createRunsCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:   "runs",
		Hidden: true,
		Action: func(c *cli.Context) error { return errors.New("runs: not implemented yet") },
	}
}
