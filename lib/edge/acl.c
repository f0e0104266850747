/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge ACL: edge.acl.allow and edge.acl.deny as one longest-prefix-match
 * table per family (rte_lpm for IPv4, rte_lpm6 for IPv6), so a deny inside an
 * allow (or the reverse) is decided by the more specific entry, in one
 * lookup, whatever the list lengths.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>

#include <tlsterm/edge.h>

/* The next hop stored for each verdict (0 is never stored: a hit always means something). */
enum { ACL_HOP_ALLOW = 1, ACL_HOP_DENY = 2 };

struct edge_acl {
	struct rte_lpm *lpm;   /* NULL when only a /0 entry or the default decides */
	struct rte_lpm6 *lpm6; /* NULL when no IPv6 entry longer than ::/0 is listed */
	bool default_deny;     /* what an uncovered IPv4 address gets; 0.0.0.0/0 sets it */
	bool default_deny6;    /* the same for IPv6; ::/0 sets it */
};

static int acl_add(struct edge_acl *acl, const struct config_cidr *c, uint32_t hop)
{
	bool deny = hop == ACL_HOP_DENY;
	if (c->family == 6) {
		if (c->prefix == 0) { /* rte_lpm6 has no depth 0 either */
			acl->default_deny6 = deny;
			return 0;
		}
		return rte_lpm6_add(acl->lpm6, c->addr6, c->prefix, hop);
	}
	if (c->prefix == 0) { /* rte_lpm has no depth 0: the /0 entry is the default */
		acl->default_deny = deny;
		return 0;
	}
	return rte_lpm_add(acl->lpm, rte_be_to_cpu_32(c->addr), c->prefix, hop);
}

/* IPv6 rules, and the tbl8 groups they may take: one per byte beyond the first 24 bits. */
static void count_ipv6(const struct config_cidr *list, unsigned int n, uint32_t *rules,
		       uint32_t *tbl8s)
{
	for (unsigned int i = 0; i < n; i++) {
		if (list[i].family != 6 || list[i].prefix == 0)
			continue;
		(*rules)++;
		if (list[i].prefix > 24)
			*tbl8s += (list[i].prefix - 24 + 7) / 8;
	}
}

static int acl_create_lpm6(struct edge_acl *acl, const struct config_edge *cfg, const char *name)
{
	uint32_t rules = 0, tbl8s = 0;
	count_ipv6(cfg->allow, cfg->n_allow, &rules, &tbl8s);
	count_ipv6(cfg->deny, cfg->n_deny, &rules, &tbl8s);
	if (rules == 0)
		return 0;
	char name6[RTE_LPM6_NAMESIZE];
	snprintf(name6, sizeof(name6), "%.24s_v6", name);
	struct rte_lpm6_config lc = {
		.max_rules = rules,
		.number_tbl8s = tbl8s + 1,
	};
	acl->lpm6 = rte_lpm6_create(name6, (int)rte_socket_id(), &lc);
	return acl->lpm6 != NULL ? 0 : -(rte_errno ? rte_errno : ENOMEM);
}

struct edge_acl *edge_acl_create(const struct config_edge *cfg, const char *name, int *rc)
{
	*rc = 0;
	if (cfg->n_allow == 0 && cfg->n_deny == 0 && cfg->acl_default == CONFIG_ACL_ALLOW)
		return NULL;
	struct edge_acl *acl = calloc(1, sizeof(*acl));
	if (acl == NULL) {
		*rc = -ENOMEM;
		return NULL;
	}
	acl->default_deny = cfg->acl_default == CONFIG_ACL_DENY;
	acl->default_deny6 = acl->default_deny;
	/* Prefixes longer than /24 take a tbl8 group each, at worst one per entry. */
	struct rte_lpm_config lc = {
		.max_rules = 2 * CONFIG_MAX_ACL,
		.number_tbl8s = 2 * CONFIG_MAX_ACL,
	};
	acl->lpm = rte_lpm_create(name, (int)rte_socket_id(), &lc);
	if (acl->lpm == NULL) {
		*rc = -(rte_errno ? rte_errno : ENOMEM);
		free(acl);
		return NULL;
	}
	*rc = acl_create_lpm6(acl, cfg, name);
	for (unsigned int i = 0; i < cfg->n_allow && *rc == 0; i++)
		*rc = acl_add(acl, &cfg->allow[i], ACL_HOP_ALLOW);
	for (unsigned int i = 0; i < cfg->n_deny && *rc == 0; i++)
		*rc = acl_add(acl, &cfg->deny[i], ACL_HOP_DENY);
	if (*rc != 0) {
		edge_acl_free(acl);
		return NULL;
	}
	return acl;
}

void edge_acl_free(struct edge_acl *acl)
{
	if (acl == NULL)
		return;
	rte_lpm_free(acl->lpm);
	rte_lpm6_free(acl->lpm6);
	free(acl);
}

bool edge_acl_allows(const struct edge_acl *acl, uint8_t family, const uint32_t addr[4])
{
	if (acl == NULL)
		return true;
	uint32_t hop;
	if (family == 6) {
		if (acl->lpm6 != NULL &&
		    rte_lpm6_lookup(acl->lpm6, (const uint8_t *)addr, &hop) == 0)
			return hop == ACL_HOP_ALLOW;
		return !acl->default_deny6;
	}
	if (rte_lpm_lookup(acl->lpm, rte_be_to_cpu_32(addr[0]), &hop) == 0)
		return hop == ACL_HOP_ALLOW;
	return !acl->default_deny;
}
