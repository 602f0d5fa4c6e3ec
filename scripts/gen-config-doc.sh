#!/bin/sh
# Regenerate docs/configuration.md from the configuration table: scripts/gen-config-doc.sh [BIN]
set -eu
bin=${1:-bin}/otlp2parquet
cat <<'HEAD'
# Configuration reference

Generated from the configuration table (`common/cfg_keys.c`) by `scripts/gen-config-doc.sh`
(`otlp2parquet config --markdown`); a test fails when this file and the table disagree. Every
key can be set in the INI file (`-c FILE`, `[section]` then `key = value`), as an environment
variable, or with `--set section.key=value`; precedence is flag > environment > file > default.
`--data-dir DIR` sets the data directory (also `OTLP2PARQUET_DATA_DIR`); `--http` and `--grpc`
are shorthands for `receiver.http` and `receiver.grpc`. Sizes take units (`512KiB`, `128MiB`,
`1GB`), durations too (`500ms`, `10s`, `5m`, `1h`; a bare number is seconds). An unknown key is
a start-up error.

HEAD
"$bin" config --markdown
cat <<'TAIL'

Every key with its default, as an INI file to start from: `otlp2parquet config --defaults`.
The values a process would run with: `otlp2parquet config --effective [-c FILE] [--set ...]`.
TAIL
