/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tls/aead*.c: both engines against published vectors (RFC 8448 §3 records,
 * RFC 8439 §2.8.2, the GCM specification's AES-256 test case 15), then against
 * each other on random records cut into random segments, each segment in its
 * own heap block so AddressSanitizer sees any read or write past its end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aead_priv.h"
#include "tls_keys.h"

struct engines {
	struct tls_engine *evp;
	struct tls_engine *mb; /* NULL on a CPU without AES-NI: those cases skip */
};

static int setup(void **state)
{
	static struct engines en;

	en.evp = tls_engine_create(TLS_ENGINE_EVP);
	en.mb = tls_engine_create(TLS_ENGINE_IPSECMB);
	if (en.evp == NULL)
		return -1;
	if (en.mb != NULL)
		print_message("ipsec-mb engine: arch %s\n", tls_ipsecmb_arch(en.mb));
	*state = &en;
	return 0;
}

static int teardown(void **state)
{
	struct engines *en = *state;

	tls_engine_free(en->evp);
	tls_engine_free(en->mb);
	return 0;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (s[0] != '\0' && s[1] != '\0') {
		unsigned int b;

		assert_true(n < cap);
		assert_int_equal(sscanf(s, "%2x", &b), 1);
		out[n++] = (uint8_t)b;
		s += 2;
	}
	return n;
}

/* xorshift64*: reproducible "random" records; the seed is printed on failure paths. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_below(uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(rnd() % n);
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* The engines this test runs: EVP, ipsec-mb (ChaCha by the direct API), ipsec-mb (job API). */
enum variant { V_EVP, V_MB_DIRECT, V_MB_JOB, V_COUNT };
static const char *const variant_names[V_COUNT] = {"evp", "ipsec-mb/direct", "ipsec-mb/job"};

static struct tls_engine *variant_engine(struct engines *en, enum variant v)
{
	if (v == V_EVP)
		return en->evp;
	if (en->mb == NULL)
		return NULL;
	assert_int_equal(tls_ipsecmb_set_chacha_path(en->mb, v == V_MB_JOB ? TLS_CHACHA_JOB :
							 TLS_CHACHA_DIRECT), 0);
	return en->mb;
}

/*
 * tls_aead_key_init, then the expansion a connection's first record makes, into
 * one of the test's own schedules (taken in turn: no test holds more keys).
 */
static int key_set(struct tls_engine *e, struct tls_aead_key *k, enum tls_aead_alg alg,
		   const uint8_t *raw)
{
	static struct tls_aead_sched scheds[256];
	static unsigned int next;
	int rc = tls_aead_key_init(e, k, alg, raw);
	if (rc != 0 || !k->needs_sched)
		return rc;
	return tls_aead_key_expand(e, k, &scheds[next++ % 256]);
}

/* One op over a contiguous buffer: [0, len) body, tag separate. */
static void one_op(struct tls_engine *e, const struct tls_aead_key *k, const uint8_t nonce[12],
		   const uint8_t *aad, unsigned int aad_len, bool seal, uint8_t *buf, uint32_t len,
		   uint8_t *tag, int want_result)
{
	struct tls_aead_op op;

	memset(&op, 0, sizeof(op));
	op.key = k;
	memcpy(op.nonce, nonce, 12);
	memcpy(op.aad, aad, aad_len);
	op.aad_len = (uint8_t)aad_len;
	op.seal = seal;
	op.n_seg = 1;
	op.seg[0].data = buf;
	op.seg[0].len = len;
	op.tag = tag;
	op.result = 12345;
	tls_engine_run(e, &op, 1);
	assert_int_equal(op.result, want_result);
}

/* TLS 1.3 nonce: iv XOR the 64-bit sequence number, right-aligned (RFC 8446 §5.3). */
static void tls13_nonce(const uint8_t iv[12], uint64_t seq, uint8_t out[12])
{
	memcpy(out, iv, 12);
	for (int i = 0; i < 8; i++)
		out[11 - i] ^= (uint8_t)(seq >> (8 * i));
}

/*
 * RFC 8448 §3: 50 bytes 00..31 as application data (inner type 0x17), the client's at
 * sequence 0, and the server's at sequence 1 (its NewSessionTicket record was 0).
 */
static void rfc8448_record(struct engines *en, const char *secret_hex, uint64_t seq,
			   const char *record_hex)
{
	uint8_t secret[32], key[16], iv[12], nonce[12], record[72], buf[51], tag[16];
	struct tls_aead_key k;

	unhex(secret_hex, secret, 32);
	assert_int_equal(tls13_traffic_key_iv(TLS_AEAD_AES_128_GCM, secret, key, iv), 0);
	assert_int_equal(unhex(record_hex, record, sizeof(record)), 72);
	tls13_nonce(iv, seq, nonce);
	for (int v = V_EVP; v <= V_MB_DIRECT; v++) {
		struct tls_engine *e = variant_engine(en, (enum variant)v);

		if (e == NULL)
			continue;
		assert_int_equal(key_set(e, &k, TLS_AEAD_AES_128_GCM, key), 0);
		for (int i = 0; i < 50; i++)
			buf[i] = (uint8_t)i;
		buf[50] = 0x17;
		/* AAD: the record header (RFC 8446 §5.2) */
		one_op(e, &k, nonce, record, 5, true, buf, 51, tag, 0);
		assert_memory_equal(buf, record + 5, 51);
		assert_memory_equal(tag, record + 5 + 51, 16);
		one_op(e, &k, nonce, record, 5, false, buf, 51, tag, 0);
		for (int i = 0; i < 50; i++)
			assert_int_equal(buf[i], i);
		assert_int_equal(buf[50], 0x17);
		tls_aead_key_wipe(&k);
	}
}

static void test_rfc8448_records(void **state)
{
	rfc8448_record(*state,
		       "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643", 1,
		       "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf9"
		       "7d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d");
	rfc8448_record(*state,
		       "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5", 0,
		       "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8"
		       "a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4");
}

struct kat {
	const char *name;
	enum tls_aead_alg alg;
	const char *key, *nonce, *aad, *plain, *cipher, *tag;
};

static const struct kat kats[] = {
	{"RFC 8439 §2.8.2", TLS_AEAD_CHACHA20_POLY1305,
	 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	 "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
	 "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a2049"
	 "6620492063" "6f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f722074686520"
	 "6675747572652c2073756e73637265656e20776f756c642062652069742e",
	 "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69"
	 "da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad67594"
	 "5585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
	 "1ae10b594f09e26a7e902ecbd0600691"},
	{"GCM spec test case 15 (AES-256)", TLS_AEAD_AES_256_GCM,
	 "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	 "cafebabefacedbaddecaf888", "",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
	 "49a6b525b16aedf5aa0de657ba637b391aafd255",
	 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
	 "56828838c5f61e6393ba7a0abcc9f662898015ad",
	 "b094dac5d93471bdec1a502270e3cc6c"},
};

static void test_known_answers(void **state)
{
	struct engines *en = *state;

	for (size_t t = 0; t < sizeof(kats) / sizeof(kats[0]); t++) {
		const struct kat *kt = &kats[t];
		uint8_t key[32], nonce[12], aad[13], plain[128], cipher[128], tag[16], buf[128];
		uint8_t tagbuf[16];
		size_t aad_len, len;

		assert_int_equal(unhex(kt->key, key, sizeof(key)), tls_aead_key_len(kt->alg));
		unhex(kt->nonce, nonce, sizeof(nonce));
		aad_len = unhex(kt->aad, aad, sizeof(aad));
		len = unhex(kt->plain, plain, sizeof(plain));
		assert_int_equal(unhex(kt->cipher, cipher, sizeof(cipher)), len);
		unhex(kt->tag, tag, sizeof(tag));
		for (int v = 0; v < V_COUNT; v++) {
			struct tls_engine *e = variant_engine(en, (enum variant)v);
			struct tls_aead_key k;

			if (e == NULL)
				continue;
			print_message("%s on %s\n", kt->name, variant_names[v]);
			assert_int_equal(key_set(e, &k, kt->alg, key), 0);
			memcpy(buf, plain, len);
			one_op(e, &k, nonce, aad, (unsigned int)aad_len, true, buf, (uint32_t)len,
			       tagbuf, 0);
			assert_memory_equal(buf, cipher, len);
			assert_memory_equal(tagbuf, tag, 16);
			one_op(e, &k, nonce, aad, (unsigned int)aad_len, false, buf, (uint32_t)len,
			       tagbuf, 0);
			assert_memory_equal(buf, plain, len);
			tls_aead_key_wipe(&k);
		}
	}
}

/* A record cut into segments, each in its own exact-size heap block. */
struct scattered {
	unsigned int n;
	uint8_t *seg[TLS_AEAD_SEGS_MAX];
	uint32_t len[TLS_AEAD_SEGS_MAX];
};

/* Random cut points; some segments are empty, some one byte long. */
static void scatter(struct scattered *s, const uint8_t *data, uint32_t len)
{
	unsigned int want = 1 + rnd_below(TLS_AEAD_SEGS_MAX);
	uint32_t off = 0;

	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < want; i++) {
		uint32_t left = len - off, take;

		if (i == want - 1)
			take = left;
		else if (rnd_below(4) == 0)
			take = 0;
		else if (rnd_below(4) == 0)
			take = left > 0 ? 1 : 0;
		else
			take = rnd_below(left + 1);
		s->seg[i] = malloc(take > 0 ? take : 1);
		assert_non_null(s->seg[i]);
		memcpy(s->seg[i], data + off, take);
		s->len[i] = take;
		off += take;
	}
	s->n = want;
}

