/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net/cksum.c: the raw sum against DPDK's, and the sum over chains against the flat one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <tlsterm/net.h>

#include "eal_fixture.h"

#define MAX_LEN 3000

static uint8_t data[MAX_LEN + 8];

static int group_setup(void **state)
{
	(void)state;
	srand(7);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rand();
	return eal_fixture_init();
}

/* Every length up to a jumbo-ish frame at every alignment, and the all-0xff case. */
static void test_raw_matches_dpdk(void **state)
{
	(void)state;
	for (uint32_t off = 0; off < 8; off++)
		for (uint32_t len = 0; len <= MAX_LEN; len++)
			assert_int_equal(net_cksum_raw(data + off, len), rte_raw_cksum(data + off, len));
	uint8_t ones[1501];
	memset(ones, 0xff, sizeof(ones));
	for (uint32_t len = 0; len <= sizeof(ones); len++)
		assert_int_equal(net_cksum_raw(ones, len), rte_raw_cksum(ones, len));
	uint8_t zeros[64] = {0};
	assert_int_equal(net_cksum_raw(zeros, sizeof(zeros)), 0);
}

/* A chain of segments of odd and even lengths sums as the same bytes laid flat. */
static void test_mbuf_chain_matches_flat(void **state)
{
	(void)state;
	static const uint16_t cuts[][5] = {
		{1, 2, 3, 500, 1494}, {7, 1, 1, 1, 1990}, {1000, 999, 1, 0, 0}, {2000, 0, 0, 0, 0},
	};
	for (size_t k = 0; k < RTE_DIM(cuts); k++) {
		struct rte_mbuf *head = NULL;
		uint32_t total = 0;
		for (size_t i = 0; i < 5 && cuts[k][i] > 0; i++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(eal_fixture_pool());
			assert_non_null(m);
			uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, cuts[k][i]);
			assert_non_null(p);
			memcpy(p, data + total, cuts[k][i]);
			total += cuts[k][i];
			if (head == NULL)
				head = m;
			else
				assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		}
		for (uint32_t off = 0; off < 9; off++) {
			uint16_t sum;
			assert_int_equal(net_cksum_mbuf(head, off, total - off, &sum), 0);
			assert_int_equal(sum, rte_raw_cksum(data + off, total - off));
		}
		uint16_t sum;
		assert_int_equal(net_cksum_mbuf(head, 1, total, &sum), -1); /* past the data */
		rte_pktmbuf_free(head);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_matches_dpdk),
		cmocka_unit_test(test_mbuf_chain_matches_flat),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
