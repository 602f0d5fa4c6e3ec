#!/bin/bash
# The whole pipeline against the test catalog's --profile nessie (issue #12): Nessie with an Auth0-style OIDC provider: audience + scope, prefix main|warehouse, the namespace must be created first, short-lived tokens.
# Every profile also gets the catalog's own maintenance commits (replace, snappy then zstandard
# manifests) between ours. Shared body: catalog_profile_lib.bash.
PROFILE=nessie
. "$(dirname "$0")/catalog_profile_lib.bash"
