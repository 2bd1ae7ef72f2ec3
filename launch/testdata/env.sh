#!/bin/sh
# Stand-in claude: writes its environment to $STANDIN_ENV, then exits 0.
env > "$STANDIN_ENV"
exit 0
