#!/bin/sh
# Stand-in claude whose grandchild ignores SIGTERM, sleeps and holds the
# output pipe; its pid goes to $STANDIN_GRANDCHILD.
echo '{"type":"system","subtype":"init","session_id":"s-grandchild","model":"stand-in"}'
# The grandchild names itself once its trap is set: a test that kills as
# soon as the pid is there must find it SIGTERM-proof.
sh -c 'trap "" TERM; [ -n "$STANDIN_GRANDCHILD" ] && echo $$ > "$STANDIN_GRANDCHILD"; echo grandchild sleeping; exec sleep 300' &
[ -n "$STANDIN_STARTED" ] && echo $$ > "$STANDIN_STARTED"
sleep 300
