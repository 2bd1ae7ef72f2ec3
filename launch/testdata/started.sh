#!/bin/sh
# Stand-in claude: notes it started in $STANDIN_STARTED, then exits 0.
[ -n "$STANDIN_STARTED" ] && echo $$ > "$STANDIN_STARTED"
exit 0
