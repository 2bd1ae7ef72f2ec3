package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// createLaunchCommand is a placeholder until `ccq launch` lands.
func createLaunchCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:   "launch",
		Hidden: true,
		Action: func(c *cli.Context) error { return errors.New("launch: not implemented yet") },
	}
}
