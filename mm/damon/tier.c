// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON_TIER: keep hot memory on fast NUMA nodes and cold memory on slow
 * ones.
 *
 * On machines whose memory comes in tiers (DRAM, and slower CXL or
 * persistent memory that shows up as NUMA nodes), the module pairs each
 * fast node with a slow node and runs one physical address monitoring
 * context per pair, with two schemes:
 *
 *   promote	migrate_hot of the slow node's hot memory (pages still seen
 *		accessed when the scheme comes to them) to the fast node,
 *		hottest first, while the fast node's used memory is below
 *		promote_target_used_bp;
 *   demote	migrate_cold of the fast node's memory idle for min_age_ms
 *		(but pages accessed since DAMON last looked) to the slow node,
 *		in address order, while the fast node's free memory is below
 *		demote_target_free_bp.
 *
 * Each target is a quota goal (node_mem_used_bp, node_mem_free_bp), so the
 * migration speed follows how far the fast node is from it, never faster
 * than quota_mb_per_s.  Migration never makes a node reclaim: a full
 * destination simply takes nothing.
 *
 * The pairs come from the kernel's memory tiers when they have more than
 * one tier: each node with lower tiers demotes to the nearest node of the
 * tier just below it.  Otherwise nodes with CPUs are fast, and each node
 * with memory but no CPU is slow and paired with its nearest fast node.
 * The topology is read when the module is turned on and at each
 * commit_inputs; a commit that would change the number of pairs fails with
 * -EBUSY (turn the module off and on), one that changes the nodes or
 * their ranges applies them.
 *
 * Parameters: /sys/module/damon_tier/parameters/, or damon_tier.X= on the
 * kernel command line.  See Documentation/admin-guide/mm/damon/tier.rst.
 */

#define pr_fmt(fmt) "damon-tier: " fmt

#include <linux/damon.h>
#include <linux/init.h>
#include <linux/kstrtox.h>
#include <linux/memory-tiers.h>
#include <linux/memory_hotplug.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/nodemask.h>
#include <linux/pfn.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/time64.h>
#include <linux/topology.h>

#include "modules-common.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "damon_tier."

/* The most fast/slow pairs, each a context and a kdamond of its own. */
#define DAMON_TIER_MAX_PAIRS	DAMON_MODULES_MAX_CTXS

/* All the parameters are protected by the kernel's module parameter lock. */

/*
 * The quotas' charge window, in milliseconds.  Each window starts with a
 * new measure of the goals: short windows let the migration speed follow
 * the fast node's memory closely, so that it stops soon once a goal is met
 * rather than overshoot it by seconds of migration.
 */
#define DAMON_TIER_WINDOW_MS	100

/* No watermarks: the quota goals say when to work. */
static struct damon_modules_params damon_tier_params = {
	.sample_interval = 5 * USEC_PER_MSEC,
	.aggr_interval = 100 * USEC_PER_MSEC,
	.min_nr_regions = 10,
	.max_nr_regions = 1000,
	.quota_reset_interval_ms = DAMON_TIER_WINDOW_MS,
};

module_param_named(sample_interval, damon_tier_params.sample_interval,
		   ulong, 0600);
module_param_named(aggr_interval, damon_tier_params.aggr_interval, ulong,
		   0600);
module_param_named(min_nr_regions, damon_tier_params.min_nr_regions, ulong,
		   0600);
module_param_named(max_nr_regions, damon_tier_params.max_nr_regions, ulong,
		   0600);
/* Y: tune the intervals for 4% of the access events (5 ms-10 s samples). */
module_param_named(autotune_monitoring_intervals,
		   damon_tier_params.autotune_intervals, bool, 0600);

/*
 * A ratio in basis points: from 1 to 10000.  Checked when written, so that
 * a bad value (also on the kernel command line) fails and changes nothing.
 */
static int damon_tier_bp_set(const char *val, const struct kernel_param *kp)
{
	unsigned long bp;
	int err;

	err = kstrtoul(val ? val : "", 0, &bp);
	if (err)
		return err;
	if (!bp || bp > 10000)
		return -EINVAL;
	*(unsigned long *)kp->arg = bp;
	return 0;
}

static const struct kernel_param_ops damon_tier_bp_ops = {
	.set = damon_tier_bp_set,
	.get = param_get_ulong,
};

