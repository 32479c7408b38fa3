#!/bin/sh
# A stand-in DUT that writes to stdout and stderr (its arguments, an
# environment variable) and ends with a line that has no newline.
echo "args: $*"
echo "env: $DUT_GREETING"
echo "oops" >&2
printf "ready now"
