/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of DAMON_TIER: the choice of node pairs on made-up
 * topologies, the contexts and schemes built for a pair, and the checks
 * of the parameters.  Built with the other modules' tests.
 */

#ifndef _DAMON_TIER_KUNIT_H
#define _DAMON_TIER_KUNIT_H

#include <kunit/test.h>

/* Nodes 0-3 of a made-up machine: what dtt_topo() builds from. */
#define DTT_NODES	4

/* The distances of the made-up machine; 10 on the diagonal. */
static int dtt_dist[DTT_NODES][DTT_NODES];

static int dtt_distance(int from, int to)
{
	if (from >= DTT_NODES || to >= DTT_NODES)
		return 255;
	return dtt_dist[from][to];
}

/*
 * A topology of nodes with memory @mem and CPUs @cpu (bit N: node N), and
 * lower tiers @lower[N] for each node, distances @far between sockets
 * (nodes 0 and 2 make one, 1 and 3 the other) and @near within one.
 */
static void dtt_topo(struct kunit *test, struct damon_tier_topo *t,
		     unsigned long mem, unsigned long cpu,
		     const unsigned long *lower, int near, int far)
{
	int i, j;

	KUNIT_ASSERT_GE(test, MAX_NUMNODES, DTT_NODES);
	memset(t, 0, sizeof(*t));
	t->lower = kunit_kcalloc(test, MAX_NUMNODES, sizeof(*t->lower),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->lower);
	for (i = 0; i < DTT_NODES; i++) {
		if (mem & BIT(i))
			node_set(i, t->mem);
		if (cpu & BIT(i))
			node_set(i, t->cpu);
		for (j = 0; j < DTT_NODES; j++) {
			if (lower && (lower[i] & BIT(j)))
				node_set(j, t->lower[i]);
			dtt_dist[i][j] = i == j ? 10 :
				(i % 2 == j % 2 ? near : far);
		}
	}
	t->distance = dtt_distance;
}

/* Expect @nr pairs, as @want gives them (fast, slow, fast, slow, ...). */
static void dtt_expect_pairs(struct kunit *test,
			     const struct damon_tier_topo *t, int nr,
			     const int *want)
{
	struct damon_tier_pair pairs[DAMON_TIER_MAX_PAIRS];
	int i, got;

	got = damon_tier_find_pairs(t, pairs, DAMON_TIER_MAX_PAIRS);
	KUNIT_ASSERT_EQ(test, got, nr);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ(test, pairs[i].fast, want[2 * i]);
		KUNIT_EXPECT_EQ(test, pairs[i].slow, want[2 * i + 1]);
	}
}

/* Pairs from the kernel's memory tiers. */
static void damon_tier_test_pairs_from_tiers(struct kunit *test)
{
	struct damon_tier_topo t;

	/* Two tiers, every node with CPUs (as with fake NUMA nodes). */
	dtt_topo(test, &t, 0x3, 0x3, (const unsigned long []){ 0x2, 0 },
		 20, 20);
	dtt_expect_pairs(test, &t, 1, (const int []){ 0, 1 });

	/* Three tiers: the middle one is slow and fast. */
	dtt_topo(test, &t, 0x7, 0x1,
		 (const unsigned long []){ 0x6, 0x4, 0, 0 }, 20, 20);
	dtt_expect_pairs(test, &t, 2, (const int []){ 0, 1, 1, 2 });

	/* Two sockets with a slow node each: the nearest one. */
	dtt_topo(test, &t, 0xf, 0x3,
		 (const unsigned long []){ 0xc, 0xc, 0, 0 }, 15, 30);
	dtt_expect_pairs(test, &t, 2, (const int []){ 0, 2, 1, 3 });

	/* A tie goes to the lowest node. */
	dtt_topo(test, &t, 0xf, 0x3,
		 (const unsigned long []){ 0xc, 0xc, 0, 0 }, 20, 20);
	dtt_expect_pairs(test, &t, 2, (const int []){ 0, 2, 1, 2 });

	/* Lower nodes without memory do not count... */
	dtt_topo(test, &t, 0x1, 0x1, (const unsigned long []){ 0x2, 0 },
		 20, 20);
	dtt_expect_pairs(test, &t, 0, NULL);
	/* ... and a node without memory demotes nothing. */
	dtt_topo(test, &t, 0x2, 0x1, (const unsigned long []){ 0x2, 0 },
		 20, 20);
	dtt_expect_pairs(test, &t, 0, NULL);
}

