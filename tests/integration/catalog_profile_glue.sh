#!/bin/bash
# The whole pipeline against the test catalog's --profile glue (issue #12): AWS Glue default catalog over S3: SigV4 glue with IMDS keys revoked early, namespace pre-created and create-namespace denied, location required (derived from the namespace location), lower-cased columns, metadata: null on every other load.
# Every profile also gets the catalog's own maintenance commits (replace, snappy then zstandard
# manifests) between ours. Shared body: catalog_profile_lib.bash.
PROFILE=glue
. "$(dirname "$0")/catalog_profile_lib.bash"