static void gather(const struct scattered *s, uint8_t *out)
{
	uint32_t off = 0;

	for (unsigned int i = 0; i < s->n; i++) {
		memcpy(out + off, s->seg[i], s->len[i]);
		off += s->len[i];
	}
}

static void scattered_free(struct scattered *s)
{
	for (unsigned int i = 0; i < s->n; i++)
		free(s->seg[i]);
	s->n = 0;
}

static void op_over(struct tls_aead_op *op, const struct tls_aead_key *k, const uint8_t *nonce,
		    const uint8_t *aad, unsigned int aad_len, bool seal, struct scattered *s,
		    uint8_t *tag)
{
	memset(op, 0, sizeof(*op));
	op->key = k;
	memcpy(op->nonce, nonce, 12);
	memcpy(op->aad, aad, aad_len);
	op->aad_len = (uint8_t)aad_len;
	op->seal = seal;
	op->n_seg = (uint8_t)s->n;
	for (unsigned int i = 0; i < s->n; i++) {
		op->seg[i].data = s->seg[i];
		op->seg[i].len = s->len[i];
	}
	op->tag = tag;
	op->result = 12345;
}

static const uint32_t sizes[] = {0, 1, 15, 16, 17, 255, 1024, 1369, 16384 + 1};
static const enum tls_aead_alg algs[] = {TLS_AEAD_AES_128_GCM, TLS_AEAD_AES_256_GCM,
					 TLS_AEAD_CHACHA20_POLY1305};

