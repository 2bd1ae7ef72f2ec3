package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// createShowCommand is a placeholder until `ccq show` lands.
func createShowCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:   "show",
		Hidden: true,
		Action: func(c *cli.Context) error { return errors.New("show: not implemented yet") },
	}
}
