#!/usr/bin/env bash
# Figures for README "Performance" (Prometheus rows), each beside a
# baseline measured in the same run:
#
#  1. `ccq stats --json` on N history lines (default 10 million, 2.4 GB;
#     SIZE=1000000 for 1M): cold (no summary cache), then warm after
#     appending 1,000 lines, beside the same history read without a cache
#     and beside `ccq --version` (process start, the floor).
#  2. /metrics scrape latency of `ccq metrics serve` at 1,000 tasks (1M
#     lines), beside /healthz on the same server.
#  3. RSS of `ccq metrics serve` over a simulated day: 10,000 appends with
#     a scrape after every 10, RSS sampled every 1,000.
#
#   metrics/bench.sh            # all three
#   ONLY=2 metrics/bench.sh     # one of them
# Files are kept in $BENCH_DIR (default /tmp/ccq-metrics-bench) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/ccq-metrics-bench}
SIZE=${SIZE:-10000000}
ONLY=${ONLY:-}
mkdir -p "$BENCH_DIR"
go build -o "$BENCH_DIR/" ./cmd/ccq ./cmd/ccq-helper # ccq hands metrics to ccq-helper
go build -o "$BENCH_DIR/genhistory" ./stats/internal/genhistory
CCQ=$BENCH_DIR/ccq
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

ms() { date +%s%N; }
# median_ms N CMD...: the median wall time of N runs, in ms.
median_ms() {
	local n=$1 i t0 t1
	shift
	for ((i = 0; i < n; i++)); do
		t0=$(ms)
		"$@" >/dev/null
		t1=$(ms)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

if [ -z "$ONLY" ] || [ "$ONLY" = 1 ]; then
	L=$BENCH_DIR/logs-$SIZE
	mkdir -p "$L"
	if [ ! -s "$L/history.jsonl" ]; then
		echo "generating $SIZE lines..."
		"$BENCH_DIR/genhistory" -n "$SIZE" -o "$L/history.jsonl" -end 2026-03-01T00:00:00Z
	fi
	# Undo an earlier run's appends: the file is the generated one plus
	# nothing, so each run measures the same thing.
	if [ -f "$L/size" ]; then truncate -s "$(cat "$L/size")" "$L/history.jsonl"; fi
	stat -c %s "$L/history.jsonl" >"$L/size"
	ln -sf history.jsonl "$L/nocache.jsonl" # another name: read without the cache
	cat "$L/history.jsonl" >/dev/null
	rm -rf "$L/.cache"
	echo
	echo "1. ccq stats --json, $SIZE lines ($(($(cat "$L/size") / 1000000)) MB):"
	t0=$(ms); $CCQ stats --json --logs-dir "$L" >"$BENCH_DIR/cold.json"; t1=$(ms)
	cold=$(((t1 - t0) / 1000000))
	echo "  cold (no cache; builds it):        ${cold} ms   cache $(stat -c %s "$L/.cache/stats-v1.bin") bytes"
	cp "$L/.cache/stats-v1.bin" "$BENCH_DIR/before.bin"
	"$BENCH_DIR/genhistory" -n 1000 -o "$BENCH_DIR/more.jsonl" -end 2026-03-01T01:00:00Z -seed 9
	cat "$BENCH_DIR/more.jsonl" >>"$L/history.jsonl"
	# Each call gets the cache as it was before the 1,000 lines, so each
	# reads them (and rewrites the cache).
	warm() { cp "$BENCH_DIR/before.bin" "$L/.cache/stats-v1.bin"; t0=$(ms); $CCQ stats --json --logs-dir "$L" >"$BENCH_DIR/warm.json"; t1=$(ms); echo $(((t1 - t0) / 1000)); }
	first=$(for _ in $(seq 11); do warm; done | sort -n | awk '{a[NR]=$1} END {print a[6]}')
	warm_nothing=$(median_ms 11 $CCQ stats --json --logs-dir "$L")
	version=$(median_ms 11 $CCQ --version)
	t0=$(ms); $CCQ stats --json --history "$L/nocache.jsonl" >"$BENCH_DIR/nocache.json"; t1=$(ms)
	nocache=$(((t1 - t0) / 1000000))
	echo "  warm, 1,000 lines appended:        $(awk -v v="$first" 'BEGIN{printf "%.1f", v/1000}') ms (median of 11)"
	echo "  warm, nothing new (median of 11):  ${warm_nothing} ms"
	echo "  ccq --version (median of 11):      ${version} ms   (process start: the floor)"
	echo "  same file without the cache:       ${nocache} ms   warm/no-cache = $(awk -v a="$first" -v b="$nocache" 'BEGIN{printf "%.4f", a/1000/b}')"
	if diff <(grep -v '"history"' "$BENCH_DIR/warm.json") <(grep -v '"history"' "$BENCH_DIR/nocache.json") >/dev/null; then
		echo "  the warm answer equals the answer without a cache"
	else
		echo "  MISMATCH between the warm answer and the answer without a cache" >&2
		exit 1
	fi
	truncate -s "$(cat "$L/size")" "$L/history.jsonl"
fi

# serve LOGS: starts ccq metrics serve, sets PID and ADDR.
serve() {
	$CCQ metrics serve --logs-dir "$1" --listen 127.0.0.1:0 2>"$BENCH_DIR/serve.err" &
	PID=$!
	for _ in $(seq 100); do
		ADDR=$(sed -n 's|.* on http://\(.*\)/metrics|\1|p' "$BENCH_DIR/serve.err")
		[ -n "$ADDR" ] && return
		sleep 0.1
	done
	echo "ccq metrics serve did not start" >&2
	exit 1
}
# curl_ms URL N: the median time of N GETs, in ms.
curl_ms() {
	for ((i = 0; i < $2; i++)); do curl -s -o /dev/null -w '%{time_total}\n' "$1"; done |
		sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}'
}

