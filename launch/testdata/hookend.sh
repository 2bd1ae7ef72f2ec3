#!/bin/sh
# Stand-in claude with a SessionEnd hook: on SIGTERM (its launcher's death
# sends it) it runs $STANDIN_HOOK with a SessionEnd payload, as Claude Code
# does, notes that in $STANDIN_HOOKED, and exits. The hook runs with SIGTERM
# ignored, so that the guardian's SIGTERM cannot cut it short.
echo '{"type":"system","subtype":"init","session_id":"s-hookend","model":"stand-in"}'
trap 'trap "" TERM
echo "{\"hook_event_name\":\"SessionEnd\",\"session_id\":\"s-hookend\",\"cwd\":\"$PWD\",\"reason\":\"other\"}" | "$STANDIN_HOOK"
echo done > "$STANDIN_HOOKED"
exit 143' TERM
[ -n "$STANDIN_STARTED" ] && echo $$ > "$STANDIN_STARTED"
sleep 300 &
wait $!
