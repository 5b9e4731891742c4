/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of DAMOS in the DAMON core, suite "damon_schemes".  Included
 * at the end of core.c, after core-kunit.h, so that the static helpers of
 * both can be used directly.
 *
 * Most tests build a context by hand and run the engine's own steps on it
 * (kdamond_update_activation() and kdamond_apply_schemes()) from the test
 * thread; no kdamond runs then, so the test owns everything.  The
 * damos_walk() tests run a real kdamond with the fake operations set of
 * core-kunit.h.
 */

#ifndef _DAMON_SCHEMES_KUNIT_H
#define _DAMON_SCHEMES_KUNIT_H

#include <kunit/test.h>

/* One page: the unit of region sizes and quota splits. */
#define DSK_P	DAMON_MIN_REGION

/* A scheme whose pattern matches every region. */
static struct damos *dsk_scheme(struct kunit *test, enum damos_action action)
{
	struct damos *s = damos_new(action);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->pattern = (struct damos_pattern) {
		.max_sz = ULONG_MAX,
		.max_nr_accesses = UINT_MAX,
		.max_age = UINT_MAX,
	};
	return s;
}

/* What dsk_apply() was called on, in order. */
#define DSK_NR_RECS	16
static struct {
	unsigned int nr;
	struct damon_addr_range ar[DSK_NR_RECS];
} dsk_recs;

/*
 * A fake ->apply_scheme(): records the region and reports half of it as
 * applied, or nothing for a region starting at address 0, and a quarter of
 * it as passing the ops-layer filters.  "stat" is only counted.
 */
static unsigned long dsk_apply(struct damon_ctx *ctx, struct damon_target *t,
			       struct damon_region *r, struct damos *s,
			       unsigned long *sz_filter_passed)
{
	*sz_filter_passed += damon_sz_region(r) / 4;
	if (s->action == DAMOS_STAT)
		return 0;
	if (dsk_recs.nr < DSK_NR_RECS)
		dsk_recs.ar[dsk_recs.nr] = r->ar;
	dsk_recs.nr++;
	return r->ar.start ? damon_sz_region(r) / 2 : 0;
}

/*
 * A context of one target with @nr regions [i * @sz, (i + 1) * @sz) in
 * pages, default attributes (20 samples per aggregation) and the fake
 * dsk_apply() as its apply_scheme.
 */
static struct damon_ctx *dsk_ctx(struct kunit *test, unsigned int nr,
				 unsigned long sz)
{
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_target *t;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->ops.apply_scheme = dsk_apply;
	t = damon_new_target();
	KUNIT_ASSERT_NOT_NULL(test, t);
	damon_add_target(ctx, t);
	for (i = 0; i < nr; i++) {
		struct damon_region *r;

		r = damon_new_region(i * sz * DSK_P, (i + 1) * sz * DSK_P);
		KUNIT_ASSERT_NOT_NULL(test, r);
		damon_add_region(r, t);
	}
	return ctx;
}

static struct damon_target *dsk_first_target(struct damon_ctx *ctx)
{
	return list_first_entry(&ctx->targets, struct damon_target, list);
}

/* Run one aggregation's worth of the engine on @ctx, as the kdamond does. */
static void dsk_pass(struct damon_ctx *ctx)
{
	dsk_recs.nr = 0;
	kdamond_update_activation(ctx);
	kdamond_apply_schemes(ctx, true);
}

/* Whether the @i-th recorded application was on [@start, @end) in pages. */
static void dsk_expect_rec(struct kunit *test, unsigned int i,
			   unsigned long start, unsigned long end)
{
	KUNIT_ASSERT_LT(test, i, dsk_recs.nr);
	KUNIT_EXPECT_EQ(test, dsk_recs.ar[i].start, start * DSK_P);
	KUNIT_EXPECT_EQ(test, dsk_recs.ar[i].end, end * DSK_P);
}

/* ---- patterns ------------------------------------------------------------ */

static void damon_schemes_test_pattern(struct kunit *test)
{
	struct damon_ctx *ctx = dsk_ctx(test, 1, 4);
	struct damon_region *r = dkt_nth(dsk_first_target(ctx), 0);
	struct damos *s = damos_new(DAMOS_STAT);

	KUNIT_ASSERT_NOT_NULL(test, s);
	/* A fresh region (no access, age 0) and a default pattern. */
	KUNIT_EXPECT_FALSE(test, damos_pattern_matches(ctx, r, s));

	/* 3.9999 accesses count as 3. */
	r->nr_accesses_bp = 4 * DAMON_BP_PER_ACCESS - 1;
	r->age = 5;
	s->pattern = (struct damos_pattern) {
		.min_sz = 4 * DSK_P, .max_sz = 4 * DSK_P,
		.min_nr_accesses = 3, .max_nr_accesses = 3,
		.min_age = 5, .max_age = 5,
	};
	/* Every range is closed. */
	KUNIT_EXPECT_TRUE(test, damos_pattern_matches(ctx, r, s));

	s->pattern.min_sz = 4 * DSK_P + 1;
	KUNIT_EXPECT_FALSE(test, damos_pattern_matches(ctx, r, s));
	s->pattern.min_sz = 4 * DSK_P;
	s->pattern.max_sz = 4 * DSK_P - 1;
	KUNIT_EXPECT_FALSE(test, damos_pattern_matches(ctx, r, s));
	s->pattern.max_sz = 4 * DSK_P;

	s->pattern.min_nr_accesses = 4;
	s->pattern.max_nr_accesses = 4;
	KUNIT_EXPECT_FALSE(test, damos_pattern_matches(ctx, r, s));
	s->pattern.min_nr_accesses = 0;
	s->pattern.max_nr_accesses = 2;
	KUNIT_EXPECT_FALSE(test, damos_pattern_matches(ctx, r, s));
	s->pattern.max_nr_accesses = 3;
	KUNIT_EXPECT_TRUE(test, damos_pattern_matches(ctx, r, s));

	s->pattern.min_age = 6;
	s->pattern.max_age = 100;
	KUNIT_EXPECT_FALSE(test, damos_pattern_matches(ctx, r, s));
	s->pattern.min_age = 0;
	s->pattern.max_age = 4;
	KUNIT_EXPECT_FALSE(test, damos_pattern_matches(ctx, r, s));
	s->pattern.max_age = 5;
	KUNIT_EXPECT_TRUE(test, damos_pattern_matches(ctx, r, s));

	/* A range with min > max matches nothing, even around the value. */
	s->pattern.min_sz = 8 * DSK_P;
	s->pattern.max_sz = DSK_P;
	KUNIT_EXPECT_FALSE(test, damos_pattern_matches(ctx, r, s));
	s->pattern.min_sz = 0;
	s->pattern.max_sz = ULONG_MAX;
	s->pattern.min_nr_accesses = 4;
	s->pattern.max_nr_accesses = 2;
	KUNIT_EXPECT_FALSE(test, damos_pattern_matches(ctx, r, s));
	s->pattern.min_nr_accesses = 0;
	s->pattern.max_nr_accesses = UINT_MAX;
	s->pattern.min_age = 6;
	s->pattern.max_age = 4;
	KUNIT_EXPECT_FALSE(test, damos_pattern_matches(ctx, r, s));

	damon_destroy_scheme(s);
	damon_destroy_ctx(ctx);
}

/* ---- quota charging --------------------------------------------------- */

static void damon_schemes_test_quota_charge(struct kunit *test)
{
	struct damon_ctx *ctx = dsk_ctx(test, 4, 4);
	struct damon_target *t = dsk_first_target(ctx);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);

	/* 6.x pages per window; reset_interval 0: a new window every pass. */
	s->quota.sz = 6 * DSK_P + 100;
	damon_add_scheme(ctx, s);

	/*
	 * [0, 4) fits whole; [4, 8) is cut at 6, the last page boundary
	 * within the quota; the 100 bytes left cannot buy [6, 8).
	 */
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, s->quota.esz, 6 * DSK_P + 100);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 2U);
	dsk_expect_rec(test, 0, 0, 4);
	dsk_expect_rec(test, 1, 4, 6);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 2UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, 6 * DSK_P);
	KUNIT_EXPECT_EQ(test, t->nr_regions, 5U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 2)->ar.start, 6 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->quota.charge_target_from, 0);
	KUNIT_EXPECT_EQ(test, s->quota.charge_addr_from, 6 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 0UL);

	/* The next window resumes where the last one stopped. */
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 1UL);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 2U);
	dsk_expect_rec(test, 0, 6, 8);
	dsk_expect_rec(test, 1, 8, 12);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, 12 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->quota.charge_addr_from, 12 * DSK_P);

	/* This one reaches the end with quota to spare: no resume point. */
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 2UL);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 1U);
	dsk_expect_rec(test, 0, 12, 16);
	KUNIT_EXPECT_EQ(test, s->quota.charged_sz, 4 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->quota.charge_target_from, -1);

	/* So the next starts over at the bottom; the last did not run out. */
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 2UL);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 2U);
	dsk_expect_rec(test, 0, 0, 4);
	dsk_expect_rec(test, 1, 4, 6);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, 22 * DSK_P);

	dkt_check_target(test, t);
	KUNIT_EXPECT_EQ(test, dkt_covered(t), 16 * DSK_P);
	damon_destroy_ctx(ctx);
}

