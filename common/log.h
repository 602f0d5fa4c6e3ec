/*
 * log.h - one key=value line per event on stderr (journald reads it).
 *
 *   log_warn("writer", "op=rename file=%s err=\"%s\"", path, msg);
 *   -> ts=2026-11-21T10:00:00.123Z level=warn comp=writer op=rename file=... err="..."
 *
 * log_set_level() filters; panic() logs and aborts for broken invariants. Nothing here exits:
 * a daemon's exit status is common/daemon.h's.
 */
#ifndef O2P_LOG_H
#define O2P_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* log_set_level_name - "debug", "info", "warn" or "error" (log.level); anything else is info. */
void log_set_level_name(const char *name);
/* log_set_component - the comp= value used by panic() and the log_* macros' default. */
void log_set_component(const char *comp);
void log_msg(enum log_level level, const char *comp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(comp, ...) log_msg(LOG_DEBUG, comp, __VA_ARGS__)
#define log_info(comp, ...) log_msg(LOG_INFO, comp, __VA_ARGS__)
#define log_warn(comp, ...) log_msg(LOG_WARN, comp, __VA_ARGS__)
#define log_error(comp, ...) log_msg(LOG_ERROR, comp, __VA_ARGS__)

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
