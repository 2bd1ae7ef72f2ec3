// Command genhistory writes a synthetic history.jsonl for benchmarks: n
// lines over 50 tasks with mixed outcomes, one line per run in the order
// runs end, timestamps spread over the year before -end.
//
//	go run ./stats/internal/genhistory -n 1000000 -o /tmp/h1m.jsonl
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

func main() {
	n := flag.Int("n", 1_000_000, "lines to write")
	out := flag.String("o", "history.jsonl", "output file")
	tasks := flag.Int("tasks", 50, "number of tasks")
	span := flag.Duration("span", 365*24*time.Hour, "time the runs spread over")
	end := flag.String("end", "", "time of the last run (RFC 3339; default now)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := gen(*n, *out, *tasks, *span, *end, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genhistory:", err)
		os.Exit(1)
	}
}

func gen(n int, out string, tasks int, span time.Duration, endS string, seed uint64) error {
	endT := time.Now().UTC()
	if endS != "" {
		t, err := time.Parse(time.RFC3339, endS)
		if err != nil {
			return err
		}
		endT = t
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	start := endT.Add(-span)
	step := span / time.Duration(n)
	// Each task has its own typical duration and token use; a few tasks
	// get slower over the year so the trend has something to find.
	base := make([]float64, tasks)
	for i := range base {
		base[i] = 20 + rng.Float64()*300
	}
	details := []struct {
		typ, detail string
	}{
		{"exit_error", "rate_limit"}, {"exit_error", "server_error"}, {"exit_error", "max_turns"},
		{"exit_error", "exit code 1"}, {"timeout", "timeout after 30m0s"},
		{"exception", "signal: SIGTERM"}, {"exception", "unfinished: launcher killed"},
	}
	for i := range n {
		ti := rng.IntN(tasks)
		task := fmt.Sprintf("task-%02d", ti)
		t := start.Add(time.Duration(i) * step)
		progress := float64(i) / float64(n)
		d := base[ti] * math.Exp(rng.NormFloat64()*0.3)
		if ti%10 == 0 {
			d *= 1 + progress // getting slower
		}
		e := recorder.Entry{TaskID: task, Success: true}
		e.SetStart(t)
		e.SetDuration(time.Duration(d * float64(time.Second)))
		e.Tokens = int64(5000 + rng.IntN(200000))
		if rng.Float64() < 0.12 {
			k := details[rng.IntN(len(details))]
			e.Success = false
			e.ErrorType = recorder.ErrorType(k.typ)
			e.ErrorDetail = k.detail
		}
		e.RunID = fmt.Sprintf("%010x%06x", t.UnixMilli(), rng.IntN(1<<24))
		e.LogFile = fmt.Sprintf("logs/scheduler/%s/%s-%s.md", t.Format("2006-01-02"), task, e.RunID)
		if rng.IntN(4) == 0 {
			c := math.Round(float64(e.Tokens)*0.00003*1e4) / 1e4
			e.CostUSD = &c
		}
		line, err := e.Marshal()
		if err != nil {
			return err
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
