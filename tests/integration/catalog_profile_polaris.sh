#!/bin/bash
# The whole pipeline against the test catalog's --profile polaris (issue #12): Apache Polaris: OAuth2 client credentials with scope PRINCIPAL_ROLE:ALL, Polaris-Realm header on every request, prefix = catalog name, short-lived tokens.
# Every profile also gets the catalog's own maintenance commits (replace, snappy then zstandard
# manifests) between ours. Shared body: catalog_profile_lib.bash.
PROFILE=polaris
. "$(dirname "$0")/catalog_profile_lib.bash"