static void damon_schemes_test_quota_window(struct kunit *test)
{
	struct damon_ctx *ctx = dsk_ctx(test, 4, 4);
	struct damon_target *t = dsk_first_target(ctx);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);
	unsigned long sz_tried;

	/* A page-aligned quota and a window far longer than the test. */
	s->quota.sz = 6 * DSK_P;
	s->quota.reset_interval = 3600 * MSEC_PER_SEC;
	damon_add_scheme(ctx, s);

	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 2U);
	dsk_expect_rec(test, 1, 4, 6);
	KUNIT_EXPECT_EQ(test, s->quota.charged_sz, 6 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->quota.charge_addr_from, 6 * DSK_P);

	/* Same window, quota spent: nothing more, and nothing counted. */
	dsk_pass(ctx);
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 0U);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 2UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, 6 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 0UL);
	KUNIT_EXPECT_EQ(test, s->quota.charge_target_from, 0);

	/*
	 * Without any limit, a pass leaves no resume point, and every region
	 * is tried from then on.
	 */
	s->quota.sz = 0;
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, s->quota.esz, 0UL);
	KUNIT_EXPECT_EQ(test, s->quota.charge_target_from, -1);
	sz_tried = s->stat.sz_tried;
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, t->nr_regions);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried - sz_tried, 16 * DSK_P);
	damon_destroy_ctx(ctx);
}

static void damon_schemes_test_skip_charged(struct kunit *test)
{
	unsigned long s0[] = { 0 }, e0[] = { 4 * DSK_P };
	unsigned long s1[] = { 0 }, e1[] = { 8 * DSK_P };
	struct damon_target *t0 = dkt_target(test, s0, e0, 1);
	struct damon_target *t1 = dkt_target(test, s1, e1, 1);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);
	struct damon_region *r;

	/* The last window ran out at page 2 of the second target. */
	s->quota.charge_target_from = 1;
	s->quota.charge_addr_from = 2 * DSK_P;
	KUNIT_EXPECT_TRUE(test, damos_skip_charged(t0, 0, dkt_nth(t0, 0), s));
	/* The region holding the resume point splits there. */
	KUNIT_EXPECT_TRUE(test, damos_skip_charged(t1, 1, dkt_nth(t1, 0), s));
	KUNIT_ASSERT_EQ(test, t1->nr_regions, 2U);
	r = dkt_nth(t1, 1);
	KUNIT_EXPECT_EQ(test, r->ar.start, 2 * DSK_P);
	KUNIT_EXPECT_FALSE(test, damos_skip_charged(t1, 1, r, s));
	/* Past the resume point, it is forgotten. */
	KUNIT_EXPECT_EQ(test, s->quota.charge_target_from, -1);
	KUNIT_EXPECT_FALSE(test, damos_skip_charged(t0, 0, dkt_nth(t0, 0), s));
	KUNIT_EXPECT_EQ(test, t0->nr_regions, 1U);

	damon_destroy_scheme(s);
	damon_destroy_target(t0);
	damon_destroy_target(t1);
}

/* ---- prioritisation ------------------------------------------------------ */

static void dsk_set(struct damon_region *r, unsigned int nr_accesses,
		    unsigned int age)
{
	r->nr_accesses_bp = nr_accesses * DAMON_BP_PER_ACCESS;
	r->age = age;
}

static void damon_schemes_test_score(struct kunit *test)
{
	static const enum damos_action for_hot[] = {
		DAMOS_WILLNEED, DAMOS_HUGEPAGE, DAMOS_LRU_PRIO,
		DAMOS_MIGRATE_HOT,
	};
	static const enum damos_action for_cold[] = {
		DAMOS_COLD, DAMOS_PAGEOUT, DAMOS_NOHUGEPAGE, DAMOS_LRU_DEPRIO,
		DAMOS_MIGRATE_COLD,
	};
	/* 20 samples per aggregation of 100 ms (the defaults). */
	struct damon_ctx *ctx = dsk_ctx(test, 6, 4);
	struct damon_target *t = dsk_first_target(ctx);
	struct damon_region *hot = dkt_nth(t, 0), *cold = dkt_nth(t, 1);
	struct damon_region *half = dkt_nth(t, 2), *young = dkt_nth(t, 3);
	struct damon_region *old = dkt_nth(t, 4), *small = dkt_nth(t, 5);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, damon_max_nr_accesses(&ctx->attrs), 20U);
	dsk_set(hot, 20, 10);
	dsk_set(cold, 0, 10);
	dsk_set(half, 10, 10);

	/* Access frequency alone: cold memory first for pageout. */
	s->quota.weight_nr_accesses = 1000;
	KUNIT_EXPECT_EQ(test, damos_score(ctx, cold, s), DAMOS_MAX_SCORE);
	KUNIT_EXPECT_EQ(test, damos_score(ctx, hot, s), 0U);
	KUNIT_EXPECT_EQ(test, damos_score(ctx, half, s), 49U);
	/* Hot memory first for willneed and lru_prio. */
	s->action = DAMOS_WILLNEED;
	KUNIT_EXPECT_EQ(test, damos_score(ctx, hot, s), DAMOS_MAX_SCORE);
	KUNIT_EXPECT_EQ(test, damos_score(ctx, cold, s), 0U);
	s->action = DAMOS_LRU_PRIO;
	KUNIT_EXPECT_EQ(test, damos_score(ctx, hot, s), DAMOS_MAX_SCORE);
	KUNIT_EXPECT_EQ(test, damos_score(ctx, cold, s), 0U);
	/* Temperature means nothing to stat. */
	s->action = DAMOS_STAT;
	KUNIT_EXPECT_EQ(test, damos_score(ctx, hot, s), DAMOS_MAX_SCORE);
	KUNIT_EXPECT_EQ(test, damos_score(ctx, cold, s), DAMOS_MAX_SCORE);
	/* No weights: everything ranks the same, at the top. */
	s->action = DAMOS_PAGEOUT;
	s->quota.weight_nr_accesses = 0;
	KUNIT_EXPECT_EQ(test, damos_score(ctx, hot, s), DAMOS_MAX_SCORE);
	KUNIT_EXPECT_EQ(test, damos_score(ctx, cold, s), DAMOS_MAX_SCORE);

	/* All weights: the ordering holds for every action of a kind. */
	s->quota.weight_sz = 1000;
	s->quota.weight_nr_accesses = 1000;
	s->quota.weight_age = 1000;
	for (i = 0; i < ARRAY_SIZE(for_hot); i++) {
		s->action = for_hot[i];
		KUNIT_EXPECT_GT(test, damos_score(ctx, hot, s),
				damos_score(ctx, cold, s));
	}
	for (i = 0; i < ARRAY_SIZE(for_cold); i++) {
		s->action = for_cold[i];
		KUNIT_EXPECT_GT(test, damos_score(ctx, cold, s),
				damos_score(ctx, hot, s));
		KUNIT_EXPECT_LE(test, damos_score(ctx, cold, s),
				DAMOS_MAX_SCORE);
	}

	/* Age alone: a long idle region is colder than a freshly idle one. */
	s->quota.weight_sz = 0;
	s->quota.weight_nr_accesses = 0;
	s->action = DAMOS_PAGEOUT;
	dsk_set(old, 0, 600);
	dsk_set(young, 0, 0);
	KUNIT_EXPECT_GT(test, damos_score(ctx, old, s),
			damos_score(ctx, young, s));
	/* And a long busy region is hotter than a freshly busy one. */
	s->action = DAMOS_WILLNEED;
	dsk_set(old, 20, 600);
	dsk_set(young, 20, 0);
	KUNIT_EXPECT_GT(test, damos_score(ctx, old, s),
			damos_score(ctx, young, s));

	/* Size alone favours big regions, whatever the action. */
	s->quota.weight_age = 0;
	s->quota.weight_sz = 1000;
	small->ar.end = small->ar.start + DSK_P;
	KUNIT_EXPECT_GT(test, damos_score(ctx, old, s),
			damos_score(ctx, small, s));
	s->action = DAMOS_PAGEOUT;
	KUNIT_EXPECT_GT(test, damos_score(ctx, old, s),
			damos_score(ctx, small, s));

	damon_destroy_scheme(s);
	damon_destroy_ctx(ctx);
}

