package main

import "github.com/urfave/cli/v2"

// createReportCommand is `ccq report`: one self-contained HTML page.
func createReportCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:   "report",
		Usage:  "write one self-contained HTML page with charts of the history",
		Hidden: true, // not yet implemented
		Action: func(c *cli.Context) error { return usageErr("report is not implemented yet") },
	}
}
