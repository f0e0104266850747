/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <tlsterm/log.h>

static FILE *log_out;
static char log_path[256]; /* for log_reopen() */
static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = {
	[LOG_LEVEL_ERR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

int log_open(enum log_level level, const char *file)
{
	log_threshold = level;
	if (file == NULL || file[0] == '\0')
		return 0;
	FILE *f = fopen(file, "a");
	if (f == NULL)
		return -errno;
	setvbuf(f, NULL, _IOLBF, 0);
	log_close();
	log_out = f;
	snprintf(log_path, sizeof(log_path), "%s", file);
	return 0;
}

int log_reopen(void)
{
	if (log_path[0] == '\0')
		return 0; /* stderr */
	FILE *f = fopen(log_path, "a");
	if (f == NULL)
		return -errno; /* keep writing to the old file */
	setvbuf(f, NULL, _IOLBF, 0);
	FILE *old = log_out;
	log_out = f;
	if (old != NULL)
		fclose(old);
	return 0;
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

void log_close(void)
{
	if (log_out != NULL)
		fclose(log_out);
	log_out = NULL;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_threshold)
		return;
	FILE *out = log_out != NULL ? log_out : stderr;
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

	/* One formatted buffer, one write: lines from two threads never interleave. */
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s.%03ldZ %s: ", stamp, ts.tv_nsec / 1000000,
			 level_names[level]);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	fwrite(line, 1, len, out);
	fflush(out);
}