/* Pairs when the kernel has a single tier. */
static void damon_tier_test_pairs_from_cpus(struct kunit *test)
{
	struct damon_tier_pair pairs[1];
	struct damon_tier_topo t;

	/* One fast node, two memory-only ones. */
	dtt_topo(test, &t, 0x7, 0x1, NULL, 20, 20);
	dtt_expect_pairs(test, &t, 2, (const int []){ 0, 1, 0, 2 });

	/* Two sockets: each slow node goes with the fast one near it. */
	dtt_topo(test, &t, 0xf, 0x3, NULL, 15, 30);
	dtt_expect_pairs(test, &t, 2, (const int []){ 0, 2, 1, 3 });
	/* Ties go to the lowest fast node. */
	dtt_topo(test, &t, 0xf, 0x3, NULL, 20, 20);
	dtt_expect_pairs(test, &t, 2, (const int []){ 0, 2, 0, 3 });

	/* Not tiered: every node has CPUs, or none has. */
	dtt_topo(test, &t, 0x3, 0x3, NULL, 20, 20);
	dtt_expect_pairs(test, &t, 0, NULL);
	dtt_topo(test, &t, 0x3, 0, NULL, 20, 20);
	dtt_expect_pairs(test, &t, 0, NULL);
	dtt_topo(test, &t, 0x1, 0x1, NULL, 20, 20);
	dtt_expect_pairs(test, &t, 0, NULL);

	/* More pairs than room is an error, not a silent cut. */
	dtt_topo(test, &t, 0x7, 0x1, NULL, 20, 20);
	KUNIT_EXPECT_EQ(test, damon_tier_find_pairs(&t, pairs, 1), -E2BIG);
	dtt_topo(test, &t, 0x7, 0x1,
		 (const unsigned long []){ 0x6, 0x4, 0, 0 }, 20, 20);
	KUNIT_EXPECT_EQ(test, damon_tier_find_pairs(&t, pairs, 1), -E2BIG);
}

/* The first and the last region of @t. */
static struct damon_region *dtt_first(struct damon_target *t)
{
	return list_first_entry(&t->regions, struct damon_region, list);
}

static struct damon_region *dtt_last(struct damon_target *t)
{
	return list_last_entry(&t->regions, struct damon_region, list);
}

/* Filter @idx of @s, which must be there. */
static struct damos_filter *dtt_filter(struct kunit *test, struct damos *s,
				       unsigned int idx)
{
	struct damos_filter *f;

	damos_for_each_filter(f, s)
		if (!idx--)
			return f;
	KUNIT_FAIL(test, "no filter %u", idx);
	return NULL;
}

