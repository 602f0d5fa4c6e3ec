#!/bin/bash
# The whole pipeline against the test catalog's --profile glue_s3tables (issue #12): S3 Tables
# through the Glue Iceberg REST endpoint, the configuration docs/deploy-aws.md recommends
# (catalog.glue_s3tables preset): SigV4 glue with IMDS keys revoked early, namespace pre-created
# and create-namespace denied, no client location (S3 Tables assigns it), lower-cased columns,
# metadata: null on every other load, a table bucket that refuses If-None-Match on PutObject.
# Every profile also gets the catalog's own maintenance commits (replace, snappy then zstandard
# manifests) between ours. Shared body: catalog_profile_lib.bash.
PROFILE=glue_s3tables
. "$(dirname "$0")/catalog_profile_lib.bash"
