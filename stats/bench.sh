#!/usr/bin/env bash
# Benchmark `ccq stats --json` on 1 million and 10 million history lines
# (50 tasks, mixed outcomes, made by stats/internal/genhistory) beside:
#   cat            reading the file and nothing else: the floor
#   python3        a one-pass aggregation (json.loads per line)
#   jq -s          slurping the file (1 million lines only: it holds it all)
# Each tool runs once, on a warm page cache; the script prints wall time,
# the ratio to ccq, throughput and peak resident memory (GNU time).
#
#   stats/bench.sh                 # both sizes
#   SIZES="1000000" stats/bench.sh # only 1M
#   BENCH_DIR=/var/tmp/b stats/bench.sh
#
# Files are kept in $BENCH_DIR (default /tmp/ccq-bench) and reused.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/ccq-bench}
SIZES=${SIZES:-"1000000 10000000"}
mkdir -p "$BENCH_DIR"

have_time=1
if ! /usr/bin/time -f '%M' true 2>/dev/null; then
	have_time=0
	echo "note: GNU time (/usr/bin/time) not found: no peak memory (apt-get install time)"
fi
have_jq=1
if ! command -v jq >/dev/null; then
	have_jq=0
	echo "note: jq not found: skipping jq -s (apt-get install jq)"
fi
have_py=1
if ! command -v python3 >/dev/null; then
	have_py=0
	echo "note: python3 not found: skipping the python3 baseline"
fi

echo "building ccq..."
go build -tags urfave_cli_no_docs -o "$BENCH_DIR/ccq" ./cmd/ccq

cat >"$BENCH_DIR/agg.py" <<'EOF'
import json, sys
tasks = {}
for line in open(sys.argv[1], "rb"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    t = tasks.setdefault(e.get("task_id"), [0, 0, 0, 0.0])
    t[0] += 1
    t[1] += 1 if e.get("success") else 0
    t[2] += e.get("tokens") or 0
    t[3] += e.get("duration_s") or 0.0
json.dump({k: {"runs": v[0], "successes": v[1], "tokens": v[2],
               "tokens_per_success": v[2] / v[1] if v[1] else None,
               "mean_duration_s": v[3] / v[0]} for k, v in tasks.items()}, sys.stdout)
EOF

JQ_PROG='group_by(.task_id) | map({task: .[0].task_id, runs: length,
  successes: (map(select(.success)) | length), tokens: (map(.tokens) | add),
  mean_duration_s: ((map(.duration_s) | add) / length)})'

# measure NAME CMD...: runs CMD once with stdout to /dev/null; sets WALL
# (seconds) and PEAK (MB, or "-").
measure() {
	local memf="$BENCH_DIR/mem.txt" t0 t1
	t0=$(date +%s.%N)
	if [ "$have_time" = 1 ]; then
		/usr/bin/time -f '%M' -o "$memf" "$@" >/dev/null
	else
		"$@" >/dev/null
	fi
	t1=$(date +%s.%N)
	WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	PEAK="-"
	if [ "$have_time" = 1 ]; then
		PEAK=$(awk '{printf "%.0f", $1/1024}' "$memf")
	fi
}

row() { # name wall peak ccqwall bytes
	awk -v n="$1" -v w="$2" -v p="$3" -v c="$4" -v b="$5" 'BEGIN {
		printf "  %-20s %8.3f s %8.1fx %9.0f MB/s %8s MB\n", n, w, w / c, b / w / 1e6, p }'
}

echo "machine: $(nproc) cores, $(go env GOOS)/$(go env GOARCH), load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $SIZES; do
	f="$BENCH_DIR/history-$n.jsonl"
	if [ ! -s "$f" ]; then
		echo "generating $n lines..."
		go run ./stats/internal/genhistory -n "$n" -o "$f" -end 2026-03-01T00:00:00Z
	fi
	bytes=$(stat -c %s "$f")
	cat "$f" >/dev/null # warm the page cache
	echo
	echo "$n lines, $((bytes / 1000000)) MB ($((bytes / n)) bytes a line):"
	printf "  %-20s %10s %9s %14s %11s\n" tool wall "x ccq" throughput "peak RSS"

	measure "$BENCH_DIR/ccq" stats --json --history "$f"
	cw=$WALL
	cp=$PEAK
	measure cat "$f"
	row "cat (floor)" "$WALL" "$PEAK" "$cw" "$bytes"
	row "ccq stats --json" "$cw" "$cp" "$cw" "$bytes"
	if [ "$have_py" = 1 ]; then
		measure python3 "$BENCH_DIR/agg.py" "$f"
		row "python3 one pass" "$WALL" "$PEAK" "$cw" "$bytes"
	fi
	if [ "$have_jq" = 1 ] && [ "$n" -le 1000000 ]; then
		measure jq -s "$JQ_PROG" "$f"
		row "jq -s" "$WALL" "$PEAK" "$cw" "$bytes"
	fi
done
