/* SPDX-License-Identifier: BSD-3-Clause */
/* The control thread's side of the access log: workers' rings to the file. */
#ifndef TLSTERM_ACCESS_WRITER_H
#define TLSTERM_ACCESS_WRITER_H

#include <stdint.h>
#include <stdio.h>

struct rte_ring;

struct access_writer {
	FILE *f; /* NULL: no access log */
	char path[256];
	double tsc_per_ns;
	int64_t tsc0, wall0_ns; /* one instant on both clocks, to date the records */
	uint64_t lines;
};

/* Open path for appending (nothing when path is empty). 0, or -1 with errno. */
int access_writer_open(struct access_writer *w, const char *path);
/* Write every record waiting on the rings. */
void access_writer_drain(struct access_writer *w, struct rte_ring *const *rings, unsigned int n);
/* Reopen the file (log rotation: SIGUSR1). */
void access_writer_reopen(struct access_writer *w);
void access_writer_close(struct access_writer *w);

#endif
