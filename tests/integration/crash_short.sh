#!/bin/bash
# The crash test (tests/crash/crash.sh) in its short form for `make test`: a dozen random
# kill -9s (receiver, writers, committer, the supervisor itself) under load from real OTLP
# clients, then drain and check every acknowledged record is in the Iceberg tables exactly
# once. `make crash` runs the full length (>= 100 kills).
exec bash "$(dirname "$0")/../crash/crash.sh" --name crash_short --kills 12 --writers 2 --senders 3 \
    --batch 40 --delay-ms 100-1200 "$@"