/* Promote while the fast node's used memory is below this (1/10000). */
static unsigned long damon_tier_promote_used_bp = 9970;
module_param_cb(promote_target_used_bp, &damon_tier_bp_ops,
		&damon_tier_promote_used_bp, 0600);

/* Demote while the fast node's free memory is below this (1/10000). */
static unsigned long damon_tier_demote_free_bp = 50;
module_param_cb(demote_target_free_bp, &damon_tier_bp_ops,
		&damon_tier_demote_free_bp, 0600);

/*
 * The most each scheme of a pair migrates, in MiB per second; 0 means no
 * limit but the goals'.
 */
static unsigned long damon_tier_quota_mb_per_s = 256;
module_param_named(quota_mb_per_s, damon_tier_quota_mb_per_s, ulong, 0600);

/* Memory must be idle this long, in milliseconds, to be demoted. */
static unsigned long damon_tier_min_age_ms = 5 * MSEC_PER_SEC;
module_param_named(min_age_ms, damon_tier_min_age_ms, ulong, 0600);

/**
 * struct damon_tier_pair - A fast node and the slow node it pairs with.
 * @fast:	Node that hot memory is promoted to.
 * @slow:	Node that cold memory is demoted to.
 */
struct damon_tier_pair {
	int fast;
	int slow;
};

/**
 * struct damon_tier_topo - What the pairs are chosen from.
 * @mem:	Nodes with memory.
 * @cpu:	Nodes with CPUs.
 * @lower:	For each node (nr_node_ids of them), the nodes of the
 *		memory tiers below its own: empty when the kernel has one
 *		tier, and for the nodes not in @mem.
 * @distance:	The distance between two nodes.
 */
struct damon_tier_topo {
	nodemask_t mem;
	nodemask_t cpu;
	nodemask_t *lower;
	int (*distance)(int from, int to);
};

/*
 * The node of @candidates nearest to @from; on a tie, the lowest.
 * NUMA_NO_NODE if @candidates is empty.
 */
static int damon_tier_nearest(const struct damon_tier_topo *t, int from,
			      const nodemask_t *candidates)
{
	int nid, best = NUMA_NO_NODE, best_dist = INT_MAX;

	for_each_node_mask(nid, *candidates) {
		int dist = t->distance(from, nid);

		if (dist < best_dist) {
			best = nid;
			best_dist = dist;
		}
	}
	return best;
}

/*
 * Pairs from the kernel's memory tiers: each node with lower tiers and the
 * nearest node of the tier just below its own, that is of the lower nodes
 * that are not below another lower node.
 */
static int damon_tier_pairs_from_tiers(const struct damon_tier_topo *t,
				       struct damon_tier_pair *pairs, int max)
{
	nodemask_t next;
	int nid, low, nr = 0;

	for_each_node_mask(nid, t->mem) {
		nodes_and(next, t->lower[nid], t->mem);
		if (nodes_empty(next))
			continue;
		for_each_node_mask(low, t->lower[nid])
			if (node_isset(low, t->mem))
				nodes_andnot(next, next, t->lower[low]);
		if (nr == max)
			return -E2BIG;
		pairs[nr].fast = nid;
		pairs[nr].slow = damon_tier_nearest(t, nid, &next);
		nr++;
	}
	return nr;
}

/*
 * Pairs when the kernel has one tier: each node with memory and no CPU,
 * and the nearest node with memory and CPUs.
 */
static int damon_tier_pairs_from_cpus(const struct damon_tier_topo *t,
				      struct damon_tier_pair *pairs, int max)
{
	nodemask_t fast, slow;
	int fast_nid, nid, nr = 0;

	nodes_and(fast, t->mem, t->cpu);
	nodes_andnot(slow, t->mem, t->cpu);
	if (nodes_empty(fast))
		return 0;
	/* In the order of the fast nodes, as the tiers' pairs are. */
	for_each_node_mask(fast_nid, fast) {
		for_each_node_mask(nid, slow) {
			if (damon_tier_nearest(t, nid, &fast) != fast_nid)
				continue;
			if (nr == max)
				return -E2BIG;
			pairs[nr].fast = fast_nid;
			pairs[nr].slow = nid;
			nr++;
		}
	}
	return nr;
}

