#!/bin/sh
# Stand-in claude: prints a stream-json output captured from Claude Code
# 2.1.328 ($STANDIN_STREAM, default the tool-using run) and exits with
# $STANDIN_EXIT (default 0).
dir=$(dirname "$0")
cat "${STANDIN_STREAM:-$dir/stream-tool.jsonl}"
exit "${STANDIN_EXIT:-0}"