if [ -z "$ONLY" ] || [ "$ONLY" = 2 ]; then
	L=$BENCH_DIR/logs-1000tasks
	mkdir -p "$L"
	[ -s "$L/history.jsonl" ] || "$BENCH_DIR/genhistory" -n 1000000 -tasks 1000 -o "$L/history.jsonl" -end 2026-03-01T00:00:00Z
	rm -rf "$L/.cache"
	serve "$L"
	t0=$(ms); curl -s -o "$BENCH_DIR/scrape.txt" "http://$ADDR/metrics"; t1=$(ms)
	echo
	echo "2. scrape of ccq metrics serve, 1,000 tasks, 1M lines ($(wc -l <"$BENCH_DIR/scrape.txt") exposition lines, $(($(stat -c %s "$BENCH_DIR/scrape.txt") / 1024)) KB):"
	echo "  first scrape (reads the history):  $(((t1 - t0) / 1000000)) ms"
	echo "  /metrics, median of 50:            $(curl_ms "http://$ADDR/metrics" 50) ms"
	echo "  /healthz, median of 50:            $(curl_ms "http://$ADDR/healthz" 50) ms   (the floor: HTTP and curl)"
	kill "$PID"; wait "$PID" || true
fi

if [ -z "$ONLY" ] || [ "$ONLY" = 3 ]; then
	L=$BENCH_DIR/logs-day
	rm -rf "$L"; mkdir -p "$L"
	"$BENCH_DIR/genhistory" -n 10000 -o "$BENCH_DIR/day.jsonl" -span 24h -end 2026-03-01T00:00:00Z -seed 3
	serve "$L"
	rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
	curl -s -o /dev/null "http://$ADDR/metrics"
	echo
	echo "3. RSS of ccq metrics serve over 10,000 appends, a scrape after every 10:"
	printf "  %8s %10s\n" appends "RSS (KB)"
	printf "  %8d %10d\n" 0 "$(rss)"
	i=0
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$L/history.jsonl"
		i=$((i + 1))
		if ((i % 10 == 0)); then curl -s -o /dev/null "http://$ADDR/metrics"; fi
		if ((i % 1000 == 0)); then printf "  %8d %10d\n" "$i" "$(rss)"; fi
	done <"$BENCH_DIR/day.jsonl"
	grep -c . "$L/history.jsonl" >/dev/null
	curl -s "http://$ADDR/metrics" | awk '/^ccq_runs_total/ {s += $2} END {print "  runs in the last scrape: " s}'
	kill "$PID"; wait "$PID" || true
fi