static void damon_schemes_test_min_score(struct kunit *test)
{
	unsigned long starts[] = { 0, 4 * DSK_P, 6 * DSK_P, 7 * DSK_P };
	unsigned long ends[] = { 4 * DSK_P, 6 * DSK_P, 7 * DSK_P, 8 * DSK_P };
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_target *t = dkt_target(test, starts, ends, 4);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	damon_add_target(ctx, t);
	damon_add_scheme(ctx, s);
	s->quota.weight_nr_accesses = 1000;
	/* 4 pages scoring 99, 2 scoring 74, 1 scoring 49, 1 scoring 0. */
	dsk_set(dkt_nth(t, 0), 0, 0);
	dsk_set(dkt_nth(t, 1), 5, 0);
	dsk_set(dkt_nth(t, 2), 10, 0);
	dsk_set(dkt_nth(t, 3), 20, 0);
	KUNIT_EXPECT_EQ(test, damos_score(ctx, dkt_nth(t, 0), s), 99U);
	KUNIT_EXPECT_EQ(test, damos_score(ctx, dkt_nth(t, 1), s), 74U);
	KUNIT_EXPECT_EQ(test, damos_score(ctx, dkt_nth(t, 2), s), 49U);
	KUNIT_EXPECT_EQ(test, damos_score(ctx, dkt_nth(t, 3), s), 0U);

	/* The lowest score at which the best regions add up to esz. */
	s->quota.esz = 4 * DSK_P;
	damos_set_min_score(ctx, s);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, 99U);
	s->quota.esz = 4 * DSK_P + 1;
	damos_set_min_score(ctx, s);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, 74U);
	s->quota.esz = 6 * DSK_P;
	damos_set_min_score(ctx, s);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, 74U);
	s->quota.esz = 6 * DSK_P + 1;
	damos_set_min_score(ctx, s);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, 49U);
	/* More than everything: all regions. */
	s->quota.esz = 100 * DSK_P;
	damos_set_min_score(ctx, s);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, 0U);

	/* Regions the pattern rejects do not count. */
	s->pattern.min_nr_accesses = 1;
	s->quota.esz = 2 * DSK_P;
	damos_set_min_score(ctx, s);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, 74U);
	s->quota.esz = 3 * DSK_P;
	damos_set_min_score(ctx, s);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, 49U);

	damon_destroy_ctx(ctx);
}

/* A binding quota picks regions by score, not by address. */
static void damon_schemes_test_quota_priority(struct kunit *test)
{
	struct damon_ctx *ctx = dsk_ctx(test, 2, 4);
	struct damon_target *t = dsk_first_target(ctx);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);

	dsk_set(dkt_nth(t, 0), 20, 0);
	dsk_set(dkt_nth(t, 1), 0, 0);
	s->quota.sz = 4 * DSK_P;
	s->quota.weight_nr_accesses = 1000;
	damon_add_scheme(ctx, s);

	/* Pageout takes the cold upper region ... */
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, DAMOS_MAX_SCORE);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 1U);
	dsk_expect_rec(test, 0, 4, 8);

	/*
	 * ... willneed the hot lower one (forget the resume point, at the
	 * very end, so that the window starts at the bottom).
	 */
	s->action = DAMOS_WILLNEED;
	s->quota.charge_target_from = -1;
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 1U);
	dsk_expect_rec(test, 0, 0, 4);
	damon_destroy_ctx(ctx);
}

/* ---- goals and the effective quota --------------------------------------- */

static void damon_schemes_test_next_goal_sz(struct kunit *test)
{
	const u64 m = SZ_1M;

	/* The loop starts from a page. */
	KUNIT_EXPECT_EQ(test, damos_next_goal_sz(0, 0), (u64)DSK_P);
	/* Under target: grow by the share missed, at most doubling. */
	KUNIT_EXPECT_EQ(test, damos_next_goal_sz(m, 0), 2 * m);
	KUNIT_EXPECT_EQ(test, damos_next_goal_sz(m, 5000), m + m / 2);
	KUNIT_EXPECT_GT(test, damos_next_goal_sz(m, 9999), m);
	KUNIT_EXPECT_EQ(test, damos_next_goal_sz(m, 10000), m);
	/* Over target: shrink by the share exceeded. */
	KUNIT_EXPECT_EQ(test, damos_next_goal_sz(m, 15000), m / 2);
	KUNIT_EXPECT_LT(test, damos_next_goal_sz(m, 10001), m);
	/* Never below a page. */
	KUNIT_EXPECT_EQ(test, damos_next_goal_sz(m, 20000), (u64)DSK_P);
	KUNIT_EXPECT_EQ(test, damos_next_goal_sz(m, 1000000), (u64)DSK_P);
	KUNIT_EXPECT_EQ(test, damos_next_goal_sz(DSK_P, 15000), (u64)DSK_P);
	/* No overflow. */
	KUNIT_EXPECT_EQ(test, damos_next_goal_sz(U64_MAX - 5, 0), U64_MAX);
}

/* With stop_at_goal, a goal met cuts the size to a page at once. */
static void damon_schemes_test_stop_at_goal(struct kunit *test)
{
	struct damos *s = dsk_scheme(test, DAMOS_MIGRATE_COLD);
	struct damos_quota *q = &s->quota;
	struct damos_quota_goal *g;
	struct damon_ctx *ctx = damon_new_ctx();

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	damon_add_scheme(ctx, s);
	g = damos_new_quota_goal(DAMOS_GOAL_USER_INPUT, 1000);
	KUNIT_ASSERT_NOT_NULL(test, g);
	damos_add_quota_goal(q, g);
	q->stop_at_goal = true;
	q->goal_sz = SZ_64M;

	/* Missed: it grows as without the option. */
	g->current_value = 500;
	damos_adjust_quota(ctx, s);
	KUNIT_EXPECT_EQ(test, q->esz, (unsigned long)SZ_64M + SZ_32M);
	/* Met, even just: a page. */
	g->current_value = 1000;
	damos_adjust_quota(ctx, s);
	KUNIT_EXPECT_EQ(test, q->esz, (unsigned long)DSK_P);
	g->current_value = 1001;
	damos_adjust_quota(ctx, s);
	KUNIT_EXPECT_EQ(test, q->esz, (unsigned long)DSK_P);
	/* Missed again: it grows from there. */
	g->current_value = 0;
	damos_adjust_quota(ctx, s);
	KUNIT_EXPECT_EQ(test, q->esz, 2UL * DSK_P);

	/* Without it, a goal just met leaves the size where it is. */
	q->stop_at_goal = false;
	q->goal_sz = SZ_64M;
	g->current_value = 1000;
	damos_adjust_quota(ctx, s);
	KUNIT_EXPECT_EQ(test, q->esz, (unsigned long)SZ_64M);
	damon_destroy_ctx(ctx);
}

static void damon_schemes_test_goal_converges(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);
	struct damos_quota_goal *g;
	struct damos_quota *q = &s->quota;
	unsigned long prev = 0;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	damon_add_scheme(ctx, s);
	g = damos_new_quota_goal(DAMOS_GOAL_USER_INPUT, 1000);
	KUNIT_ASSERT_NOT_NULL(test, g);
	damos_add_quota_goal(q, g);

	/*
	 * The metric is the number of pages the last window could apply to:
	 * the goal is met at 1000 pages.  reset_interval 0 gives every pass
	 * a new window.
	 */
	for (i = 0; i < 30; i++) {
		g->current_value = q->esz / DSK_P;
		damos_adjust_quota(ctx, s);
		if (prev && prev < 1000 * DSK_P) {
			KUNIT_EXPECT_GT(test, q->esz, prev);
			KUNIT_EXPECT_LE(test, q->esz, 2 * prev);
		}
		prev = q->esz;
	}
	KUNIT_EXPECT_GE(test, q->esz, 990 * DSK_P);
	KUNIT_EXPECT_LE(test, q->esz, 1010 * DSK_P);

	/* The size quota caps what the goal asks for. */
	q->sz = 100 * DSK_P;
	for (i = 0; i < 5; i++) {
		g->current_value = q->esz / DSK_P;
		damos_adjust_quota(ctx, s);
		KUNIT_EXPECT_EQ(test, q->esz, 100 * DSK_P);
	}

	/* With two goals, the one closest to (or past) its target decides. */
	q->sz = 0;
	q->goal_sz = SZ_1M;
	g->current_value = 500;			/* 50 %: grow */
	g = damos_new_quota_goal(DAMOS_GOAL_USER_INPUT, 1000);
	KUNIT_ASSERT_NOT_NULL(test, g);
	damos_add_quota_goal(q, g);
	g->current_value = 1500;		/* 150 %: shrink */
	damos_adjust_quota(ctx, s);
	KUNIT_EXPECT_EQ(test, q->esz, (unsigned long)SZ_512K);

	damon_destroy_ctx(ctx);
}

static void damon_schemes_test_time_quota(struct kunit *test)
{
	struct damos *s = damos_new(DAMOS_PAGEOUT);
	struct damos_quota *q;

	KUNIT_ASSERT_NOT_NULL(test, s);
	q = &s->quota;
	/* 1 MiB in 2 ms: 512 KiB per ms, for 10 ms. */
	q->ms = 10;
	q->total_charged_sz = SZ_1M;
	q->total_charged_ns = 2 * NSEC_PER_MSEC;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 5UL * SZ_1M);
	/* The size quota is tighter. */
	q->sz = SZ_1M;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, (unsigned long)SZ_1M);
	q->sz = 0;
	/* Nothing measured yet: a guess of 1024 pages per ms. */
	q->total_charged_sz = 0;
	q->total_charged_ns = 0;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 10 * 1024 * DSK_P);
	/* Very slow: still a page. */
	q->total_charged_sz = 1;
	q->total_charged_ns = NSEC_PER_SEC;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, DSK_P);
	damon_destroy_scheme(s);
}

/* ---- watermarks ------------------------------------------------------------ */