/**
 * damon_tier_find_pairs() - Choose the fast/slow node pairs.
 * @t:		The topology.
 * @pairs:	Where to write them, ordered by fast node, then slow node.
 * @max:	Size of @pairs.
 *
 * From the memory tiers if any node of @t has lower ones, otherwise from
 * which nodes have CPUs (see the top of this file).
 *
 * Context: Any.
 * Return: The number of pairs (0 if the memory is not tiered), or -E2BIG
 * if there are more than @max.
 */
static int damon_tier_find_pairs(const struct damon_tier_topo *t,
				 struct damon_tier_pair *pairs, int max)
{
	int nr = damon_tier_pairs_from_tiers(t, pairs, max);

	if (nr)
		return nr;
	return damon_tier_pairs_from_cpus(t, pairs, max);
}

static int damon_tier_node_distance(int from, int to)
{
	return node_distance(from, to);
}

/*
 * The topology of this machine, now, into @t, whose @lower the caller
 * frees with kfree().  Returns 0 or -ENOMEM.  Holds get_online_mems().
 */
static int damon_tier_read_topo(struct damon_tier_topo *t)
{
	int nid;

	t->lower = kcalloc(nr_node_ids, sizeof(*t->lower), GFP_KERNEL);
	if (!t->lower)
		return -ENOMEM;
	t->mem = node_states[N_MEMORY];
	t->cpu = node_states[N_CPU];
	t->distance = damon_tier_node_distance;
	for_each_node_mask(nid, t->mem)
		node_get_allowed_targets(NODE_DATA(nid), &t->lower[nid]);
	return 0;
}

/* The physical address range node @nid spans.  Holds get_online_mems(). */
static struct damon_addr_range damon_tier_node_range(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);

	return (struct damon_addr_range) {
		.start = PFN_PHYS(pgdat->node_start_pfn),
		.end = PFN_PHYS(pgdat_end_pfn(pgdat)),
	};
}

/*
 * The scheme of @ctx that moves memory of the range @from (by a core filter
 * that allows only that range) to node @to: promoting hot memory, or
 * demoting cold memory, as far as the quota goal @metric of the fast node
 * @fast allows.
 */
static struct damos *damon_tier_new_scheme(struct damon_ctx *ctx, bool promote,
					   const struct damon_addr_range *from,
					   int to, int fast)
{
	struct damos_pattern pattern = {
		.min_sz = PAGE_SIZE,
		.max_sz = ULONG_MAX,
		.min_nr_accesses = promote ? 1 : 0,
		.max_nr_accesses = promote ? UINT_MAX : 0,
		.min_age = promote ? 0 :
			damon_modules_us_to_aggrs(ctx, damon_tier_min_age_ms *
						  USEC_PER_MSEC),
		.max_age = UINT_MAX,
	};
	struct damos_quota_goal *g;
	struct damos_filter *f;
	struct damos *s;

	s = damon_modules_new_scheme(ctx, &damon_tier_params,
				     promote ? DAMOS_MIGRATE_HOT :
				     DAMOS_MIGRATE_COLD, &pattern);
	if (!s)
		return NULL;
	s->wmarks.metric = DAMOS_WMARK_NONE;
	s->target_nid = to;
	s->quota.sz = damon_tier_quota_mb_per_s * SZ_1M /
		(MSEC_PER_SEC / DAMON_TIER_WINDOW_MS);
	/*
	 * The hottest first.  Demotion takes no priority: free memory looks
	 * the longest idle of all, and would take every window's quota for
	 * nothing.  Without weights, each window goes on from where the last
	 * one stopped, sweeping over all the idle memory.
	 */
	if (promote)
		s->quota.weight_nr_accesses = 1;

	/*
	 * Memory outside @from is rejected (an allow filter of @from would
	 * leave it to the ops-layer filters, which allow what they match).
	 */
	f = damos_new_filter(DAMOS_FILTER_ADDR, false);
	if (!f)
		return NULL;
	f->addr_range = *from;
	damos_add_filter(s, f);
	/*
	 * A region's access count is that of the pages DAMON sampled: a hot
	 * region may hold cold pages, a cold one hot pages.  Move only the
	 * pages seen accessed since DAMON last looked (promote), or not
	 * (demote).
	 */
	f = damos_new_filter(DAMOS_FILTER_YOUNG, true);
	if (!f)
		return NULL;
	f->allow = promote;
	damos_add_filter(s, f);

	g = damos_new_quota_goal(promote ? DAMOS_GOAL_NODE_MEM_USED_BP :
				 DAMOS_GOAL_NODE_MEM_FREE_BP,
				 promote ? damon_tier_promote_used_bp :
				 damon_tier_demote_free_bp);
	if (!g)
		return NULL;
	g->nid = fast;
	damos_add_quota_goal(&s->quota, g);
	/*
	 * Stop at the goal: shrinking by the share by which it is exceeded
	 * would go on migrating for seconds past it.
	 */
	s->quota.stop_at_goal = true;
	return s;
}