/*
 * Every engine variant seals the same random record (cut differently each time) to the
 * same bytes and tag, and every variant opens what any other sealed.
 */
static void test_engines_agree(void **state)
{
	struct engines *en = *state;
	static uint8_t plain[16385], ref[16385], got[16385], opened[16385];

	if (en->mb == NULL)
		skip();
	for (size_t a = 0; a < 3; a++) {
		for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
			for (int round = 0; round < 4; round++) {
				uint32_t len = sizes[z];
				uint8_t key[32], nonce[12], aad[13], ref_tag[16];
				unsigned int aad_len = rnd_below(TLS_AEAD_AAD_MAX + 1);
				struct tls_aead_key k[V_COUNT];

				rnd_bytes(key, sizeof(key));
				rnd_bytes(nonce, sizeof(nonce));
				rnd_bytes(aad, sizeof(aad));
				rnd_bytes(plain, len);
				for (int v = 0; v < V_COUNT; v++)
					assert_int_equal(key_set(variant_engine(en,
						(enum variant)v), &k[v], algs[a], key), 0);
				for (int sv = 0; sv < V_COUNT; sv++) {
					struct tls_aead_op op;
					struct scattered s;
					uint8_t tag[16];

					scatter(&s, plain, len);
					op_over(&op, &k[sv], nonce, aad, aad_len, true, &s, tag);
					tls_engine_run(variant_engine(en, (enum variant)sv),
						       &op, 1);
					assert_int_equal(op.result, 0);
					gather(&s, got);
					scattered_free(&s);
					if (sv == 0) {
						memcpy(ref, got, len);
						memcpy(ref_tag, tag, 16);
					} else {
						assert_memory_equal(got, ref, len);
						assert_memory_equal(tag, ref_tag, 16);
					}
					/* every variant opens it */
					for (int ov = 0; ov < V_COUNT; ov++) {
						scatter(&s, got, len);
						op_over(&op, &k[ov], nonce, aad, aad_len, false, &s,
							tag);
						tls_engine_run(variant_engine(en, (enum variant)ov),
							       &op, 1);
						assert_int_equal(op.result, 0);
						gather(&s, opened);
						scattered_free(&s);
						assert_memory_equal(opened, plain, len);
					}
				}
				for (int v = 0; v < V_COUNT; v++)
					tls_aead_key_wipe(&k[v]);
			}
		}
	}
}