static unsigned long dsk_free_mem_rate(void)
{
	return global_zone_page_state(NR_FREE_PAGES) * 1000 /
		max(totalram_pages(), 1UL);
}

/* Measure @s now against the given marks, starting from @activated. */
static bool dsk_activation(struct damos *s, bool activated, unsigned long high,
			   unsigned long mid, unsigned long low)
{
	s->wmarks.high = high;
	s->wmarks.mid = mid;
	s->wmarks.low = low;
	s->wmarks.activated = activated;
	s->wmarks.next_check = jiffies;
	damos_update_activation(s);
	return s->wmarks.activated;
}

/* Free memory varies a little while the test runs: keep away from it. */
#define DSK_WMARK_MARGIN	20

static void damon_schemes_test_watermarks(struct kunit *test)
{
	struct damos *s = damos_new(DAMOS_STAT);
	unsigned long v = dsk_free_mem_rate(), m = DSK_WMARK_MARGIN;

	KUNIT_ASSERT_NOT_NULL(test, s);
	/* No metric: always active, whatever the marks say. */
	KUNIT_EXPECT_TRUE(test, dsk_activation(s, false, 0, 0, 1));

	s->wmarks.metric = DAMOS_WMARK_FREE_MEM_RATE;
	s->wmarks.interval = USEC_PER_SEC;
	/* Below mid and in range: an inactive scheme activates. */
	KUNIT_EXPECT_TRUE(test, dsk_activation(s, false, v + 2 * m, v + m, 0));
	/* Not measured again before the interval passed. */
	KUNIT_EXPECT_TRUE(test, time_after(s->wmarks.next_check, jiffies));
	s->wmarks.low = v + 3 * m;
	damos_update_activation(s);
	KUNIT_EXPECT_TRUE(test, s->wmarks.activated);

	/* In [mid, high]: the state stays what it was. */
	KUNIT_EXPECT_FALSE(test, dsk_activation(s, false, v + m, 0, 0));
	KUNIT_EXPECT_TRUE(test, dsk_activation(s, true, v + m, 0, 0));
	/* Below low: inactive. */
	KUNIT_EXPECT_FALSE(test, dsk_activation(s, true, v + 3 * m, v + 2 * m,
						v + m));
	KUNIT_EXPECT_FALSE(test, dsk_activation(s, false, 1001, 1001, 1001));
	/* Above high: inactive. */
	KUNIT_EXPECT_GE_MSG(test, v, 2 * m, "too little free memory to test");
	if (v >= 2 * m) {
		KUNIT_EXPECT_FALSE(test, dsk_activation(s, true, v - m, 0, 0));
		KUNIT_EXPECT_FALSE(test, dsk_activation(s, false, v - m, 0, 0));
	}
	damon_destroy_scheme(s);
}

static void damon_schemes_test_update_activation(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	struct damos *off = damos_new(DAMOS_STAT), *on = damos_new(DAMOS_STAT);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, off);
	KUNIT_ASSERT_NOT_NULL(test, on);
	/* No scheme: monitor. */
	KUNIT_EXPECT_EQ(test, kdamond_update_activation(ctx), 0UL);

	/* Free memory never exceeds 1000 permil: always below low. */
	off->wmarks = (struct damos_watermarks) {
		.metric = DAMOS_WMARK_FREE_MEM_RATE,
		.high = 1001, .mid = 1001, .low = 1001,
		.next_check = jiffies,
	};
	damon_add_scheme(ctx, off);
	/* Due now, then again right away: wait the shortest sleep. */
	KUNIT_EXPECT_EQ(test, kdamond_update_activation(ctx), USEC_PER_MSEC);
	KUNIT_EXPECT_FALSE(test, off->wmarks.activated);
	/* Due in 10 s: wait the longest sleep. */
	off->wmarks.interval = 10 * USEC_PER_SEC;
	off->wmarks.next_check = jiffies;
	KUNIT_EXPECT_EQ(test, kdamond_update_activation(ctx),
			100 * USEC_PER_MSEC);

	/* One active scheme is enough to monitor. */
	damon_add_scheme(ctx, on);
	KUNIT_EXPECT_EQ(test, kdamond_update_activation(ctx), 0UL);
	KUNIT_EXPECT_TRUE(test, on->wmarks.activated);
	KUNIT_EXPECT_FALSE(test, off->wmarks.activated);

	/* Every scheme is measured, not only those up to an active one. */
	off->wmarks.metric = DAMOS_WMARK_NONE;
	list_move_tail(&off->list, &ctx->schemes);
	KUNIT_EXPECT_EQ(test, kdamond_update_activation(ctx), 0UL);
	KUNIT_EXPECT_TRUE(test, on->wmarks.activated);
	KUNIT_EXPECT_TRUE(test, off->wmarks.activated);
	damon_destroy_ctx(ctx);
}

/* Two always-active schemes both apply in every pass. */
static void damon_schemes_test_two_schemes(struct kunit *test)
{
	struct damon_ctx *ctx = dsk_ctx(test, 2, 4);
	struct damos *a = dsk_scheme(test, DAMOS_STAT);
	struct damos *b = dsk_scheme(test, DAMOS_PAGEOUT);

	damon_add_scheme(ctx, a);
	damon_add_scheme(ctx, b);
	dsk_pass(ctx);
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, a->stat.nr_tried, 4UL);
	KUNIT_EXPECT_EQ(test, b->stat.nr_tried, 4UL);
	KUNIT_EXPECT_EQ(test, b->stat.sz_applied, 2 * 2 * DSK_P);
	damon_destroy_ctx(ctx);
}

/* ---- filters and validation ---------------------------------------------- */

static void damon_schemes_test_addr_filter(struct kunit *test)
{
	unsigned long starts[] = { 0 }, ends[] = { 16 * DSK_P };
	struct damon_target *t = dkt_target(test, starts, ends, 1);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);
	struct damos_filter *f = damos_new_filter(DAMOS_FILTER_ADDR, true);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->addr_range = (struct damon_addr_range) { 4 * DSK_P, 8 * DSK_P };
	damos_add_filter(s, f);

	/* Leave out [4, 8): the region splits at both edges on the way. */
	KUNIT_EXPECT_FALSE(test, damos_core_filtered_out(t, 0, dkt_nth(t, 0), s));
	KUNIT_ASSERT_EQ(test, t->nr_regions, 2U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.end, 4 * DSK_P);
	KUNIT_EXPECT_TRUE(test, damos_core_filtered_out(t, 0, dkt_nth(t, 1), s));
	KUNIT_ASSERT_EQ(test, t->nr_regions, 3U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 1)->ar.start, 4 * DSK_P);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 1)->ar.end, 8 * DSK_P);
	KUNIT_EXPECT_FALSE(test, damos_core_filtered_out(t, 0, dkt_nth(t, 2), s));
	KUNIT_EXPECT_EQ(test, t->nr_regions, 3U);

	/* Leave out what is outside [4, 8) instead. */
	f->matching = false;
	KUNIT_EXPECT_TRUE(test, damos_core_filtered_out(t, 0, dkt_nth(t, 0), s));
	KUNIT_EXPECT_FALSE(test, damos_core_filtered_out(t, 0, dkt_nth(t, 1), s));
	KUNIT_EXPECT_TRUE(test, damos_core_filtered_out(t, 0, dkt_nth(t, 2), s));
	dkt_check_target(test, t);
	KUNIT_EXPECT_EQ(test, dkt_covered(t), 16 * DSK_P);

	/* Ops-handled filters are not the core's business. */
	f->type = DAMOS_FILTER_ANON;
	KUNIT_EXPECT_FALSE(test, damos_core_filtered_out(t, 0, dkt_nth(t, 0), s));
	damon_destroy_scheme(s);
	damon_destroy_target(t);
}

/* In a pass, left-out memory is neither tried nor applied to. */
static void damon_schemes_test_addr_filter_pass(struct kunit *test)
{
	struct damon_ctx *ctx = dsk_ctx(test, 1, 16);
	struct damon_target *t = dsk_first_target(ctx);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);
	struct damos_filter *f = damos_new_filter(DAMOS_FILTER_ADDR, true);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->addr_range = (struct damon_addr_range) { 4 * DSK_P, 8 * DSK_P };
	damos_add_filter(s, f);
	damon_add_scheme(ctx, s);
	dkt_nth(t, 0)->age = 9;

	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 2U);
	dsk_expect_rec(test, 0, 0, 4);
	dsk_expect_rec(test, 1, 8, 16);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 2UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, 12 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->stat.nr_applied, 1UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, 4 * DSK_P);
	/* The left-out piece keeps its age. */
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->age, 0U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 1)->age, 9U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 2)->age, 0U);
	damon_destroy_ctx(ctx);
}

