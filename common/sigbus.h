/*
 * sigbus.h - a SIGBUS that says what it means before the process dies of it.
 *
 * In this code base SIGBUS has one likely cause: a memory-mapped file got shorter than its
 * mapping while the process used it - the spool's data.mdb truncated under a running daemon
 * (LMDB reads through a mapping of the whole map size; spool_open refuses a file that is
 * already short, but cannot stop one being cut later). Dying silently, a daemon restart-loops
 * with nothing in its log; with this handler it first writes one log line naming the likely
 * cause and the runbook section, then dies of the signal as before (core dump, and systemd or
 * `otlp2parquet run` sees the signal).
 */
#ifndef O2P_SIGBUS_H
#define O2P_SIGBUS_H

/* sigbus_install - install the handler for this process. `component` is the log comp= value
 * (kept by pointer: a string literal). Safe to call more than once. */
void sigbus_install(const char *component);

#endif
