package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ccq-dev/ccq/internal/buildinfo"
	"github.com/ccq-dev/ccq/internal/clierr"
	"github.com/ccq-dev/ccq/sinks/otlp"
	"github.com/ccq-dev/ccq/stats"
)

// exportCmd is `ccq export otlp`: ccq checked the flags and resolved the
// history and the times.
func exportCmd(args []string, stdout, stderr io.Writer, env map[string]string) error {
	fs := newFlags("export otlp")
	hist := fs.String("history", "", "history file")
	var f stats.Filter
	fs.Var((*listFlag)(&f.Tasks), "task", "task glob")
	fs.Int64Var(&f.Since, "since-ms", 0, "unix ms")
	fs.Int64Var(&f.Until, "until-ms", 0, "unix ms")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *hist == "" {
		return usage("export otlp: --history is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sink, err := otlp.New(ctx, env, buildinfo.Version(version))
	if err != nil {
		return clierr.WithHint(fmt.Errorf("export otlp: %w", err), "see `ccq export otlp --help` for the variables")
	}
	if sink == nil {
		return clierr.WithHint(errors.New("export otlp: no OTLP endpoint for logs"),
			"set "+otlp.EnvEndpoint+" (or OTEL_EXPORTER_OTLP_LOGS_ENDPOINT), and unset "+otlp.EnvSDKDisabled)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), sink.Timeout())
		defer cancel()
		_ = sink.Shutdown(ctx)
	}()
	res, err := exportOTLP(ctx, sink, *hist, f)
	if res.skipped > 0 {
		fmt.Fprintf(stderr, "ccq: warning: skipped %s in %s (first: line %d)\n",
			stats.Plural(int64(res.skipped), "malformed line"), *hist, res.firstSkipped)
	}
	if err != nil {
		return fmt.Errorf("export otlp: sent %d of %s: %w", res.sent, stats.Plural(int64(res.selected), "run"), err)
	}
	fmt.Fprintf(stdout, "sent %s from %s\n", stats.Plural(int64(res.sent), "run"), *hist)
	return nil
}

type exportResult struct {
	selected, sent        int
	skipped, firstSkipped int
}

// exportOTLP streams the history file through the filters into sink, and
// flushes. A line that is not a history entry is skipped and counted; a
// missing file is an empty history.
func exportOTLP(ctx context.Context, sink *otlp.Sink, path string, filter stats.Filter) (exportResult, error) {
	var res exportResult
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var rec stats.Record
	pending := 0 // queued in the sink, not yet flushed
	for n := 1; ; n++ {
		line, err := readLine(br, stats.MaxLine)
		if line == nil && errors.Is(err, io.EOF) {
			break
		}
		switch {
		case errors.Is(err, errLongLine):
			res.skip(n)
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return res, err
		case len(bytes.TrimSpace(line)) == 0:
			continue
		case !stats.ParseLine(line, &rec):
			res.skip(n)
			continue
		case !keep(&filter, &rec):
			continue
		}
		res.selected++
		if err := sink.SendLine(ctx, line); err != nil {
			var le *otlp.LineError
			if !errors.As(err, &le) {
				return res, err
			}
			res.selected--
			res.skip(n)
			continue
		}
		if pending++; pending == otlp.MaxBatch {
			if err := sink.Flush(ctx); err != nil {
				return res, err
			}
			res.sent, pending = res.sent+pending, 0
		}
	}
	if err := sink.Flush(ctx); err != nil {
		return res, err
	}
	res.sent += pending
	return res, nil
}

func (r *exportResult) skip(line int) {
	r.skipped++
	if r.firstSkipped == 0 {
		r.firstSkipped = line
	}
}

// keep applies the --task, --since and --until filters as stats does: a
// run without a readable timestamp passes only when no time bound is set.
func keep(f *stats.Filter, r *stats.Record) bool {
	if !f.MatchTask(string(r.Task)) {
		return false
	}
	if f.Since == 0 && f.Until == 0 {
		return true
	}
	return r.HasTS && (f.Since == 0 || r.TSMs >= f.Since) && (f.Until == 0 || r.TSMs < f.Until)
}

var errLongLine = errors.New("line too long")

// readLine returns the next line without its newline. A line longer than
// max is consumed and reported as errLongLine without being kept; the last
// line may lack its newline (then err is io.EOF with a non-nil line).
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var buf []byte
	long := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !long {
			if len(buf)+len(chunk) > max+1 {
				long, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case err == nil:
			if long {
				return []byte{}, errLongLine
			}
			return bytes.TrimRight(buf, "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if long {
				return []byte{}, errLongLine
			}
			if len(buf) == 0 {
				return nil, io.EOF
			}
			return buf, io.EOF
		default:
			return nil, err
		}
	}
}