static void damon_schemes_test_target_filter(struct kunit *test)
{
	unsigned long starts[] = { 0 }, ends[] = { 4 * DSK_P };
	struct damon_target *t0 = dkt_target(test, starts, ends, 1);
	struct damon_target *t1 = dkt_target(test, starts, ends, 1);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);
	struct damos_filter *f = damos_new_filter(DAMOS_FILTER_TARGET, true);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->target_idx = 1;
	damos_add_filter(s, f);
	KUNIT_EXPECT_FALSE(test, damos_core_filtered_out(t0, 0, dkt_nth(t0, 0), s));
	KUNIT_EXPECT_TRUE(test, damos_core_filtered_out(t1, 1, dkt_nth(t1, 0), s));
	f->matching = false;
	KUNIT_EXPECT_TRUE(test, damos_core_filtered_out(t0, 0, dkt_nth(t0, 0), s));
	KUNIT_EXPECT_FALSE(test, damos_core_filtered_out(t1, 1, dkt_nth(t1, 0), s));
	damon_destroy_scheme(s);
	damon_destroy_target(t0);
	damon_destroy_target(t1);
}

static struct damos_filter *dsk_add_filter(struct kunit *test, struct damos *s,
					   enum damos_filter_type type)
{
	struct damos_filter *f = damos_new_filter(type, true);

	KUNIT_ASSERT_NOT_NULL(test, f);
	damos_add_filter(s, f);
	return f;
}

/*
 * The core layer's decisions, for every order of allow and reject target
 * filters, with and without an ops-layer filter after them: the first
 * filter about a region decides, and a region none is about is rejected
 * only if the last core filter allows and no ops filter follows.
 */
static void damon_schemes_test_filter_layers(struct kunit *test)
{
	unsigned long starts[] = { 0 }, ends[] = { 4 * DSK_P };
	struct damon_target *t = dkt_target(test, starts, ends, 1);
	struct damon_region *r = dkt_nth(t, 0);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);
	struct damos_filter *a, *b, *ops;
	int i;

	/* No filter: everything is allowed. */
	KUNIT_EXPECT_FALSE(test, damos_core_filtered_out(t, 0, r, s));

	/* a is about target 1, b about target 2; region is target 0 or 1. */
	a = dsk_add_filter(test, s, DAMOS_FILTER_TARGET);
	a->target_idx = 1;
	b = dsk_add_filter(test, s, DAMOS_FILTER_TARGET);
	b->target_idx = 2;
	for (i = 0; i < 4; i++) {
		a->allow = i & 1;
		b->allow = i & 2;
		/* Target 1: a decides. */
		KUNIT_EXPECT_EQ(test, damos_core_filtered_out(t, 1, r, s),
				!a->allow);
		/* Target 0: nobody's; the last (b) sets the default. */
		KUNIT_EXPECT_EQ(test, damos_core_filtered_out(t, 0, r, s),
				b->allow);
	}

	/*
	 * With an ops filter, allowing or rejecting, after them or before
	 * them in the list, unmatched memory goes on to the ops layer.
	 */
	ops = dsk_add_filter(test, s, DAMOS_FILTER_ANON);
	for (i = 0; i < 16; i++) {
		a->allow = i & 1;
		b->allow = i & 2;
		ops->allow = i & 4;
		if (i == 8)
			list_move(&ops->list, &s->filters);
		KUNIT_EXPECT_EQ(test, damos_core_filtered_out(t, 1, r, s),
				!a->allow);
		KUNIT_EXPECT_FALSE(test, damos_core_filtered_out(t, 0, r, s));
	}
	list_move_tail(&ops->list, &s->filters);

	/* Order decides between filters about the same memory. */
	b->target_idx = 1;
	a->allow = true;
	b->allow = false;
	KUNIT_EXPECT_FALSE(test, damos_core_filtered_out(t, 1, r, s));
	a->allow = false;
	b->allow = true;
	KUNIT_EXPECT_TRUE(test, damos_core_filtered_out(t, 1, r, s));
	/* matching=N: about what the test does not match. */
	a->matching = false;
	KUNIT_EXPECT_FALSE(test, damos_core_filtered_out(t, 1, r, s));
	KUNIT_EXPECT_TRUE(test, damos_core_filtered_out(t, 0, r, s));
	damon_destroy_scheme(s);
	damon_destroy_target(t);
}

static void damon_schemes_test_validate(struct kunit *test)
{
	const unsigned long acts = BIT(DAMOS_PAGEOUT) | BIT(DAMOS_STAT) |
		BIT(DAMOS_MIGRATE_COLD);
	const unsigned long fts = BIT(DAMOS_FILTER_ANON);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);
	struct damos_quota_goal *g;
	struct damos_filter *f;

	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	KUNIT_EXPECT_NULL(test, damos_noop_setting(s, acts, fts));
	/* An action the ops set does not apply runs, and does nothing. */
	s->action = DAMOS_WILLNEED;
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	KUNIT_EXPECT_NOT_NULL(test, damos_noop_setting(s, acts, fts));
	s->action = NR_DAMOS_ACTIONS;
	KUNIT_EXPECT_EQ(test, damos_validate(s), -EINVAL);
	/* A migration without a memory node, likewise. */
	s->action = DAMOS_MIGRATE_COLD;
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	KUNIT_EXPECT_NOT_NULL(test, damos_noop_setting(s, acts, fts));
	s->target_nid = first_memory_node;
	KUNIT_EXPECT_NULL(test, damos_noop_setting(s, acts, fts));
	s->action = DAMOS_PAGEOUT;

	/* Ops-handled filter types the ops set lacks leave nothing out. */
	f = dsk_add_filter(test, s, DAMOS_FILTER_ANON);
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	KUNIT_EXPECT_NULL(test, damos_noop_setting(s, acts, fts));
	f->type = DAMOS_FILTER_YOUNG;
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	KUNIT_EXPECT_NOT_NULL(test, damos_noop_setting(s, acts, fts));
	f->type = DAMOS_FILTER_MEMCG;
	KUNIT_EXPECT_NOT_NULL(test, damos_noop_setting(s, acts, fts));
	f->type = DAMOS_FILTER_TARGET;
	f->target_idx = 0;
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	KUNIT_EXPECT_NULL(test, damos_noop_setting(s, acts, 0));
	f->target_idx = -1;
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	KUNIT_EXPECT_NOT_NULL(test, damos_noop_setting(s, acts, 0));
	f->type = DAMOS_FILTER_ADDR;
	f->addr_range = (struct damon_addr_range) { DSK_P, DSK_P };
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	f->addr_range.end = 0;
	KUNIT_EXPECT_EQ(test, damos_validate(s), -EINVAL);
	/* A size range may hold one size, not fewer. */
	f->type = DAMOS_FILTER_HUGEPAGE_SIZE;
	f->sz_range = (struct damon_size_range) { PMD_SIZE, PMD_SIZE };
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	KUNIT_EXPECT_NOT_NULL(test, damos_noop_setting(s, acts, fts));
	f->sz_range.min = PMD_SIZE + 1;
	KUNIT_EXPECT_EQ(test, damos_validate(s), -EINVAL);
	f->type = NR_DAMOS_FILTER_TYPES;
	KUNIT_EXPECT_EQ(test, damos_validate(s), -EINVAL);
	damos_destroy_filter(f);
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);

	/* Goals need a target and a known metric. */
	g = damos_new_quota_goal(DAMOS_GOAL_USER_INPUT, 0);
	KUNIT_ASSERT_NOT_NULL(test, g);
	damos_add_quota_goal(&s->quota, g);
	KUNIT_EXPECT_EQ(test, damos_validate(s), -EINVAL);
	g->target_value = 1;
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	g->metric = NR_DAMOS_GOAL_METRICS;
	KUNIT_EXPECT_EQ(test, damos_validate(s), -EINVAL);
	damos_destroy_quota_goal(g);

	/* Watermarks out of order are accepted, and reported when used. */
	s->wmarks.high = 100;
	s->wmarks.mid = 200;
	s->wmarks.low = 300;
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	KUNIT_EXPECT_NULL(test, damos_noop_setting(s, acts, fts));
	s->wmarks.metric = DAMOS_WMARK_FREE_MEM_RATE;
	KUNIT_EXPECT_EQ(test, damos_validate(s), 0);
	KUNIT_EXPECT_NOT_NULL(test, damos_noop_setting(s, acts, fts));
	s->wmarks.high = 300;
	s->wmarks.low = 100;
	KUNIT_EXPECT_NULL(test, damos_noop_setting(s, acts, fts));
	s->wmarks.metric = NR_DAMOS_WMARK_METRICS;
	KUNIT_EXPECT_EQ(test, damos_validate(s), -EINVAL);
	damon_destroy_scheme(s);
}

/* ---- statistics ------------------------------------------------------------ */

