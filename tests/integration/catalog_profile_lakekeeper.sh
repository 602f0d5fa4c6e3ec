#!/bin/bash
# The whole pipeline against the test catalog's --profile lakekeeper (issue #12): Lakekeeper behind a Keycloak-style IdP: token endpoint elsewhere (catalog.oauth2_server_uri), HTTP Basic client auth only, scope lakekeeper, prefix = warehouse id, short-lived tokens.
# Every profile also gets the catalog's own maintenance commits (replace, snappy then zstandard
# manifests) between ours. Shared body: catalog_profile_lib.bash.
PROFILE=lakekeeper
. "$(dirname "$0")/catalog_profile_lib.bash"
