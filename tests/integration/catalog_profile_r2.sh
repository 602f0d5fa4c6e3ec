#!/bin/bash
# The whole pipeline against the test catalog's --profile r2 (issue #12): Cloudflare R2 Data Catalog: bearer token only, no S3 keys on the host: the data goes with the short-lived vended credentials (storage-credentials), refreshed before/after expiry.
# Every profile also gets the catalog's own maintenance commits (replace, snappy then zstandard
# manifests) between ours. Shared body: catalog_profile_lib.bash.
PROFILE=r2
. "$(dirname "$0")/catalog_profile_lib.bash"