static void damon_schemes_test_stats(struct kunit *test)
{
	struct damon_ctx *ctx = dsk_ctx(test, 4, 4);
	struct damon_target *t = dsk_first_target(ctx);
	struct damos *s = dsk_scheme(test, DAMOS_PAGEOUT);
	struct damon_region *r;

	/* The last region is too big for the pattern. */
	dkt_nth(t, 3)->ar.end = 20 * DSK_P;
	s->pattern.max_sz = 4 * DSK_P;
	damon_add_scheme(ctx, s);
	damon_for_each_region(r, t)
		r->age = 7;

	/* dsk_apply() acts on nothing at 0, on half of each other region. */
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 3U);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 3UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, 12 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->stat.nr_applied, 2UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, 4 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->stat.sz_ops_filter_passed, 3 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 0UL);
	/* An action resets the age of what it was tried on, only. */
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->age, 0U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 1)->age, 0U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 2)->age, 0U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 3)->age, 7U);

	/* Stat counts the same memory but applies nothing, ages stay. */
	damon_for_each_region(r, t)
		r->age = 7;
	s->action = DAMOS_STAT;
	dsk_pass(ctx);
	KUNIT_EXPECT_EQ(test, dsk_recs.nr, 0U);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 6UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, 24 * DSK_P);
	KUNIT_EXPECT_EQ(test, s->stat.nr_applied, 2UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, 4 * DSK_P);
	/* What the ops set counts as passing, "stat" keeps. */
	KUNIT_EXPECT_EQ(test, s->stat.sz_ops_filter_passed, 6 * DSK_P);
	damon_for_each_region(r, t)
		KUNIT_EXPECT_EQ(test, r->age, 7U);

	/* An inactive scheme does nothing. */
	s->wmarks.metric = DAMOS_WMARK_FREE_MEM_RATE;
	s->wmarks.low = 1001;
	s->wmarks.mid = 1001;
	s->wmarks.high = 1001;
	s->wmarks.next_check = jiffies;
	dsk_pass(ctx);
	KUNIT_EXPECT_FALSE(test, s->wmarks.activated);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 6UL);
	damon_destroy_ctx(ctx);
}

/* ---- commit ---------------------------------------------------------------- */

static struct damos_quota_goal *dsk_add_goal(struct kunit *test,
					     struct damos *s,
					     enum damos_goal_metric metric,
					     unsigned long target,
					     unsigned long current_value)
{
	struct damos_quota_goal *g = damos_new_quota_goal(metric, target);

	KUNIT_ASSERT_NOT_NULL(test, g);
	g->current_value = current_value;
	damos_add_quota_goal(&s->quota, g);
	return g;
}

static struct damos_quota_goal *dsk_nth_goal(struct damos *s, unsigned int n)
{
	struct damos_quota_goal *g;

	damos_for_each_quota_goal(g, &s->quota) {
		if (!n--)
			return g;
	}
	return NULL;
}

/*
 * A goal that stays missed while the size quota binds does not wind up:
 * its size stops at the quota, and falls at once when the goal is met.
 */
static void damon_schemes_test_goal_no_windup(struct kunit *test)
{
	struct damos *s = damos_new(DAMOS_PAGEOUT);
	struct damos_quota_goal *g;
	struct damos_quota *q;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	q = &s->quota;
	q->sz = SZ_1M;
	g = dsk_add_goal(test, s, DAMOS_GOAL_USER_INPUT, 1000, 100);
	for (i = 0; i < 100; i++)
		damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->goal_sz, (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, q->esz, (unsigned long)SZ_1M);
	g->current_value = 1500;		/* 150 %: halve */
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, (unsigned long)SZ_512K);
	damon_destroy_scheme(s);
}

/*
 * Weighted destinations: over any run of keys, each node gets its weight's
 * share (exactly, per sum-of-weights keys); weight 0 gets nothing; no
 * destination means target_nid; no weight at all means no node.  Commit
 * copies them.
 */
static void damon_schemes_test_dests(struct kunit *test)
{
	const struct damos_dest dests[] = {
		{ .nid = 1, .weight = 3 }, { .nid = 2, .weight = 0 },
		{ .nid = 0, .weight = 1 },
	};
	struct damos *s = damos_new(DAMOS_MIGRATE_COLD);
	struct damos *dst = damos_new(DAMOS_MIGRATE_COLD);
	unsigned int counts[3] = {}, i;
	unsigned long key;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	s->target_nid = 5;
	KUNIT_EXPECT_EQ(test, damos_dest_nid(s, 7), 5);
	KUNIT_ASSERT_EQ(test, damos_set_dests(s, dests, ARRAY_SIZE(dests)), 0);
	/* Any 1000 keys in a row: 750 and 250, whatever the start. */
	for (key = 12345; key < 12345 + 1000; key++) {
		int nid = damos_dest_nid(s, key);

		KUNIT_ASSERT_TRUE(test, nid >= 0 && nid <= 2);
		counts[nid]++;
	}
	KUNIT_EXPECT_EQ(test, counts[1], 750U);
	KUNIT_EXPECT_EQ(test, counts[0], 250U);
	KUNIT_EXPECT_EQ(test, counts[2], 0U);
	/* The same key, the same node: a moved folio stays put. */
	KUNIT_EXPECT_EQ(test, damos_dest_nid(s, 42), damos_dest_nid(s, 42));
	KUNIT_EXPECT_EQ(test, damos_dest_nid(s, ULONG_MAX),
			damos_dest_nid(s, ULONG_MAX % 4));

	KUNIT_EXPECT_EQ(test, damos_commit(dst, s), 0);
	KUNIT_ASSERT_EQ(test, dst->nr_dests, 3U);
	KUNIT_EXPECT_PTR_NE(test, dst->dests, s->dests);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, dst->dests[i].nid, dests[i].nid);
		KUNIT_EXPECT_EQ(test, dst->dests[i].weight, dests[i].weight);
	}

	s->dests[0].weight = 0;
	s->dests[2].weight = 0;
	KUNIT_EXPECT_EQ(test, damos_dest_nid(s, 3), NUMA_NO_NODE);
	KUNIT_EXPECT_EQ(test, damos_set_dests(s, NULL, 0), 0);
	KUNIT_EXPECT_NULL(test, s->dests);
	KUNIT_EXPECT_EQ(test, damos_dest_nid(s, 3), 5);
	/* A commit without destinations drops them. */
	KUNIT_EXPECT_EQ(test, damos_commit(dst, s), 0);
	KUNIT_EXPECT_EQ(test, dst->nr_dests, 0U);
	damon_destroy_scheme(s);
	damon_destroy_scheme(dst);
}

/*
 * The memory metrics: used and free shares of a node add up to the whole,
 * as do the active and inactive shares of LRU memory; a node that is not
 * online measures 0; the measurement lands in current_value.
 */
static void damon_schemes_test_mem_metrics(struct kunit *test)
{
	struct damos *s = damos_new(DAMOS_PAGEOUT);
	unsigned long used, free, act, inact;
	struct damos_quota_goal *g;
	int nid = first_memory_node;

	KUNIT_ASSERT_NOT_NULL(test, s);
	used = damos_node_mem_bp(nid, true);
	free = damos_node_mem_bp(nid, false);
	KUNIT_EXPECT_GT(test, used, 0UL);
	KUNIT_EXPECT_GT(test, free, 0UL);
	/* Two samples of a moving system, each rounded down. */
	KUNIT_EXPECT_LE(test, used + free, 10000UL + 100);
	KUNIT_EXPECT_GE(test, used + free, 10000UL - 100);
	KUNIT_EXPECT_EQ(test, damos_node_mem_bp(-1, true), 0UL);
	KUNIT_EXPECT_EQ(test, damos_node_mem_bp(MAX_NUMNODES, false), 0UL);
#ifdef CONFIG_NUMA
	{
		/* The node's own counts, in 1/10000 of its memory. */
		struct sysinfo i;

		si_meminfo_node(&i, nid);
		KUNIT_EXPECT_LE(test, abs_diff(free, mult_frac(i.freeram, 10000,
							       i.totalram)),
				100UL);
		KUNIT_EXPECT_LE(test, abs_diff(used,
					       mult_frac(i.totalram - i.freeram,
							 10000, i.totalram)),
				100UL);
	}
#endif
	/* Early in boot nothing may be on an LRU list yet: both are 0. */
	act = damos_lru_mem_bp(true);
	inact = damos_lru_mem_bp(false);
	KUNIT_EXPECT_LE(test, act + inact, 10000UL + 100);
	if (act + inact)
		KUNIT_EXPECT_GE(test, act + inact, 10000UL - 100);

	/* No cgroup has id 0: none of the node is its, all is the rest. */
	KUNIT_EXPECT_EQ(test, damos_node_memcg_bp(nid, 0, true), 0UL);
	KUNIT_EXPECT_EQ(test, damos_node_memcg_bp(nid, 0, false), 10000UL);
	KUNIT_EXPECT_EQ(test, damos_node_memcg_bp(-1, 0, false), 0UL);

	g = dsk_add_goal(test, s, DAMOS_GOAL_NODE_MEM_FREE_BP, 5000, 0);
	g->nid = nid;
	damos_measure_goals(&s->quota);
	KUNIT_EXPECT_GT(test, g->current_value, 0UL);
	KUNIT_EXPECT_LE(test, g->current_value, 10000UL);
	g->nid = -1;
	damos_measure_goals(&s->quota);
	KUNIT_EXPECT_EQ(test, g->current_value, 0UL);
	g->metric = DAMOS_GOAL_INACTIVE_MEM_BP;
	damos_measure_goals(&s->quota);
	KUNIT_EXPECT_LE(test, g->current_value, 10000UL);
	/* A user input is left as fed in. */
	g->metric = DAMOS_GOAL_USER_INPUT;
	g->current_value = 1234;
	damos_measure_goals(&s->quota);
	KUNIT_EXPECT_EQ(test, g->current_value, 1234UL);
	damon_destroy_scheme(s);
}

