package metrics

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ccq-dev/ccq/internal/fsutil"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// TextfileName is the file WriteTextfile writes in node_exporter's textfile
// directory.
const TextfileName = "ccq.prom"

// Write writes what g gathers in the Prometheus text format.
func Write(w io.Writer, g prometheus.Gatherer) error {
	mfs, err := g.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}

// WriteTextfile replaces dir/ccq.prom with what g gathers, atomically: a
// new file in dir (a dot name, which node_exporter does not read) renamed
// over the old one, so a scrape never sees half a file. It is mode 0644 so
// a node_exporter running as another user can read it (the metrics hold
// task names and figures, no session output).
func WriteTextfile(dir string, g prometheus.Gatherer) error {
	var buf bytes.Buffer
	if err := Write(&buf, g); err != nil {
		return err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("textfile directory: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("textfile directory %s: not a directory", dir)
	}
	// 0644: node_exporter often runs as another user.
	if err := fsutil.WriteFileAtomic(filepath.Join(dir, TextfileName), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(dir, TextfileName), err)
	}
	return nil
}
