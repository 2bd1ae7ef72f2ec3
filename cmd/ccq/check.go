package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// createCheckCommand is a placeholder until `ccq check` lands.
func createCheckCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:   "check",
		Hidden: true,
		Action: func(c *cli.Context) error { return errors.New("check: not implemented yet") },
	}
}
