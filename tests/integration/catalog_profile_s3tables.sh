#!/bin/bash
# The whole pipeline against the test catalog's --profile s3tables (issue #12): S3 Tables REST: SigV4 s3tables with IMDS keys revoked early, prefix = encoded ARN, no client location, lower-case names, create-namespace denied, the table bucket refuses If-None-Match on PutObject.
# Every profile also gets the catalog's own maintenance commits (replace, snappy then zstandard
# manifests) between ours. Shared body: catalog_profile_lib.bash.
PROFILE=s3tables
. "$(dirname "$0")/catalog_profile_lib.bash"