static void damon_schemes_test_commit_goals(struct kunit *test)
{
	struct damos *dst = damos_new(DAMOS_PAGEOUT);
	struct damos *src = damos_new(DAMOS_PAGEOUT);
	struct damos_quota_goal *g, *kept;

	KUNIT_ASSERT_NOT_NULL(test, dst);
	KUNIT_ASSERT_NOT_NULL(test, src);
	kept = dsk_add_goal(test, dst, DAMOS_GOAL_SOME_MEM_PSI_US, 10, 1);
	kept->last_psi_total = 1234;
	g = dsk_add_goal(test, dst, DAMOS_GOAL_USER_INPUT, 20, 2);
	g->last_psi_total = 99;
	dsk_add_goal(test, dst, DAMOS_GOAL_USER_INPUT, 30, 3);
	dsk_add_goal(test, src, DAMOS_GOAL_SOME_MEM_PSI_US, 100, 11);
	dsk_add_goal(test, src, DAMOS_GOAL_SOME_MEM_PSI_US, 200, 22);

	/* Two goals kept, by position, with the current values; one goes. */
	KUNIT_EXPECT_EQ(test, damos_commit_quota_goals(&dst->quota, &src->quota),
			0);
	KUNIT_EXPECT_EQ(test, damos_nr_goals(&dst->quota), 2U);
	KUNIT_EXPECT_PTR_EQ(test, dsk_nth_goal(dst, 0), kept);
	KUNIT_EXPECT_EQ(test, kept->target_value, 100UL);
	KUNIT_EXPECT_EQ(test, kept->current_value, 11UL);
	/* Same metric: the PSI baseline stays; a new metric starts over. */
	KUNIT_EXPECT_EQ(test, kept->last_psi_total, 1234ULL);
	g = dsk_nth_goal(dst, 1);
	KUNIT_EXPECT_EQ(test, g->metric, DAMOS_GOAL_SOME_MEM_PSI_US);
	KUNIT_EXPECT_EQ(test, g->target_value, 200UL);
	KUNIT_EXPECT_EQ(test, g->current_value, 22UL);
	KUNIT_EXPECT_EQ(test, g->last_psi_total, 0ULL);
	/* The node goes along. */
	dsk_nth_goal(src, 1)->nid = 3;
	KUNIT_EXPECT_EQ(test, damos_commit_quota_goals(&dst->quota, &src->quota),
			0);
	KUNIT_EXPECT_EQ(test, dsk_nth_goal(dst, 1)->nid, 3);
	/* The source is untouched. */
	KUNIT_EXPECT_EQ(test, damos_nr_goals(&src->quota), 2U);

	/* Missing goals are added. */
	dsk_add_goal(test, src, DAMOS_GOAL_USER_INPUT, 300, 33);
	dsk_nth_goal(src, 0)->metric = DAMOS_GOAL_USER_INPUT;
	KUNIT_EXPECT_EQ(test, damos_commit_quota_goals(&dst->quota, &src->quota),
			0);
	KUNIT_EXPECT_EQ(test, damos_nr_goals(&dst->quota), 3U);
	KUNIT_EXPECT_EQ(test, kept->metric, DAMOS_GOAL_USER_INPUT);
	KUNIT_EXPECT_EQ(test, kept->last_psi_total, 0ULL);
	KUNIT_EXPECT_EQ(test, dsk_nth_goal(dst, 2)->current_value, 33UL);

	/* An invalid source changes nothing. */
	dsk_add_goal(test, src, DAMOS_GOAL_USER_INPUT, 0, 44);
	dsk_nth_goal(src, 0)->target_value = 999;
	KUNIT_EXPECT_EQ(test, damos_commit_quota_goals(&dst->quota, &src->quota),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, damos_nr_goals(&dst->quota), 3U);
	KUNIT_EXPECT_EQ(test, kept->target_value, 100UL);

	/* No goals at all. */
	damos_destroy_quota_goal(dsk_nth_goal(src, 3));
	while (!list_empty(&src->quota.goals))
		damos_destroy_quota_goal(dsk_nth_goal(src, 0));
	KUNIT_EXPECT_EQ(test, damos_commit_quota_goals(&dst->quota, &src->quota),
			0);
	KUNIT_EXPECT_TRUE(test, list_empty(&dst->quota.goals));
	damon_destroy_scheme(dst);
	damon_destroy_scheme(src);
}

static struct damos *dsk_nth_scheme(struct damon_ctx *ctx, unsigned int n)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		if (!n--)
			return s;
	}
	return NULL;
}

static void damon_schemes_test_commit_schemes(struct kunit *test)
{
	struct damon_ctx *dst = damon_new_ctx(), *src = damon_new_ctx();
	struct damos *d0, *s;
	struct damos_filter *f;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, dst);
	KUNIT_ASSERT_NOT_NULL(test, src);
	/* dst: two schemes that have run; src: three new ones. */
	for (i = 0; i < 2; i++) {
		s = dsk_scheme(test, DAMOS_STAT);
		s->stat.nr_tried = 10 + i;
		s->stat.qt_exceeds = 20 + i;
		s->quota.sz = SZ_1M;
		s->quota.esz = SZ_1M;
		s->quota.charged_sz = SZ_64K;
		s->quota.total_charged_sz = SZ_4M;
		dsk_add_filter(test, s, DAMOS_FILTER_ANON);
		dsk_add_filter(test, s, DAMOS_FILTER_YOUNG);
		damon_add_scheme(dst, s);
	}
	d0 = dsk_nth_scheme(dst, 0);
	for (i = 0; i < 3; i++) {
		s = dsk_scheme(test, DAMOS_PAGEOUT);
		s->pattern.min_age = 100 + i;
		s->quota.sz = i ? SZ_2M : SZ_1M;
		s->quota.weight_age = 7;
		s->wmarks.metric = DAMOS_WMARK_FREE_MEM_RATE;
		s->wmarks.high = 3;
		s->wmarks.mid = 2;
		s->wmarks.low = 1;
		damon_add_scheme(src, s);
	}
	f = dsk_add_filter(test, dsk_nth_scheme(src, 0), DAMOS_FILTER_ADDR);
	f->addr_range = (struct damon_addr_range) { DSK_P + 1, 3 * DSK_P + 5 };

	KUNIT_ASSERT_EQ(test, damos_commit_schemes(dst, src), 0);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&dst->schemes), 3UL);
	KUNIT_EXPECT_PTR_EQ(test, dsk_nth_scheme(dst, 0), d0);
	for (i = 0; i < 3; i++) {
		s = dsk_nth_scheme(dst, i);
		KUNIT_EXPECT_EQ(test, s->action, DAMOS_PAGEOUT);
		KUNIT_EXPECT_EQ(test, s->pattern.min_age, 100U + i);
		KUNIT_EXPECT_EQ(test, s->quota.weight_age, 7U);
		KUNIT_EXPECT_EQ(test, s->wmarks.metric, DAMOS_WMARK_FREE_MEM_RATE);
		KUNIT_EXPECT_EQ(test, s->wmarks.mid, 2UL);
		/* Kept schemes keep their statistics; the new one starts at 0. */
		KUNIT_EXPECT_EQ(test, s->stat.nr_tried, i < 2 ? 10UL + i : 0UL);
		KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, i < 2 ? 20UL + i : 0UL);
	}
	/* Quota state stays; a changed limit starts a new window. */
	KUNIT_EXPECT_EQ(test, d0->quota.charged_sz, (unsigned long)SZ_64K);
	KUNIT_EXPECT_EQ(test, d0->quota.total_charged_sz, (unsigned long)SZ_4M);
	KUNIT_EXPECT_EQ(test, d0->quota.esz, (unsigned long)SZ_1M);
	KUNIT_EXPECT_EQ(test, dsk_nth_scheme(dst, 1)->quota.esz, 0UL);
	KUNIT_EXPECT_EQ(test, dsk_nth_scheme(dst, 1)->quota.sz,
			(unsigned long)SZ_2M);
	/* Filters follow src, the address range aligned to pages. */
	KUNIT_EXPECT_EQ(test, list_count_nodes(&d0->filters), 1UL);
	f = list_first_entry(&d0->filters, struct damos_filter, list);
	KUNIT_EXPECT_EQ(test, f->type, DAMOS_FILTER_ADDR);
	KUNIT_EXPECT_EQ(test, f->addr_range.start, DSK_P);
	KUNIT_EXPECT_EQ(test, f->addr_range.end, 3 * DSK_P);
	KUNIT_EXPECT_TRUE(test, list_empty(&dsk_nth_scheme(dst, 1)->filters));

	/* Fewer schemes in src: the extra ones of dst go. */
	damon_destroy_scheme(dsk_nth_scheme(src, 2));
	damon_destroy_scheme(dsk_nth_scheme(src, 0));
	KUNIT_ASSERT_EQ(test, damos_commit_schemes(dst, src), 0);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&dst->schemes), 1UL);
	KUNIT_EXPECT_PTR_EQ(test, dsk_nth_scheme(dst, 0), d0);
	KUNIT_EXPECT_EQ(test, d0->pattern.min_age, 101U);
	KUNIT_EXPECT_EQ(test, d0->stat.nr_tried, 10UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&d0->filters));

	damon_destroy_ctx(dst);
	damon_destroy_ctx(src);
}

