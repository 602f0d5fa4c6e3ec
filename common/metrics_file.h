/*
 * metrics_file.h - Prometheus samples of processes without a port of their own.
 *
 * Writers and the committer never listen on a socket (one job per process), so each one
 * periodically publishes its samples to DATA_DIR/metrics/<name>.prom; the receiver's
 * GET /metrics appends every fresh file (modified in the last 60 s; a dead process's file
 * goes stale and is skipped) grouped by metric family, with one TYPE line per family.
 * Files hold sample lines only ("name{labels} value"), names ending in _total are counters.
 */
#ifndef O2P_METRICS_FILE_H
#define O2P_METRICS_FILE_H

#include "common/buf.h"
#include "common/err.h"

/* metrics_file_publish - replace DATA_DIR/metrics/<name>.prom with `text` (atomically). */
int metrics_file_publish(const char *data_dir, const char *name, const char *text, size_t len,
                         struct o2p_error *err);
/* metrics_file_remove - a clean exit removes its file so it does not linger until stale. */
void metrics_file_remove(const char *data_dir, const char *name);
/* metrics_file_collect - append the samples of every fresh file to out, grouped by family. */
int metrics_file_collect(const char *data_dir, struct buf *out);

#endif