/* The context of a pair: its regions, schemes, filters and goals. */
static void damon_tier_test_new_ctx(struct kunit *test)
{
	struct damon_addr_range fast = { SZ_64M, 2 * SZ_64M };
	struct damon_addr_range slow = { 0, SZ_32M };
	struct damon_tier_pair pair = { .fast = 0, .slow = 1 };
	struct damos_quota_goal *g;
	struct damon_region *r;
	struct damos_filter *f;
	struct damon_target *t;
	struct damon_ctx *ctx;
	struct damos *s;
	int i = 0;

	kernel_param_lock(THIS_MODULE);
	ctx = damon_tier_new_ctx(&pair, &fast, &slow);
	kernel_param_unlock(THIS_MODULE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, ctx->ops.id, DAMON_OPS_PADDR);
	KUNIT_ASSERT_EQ(test, damon_nr_targets(ctx), 1U);
	t = list_first_entry(&ctx->targets, struct damon_target, list);
	/* The slow node's range first: they are sorted. */
	KUNIT_EXPECT_EQ(test, dtt_first(t)->ar.start, 0UL);
	KUNIT_EXPECT_EQ(test, dtt_last(t)->ar.end, 2UL * SZ_64M);
	damon_for_each_region(r, t)
		KUNIT_EXPECT_FALSE(test, r->ar.start < SZ_64M &&
				   r->ar.end > SZ_32M);

	damon_for_each_scheme(s, ctx) {
		bool promote = i++ == DAMON_TIER_PROMOTE;

		KUNIT_EXPECT_EQ(test, s->action, promote ? DAMOS_MIGRATE_HOT :
				DAMOS_MIGRATE_COLD);
		KUNIT_EXPECT_EQ(test, s->target_nid, promote ? 0 : 1);
		KUNIT_EXPECT_EQ(test, s->wmarks.metric, DAMOS_WMARK_NONE);
		/* 256 MiB/s in windows of 100 ms. */
		KUNIT_EXPECT_EQ(test, s->quota.sz, 256UL * SZ_1M / 10);
		KUNIT_EXPECT_EQ(test, s->quota.reset_interval, 100UL);
		KUNIT_EXPECT_EQ(test, s->pattern.min_nr_accesses,
				promote ? 1U : 0U);
		KUNIT_EXPECT_EQ(test, s->pattern.max_nr_accesses,
				promote ? UINT_MAX : 0U);
		/* The hottest first; cold memory in address order. */
		KUNIT_EXPECT_EQ(test, s->quota.weight_nr_accesses,
				promote ? 1U : 0U);
		KUNIT_EXPECT_EQ(test, s->quota.weight_age, 0U);
		KUNIT_EXPECT_EQ(test, s->quota.weight_sz, 0U);
		/* 5 s in aggregations of 100 ms. */
		KUNIT_EXPECT_EQ(test, s->pattern.min_age, promote ? 0U : 50U);

		/* Only the other node's memory moves. */
		f = dtt_filter(test, s, 0);
		KUNIT_ASSERT_NOT_NULL(test, f);
		KUNIT_EXPECT_EQ(test, f->type, DAMOS_FILTER_ADDR);
		KUNIT_EXPECT_FALSE(test, f->matching);
		KUNIT_EXPECT_FALSE(test, f->allow);
		KUNIT_EXPECT_EQ(test, f->addr_range.start,
				promote ? slow.start : fast.start);
		KUNIT_EXPECT_EQ(test, f->addr_range.end,
				promote ? slow.end : fast.end);
		/* Of that, what was accessed again (promote), or not. */
		f = dtt_filter(test, s, 1);
		KUNIT_ASSERT_NOT_NULL(test, f);
		KUNIT_EXPECT_EQ(test, f->type, DAMOS_FILTER_YOUNG);
		KUNIT_EXPECT_TRUE(test, f->matching);
		KUNIT_EXPECT_EQ(test, f->allow, promote);

		/* One goal, on the fast node. */
		KUNIT_ASSERT_FALSE(test, list_empty(&s->quota.goals));
		g = list_first_entry(&s->quota.goals, struct damos_quota_goal,
				     list);
		KUNIT_EXPECT_EQ(test, g->metric, promote ?
				DAMOS_GOAL_NODE_MEM_USED_BP :
				DAMOS_GOAL_NODE_MEM_FREE_BP);
		KUNIT_EXPECT_EQ(test, g->target_value, promote ? 9970UL : 50UL);
		KUNIT_EXPECT_EQ(test, g->nid, 0);
		KUNIT_EXPECT_TRUE(test, list_is_singular(&s->quota.goals));
		KUNIT_EXPECT_TRUE(test, s->quota.stop_at_goal);
	}
	KUNIT_EXPECT_EQ(test, i, 2);
	damon_destroy_ctx(ctx);

	/* Overlapping spans make one range. */
	slow = (struct damon_addr_range){ SZ_32M, SZ_64M + SZ_32M };
	kernel_param_lock(THIS_MODULE);
	ctx = damon_tier_new_ctx(&pair, &fast, &slow);
	kernel_param_unlock(THIS_MODULE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	t = list_first_entry(&ctx->targets, struct damon_target, list);
	KUNIT_EXPECT_EQ(test, dtt_first(t)->ar.start, (unsigned long)SZ_32M);
	KUNIT_EXPECT_EQ(test, dtt_last(t)->ar.end, 2UL * SZ_64M);
	/* No gap between the regions. */
	damon_for_each_region(r, t)
		if (r != dtt_last(t))
			KUNIT_EXPECT_EQ(test, r->ar.end,
					list_next_entry(r, list)->ar.start);
	damon_destroy_ctx(ctx);

	/* An empty node range is refused. */
	slow.end = slow.start;
	kernel_param_lock(THIS_MODULE);
	ctx = damon_tier_new_ctx(&pair, &fast, &slow);
	kernel_param_unlock(THIS_MODULE);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(ctx), -EINVAL);
}

