package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ccq-dev/ccq/sinks/helper"
)

// The variables that ask for the helper's sinks. ccq reads only whether
// they are set: the helper reads and checks them (sinks/otlp,
// sinks/textfile), and ccq does not link those packages.
const (
	envTextfileDir  = "CCQ_TEXTFILE_DIR"
	envOTELDisabled = "OTEL_SDK_DISABLED"
)

var envOTLPEndpoints = []string{
	"OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
	"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
}

// helperTimeout bounds the helper's start and setup, and its exit once
// the run is over (the OTLP sink closes its connections then).
const helperTimeout = 10 * time.Second

// wantsOTLP says whether env names an OTLP endpoint for any signal.
func wantsOTLP(env map[string]string) bool {
	if strings.EqualFold(strings.TrimSpace(env[envOTELDisabled]), "true") {
		return false
	}
	for _, k := range envOTLPEndpoints {
		if strings.TrimSpace(env[k]) != "" {
			return true
		}
	}
	return false
}

// findHelper is the helper's path, or the error that says what needed it
// and how to install it.
func findHelper(a *appEnv, what string) (string, error) {
	p, err := helper.Find(a.env)
	if err != nil {
		return "", withHint(fmt.Errorf("%s needs %s: %w", what, helper.Name, err), helper.Hint())
	}
	return p, nil
}

// startHelper starts the helper with cfg; what names the settings that
// asked for it, for the error when it is missing. With async sinks (the
// names of the sinks cfg sets up), it does not wait for the helper's
// answer (helper.Options.Async).
func startHelper(a *appEnv, cfg helper.Config, what string, async []string) (*helper.Client, map[string]string, error) {
	p, err := findHelper(a, what)
	if err != nil {
		return nil, nil, err
	}
	c, rep, err := helper.Start(helper.Options{Path: p, Env: a.env, Config: cfg, Timeout: helperTimeout,
		Async: len(async) > 0, Sinks: async})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	return c, rep.Errors, nil
}

// handOff runs a command of ccq that lives in the helper (metrics,
// export) with ccq's stdio, passes SIGINT and SIGTERM on, and returns its
// exit code as ccq's: the helper has printed its own errors.
func handOff(a *appEnv, what string, args ...string) error {
	p, err := findHelper(a, what)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := exec.CommandContext(ctx, p, args...)
	cmd.Env = helperEnviron(a.env)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.stdin, a.stdout, a.stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = helperTimeout
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil, cmd.ProcessState != nil && cmd.ProcessState.Success():
		return nil // also when it stopped cleanly on a signal ccq passed on
	case errors.As(err, &ee) && ee.ExitCode() > 0:
		return withCode(ee.ExitCode(), nil)
	}
	return fmt.Errorf("%s: %s: %w", what, helper.Name, err)
}

func helperEnviron(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}
