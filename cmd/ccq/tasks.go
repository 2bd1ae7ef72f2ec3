package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// createTasksCommand is a placeholder until `ccq tasks` lands.
func createTasksCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:   "tasks",
		Hidden: true,
		Action: func(c *cli.Context) error { return errors.New("tasks: not implemented yet") },
	}
}