/* The basis point parameters take 1 to 10000 and nothing else. */
static void damon_tier_test_bp_param(struct kunit *test)
{
	unsigned long bp = 77;
	struct kernel_param kp = { .name = "damon_tier.test", .arg = &bp };
	static const char * const bad[] = {
		"0", "10001", "-1", "x", "", "99999999999999999999",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_LT(test, damon_tier_bp_set(bad[i], &kp), 0);
		KUNIT_EXPECT_EQ(test, bp, 77UL);
	}
	KUNIT_EXPECT_EQ(test, damon_tier_bp_set(NULL, &kp), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_tier_bp_set("1", &kp), 0);
	KUNIT_EXPECT_EQ(test, bp, 1UL);
	KUNIT_EXPECT_EQ(test, damon_tier_bp_set("10000\n", &kp), 0);
	KUNIT_EXPECT_EQ(test, bp, 10000UL);
}

/* Parameters that would overflow are refused at build time. */
static void damon_tier_test_bad_params(struct kunit *test)
{
	struct damon_addr_range fast = { 0, SZ_32M }, slow = { SZ_64M, SZ_128M };
	struct damon_tier_pair pair = { .fast = 0, .slow = 1 };
	unsigned long quota, age;
	struct damon_ctx *ctx;

	kernel_param_lock(THIS_MODULE);
	quota = damon_tier_quota_mb_per_s;
	age = damon_tier_min_age_ms;
	damon_tier_quota_mb_per_s = ULONG_MAX;
	ctx = damon_tier_new_ctx(&pair, &fast, &slow);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(ctx), -EINVAL);
	damon_tier_quota_mb_per_s = 0;
	damon_tier_min_age_ms = ULONG_MAX;
	ctx = damon_tier_new_ctx(&pair, &fast, &slow);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(ctx), -EINVAL);
	/* No size limit but the goals'. */
	damon_tier_min_age_ms = 0;
	ctx = damon_tier_new_ctx(&pair, &fast, &slow);
	damon_tier_quota_mb_per_s = quota;
	damon_tier_min_age_ms = age;
	kernel_param_unlock(THIS_MODULE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, list_first_entry(&ctx->schemes, struct damos,
					       list)->quota.sz, 0UL);
	damon_destroy_ctx(ctx);
}

static struct kunit_case damon_tier_test_cases[] = {
	KUNIT_CASE(damon_tier_test_pairs_from_tiers),
	KUNIT_CASE(damon_tier_test_pairs_from_cpus),
	KUNIT_CASE(damon_tier_test_new_ctx),
	KUNIT_CASE(damon_tier_test_bp_param),
	KUNIT_CASE(damon_tier_test_bad_params),
	{}
};

static struct kunit_suite damon_tier_test_suite = {
	.name = "damon_tier",
	.test_cases = damon_tier_test_cases,
};

kunit_test_suite(damon_tier_test_suite);

#endif /* _DAMON_TIER_KUNIT_H */
