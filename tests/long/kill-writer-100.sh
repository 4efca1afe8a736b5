#!/usr/bin/env bash
# The long version of tests/train/test_kill_writer.sh: 100 SIGKILLs during checkpoint saves.
#   bash tests/long/kill-writer-100.sh build/src/nash .
NASH_KILL_TRIALS=100 exec bash "$(dirname "$0")/../train/test_kill_writer.sh" "$@"
