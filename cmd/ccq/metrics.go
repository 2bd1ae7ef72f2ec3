package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

func createMetricsCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:   "metrics",
		Usage:  "Prometheus metrics from the history (work in progress)",
		Hidden: true,
		Action: func(c *cli.Context) error { return errors.New("ccq metrics is not built yet") },
	}
}
