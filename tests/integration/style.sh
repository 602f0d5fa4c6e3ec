#!/bin/bash
# The style guide's mechanical rules (scripts/checksrc): caught by CI, not by review.
. "$(dirname "$0")/lib.sh"
out=$("$O2P_ROOT/scripts/checksrc" --objects "$O2P_ROOT/${B:-build}" 2>&1)
rc=$?
if [ $rc = 0 ]; then ok checksrc; else fail checksrc "$(echo "$out" | wc -l) violation(s)"; echo "$out"; fi
