/*
 * signal_kind.h - the three OTLP signals and their names in paths, databases and tables.
 */
#ifndef O2P_SIGNAL_KIND_H
#define O2P_SIGNAL_KIND_H

enum o2p_signal { O2P_SIGNAL_LOGS = 0, O2P_SIGNAL_TRACES = 1, O2P_SIGNAL_METRICS = 2 };
#define O2P_SIGNAL_COUNT 3

/* signal_kind_name - "logs", "traces", "metrics". */
const char *signal_kind_name(enum o2p_signal s);
/* signal_kind_parse - name to enum; -1 if unknown. */
int signal_kind_parse(const char *name);

#endif
