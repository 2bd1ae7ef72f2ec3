#!/bin/sh
# Stand-in claude for retries: the first time (no $STANDIN_ONCE file yet)
# it replays a captured HTTP 429 and exits 1, a transient failure; after
# that it is grandchild.sh (a SIGTERM-proof grandchild, then a sleep).
dir=$(dirname "$0")
if [ ! -e "$STANDIN_ONCE" ]; then
	: > "$STANDIN_ONCE"
	cat "$dir/stream-429.jsonl"
	exit 1
fi
exec "$dir/grandchild.sh"
