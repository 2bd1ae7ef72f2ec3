// Package idhash derives the ids other systems know a run by — its W3C
// trace and span ids, its healthchecks rid — from the run id alone, so
// that the launcher, ccq-helper and anyone reading the history compute
// the same values without talking to each other.
//
// The hash is FNV-1a (128 bits) with each half put through the SplitMix64
// finaliser, so that every output bit depends on every input bit (plain
// FNV mixes a byte only upwards). It is not a cryptographic hash and need
// not be: the ids only have to differ between runs. ccq used SHA-1 and
// SHA-256 here before; either links Go's FIPS module, whose package
// initialisation every ccq start paid.
package idhash

import (
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
)

// Sum is the 16-byte hash of runID in the given domain (a label that
// keeps the ids of different uses apart).
func Sum(domain, runID string) [16]byte {
	h := fnv.New128a()
	h.Write([]byte(domain))
	h.Write([]byte{0})
	h.Write([]byte(runID))
	var b [16]byte
	h.Sum(b[:0])
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	hi, lo = mix(hi^lo), mix(lo+hi)
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return b
}

// mix is SplitMix64's finaliser.
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// TraceIDs are the trace and span ids of a run's span: never all zero,
// as W3C Trace Context requires.
func TraceIDs(runID string) (tid [16]byte, sid [8]byte) {
	tid = Sum("ccq trace", runID)
	s := Sum("ccq span", runID)
	copy(sid[:], s[:8])
	if tid == [16]byte{} {
		tid[15] = 1
	}
	if sid == [8]byte{} {
		sid[7] = 1
	}
	return tid, sid
}

// TraceParent is the W3C traceparent of a run's span,
// "00-<trace id>-<span id>-01"; "" for an empty run id.
func TraceParent(runID string) string {
	if runID == "" {
		return ""
	}
	tid, sid := TraceIDs(runID)
	return "00-" + hex.EncodeToString(tid[:]) + "-" + hex.EncodeToString(sid[:]) + "-01"
}

// RunUUID is the rid of a run's healthchecks pings: a UUID of RFC 9562's
// version 8 (custom) made of the run id's hash; "" for "".
func RunUUID(runID string) string {
	if runID == "" {
		return ""
	}
	u := Sum("ccq ping rid", runID)
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // the RFC's variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	hex.Encode(b[9:13], u[4:6])
	hex.Encode(b[14:18], u[6:8])
	hex.Encode(b[19:23], u[8:10])
	hex.Encode(b[24:], u[10:])
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return string(b[:])
}
