#!/bin/sh
# Stand-in claude: starts, notes it started in $STANDIN_STARTED, then sleeps.
echo '{"type":"system","subtype":"init","session_id":"s-sleep","model":"stand-in"}'
[ -n "$STANDIN_STARTED" ] && echo $$ > "$STANDIN_STARTED"
exec sleep 300
