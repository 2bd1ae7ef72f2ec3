//go:build !unix

package stats

import "os"

// fileID is unknown here: the size and the hashed bytes still tell a
// replaced history apart.
func fileID(os.FileInfo) (dev, ino uint64) { return 0, 0 }
