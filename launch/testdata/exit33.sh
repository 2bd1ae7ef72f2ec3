#!/bin/sh
# Stand-in claude: says something on both streams, then fails with code 33.
echo '{"type":"system","subtype":"init","session_id":"s-exit33","model":"stand-in","cwd":"'"$PWD"'"}'
echo "stand-in: $CCQ_TASK_ID $CCQ_RUN_ID" >&2
exit 33