/* A flipped bit in the ciphertext, the tag or the AAD: -EBADMSG from every variant. */
static void test_tampering(void **state)
{
	struct engines *en = *state;
	static uint8_t plain[16385], sealed[16385], buf[16385];

	for (size_t a = 0; a < 3; a++) {
		for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
			uint32_t len = sizes[z];
			uint8_t key[32], nonce[12], aad[13], aad2[13], tag[16], t2[16];
			struct tls_aead_key k;

			rnd_bytes(key, sizeof(key));
			rnd_bytes(nonce, sizeof(nonce));
			rnd_bytes(aad, sizeof(aad));
			rnd_bytes(plain, len);
			assert_int_equal(key_set(en->evp, &k, algs[a], key), 0);
			memcpy(sealed, plain, len);
			one_op(en->evp, &k, nonce, aad, 13, true, sealed, len, tag, 0);
			tls_aead_key_wipe(&k);
			for (int v = 0; v < V_COUNT; v++) {
				struct tls_engine *e = variant_engine(en, (enum variant)v);

				if (e == NULL)
					continue;
				assert_int_equal(key_set(e, &k, algs[a], key), 0);
				/* untouched: opens */
				memcpy(buf, sealed, len);
				memcpy(t2, tag, 16);
				one_op(e, &k, nonce, aad, 13, false, buf, len, t2, 0);
				assert_memory_equal(buf, plain, len);
				/* ciphertext */
				if (len > 0) {
					uint32_t bit = rnd_below(len * 8);

					memcpy(buf, sealed, len);
					buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
					one_op(e, &k, nonce, aad, 13, false, buf, len, t2,
					       -EBADMSG);
				}
				/* tag */
				memcpy(buf, sealed, len);
				t2[rnd_below(16)] ^= (uint8_t)(1u << rnd_below(8));
				one_op(e, &k, nonce, aad, 13, false, buf, len, t2, -EBADMSG);
				memcpy(t2, tag, 16);
				/* AAD */
				memcpy(buf, sealed, len);
				memcpy(aad2, aad, 13);
				aad2[rnd_below(13)] ^= (uint8_t)(1u << rnd_below(8));
				one_op(e, &k, nonce, aad2, 13, false, buf, len, t2, -EBADMSG);
				/* AAD one byte shorter */
				memcpy(buf, sealed, len);
				one_op(e, &k, nonce, aad, 12, false, buf, len, t2, -EBADMSG);
				tls_aead_key_wipe(&k);
			}
		}
	}
}

/*
 * A burst of 64 records of every algorithm and size, seals and opens mixed, some opens
 * tampered: each op's result and bytes must be what EVP gives for that op alone.
 */
static void test_mixed_burst(void **state)
{
	enum { N = 64 };
	struct engines *en = *state;
	static struct tls_aead_op ops[N];
	static struct tls_aead_key keys[N], ref_keys[N];
	static uint8_t bufs[N][16385], ref_bufs[N][16385];
	static struct scattered sc[N];
	uint8_t tags[N][16], ref_tags[N][16], raw[32];
	int want[N];

	for (int v = V_MB_DIRECT; v < V_COUNT; v++) {
		struct tls_engine *e = variant_engine(en, (enum variant)v);

		if (e == NULL)
			skip();
		/* AUTO is what production runs: cover it too on the last pass */
		if (v == V_MB_JOB)
			assert_int_equal(tls_ipsecmb_set_chacha_path(e, TLS_CHACHA_AUTO), 0);
		for (int i = 0; i < N; i++) {
			enum tls_aead_alg alg = algs[rnd_below(3)];
			uint32_t len = sizes[rnd_below(sizeof(sizes) / sizeof(sizes[0]))];
			uint8_t nonce[12], aad[13];
			unsigned int aad_len = rnd_below(14);
			bool seal = rnd_below(2) == 0, tamper = !seal && rnd_below(3) == 0;

			rnd_bytes(raw, 32);
			rnd_bytes(nonce, 12);
			rnd_bytes(aad, 13);
			rnd_bytes(bufs[i], len);
			rnd_bytes(tags[i], 16);
			assert_int_equal(key_set(e, &keys[i], alg, raw), 0);
			assert_int_equal(key_set(en->evp, &ref_keys[i], alg, raw), 0);
			if (!seal) {
				/* a valid record to open, made by EVP */
				one_op(en->evp, &ref_keys[i], nonce, aad, aad_len, true, bufs[i],
				       len, tags[i], 0);
				if (tamper)
					tags[i][0] ^= 1;
			}
			memcpy(ref_bufs[i], bufs[i], len);
			memcpy(ref_tags[i], tags[i], 16);
			want[i] = tamper ? -EBADMSG : 0;
			/* the engine under test gets the record scattered */
			scatter(&sc[i], bufs[i], len);
			op_over(&ops[i], &keys[i], nonce, aad, aad_len, seal, &sc[i], tags[i]);
			/* the reference: the same op, contiguous, alone */
			one_op(en->evp, &ref_keys[i], nonce, aad, aad_len, seal, ref_bufs[i], len,
			       ref_tags[i], want[i]);
		}
		tls_engine_run(e, ops, N);
		for (int i = 0; i < N; i++) {
			uint32_t len = 0;

			for (unsigned int s = 0; s < sc[i].n; s++)
				len += sc[i].len[s];
			assert_int_equal(ops[i].result, want[i]);
			gather(&sc[i], bufs[i]);
			scattered_free(&sc[i]);
			if (want[i] == 0) {
				assert_memory_equal(bufs[i], ref_bufs[i], len);
				assert_memory_equal(tags[i], ref_tags[i], 16);
			}
			tls_aead_key_wipe(&keys[i]);
			tls_aead_key_wipe(&ref_keys[i]);
		}
	}
}

