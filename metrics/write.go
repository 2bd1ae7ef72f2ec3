package metrics

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, "."+TextfileName+"."+hex.EncodeToString(rnd[:]))
	// O_EXCL: never through a link someone planted under that name.
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(dir, TextfileName), err)
	}
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Chmod(0o644) // whatever the umask
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, TextfileName))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Join(dir, TextfileName), err)
	}
	return nil
}
