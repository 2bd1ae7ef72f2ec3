#!/bin/sh
# Stand-in claude whose grandchild ignores SIGTERM, sleeps and holds the
# output pipe; its pid goes to $STANDIN_GRANDCHILD.
echo '{"type":"system","subtype":"init","session_id":"s-grandchild","model":"stand-in"}'
sh -c 'trap "" TERM; echo grandchild sleeping; exec sleep 300' &
[ -n "$STANDIN_GRANDCHILD" ] && echo $! > "$STANDIN_GRANDCHILD"
[ -n "$STANDIN_STARTED" ] && echo $$ > "$STANDIN_STARTED"
sleep 300
