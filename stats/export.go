package stats

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/ccq-dev/ccq/recorder"
)

// The machine views of a Report: JSON (the documented shape, the Report
// type itself) and CSV.

// WriteJSON writes the report as indented JSON (the documented shape):
// what json.Encoder with a two-space indent writes, a task at a time. The
// whole document at once (587 kB for 50 tasks) took a warm `ccq stats
// --json` more memory, and so page faults, than computing it did.
func WriteJSON(w io.Writer, r *Report) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	head := *r
	if len(r.Tasks) > 0 {
		head.Tasks = []TaskStats{}
	}
	if err := enc.Encode(&head); err != nil {
		return err
	}
	const emptyTail = "[]\n}\n" // of "tasks": []
	if len(r.Tasks) == 0 {
		_, err := w.Write(buf.Bytes()) // it is all there
		return err
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte(emptyTail)) { // "tasks" is no longer last
		whole := json.NewEncoder(w)
		whole.SetIndent("", "  ")
		return whole.Encode(r)
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.Write(buf.Bytes()[:buf.Len()-len(emptyTail)])
	bw.WriteString("[\n")
	enc.SetIndent("    ", "  ") // an element of "tasks", two levels in
	for i := range r.Tasks {
		buf.Reset()
		if err := enc.Encode(&r.Tasks[i]); err != nil {
			return err
		}
		bw.WriteString("    ")
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if i < len(r.Tasks)-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("  ]\n}\n")
	return bw.Flush()
}

// CSVHeader is the first row of WriteCSV. A row with an empty period holds
// a task's totals; the others hold one trend period each. Task "*" is all
// tasks together.
var CSVHeader = []string{
	"task_id", "period", "runs", "successes", "success_rate", "tokens", "tokens_per_success",
	"cost_usd", "timeouts", "exit_errors", "exceptions", "other_errors", "top_error_details",
	"duration_mean_s", "duration_p50_s", "duration_p95_s", "duration_last_s", "verdict",
}

// WriteCSV writes the report as CSV: for each task and then for all tasks,
// one totals row followed by one row per trend period.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(CSVHeader)
	rows := append(append([]TaskStats{}, r.Tasks...), r.Overall)
	for _, t := range rows {
		if t.Runs == 0 {
			continue
		}
		var counts [4]int64
		var details []string
		for _, f := range t.Failures {
			switch recorder.Categorize(false, f.ErrorType) {
			case recorder.CategoryTimeout:
				counts[0] += f.Count
			case recorder.CategoryExitError:
				counts[1] += f.Count
			case recorder.CategoryException:
				counts[2] += f.Count
			default:
				counts[3] += f.Count
			}
			for _, d := range f.TopDetails {
				details = append(details, f.ErrorType+":"+d.Detail+"="+strconv.FormatInt(d.Count, 10))
			}
		}
		row := []string{
			t.TaskID, "", i64(t.Runs), i64(t.Successes), optF(t.SuccessRate), i64(t.Tokens),
			optF(t.TokensPerSuccess), optF(t.CostUSD), i64(counts[0]), i64(counts[1]), i64(counts[2]),
			i64(counts[3]), strings.Join(details, "; "),
		}
		row = append(row, durCols(t.Duration, true)...)
		row = append(row, t.Trend.Verdict)
		_ = cw.Write(row)
		for _, p := range t.Periods {
			row := []string{t.TaskID, p.Start, i64(p.Runs), i64(p.Successes), f64(p.SuccessRate), i64(p.Tokens),
				"", "", "", "", "", "", ""}
			row = append(row, durCols(p.Duration, false)...)
			row = append(row, "")
			_ = cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}

func durCols(d *Durations, last bool) []string {
	if d == nil {
		return []string{"", "", "", ""}
	}
	l := ""
	if last && d.Last != nil {
		l = f64(*d.Last)
	}
	return []string{f64(d.Mean), f64(d.P50), f64(d.P95), l}
}

func i64(v int64) string   { return strconv.FormatInt(v, 10) }
func f64(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
func optF(v *float64) string {
	if v == nil {
		return ""
	}
	return f64(*v)
}
