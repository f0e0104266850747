/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge ACL: edge.acl.allow and edge.acl.deny as one longest-prefix-match
 * table (rte_lpm), so a deny inside an allow (or the reverse) is decided by
 * the more specific entry, in one lookup, whatever the list lengths.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_lpm.h>

#include <tlsterm/edge.h>

/* rte_lpm's next hop for each verdict (0 is never stored: a hit always means something). */
enum { ACL_HOP_ALLOW = 1, ACL_HOP_DENY = 2 };

struct edge_acl {
	struct rte_lpm *lpm; /* NULL when only a /0 entry or the default decides */
	bool default_deny;   /* what an uncovered address gets; a /0 entry sets it */
};

static int acl_add(struct edge_acl *acl, const struct config_cidr *c, uint32_t hop)
{
	if (c->prefix == 0) { /* rte_lpm has no depth 0: the /0 entry is the default */
		acl->default_deny = hop == ACL_HOP_DENY;
		return 0;
	}
	return rte_lpm_add(acl->lpm, rte_be_to_cpu_32(c->addr), c->prefix, hop);
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
	free(acl);
}

bool edge_acl_allows(const struct edge_acl *acl, uint8_t family, const uint32_t addr[4])
{
	if (acl == NULL)
		return true;
	if (family != 4)
		return !acl->default_deny; /* no IPv6 lists yet: only the default speaks */
	uint32_t hop;
	if (rte_lpm_lookup(acl->lpm, rte_be_to_cpu_32(addr[0]), &hop) == 0)
		return hop == ACL_HOP_ALLOW;
	return !acl->default_deny;
}
