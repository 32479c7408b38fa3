#!/bin/sh
# A stand-in DUT that ignores SIGTERM, and so does the child it starts: only
# SIGKILL to the whole process group ends them.
trap '' TERM
echo "self $$"
sleep 300 &
echo "child $!"
wait $!
