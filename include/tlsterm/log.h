/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging for the control thread and start-up. Workers never log on the
 * packet path: they count, and the control thread reports.
 */
#ifndef TLSTERM_LOG_H
#define TLSTERM_LOG_H

#include <tlsterm/config.h>

/* Log to stderr until log_open() names a file. Returns 0 or -errno. */
int log_open(enum log_level level, const char *file);
void log_close(void);
/*
 * Open the log file again (log rotation: SIGUSR1). Only the control thread
 * logs, so no lock. 0, or -errno with the old file kept.
 */
int log_reopen(void);
/* A reload's new log.level (only the control thread logs: a plain store). */
void log_set_level(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
