// Command minihook is the benchmark's floor for a useful Go hook: it reads
// stdin, pulls one field with gjson and appends one line to a file, the
// least any hook that records something must do. ccq-hook's cost above it
// is what its own features cost.
package main

import (
	"io"
	"os"

	"github.com/tidwall/gjson"
)

func main() {
	b, _ := io.ReadAll(io.LimitReader(os.Stdin, 4<<20))
	ev := gjson.GetBytes(b, "hook_event_name").Str
	f, err := os.OpenFile(os.Getenv("CCQ_LOGS_DIR")+".minihook", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	f.WriteString(ev + "\n")
	f.Close()
}