/* Misuse gets -EINVAL, per op, and does not disturb its neighbours. */
static void test_invalid_ops(void **state)
{
	struct engines *en = *state;
	uint8_t raw[32] = {1}, nonce[12] = {0}, aad[1] = {0}, buf[32] = {0}, tag[16];
	struct tls_aead_key k_evp, k_mb;
	struct tls_aead_op ops[3];
	struct scattered s = {.n = 1, .seg = {buf}, .len = {32}};

	assert_int_equal(key_set(en->evp, &k_evp, (enum tls_aead_alg)7, raw), -EINVAL);
	if (en->mb == NULL)
		skip();
	assert_int_equal(key_set(en->evp, &k_evp, TLS_AEAD_AES_128_GCM, raw), 0);
	assert_int_equal(key_set(en->mb, &k_mb, TLS_AEAD_AES_128_GCM, raw), 0);
	assert_int_equal(tls_engine_kind(en->mb), TLS_ENGINE_IPSECMB);
	assert_string_equal(tls_engine_name(en->mb), "ipsec-mb");
	assert_string_equal(tls_engine_name(en->evp), "evp");
	/* a key expanded for EVP has no GCM tables for ipsec-mb */
	op_over(&ops[0], &k_evp, nonce, aad, 0, true, &s, tag);
	op_over(&ops[1], &k_mb, nonce, aad, 0, true, &s, tag);
	op_over(&ops[2], &k_mb, nonce, aad, 0, true, &s, tag);
	ops[2].n_seg = TLS_AEAD_SEGS_MAX + 1;
	tls_engine_run(en->mb, ops, 3);
	assert_int_equal(ops[0].result, -EINVAL);
	assert_int_equal(ops[1].result, 0);
	assert_int_equal(ops[2].result, -EINVAL);
	ops[2].n_seg = 1;
	/* an AES-GCM key not (or no longer) expanded is refused, not run on stale tables */
	struct tls_aead_sched *had = tls_aead_key_detach(&k_mb);
	assert_non_null(had);
	assert_false(tls_aead_key_ready(&k_mb));
	op_over(&ops[1], &k_mb, nonce, aad, 0, true, &s, tag);
	tls_engine_run(en->mb, &ops[1], 1);
	assert_int_equal(ops[1].result, -EINVAL);
	assert_int_equal(tls_aead_key_expand(en->mb, &k_mb, had), 0);
	op_over(&ops[1], &k_mb, nonce, aad, 0, true, &s, tag);
	tls_engine_run(en->mb, &ops[1], 1);
	assert_int_equal(ops[1].result, 0);
	ops[2].aad_len = TLS_AEAD_AAD_MAX + 1;
	tls_engine_run(en->evp, &ops[2], 1);
	assert_int_equal(ops[2].result, -EINVAL);
	assert_int_equal(tls_ipsecmb_set_chacha_path(en->evp, TLS_CHACHA_JOB), -EINVAL);
	tls_aead_key_wipe(&k_evp);
	tls_aead_key_wipe(&k_mb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8448_records),
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_engines_agree),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_mixed_burst),
		cmocka_unit_test(test_invalid_ops),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
