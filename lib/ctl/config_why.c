/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>

#include "config_why.h"

int config_why_at(struct config_why *why, size_t at, const char *fmt, ...)
{
	va_list ap;

	why->at = at;
	va_start(ap, fmt);
	vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
	va_end(ap);
	return -1;
}
