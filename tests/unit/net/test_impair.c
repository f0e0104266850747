/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net/impair.c: seeded drop, duplicate, reorder and delay, with real frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_cycles.h>

#include "eal_fixture.h"

static struct config cfg;
static struct net_ctx ctx;
static struct worker_counters ctr;
static unsigned int mbufs_at_start;

static int setup(void **state)
{
	(void)state;
	if (eal_fixture_init() != 0)
		return -1;
	mbufs_at_start = rte_mempool_in_use_count(eal_fixture_pool());
	fixture_config(&cfg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_drain(&ctx);
	net_ctx_fini(&ctx);
	assert_int_equal(rte_mempool_in_use_count(eal_fixture_pool()), mbufs_at_start);
	return 0;
}

/* An ICMP echo request whose id is tag; the reply carries it back. */
static void send_ping(uint16_t tag)
{
	uint8_t f[128];
	uint16_t n = fixture_put_eth(f, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	n = (uint16_t)(n + fixture_put_ipv4(f + n, FIXTURE_PEER_IP, FIXTURE_IP, IPPROTO_ICMP, 8));
	n = (uint16_t)(n + fixture_put_icmp(f + n, 8, 0, tag, 0, NULL, 0));
	net_input(&ctx, 0, fixture_frame(f, n));
}

/* The ids of the echo replies sent so far, in order; returns how many. */
static unsigned int replies(uint16_t *ids, unsigned int max)
{
	struct rte_mbuf *out[256];
	unsigned int n, k = 0;
	while ((n = fixture_collect(&ctx, out, 256)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			const uint8_t *p = rte_pktmbuf_mtod(out[i], const uint8_t *);
			if (k < max)
				ids[k++] = (uint16_t)(p[14 + 20 + 4] << 8 | p[14 + 20 + 5]);
		}
		fixture_free(out, n);
	}
	return k;
}

static void start(struct config_impair im)
{
	cfg.ports[0].impair = im;
	fixture_net_ctx(&ctx, &ctr, &cfg);
}

static void advance_ms(unsigned int ms)
{
	ctx.now += rte_get_tsc_hz() / 1000 * ms;
	net_impair_poll(&ctx);
}

static void test_off_by_default(void **state)
{
	(void)state;
	start((struct config_impair){0});
	assert_null(ctx.ports[0].impair);
	send_ping(1);
	uint16_t ids[4];
	assert_int_equal(replies(ids, 4), 1);
}

static void test_drop_all_and_none(void **state)
{
	(void)state;
	start((struct config_impair){.rx = true, .seed = 1, .drop_permille = 1000});
	for (uint16_t i = 0; i < 50; i++)
		send_ping(i);
	uint16_t ids[64];
	assert_int_equal(replies(ids, 64), 0);
	assert_int_equal(ctr.drops[DROP_IMPAIR], 50);
	assert_int_equal(ctr.icmp_echo_replies, 0);
}

static void test_drop_rate_and_seed_replay(void **state)
{
	(void)state;
	uint16_t first[1000], second[1000];
	unsigned int n1, n2;
	start((struct config_impair){.tx = true, .seed = 42, .drop_permille = 200});
	for (uint16_t i = 0; i < 1000; i++)
		send_ping(i);
	n1 = replies(first, 1000);
	net_ctx_fini(&ctx);
	start((struct config_impair){.tx = true, .seed = 42, .drop_permille = 200});
	for (uint16_t i = 0; i < 1000; i++)
		send_ping(i);
	n2 = replies(second, 1000);
	/* about 20% lost on TX, and the same seed loses the same frames */
	assert_true(n1 > 700 && n1 < 880);
	assert_int_equal(n1, n2);
	assert_memory_equal(first, second, n1 * sizeof(first[0]));
	assert_int_equal(ctr.drops[DROP_IMPAIR], 1000 - n2);
}

static void test_duplicate(void **state)
{
	(void)state;
	start((struct config_impair){.rx = true, .seed = 3, .duplicate_permille = 1000});
	send_ping(7);
	uint16_t ids[4];
	assert_int_equal(replies(ids, 4), 2);
	assert_int_equal(ids[0], 7);
	assert_int_equal(ids[1], 7);
	assert_int_equal(ctr.impair_duplicated, 1);
}

static void test_delay_holds_then_releases(void **state)
{
	(void)state;
	start((struct config_impair){.rx = true, .seed = 5, .delay_ms = 20});
	send_ping(1);
	send_ping(2);
	uint16_t ids[4];
	assert_int_equal(net_mbufs_held(&ctx), 2);
	advance_ms(19);
	assert_int_equal(replies(ids, 4), 0);
	advance_ms(2);
	assert_int_equal(replies(ids, 4), 2);
	assert_int_equal(ids[0], 1); /* delay alone keeps the order */
	assert_int_equal(ids[1], 2);
}

static void test_reorder_lets_later_frames_overtake(void **state)
{
	(void)state;
	start((struct config_impair){.rx = true, .seed = 9, .reorder_permille = 300});
	for (uint16_t i = 0; i < 100; i++)
		send_ping(i);
	uint16_t ids[128];
	unsigned int now = replies(ids, 128);
	advance_ms(5);
	unsigned int later = replies(ids + now, (unsigned int)(128 - now));
	assert_int_equal(now + later, 100); /* nothing lost */
	assert_true(later > 10);            /* some were held back */
	assert_int_equal(ctr.impair_reordered, later);
	bool out_of_order = false;
	for (unsigned int i = 1; i < 100; i++)
		out_of_order |= ids[i] < ids[i - 1];
	assert_true(out_of_order);
}

static void test_held_frames_freed_at_fini(void **state)
{
	(void)state;
	start((struct config_impair){.rx = true, .tx = true, .seed = 11, .delay_ms = 1000});
	for (uint16_t i = 0; i < 10; i++)
		send_ping(i);
	assert_int_equal(net_mbufs_held(&ctx), 10);
	/* teardown frees them and checks the pool */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_off_by_default),
		T(test_drop_all_and_none),
		T(test_drop_rate_and_seed_replay),
		T(test_duplicate),
		T(test_delay_holds_then_releases),
		T(test_reorder_lets_later_frames_overtake),
		T(test_held_frames_freed_at_fini),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