/* The schemes, in each context's order. */
enum { DAMON_TIER_PROMOTE, DAMON_TIER_DEMOTE };

/**
 * damon_tier_new_ctx() - Build the context of a pair.
 * @pair:	The pair.
 * @fast:	The physical address range of @pair's fast node.
 * @slow:	The physical address range of its slow node.
 *
 * The context monitors both ranges (their union, if they overlap) and has
 * the promote and the demote scheme, in that order, from the parameters.
 *
 * Context: Process context; may sleep.  Holds the parameter lock.
 * Return: The context, or an ERR_PTR: -EINVAL for invalid parameters or
 * an empty range, -ENOMEM.
 */
static struct damon_ctx *
damon_tier_new_ctx(const struct damon_tier_pair *pair,
		   const struct damon_addr_range *fast,
		   const struct damon_addr_range *slow)
{
	struct damon_addr_range ranges[2] = { *fast, *slow };
	unsigned int nr = 2;
	struct damon_ctx *ctx;

	if (fast->start >= fast->end || slow->start >= slow->end)
		return ERR_PTR(-EINVAL);
	if (damon_tier_quota_mb_per_s > ULONG_MAX / SZ_1M ||
	    damon_tier_min_age_ms > ULONG_MAX / USEC_PER_MSEC)
		return ERR_PTR(-EINVAL);
	if (ranges[0].start > ranges[1].start)
		swap(ranges[0], ranges[1]);
	if (ranges[0].end >= ranges[1].start) {
		ranges[0].end = max(ranges[0].end, ranges[1].end);
		nr = 1;
	}
	ctx = damon_modules_new_ctx_ranges(&damon_tier_params, ranges, nr);
	if (IS_ERR(ctx))
		return ctx;
	if (!damon_tier_new_scheme(ctx, true, slow, pair->fast, pair->fast) ||
	    !damon_tier_new_scheme(ctx, false, fast, pair->slow, pair->fast)) {
		damon_destroy_ctx(ctx);
		return ERR_PTR(-ENOMEM);
	}
	return ctx;
}

/*
 * The pairs of this machine now into @pairs.  Returns their number, or
 * -ENODEV if the memory is not tiered, -E2BIG if there are too many,
 * -ENOMEM.
 */
static int damon_tier_pairs_now(struct damon_tier_pair *pairs)
{
	struct damon_tier_topo t;
	int nr;

	nr = damon_tier_read_topo(&t);
	if (nr)
		return nr;
	nr = damon_tier_find_pairs(&t, pairs, DAMON_TIER_MAX_PAIRS);
	kfree(t.lower);
	return nr ? : -ENODEV;
}

/* The &damon_module.build_ctxs of the module: a context per pair. */
static int damon_tier_build_ctxs(struct damon_ctx **ctxs)
{
	struct damon_tier_pair pairs[DAMON_TIER_MAX_PAIRS];
	struct damon_addr_range fast, slow;
	int i, nr, err = 0;

	/* Checked when written, but also set in memory by the tests. */
	if (!damon_tier_promote_used_bp || damon_tier_promote_used_bp > 10000 ||
	    !damon_tier_demote_free_bp || damon_tier_demote_free_bp > 10000)
		return -EINVAL;
	get_online_mems();
	nr = damon_tier_pairs_now(pairs);
	for (i = 0; i < nr; i++) {
		fast = damon_tier_node_range(pairs[i].fast);
		slow = damon_tier_node_range(pairs[i].slow);
		ctxs[i] = damon_tier_new_ctx(&pairs[i], &fast, &slow);
		if (IS_ERR(ctxs[i])) {
			err = PTR_ERR(ctxs[i]);
			break;
		}
	}
	put_online_mems();
	if (nr < 0)
		return nr;
	if (err) {
		while (i)
			damon_destroy_ctx(ctxs[--i]);
		return err;
	}
	return nr;
}

