/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <tlsterm/access_log.h>
#include <tlsterm/log.h>

#include "access_writer.h"

#define DRAIN_BURST 64

int access_writer_open(struct access_writer *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	if (path[0] == '\0')
		return 0;
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->f = fopen(path, "a");
	if (w->f == NULL)
		return -1;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	w->tsc0 = (int64_t)rte_rdtsc();
	w->wall0_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	w->tsc_per_ns = (double)rte_get_tsc_hz() / 1e9;
	return 0;
}

void access_writer_drain(struct access_writer *w, struct rte_ring *const *rings, unsigned int n)
{
	if (w->f == NULL)
		return;
	bool wrote = false;
	for (unsigned int i = 0; i < n; i++) {
		if (rings[i] == NULL)
			continue;
		struct access_record recs[DRAIN_BURST];
		unsigned int got;
		while ((got = rte_ring_sc_dequeue_burst_elem(rings[i], recs, sizeof(recs[0]),
							     DRAIN_BURST, NULL)) > 0) {
			for (unsigned int k = 0; k < got; k++) {
				char line[512];
				access_log_format(&recs[k], w->tsc_per_ns, w->tsc0, w->wall0_ns,
						  line, sizeof(line));
				fprintf(w->f, "%s\n", line);
				w->lines++;
			}
			wrote = true;
		}
	}
	if (wrote && fflush(w->f) != 0)
		log_warn("access log %s: %s", w->path, strerror(errno));
}

void access_writer_reopen(struct access_writer *w)
{
	if (w->f == NULL)
		return;
	FILE *f = fopen(w->path, "a");
	if (f == NULL) {
		log_warn("access log %s: cannot reopen: %s; writing on to the old file", w->path,
			 strerror(errno));
		return;
	}
	fclose(w->f);
	w->f = f;
}

void access_writer_close(struct access_writer *w)
{
	if (w->f != NULL)
		fclose(w->f);
	w->f = NULL;
}
