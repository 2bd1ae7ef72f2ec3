#!/bin/sh
# Stand-in claude: notes it started in $STANDIN_STARTED, sleeps
# $STANDIN_SLEEP seconds (default 1), then exits 0.
[ -n "$STANDIN_STARTED" ] && echo $$ > "$STANDIN_STARTED"
sleep "${STANDIN_SLEEP:-1}"
exit 0
