package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// createStatsCommand is a placeholder until `ccq stats` lands.
func createStatsCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:   "stats",
		Hidden: true,
		Action: func(c *cli.Context) error { return errors.New("stats: not implemented yet") },
	}
}