static void damon_schemes_test_commit_ctx_invalid(struct kunit *test)
{
	struct damon_ctx *dst, *src;
	struct damos *d, *s;
	struct damos_filter *f;
	struct damos_quota_goal *g;

	if (!damon_is_registered_ops(DAMON_OPS_PADDR))
		kunit_skip(test, "needs the paddr operations set");
	dst = damon_new_ctx();
	src = damon_new_ctx();
	KUNIT_ASSERT_NOT_NULL(test, dst);
	KUNIT_ASSERT_NOT_NULL(test, src);
	src->ops.id = DAMON_OPS_PADDR;
	src->attrs.aggr_interval = 200 * USEC_PER_MSEC;
	d = dsk_scheme(test, DAMOS_STAT);
	d->stat.nr_tried = 5;
	damon_add_scheme(dst, d);
	s = dsk_scheme(test, DAMOS_PAGEOUT);
	s->pattern.min_age = 42;
	damon_add_scheme(src, s);
	damon_add_scheme(src, dsk_scheme(test, DAMOS_STAT));

	/* An unknown action. */
	s->action = NR_DAMOS_ACTIONS;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	s->action = DAMOS_PAGEOUT;
	/* A goal without target. */
	g = dsk_add_goal(test, s, DAMOS_GOAL_USER_INPUT, 0, 0);
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	damos_destroy_quota_goal(g);
	/* An unknown watermark metric. */
	s->wmarks.metric = NR_DAMOS_WMARK_METRICS;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	s->wmarks.metric = DAMOS_WMARK_NONE;
	/* An address filter ending before it starts. */
	f = dsk_add_filter(test, s, DAMOS_FILTER_ADDR);
	f->addr_range = (struct damon_addr_range) { 2 * DSK_P, DSK_P };
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	damos_destroy_filter(f);

	/* dst is as it was. */
	KUNIT_EXPECT_EQ(test, list_count_nodes(&dst->schemes), 1UL);
	KUNIT_EXPECT_EQ(test, d->action, DAMOS_STAT);
	KUNIT_EXPECT_EQ(test, d->pattern.min_age, 0U);
	KUNIT_EXPECT_EQ(test, dst->attrs.aggr_interval, 100 * USEC_PER_MSEC);

	/* Now valid: taken, keeping the kept scheme's statistics. */
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&dst->schemes), 2UL);
	KUNIT_EXPECT_PTR_EQ(test, dsk_nth_scheme(dst, 0), d);
	KUNIT_EXPECT_EQ(test, d->action, DAMOS_PAGEOUT);
	KUNIT_EXPECT_EQ(test, d->pattern.min_age, 42U);
	KUNIT_EXPECT_EQ(test, d->stat.nr_tried, 5UL);
	KUNIT_EXPECT_EQ(test, dst->attrs.aggr_interval, 200 * USEC_PER_MSEC);
	damon_destroy_ctx(dst);
	damon_destroy_ctx(src);
}

/* ---- damos_walk() on a running kdamond -------------------------------- */

struct dsk_walk {
	struct damos *s;
	unsigned int nr, nr_other;
	unsigned long covered, lowest;
};

static void dsk_walk_fn(void *data, struct damon_ctx *ctx,
			struct damon_target *t, struct damon_region *r,
			struct damos *s, unsigned long sz_filter_passed)
{
	struct dsk_walk *w = data;

	if (s != w->s) {
		w->nr_other++;
		return;
	}
	w->nr++;
	w->covered += damon_sz_region(r);
	w->lowest = min(w->lowest, r->ar.start);
}

static void damon_schemes_test_walk(struct kunit *test)
{
	struct damon_ctx *ctx = dkt_running_ctx(test);
	struct damos *s = dsk_scheme(test, DAMOS_STAT), *off;
	struct damos_filter *f;
	struct dsk_walk w = { .s = s, .lowest = ULONG_MAX };
	struct damos_walk_control control = {
		.walk_fn = dsk_walk_fn, .data = &w,
	};

	/* Stat everything but [0, 1 MiB) of the 4 MiB target. */
	f = dsk_add_filter(test, s, DAMOS_FILTER_ADDR);
	f->addr_range = (struct damon_addr_range) { 0, KiB(1024) };
	damon_add_scheme(ctx, s);
	/* A scheme kept inactive (free memory is below 1001 permil). */
	off = dsk_scheme(test, DAMOS_STAT);
	off->wmarks = (struct damos_watermarks) {
		.metric = DAMOS_WMARK_FREE_MEM_RATE,
		.interval = 1000, .high = 1001, .mid = 1001, .low = 1001,
	};
	damon_add_scheme(ctx, off);

	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), -EINVAL);
	KUNIT_EXPECT_EQ(test, w.nr, 0U);

	WRITE_ONCE(dkt_target_alive, true);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	/* One application of s, all of it; off is not waited for. */
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), 0);
	KUNIT_EXPECT_FALSE(test, control.canceled);
	KUNIT_EXPECT_GE(test, w.nr, 1U);
	KUNIT_EXPECT_EQ(test, w.covered, KiB(3072));
	KUNIT_EXPECT_EQ(test, w.lowest, KiB(1024));
	KUNIT_EXPECT_EQ(test, w.nr_other, 0U);

	/* Walks can follow each other. */
	w.nr = 0;
	w.covered = 0;
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), 0);
	KUNIT_EXPECT_EQ(test, w.covered, KiB(3072));

	KUNIT_ASSERT_EQ(test, damon_stop(&ctx, 1), 0);
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), -EINVAL);
	/* Every pass tried the same 3 MiB; at least two passes ran. */
	KUNIT_EXPECT_GE(test, s->stat.nr_tried, 2UL);
	KUNIT_EXPECT_GE(test, s->stat.sz_tried, 2 * KiB(3072));
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried % KiB(3072), 0UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, 0UL);
	KUNIT_EXPECT_EQ(test, off->stat.nr_tried, 0UL);
	damon_destroy_ctx(ctx);
}

/* With every scheme inactive, a walk ends without seeing anything. */
static void damon_schemes_test_walk_inactive(struct kunit *test)
{
	struct damon_ctx *ctx = dkt_running_ctx(test);
	struct damos *off = dsk_scheme(test, DAMOS_STAT);
	struct dsk_walk w = { .lowest = ULONG_MAX };
	struct damos_walk_control control = {
		.walk_fn = dsk_walk_fn, .data = &w,
	};

	off->wmarks = (struct damos_watermarks) {
		.metric = DAMOS_WMARK_FREE_MEM_RATE,
		.interval = 1000, .high = 1001, .mid = 1001, .low = 1001,
	};
	damon_add_scheme(ctx, off);
	WRITE_ONCE(dkt_target_alive, true);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), 0);
	KUNIT_EXPECT_EQ(test, w.nr_other, 0U);
	KUNIT_ASSERT_EQ(test, damon_stop(&ctx, 1), 0);
	KUNIT_EXPECT_EQ(test, off->stat.nr_tried, 0UL);
	damon_destroy_ctx(ctx);
}

static struct kunit_case damon_schemes_test_cases[] = {
	KUNIT_CASE(damon_schemes_test_pattern),
	KUNIT_CASE(damon_schemes_test_quota_charge),
	KUNIT_CASE(damon_schemes_test_quota_window),
	KUNIT_CASE(damon_schemes_test_skip_charged),
	KUNIT_CASE(damon_schemes_test_score),
	KUNIT_CASE(damon_schemes_test_min_score),
	KUNIT_CASE(damon_schemes_test_quota_priority),
	KUNIT_CASE(damon_schemes_test_next_goal_sz),
	KUNIT_CASE(damon_schemes_test_goal_converges),
	KUNIT_CASE(damon_schemes_test_stop_at_goal),
	KUNIT_CASE(damon_schemes_test_time_quota),
	KUNIT_CASE(damon_schemes_test_goal_no_windup),
	KUNIT_CASE(damon_schemes_test_watermarks),
	KUNIT_CASE(damon_schemes_test_update_activation),
	KUNIT_CASE(damon_schemes_test_two_schemes),
	KUNIT_CASE(damon_schemes_test_addr_filter),
	KUNIT_CASE(damon_schemes_test_addr_filter_pass),
	KUNIT_CASE(damon_schemes_test_target_filter),
	KUNIT_CASE(damon_schemes_test_filter_layers),
	KUNIT_CASE(damon_schemes_test_validate),
	KUNIT_CASE(damon_schemes_test_stats),
	KUNIT_CASE(damon_schemes_test_dests),
	KUNIT_CASE(damon_schemes_test_mem_metrics),
	KUNIT_CASE(damon_schemes_test_commit_goals),
	KUNIT_CASE(damon_schemes_test_commit_schemes),
	KUNIT_CASE(damon_schemes_test_commit_ctx_invalid),
	KUNIT_CASE(damon_schemes_test_walk),
	KUNIT_CASE(damon_schemes_test_walk_inactive),
	{}
};

static struct kunit_suite damon_schemes_test_suite = {
	.name = "damon_schemes",
	.test_cases = damon_schemes_test_cases,
};

kunit_test_suite(damon_schemes_test_suite);

#endif /* _DAMON_SCHEMES_KUNIT_H */