static struct damon_module damon_tier = {
	.build_ctxs = damon_tier_build_ctxs,
	.lock = __MUTEX_INITIALIZER(damon_tier.lock),
};
module_param_cb(enabled, &damon_modules_enabled_ops, &damon_tier, 0600);
module_param_cb(commit_inputs, &damon_modules_commit_ops, &damon_tier, 0600);
module_param_cb(kdamond_pid, &damon_modules_pid_ops, &damon_tier, 0400);

/* Statistics of each direction, summed over the pairs. */
DAMON_MODULES_STAT_PARAM(nr_promote_tried_regions, damon_tier,
			 DAMON_TIER_PROMOTE, DAMON_MODULES_NR_TRIED);
DAMON_MODULES_STAT_PARAM(bytes_promote_tried_regions, damon_tier,
			 DAMON_TIER_PROMOTE, DAMON_MODULES_SZ_TRIED);
DAMON_MODULES_STAT_PARAM(nr_promoted_regions, damon_tier,
			 DAMON_TIER_PROMOTE, DAMON_MODULES_NR_APPLIED);
DAMON_MODULES_STAT_PARAM(bytes_promoted, damon_tier,
			 DAMON_TIER_PROMOTE, DAMON_MODULES_SZ_APPLIED);
DAMON_MODULES_STAT_PARAM(nr_promote_quota_exceeds, damon_tier,
			 DAMON_TIER_PROMOTE, DAMON_MODULES_QT_EXCEEDS);
DAMON_MODULES_STAT_PARAM(nr_demote_tried_regions, damon_tier,
			 DAMON_TIER_DEMOTE, DAMON_MODULES_NR_TRIED);
DAMON_MODULES_STAT_PARAM(bytes_demote_tried_regions, damon_tier,
			 DAMON_TIER_DEMOTE, DAMON_MODULES_SZ_TRIED);
DAMON_MODULES_STAT_PARAM(nr_demoted_regions, damon_tier,
			 DAMON_TIER_DEMOTE, DAMON_MODULES_NR_APPLIED);
DAMON_MODULES_STAT_PARAM(bytes_demoted, damon_tier,
			 DAMON_TIER_DEMOTE, DAMON_MODULES_SZ_APPLIED);
DAMON_MODULES_STAT_PARAM(nr_demote_quota_exceeds, damon_tier,
			 DAMON_TIER_DEMOTE, DAMON_MODULES_QT_EXCEEDS);

/*
 * "node_pairs": the pairs, as FAST:SLOW, comma-separated: those of the
 * running contexts, or, while off, those that turning on would take now;
 * an empty line when the memory is not tiered.  Read-only.
 */
static int damon_tier_pairs_get(char *buf, const struct kernel_param *kp)
{
	struct damon_tier_pair pairs[DAMON_TIER_MAX_PAIRS];
	struct damos *s;
	int i, nr = 0, len = 0;

	mutex_lock(&damon_tier.lock);
	for (i = 0; i < damon_tier.nr_ctxs; i++) {
		if (!damon_is_running(damon_tier.ctxs[i]))
			continue;
		/* Set at the last start or commit; the kdamond only reads it. */
		damon_for_each_scheme(s, damon_tier.ctxs[i]) {
			if (s->action == DAMOS_MIGRATE_HOT)
				pairs[nr].fast = s->target_nid;
			else
				pairs[nr].slow = s->target_nid;
		}
		nr++;
	}
	mutex_unlock(&damon_tier.lock);
	if (!nr) {
		get_online_mems();
		nr = max(damon_tier_pairs_now(pairs), 0);
		put_online_mems();
	}
	for (i = 0; i < nr; i++)
		len += sysfs_emit_at(buf, len, "%s%d:%d", i ? "," : "",
				     pairs[i].fast, pairs[i].slow);
	return len + sysfs_emit_at(buf, len, "\n");
}

static const struct kernel_param_ops damon_tier_pairs_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = damon_modules_readonly_set,
	.get = damon_tier_pairs_get,
};
module_param_cb(node_pairs, &damon_tier_pairs_ops, NULL, 0400);

static int __init damon_tier_init(void)
{
	int err = damon_modules_init(&damon_tier);

	if (err)
		pr_warn("enabled at boot, but cannot start: %d\n", err);
	return 0;
}
late_initcall(damon_tier_init);

#ifdef CONFIG_DAMON_MODULES_KUNIT_TEST
#include "tier-kunit.h"
#endif
