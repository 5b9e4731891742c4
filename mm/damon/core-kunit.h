/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the DAMON core, suite "damon".  Included at the end of
 * core.c so that the static helpers can be tested directly.
 */

#ifndef _DAMON_CORE_KUNIT_H
#define _DAMON_CORE_KUNIT_H

#include <kunit/test.h>

#define KiB(x)	((unsigned long)(x) << 10)

/* A target with regions [starts[i], ends[i]), for tests to build on. */
static struct damon_target *dkt_target(struct kunit *test,
				       const unsigned long *starts,
				       const unsigned long *ends,
				       unsigned int nr)
{
	struct damon_target *t = damon_new_target();
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	for (i = 0; i < nr; i++) {
		struct damon_region *r = damon_new_region(starts[i], ends[i]);

		KUNIT_ASSERT_NOT_NULL(test, r);
		damon_add_region(r, t);
	}
	return t;
}

static struct damon_region *dkt_nth(struct damon_target *t, unsigned int n)
{
	struct damon_region *r;

	damon_for_each_region(r, t) {
		if (!n--)
			return r;
	}
	return NULL;
}

/* The regions of @t are sorted, disjoint, aligned and counted right. */
static void dkt_check_target(struct kunit *test, struct damon_target *t)
{
	struct damon_region *r;
	unsigned long prev_end = 0;
	unsigned int n = 0;

	damon_for_each_region(r, t) {
		KUNIT_EXPECT_LT(test, r->ar.start, r->ar.end);
		KUNIT_EXPECT_GE(test, r->ar.start, prev_end);
		KUNIT_EXPECT_EQ(test, r->ar.start % DAMON_MIN_REGION, 0UL);
		KUNIT_EXPECT_EQ(test, r->ar.end % DAMON_MIN_REGION, 0UL);
		prev_end = r->ar.end;
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, t->nr_regions);
}

static unsigned long dkt_covered(struct damon_target *t)
{
	struct damon_region *r;
	unsigned long sz = 0;

	damon_for_each_region(r, t)
		sz += damon_sz_region(r);
	return sz;
}

static void damon_test_regions_add_insert_destroy(struct kunit *test)
{
	unsigned long starts[] = { KiB(8), KiB(24) };
	unsigned long ends[] = { KiB(16), KiB(32) };
	struct damon_target *t = dkt_target(test, starts, ends, 2);
	struct damon_region *r;

	r = damon_new_region(KiB(16), KiB(20));
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 0U);
	KUNIT_EXPECT_EQ(test, r->age, 0U);
	damon_insert_region(r, dkt_nth(t, 0), t);
	r = damon_new_region(0, KiB(4));
	KUNIT_ASSERT_NOT_NULL(test, r);
	damon_insert_region(r, NULL, t);
	KUNIT_EXPECT_EQ(test, t->nr_regions, 4U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.start, 0UL);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 2)->ar.start, KiB(16));
	dkt_check_target(test, t);
	damon_destroy_region(dkt_nth(t, 1), t);
	KUNIT_EXPECT_EQ(test, t->nr_regions, 3U);
	dkt_check_target(test, t);
	damon_destroy_target(t);
}

static void damon_test_split_region_at(struct kunit *test)
{
	unsigned long starts[] = { 0 }, ends[] = { KiB(64) };
	struct damon_target *t = dkt_target(test, starts, ends, 1);
	struct damon_region *r = dkt_nth(t, 0), *upper;

	r->nr_accesses = 7;
	r->last_nr_accesses = 5;
	r->nr_accesses_bp = 60000;
	r->age = 3;
	r->sampling_addr = KiB(40);
	upper = damon_split_region_at(r, KiB(16), t);
	KUNIT_ASSERT_NOT_NULL(test, upper);
	KUNIT_EXPECT_EQ(test, r->ar.end, KiB(16));
	KUNIT_EXPECT_EQ(test, upper->ar.start, KiB(16));
	KUNIT_EXPECT_EQ(test, upper->ar.end, KiB(64));
	KUNIT_EXPECT_EQ(test, upper->nr_accesses, 7U);
	KUNIT_EXPECT_EQ(test, upper->last_nr_accesses, 5U);
	KUNIT_EXPECT_EQ(test, upper->nr_accesses_bp, 60000U);
	KUNIT_EXPECT_EQ(test, upper->age, 3U);
	/* The lower part's sampling address moved back into it. */
	KUNIT_EXPECT_LT(test, r->sampling_addr, r->ar.end);
	KUNIT_EXPECT_EQ(test, t->nr_regions, 2U);
	dkt_check_target(test, t);
	damon_destroy_target(t);
}

static void damon_test_merge_two(struct kunit *test)
{
	unsigned long starts[] = { 0, KiB(12) }, ends[] = { KiB(12), KiB(16) };
	struct damon_target *t = dkt_target(test, starts, ends, 2);
	struct damon_region *l = dkt_nth(t, 0), *r = dkt_nth(t, 1);

	/* 12 KiB at 8 accesses and 4 KiB at 4: average 7 by size. */
	l->nr_accesses = 8;
	l->age = 10;
	r->nr_accesses = 4;
	r->age = 2;
	damon_merge_two(t, l, r);
	KUNIT_EXPECT_EQ(test, t->nr_regions, 1U);
	KUNIT_EXPECT_EQ(test, l->ar.end, KiB(16));
	KUNIT_EXPECT_EQ(test, l->nr_accesses, 7U);
	KUNIT_EXPECT_EQ(test, l->age, 8U);
	KUNIT_EXPECT_EQ(test, l->nr_accesses_bp, 7U * DAMON_BP_PER_ACCESS);
	damon_destroy_target(t);
}

static void damon_test_merge_target(struct kunit *test)
{
	/* Regions 0-4: two pairs of similar neighbours, then a gap. */
	unsigned long starts[] = { 0, KiB(4), KiB(8), KiB(12), KiB(20) };
	unsigned long ends[] = { KiB(4), KiB(8), KiB(12), KiB(16), KiB(24) };
	unsigned int nr[] = { 10, 11, 30, 29, 29 };
	struct damon_target *t = dkt_target(test, starts, ends, 5);
	unsigned int i;

	for (i = 0; i < 5; i++)
		dkt_nth(t, i)->nr_accesses = nr[i];
	damon_merge_target(t, 2, KiB(1024));
	/* 0+1 and 2+3 merge; 4 is not adjacent to 3. */
	KUNIT_EXPECT_EQ(test, t->nr_regions, 3U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.end, KiB(8));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 1)->ar.end, KiB(16));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 2)->ar.start, KiB(20));
	dkt_check_target(test, t);
	damon_destroy_target(t);
}

static void damon_test_merge_size_limit(struct kunit *test)
{
	unsigned long starts[] = { 0, KiB(4), KiB(8), KiB(12) };
	unsigned long ends[] = { KiB(4), KiB(8), KiB(12), KiB(16) };
	struct damon_target *t = dkt_target(test, starts, ends, 4);

	/* Identical counts, but no region may exceed 8 KiB. */
	damon_merge_target(t, 0, KiB(8));
	KUNIT_EXPECT_EQ(test, t->nr_regions, 2U);
	KUNIT_EXPECT_EQ(test, damon_sz_region(dkt_nth(t, 0)), KiB(8));
	KUNIT_EXPECT_EQ(test, damon_sz_region(dkt_nth(t, 1)), KiB(8));
	damon_destroy_target(t);
}

static void damon_test_merge_regions_to_max(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_target *t;
	struct damon_region *r;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	t = damon_new_target();
	KUNIT_ASSERT_NOT_NULL(test, t);
	damon_add_target(ctx, t);
	/* 40 adjacent regions with counts that differ by 3 from each other. */
	for (i = 0; i < 40; i++) {
		r = damon_new_region(KiB(4) * i, KiB(4) * (i + 1));
		KUNIT_ASSERT_NOT_NULL(test, r);
		r->nr_accesses = (i % 2) * 3;
		damon_add_region(r, t);
	}
	ctx->attrs.max_nr_regions = 10;
	ctx->attrs.aggr_interval = 20 * ctx->attrs.sample_interval;
	/* Threshold 1 cannot merge them; doubling it must. */
	damon_merge_regions(ctx, 1, KiB(160));
	KUNIT_EXPECT_LE(test, t->nr_regions, 10U);
	KUNIT_EXPECT_EQ(test, dkt_covered(t), KiB(160));
	dkt_check_target(test, t);
	damon_destroy_ctx(ctx);
}

static void damon_test_age_regions(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	unsigned long starts[] = { 0, KiB(4) }, ends[] = { KiB(4), KiB(8) };
	struct damon_target *t = dkt_target(test, starts, ends, 2);
	struct damon_region *steady = dkt_nth(t, 0), *changed = dkt_nth(t, 1);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	damon_add_target(ctx, t);
	steady->nr_accesses = 5;
	steady->last_nr_accesses = 6;
	steady->age = 4;
	changed->nr_accesses = 15;
	changed->last_nr_accesses = 2;
	changed->age = 9;
	damon_age_regions(ctx, 2);
	KUNIT_EXPECT_EQ(test, steady->age, 5U);
	KUNIT_EXPECT_EQ(test, changed->age, 0U);
	damon_destroy_ctx(ctx);
}

static void damon_test_split_regions(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	unsigned long starts[] = { 0, KiB(1024), KiB(1024) + 2 * PAGE_SIZE };
	unsigned long ends[] = { KiB(1024), KiB(1024) + 2 * PAGE_SIZE,
				 KiB(1024) + 3 * PAGE_SIZE };
	struct damon_target *t = dkt_target(test, starts, ends, 3);
	struct damon_region *r;
	unsigned int before;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	damon_add_target(ctx, t);
	ctx->attrs.max_nr_regions = 100;
	damon_split_regions(ctx);
	/*
	 * The big region split, the two-page one into its pages; the last
	 * page cannot split.
	 */
	KUNIT_EXPECT_GE(test, t->nr_regions, 5U);
	KUNIT_EXPECT_EQ(test, dkt_covered(t), KiB(1024) + 3 * PAGE_SIZE);
	damon_for_each_region(r, t) {
		if (r->ar.start >= KiB(1024))
			KUNIT_EXPECT_EQ(test, damon_sz_region(r), PAGE_SIZE);
	}
	dkt_check_target(test, t);

	/* Above half the maximum, nothing splits. */
	ctx->attrs.max_nr_regions = 2 * t->nr_regions - 1;
	before = t->nr_regions;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, t->nr_regions, before);
	damon_destroy_ctx(ctx);
}

/*
 * Merges that undo a split make the next one cut in three: the count
 * compared is the one before each split, not after it.
 */
static void damon_test_split_regions_in_three(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	unsigned long starts[] = { 0 }, ends[] = { KiB(1024) };
	struct damon_target *t = dkt_target(test, starts, ends, 1);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	damon_add_target(ctx, t);
	ctx->attrs.max_nr_regions = 100;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, t->nr_regions, 2U);
	/* The pieces saw the same accesses: they merge back into one. */
	damon_merge_regions(ctx, 0, KiB(1024));
	KUNIT_ASSERT_EQ(test, t->nr_regions, 1U);
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, t->nr_regions, 3U);
	KUNIT_EXPECT_EQ(test, dkt_covered(t), KiB(1024));
	dkt_check_target(test, t);
	damon_destroy_ctx(ctx);
}

static void damon_test_split_randomly_bounds(struct kunit *test)
{
	unsigned long starts[] = { 0 }, ends[] = { KiB(400) };
	unsigned int i;

	for (i = 0; i < 50; i++) {
		struct damon_target *t = dkt_target(test, starts, ends, 1);
		unsigned long at;

		damon_split_region_randomly(t, dkt_nth(t, 0), 2);
		KUNIT_ASSERT_EQ(test, t->nr_regions, 2U);
		at = dkt_nth(t, 0)->ar.end;
		/* Cuts fall between 10% and 90%, page aligned. */
		KUNIT_EXPECT_GE(test, at, KiB(40) - DAMON_MIN_REGION);
		KUNIT_EXPECT_LE(test, at, KiB(360));
		dkt_check_target(test, t);
		damon_destroy_target(t);
	}
}

static void damon_test_apply_min_nr_regions(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	unsigned long starts[] = { 0 }, ends[] = { KiB(4096) };
	struct damon_target *t = dkt_target(test, starts, ends, 1);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	damon_add_target(ctx, t);
	ctx->attrs.min_nr_regions = 16;
	KUNIT_EXPECT_EQ(test, damon_apply_min_nr_regions(ctx), 0);
	KUNIT_EXPECT_GE(test, t->nr_regions, 16U);
	KUNIT_EXPECT_EQ(test, dkt_covered(t), KiB(4096));
	dkt_check_target(test, t);
	damon_destroy_ctx(ctx);
}

static void damon_test_set_regions_empty(struct kunit *test)
{
	struct damon_target *t = damon_new_target();
	struct damon_addr_range ranges[] = {
		{ .start = KiB(4) + 100, .end = KiB(12) - 100 },
		{ .start = KiB(40), .end = KiB(48) },
	};

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, damon_set_regions(t, ranges, 2), 0);
	KUNIT_EXPECT_EQ(test, t->nr_regions, 2U);
	/* Ends align outwards. */
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.start, KiB(4));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.end, KiB(12));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 1)->ar.start, KiB(40));
	dkt_check_target(test, t);
	damon_destroy_target(t);
}

static void damon_test_set_regions_keep_results(struct kunit *test)
{
	unsigned long starts[] = { 0, KiB(8), KiB(20), KiB(100) };
	unsigned long ends[] = { KiB(8), KiB(16), KiB(32), KiB(108) };
	struct damon_target *t = dkt_target(test, starts, ends, 4);
	struct damon_addr_range ranges[] = {
		{ .start = KiB(4), .end = KiB(24) },
		{ .start = KiB(28), .end = KiB(40) },
	};

	dkt_nth(t, 0)->nr_accesses = 1;
	dkt_nth(t, 1)->nr_accesses = 2;
	dkt_nth(t, 2)->nr_accesses = 3;
	KUNIT_EXPECT_EQ(test, damon_set_regions(t, ranges, 2), 0);
	dkt_check_target(test, t);
	/*
	 * [4,8) from region 0, [8,16) region 1, a new [16,20), [20,24) from
	 * region 2; then [28,32) from region 2's split and a new [32,40).
	 * Region 3 met no range and is gone.
	 */
	KUNIT_ASSERT_EQ(test, t->nr_regions, 6U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.start, KiB(4));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->nr_accesses, 1U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 1)->nr_accesses, 2U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 2)->ar.start, KiB(16));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 2)->nr_accesses, 0U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 3)->ar.end, KiB(24));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 3)->nr_accesses, 3U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 4)->ar.start, KiB(28));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 4)->nr_accesses, 3U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 5)->ar.end, KiB(40));
	KUNIT_EXPECT_EQ(test, dkt_covered(t), KiB(32));
	damon_destroy_target(t);
}

/*
 * A region that reaches past the last range, or past one range into the
 * gap before the next, keeps only the part inside.
 */
static void damon_test_set_regions_shrink(struct kunit *test)
{
	unsigned long starts[] = { 0 }, ends[] = { KiB(100) };
	struct damon_target *t = dkt_target(test, starts, ends, 1);
	struct damon_addr_range one = { .start = KiB(16), .end = KiB(48) };
	struct damon_addr_range two[] = {
		{ .start = KiB(20), .end = KiB(24) },
		{ .start = KiB(60), .end = KiB(64) },
	};

	KUNIT_EXPECT_EQ(test, damon_set_regions(t, &one, 1), 0);
	dkt_check_target(test, t);
	KUNIT_ASSERT_EQ(test, t->nr_regions, 1U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.start, KiB(16));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.end, KiB(48));

	KUNIT_EXPECT_EQ(test, damon_set_regions(t, two, 2), 0);
	dkt_check_target(test, t);
	KUNIT_ASSERT_EQ(test, t->nr_regions, 2U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.start, KiB(20));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.end, KiB(24));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 1)->ar.start, KiB(60));
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 1)->ar.end, KiB(64));
	KUNIT_EXPECT_EQ(test, dkt_covered(t), KiB(8));
	damon_destroy_target(t);
}

static void damon_test_set_regions_invalid(struct kunit *test)
{
	unsigned long starts[] = { 0 }, ends[] = { KiB(8) };
	struct damon_target *t = dkt_target(test, starts, ends, 1);
	const struct damon_addr_range unsorted[] = {
		{ KiB(16), KiB(20) }, { 0, KiB(4) },
	};
	const struct damon_addr_range overlapping[] = {
		{ 0, KiB(8) }, { KiB(4), KiB(12) },
	};
	const struct damon_addr_range empty[] = { { KiB(4), KiB(4) } };
	const struct damon_addr_range inverted[] = { { KiB(8), KiB(4) } };

	KUNIT_EXPECT_EQ(test, damon_set_regions(t, unsorted, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_set_regions(t, overlapping, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_set_regions(t, empty, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_set_regions(t, inverted, 1), -EINVAL);
	/* Nothing changed. */
	KUNIT_EXPECT_EQ(test, t->nr_regions, 1U);
	KUNIT_EXPECT_EQ(test, dkt_nth(t, 0)->ar.end, KiB(8));
	damon_destroy_target(t);
}

static void damon_test_access_rate(struct kunit *test)
{
	struct damon_attrs attrs = {
		.sample_interval = 5000, .aggr_interval = 50000,
	};
	struct damon_region *r = damon_new_region(0, KiB(4));
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 10U);
	/* Previous window: 4 of 10 samples accessed; this one: all 10. */
	r->last_nr_accesses = 4;
	r->nr_accesses_bp = 4 * DAMON_BP_PER_ACCESS;
	for (i = 0; i < 10; i++)
		damon_update_region_access_rate(r, true, &attrs);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 10U);
	KUNIT_EXPECT_EQ(test, r->nr_accesses_bp, 10U * DAMON_BP_PER_ACCESS);

	/* Half way through an idle window, half the old count is left. */
	r->last_nr_accesses = 10;
	r->nr_accesses = 0;
	for (i = 0; i < 5; i++)
		damon_update_region_access_rate(r, false, &attrs);
	KUNIT_EXPECT_EQ(test, r->nr_accesses_bp, 5U * DAMON_BP_PER_ACCESS);
	for (i = 0; i < 10; i++)
		damon_update_region_access_rate(r, false, &attrs);
	KUNIT_EXPECT_EQ(test, r->nr_accesses_bp, 0U);
	kmem_cache_free(damon_region_cache, r);
}

static void damon_test_max_nr_accesses(struct kunit *test)
{
	struct damon_attrs a = { .sample_interval = 5000, .aggr_interval = 100000 };

	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&a), 20U);
	a.aggr_interval = 4999;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&a), 1U);
	/* A zero sampling interval counts as one microsecond. */
	a.sample_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&a), 4999U);
	KUNIT_EXPECT_EQ(test, damon_sample_us(&a), 1UL);
	a.sample_interval = 1;
	a.aggr_interval = ULONG_MAX;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&a), UINT_MAX);
}

static void damon_test_validate_attrs(struct kunit *test)
{
	const struct damon_attrs good = {
		.sample_interval = 5000, .aggr_interval = 100000,
		.ops_update_interval = 1000000,
		.min_nr_regions = 10, .max_nr_regions = 1000,
	};
	struct damon_attrs a;

	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&good), 0);
	/* Zero intervals are allowed, as in 6.12. */
	a = good;
	a.sample_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), 0);
	a.aggr_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), 0);
	a = good;
	a.ops_update_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), 0);
	a = good;
	a.aggr_interval = 4999;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), -EINVAL);
	a = good;
	a.min_nr_regions = 2;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), -EINVAL);
	a = good;
	a.min_nr_regions = 1001;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), -EINVAL);
	a = good;
	a.min_nr_regions = 3;
	a.max_nr_regions = 3;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), 0);
}

static void damon_test_set_attrs_rescales(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	unsigned long starts[] = { 0 }, ends[] = { KiB(4) };
	struct damon_target *t = dkt_target(test, starts, ends, 1);
	struct damon_attrs attrs;
	struct damon_region *r = dkt_nth(t, 0);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	damon_add_target(ctx, t);
	/* 5 ms / 100 ms: 20 samples a window; 10 seen is half. */
	r->last_nr_accesses = 10;
	r->age = 30;
	attrs = ctx->attrs;
	attrs.aggr_interval = 200000;	/* 40 samples, windows twice as long */
	KUNIT_EXPECT_EQ(test, damon_set_attrs(ctx, &attrs), 0);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, 20U);
	KUNIT_EXPECT_EQ(test, r->age, 15U);
	KUNIT_EXPECT_EQ(test, ctx->attrs.aggr_interval, 200000UL);

	attrs.min_nr_regions = 1;
	KUNIT_EXPECT_EQ(test, damon_set_attrs(ctx, &attrs), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.min_nr_regions, 10UL);
	damon_destroy_ctx(ctx);
}

static void damon_test_validate_intervals_goal(struct kunit *test)
{
	struct damon_attrs a = {
		.sample_interval = 5000, .aggr_interval = 100000,
		.min_nr_regions = 10, .max_nr_regions = 1000,
	};
	struct damon_intervals_goal *g = &a.intervals_goal;

	/* Off: the bounds are not looked at. */
	g->min_sample_us = 2;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), 0);
	*g = (struct damon_intervals_goal){ 400, 3, 5000, 10000000 };
	KUNIT_EXPECT_TRUE(test, damon_intervals_tuning(&a));
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), 0);
	g->max_sample_us = 4999;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), -EINVAL);
	g->max_sample_us = 0;
	g->min_sample_us = 0;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), -EINVAL);
	*g = (struct damon_intervals_goal){ 10001, 3, 5000, 10000000 };
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), -EINVAL);
	g->access_bp = 10000;
	KUNIT_EXPECT_EQ(test, damon_validate_attrs(&a), 0);
	g->aggrs = 0;
	KUNIT_EXPECT_FALSE(test, damon_intervals_tuning(&a));
}

static void damon_test_tuned_sample_us(struct kunit *test)
{
	const struct damon_intervals_goal g = { 400, 3, 5000, 10000000 };
	const struct damon_intervals_goal day = {
		400, 1, 1, 86400UL * USEC_PER_SEC };

	/* Nothing seen: double. */
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(10000, 0, &g), 20000UL);
	/* Far below the goal: at most double. */
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(10000, 1, &g), 20000UL);
	/* Near it: a small step each way. */
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(10000, 380, &g), 10526UL);
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(10000, 400, &g), 10000UL);
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(10000, 420, &g), 9523UL);
	/* Far above: at most halve. */
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(10000, 10000, &g), 5000UL);
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(10000, 1000, &g), 5000UL);
	/* The bounds hold. */
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(6000, 10000, &g), 5000UL);
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(8000000, 0, &g),
			10000000UL);
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(1, 400, &g), 5000UL);
	/* A zero interval counts as 1 us. */
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(0, 0, &day), 2UL);
	/* Day-long and longer intervals do not overflow. */
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(86400UL * USEC_PER_SEC / 2,
						    0, &day),
			86400UL * USEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, damon_tuned_sample_us(86400UL * USEC_PER_SEC,
						    10000, &day),
			43200UL * USEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, damon_scale_us(ULONG_MAX, 20000), ULONG_MAX);
	KUNIT_EXPECT_EQ(test, damon_scale_us(ULONG_MAX, 5000),
			ULONG_MAX / 10000 * 5000);
}

/* A context of one target of @sz bytes seeing @nr accesses in a window. */
static struct damon_ctx *dkt_tuning_ctx(struct kunit *test, unsigned long sz,
					unsigned int nr)
{
	struct damon_ctx *ctx = damon_new_ctx();
	unsigned long starts[] = { 0, sz / 2 }, ends[] = { sz / 2, sz };
	struct damon_target *t = dkt_target(test, starts, ends, 2);
	struct damon_attrs attrs;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	damon_add_target(ctx, t);
	attrs = ctx->attrs;
	attrs.intervals_goal = (struct damon_intervals_goal){
		400, 2, 1000, 10000000 };
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &attrs), 0);
	dkt_nth(t, 0)->nr_accesses = nr;
	dkt_nth(t, 1)->nr_accesses = 0;
	return ctx;
}

static void damon_test_tune_intervals(struct kunit *test)
{
	/* 20 samples a window; half the memory seen in 2 of them: 5%. */
	struct damon_ctx *ctx = dkt_tuning_ctx(test, KiB(8), 2);

	KUNIT_EXPECT_EQ(test, damon_observed_access_bp(ctx), 500UL);
	kdamond_tune_intervals(ctx);
	/* One aggregation of the two of a step: nothing moves yet. */
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 5000UL);
	kdamond_tune_intervals(ctx);
	/* 5% seen, 4% wanted: 4/5 of the interval, 20 samples kept. */
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 4000UL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.aggr_interval, 80000UL);
	KUNIT_EXPECT_EQ(test, ctx->tune_aggrs, 0UL);
	/* What the user set is remembered. */
	KUNIT_EXPECT_EQ(test, ctx->user_sample_interval, 5000UL);
	damon_destroy_ctx(ctx);

	/* Nothing seen: the intervals double, up to the bound. */
	ctx = dkt_tuning_ctx(test, KiB(8), 0);
	kdamond_tune_intervals(ctx);
	kdamond_tune_intervals(ctx);
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 10000UL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.aggr_interval, 200000UL);
	damon_destroy_ctx(ctx);

	/* Terabytes of memory seen every sample: no overflow, halved. */
	ctx = dkt_tuning_ctx(test, 1UL << 42, 20);
	KUNIT_EXPECT_EQ(test, damon_observed_access_bp(ctx), 5000UL);
	kdamond_tune_intervals(ctx);
	kdamond_tune_intervals(ctx);
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 2500UL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.aggr_interval, 50000UL);
	damon_destroy_ctx(ctx);
}

static void damon_test_tune_keeps_update_time(struct kunit *test)
{
	struct damon_ctx *ctx = dkt_tuning_ctx(test, KiB(8), 0);

	/* 1 s update interval: 200 samples of 5 ms; 150 have passed. */
	ctx->passed_sample_intervals = 150;
	ctx->next_ops_update_sis = 200;
	kdamond_tune_intervals(ctx);
	kdamond_tune_intervals(ctx);
	/* 250 ms were left: 25 samples of the new 10 ms. */
	KUNIT_EXPECT_EQ(test, ctx->next_ops_update_sis, 175UL);
	damon_destroy_ctx(ctx);
}

static void damon_test_tune_scheme_ages(struct kunit *test)
{
	struct damon_ctx *ctx = dkt_tuning_ctx(test, KiB(8), 0);
	struct damos *s = damos_new(DAMOS_STAT);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->pattern.min_age = 10;	/* 1 s of 100 ms aggregations */
	s->pattern.max_age = UINT_MAX;
	damon_add_scheme(ctx, s);
	kdamond_tune_intervals(ctx);
	kdamond_tune_intervals(ctx);
	KUNIT_ASSERT_EQ(test, ctx->attrs.aggr_interval, 200000UL);
	KUNIT_EXPECT_EQ(test, s->pattern.min_age, 5U);
	KUNIT_EXPECT_EQ(test, s->pattern.max_age, UINT_MAX);
	/* From the given bound, rounded up: 2.5 aggregations of 400 ms. */
	kdamond_tune_intervals(ctx);
	kdamond_tune_intervals(ctx);
	KUNIT_ASSERT_EQ(test, ctx->attrs.aggr_interval, 400000UL);
	KUNIT_EXPECT_EQ(test, s->pattern.min_age, 3U);
	/* A commit gives new bounds in its own (100 ms) aggregations. */
	s->pattern.min_age = 20;
	s->age_aggr_us = 0;
	damos_set_ages(ctx, 100000, ctx->attrs.aggr_interval);
	KUNIT_EXPECT_EQ(test, s->pattern.min_age, 5U);
	KUNIT_EXPECT_EQ(test, s->given_min_age, 20U);
	/* No overflow with huge intervals. */
	KUNIT_EXPECT_EQ(test, damon_rescale_age(UINT_MAX - 1, ULONG_MAX, 1),
			UINT_MAX);
	KUNIT_EXPECT_EQ(test, damon_rescale_age(3, 1, ULONG_MAX), 1U);
	KUNIT_EXPECT_EQ(test, damon_mul_div_sat(U64_MAX, U64_MAX, 1), U64_MAX);
	KUNIT_EXPECT_EQ(test, damon_mul_div_sat(U64_MAX, 2, 2), U64_MAX);
	KUNIT_EXPECT_EQ(test, damon_mul_div_sat(U64_MAX, 2, 4), U64_MAX / 2);
	KUNIT_EXPECT_EQ(test, damon_mul_div_sat(5, 7, 0), U64_MAX);
	damon_destroy_ctx(ctx);
}

static void damon_test_commit_keeps_tuned(struct kunit *test)
{
	struct damon_ctx *ctx = dkt_tuning_ctx(test, KiB(8), 0);
	struct damon_ctx *src = damon_new_ctx();

	KUNIT_ASSERT_NOT_NULL(test, src);
	kdamond_tune_intervals(ctx);
	kdamond_tune_intervals(ctx);
	KUNIT_ASSERT_EQ(test, ctx->attrs.sample_interval, 10000UL);

	/* The same goal and the user's intervals: the tuned ones stay. */
	src->attrs = ctx->attrs;
	src->attrs.sample_interval = 5000;
	src->attrs.aggr_interval = 100000;
	src->attrs.max_nr_regions = 500;
	KUNIT_EXPECT_EQ(test, damon_commit_attrs(ctx, src), 0);
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 10000UL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.max_nr_regions, 500UL);
	/* The tuned intervals, as update_tuned_intervals shows them. */
	src->attrs.sample_interval = 10000;
	src->attrs.aggr_interval = 200000;
	KUNIT_EXPECT_EQ(test, damon_commit_attrs(ctx, src), 0);
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 10000UL);
	KUNIT_EXPECT_EQ(test, ctx->user_sample_interval, 5000UL);
	/* Other intervals: the tuning starts again from them. */
	src->attrs.sample_interval = 7000;
	src->attrs.aggr_interval = 70000;
	KUNIT_EXPECT_EQ(test, damon_commit_attrs(ctx, src), 0);
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 7000UL);
	KUNIT_EXPECT_EQ(test, ctx->user_sample_interval, 7000UL);
	/* Another goal: likewise. */
	kdamond_tune_intervals(ctx);
	kdamond_tune_intervals(ctx);
	KUNIT_ASSERT_EQ(test, ctx->attrs.sample_interval, 14000UL);
	src->attrs.intervals_goal.access_bp = 500;
	KUNIT_EXPECT_EQ(test, damon_commit_attrs(ctx, src), 0);
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 7000UL);
	damon_destroy_ctx(src);
	damon_destroy_ctx(ctx);
}

static void damon_test_reset_aggregated(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	unsigned long starts[] = { 0 }, ends[] = { KiB(4) };
	struct damon_target *t = dkt_target(test, starts, ends, 1);
	struct damon_region *r = dkt_nth(t, 0);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	damon_add_target(ctx, t);
	r->nr_accesses = 6;
	r->nr_accesses_bp = 59999;
	damon_reset_aggregated(ctx);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, 6U);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 0U);
	KUNIT_EXPECT_EQ(test, r->nr_accesses_bp, 6U * DAMON_BP_PER_ACCESS);
	damon_destroy_ctx(ctx);
}

static void damon_test_ops_registry(struct kunit *test)
{
	struct damon_operations bad = { .id = NR_DAMON_OPS };
	struct damon_ctx *ctx = damon_new_ctx();
	enum damon_ops_id id;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_EXPECT_EQ(test, damon_register_ops(&bad), -EINVAL);
	/* Mandatory callbacks missing. */
	bad.id = DAMON_OPS_PADDR;
	KUNIT_EXPECT_EQ(test, damon_register_ops(&bad), -EINVAL);
	KUNIT_EXPECT_FALSE(test, damon_is_registered_ops(NR_DAMON_OPS));
	KUNIT_EXPECT_EQ(test, damon_select_ops(ctx, NR_DAMON_OPS), -EINVAL);
	for (id = 0; id < NR_DAMON_OPS; id++) {
		int err = damon_select_ops(ctx, id);

		if (damon_is_registered_ops(id)) {
			KUNIT_EXPECT_EQ(test, err, 0);
			KUNIT_EXPECT_EQ(test, ctx->ops.id, id);
		} else {
			KUNIT_EXPECT_EQ(test, err, -EINVAL);
		}
	}
	damon_destroy_ctx(ctx);
}

/* A fake operations set: every sample of every region sees an access. */
static atomic_t dkt_prepared, dkt_checked;
static bool dkt_target_alive;

static void dkt_prepare(struct damon_ctx *ctx)
{
	atomic_inc(&dkt_prepared);
}

static unsigned int dkt_check(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	unsigned int max = 0;

	atomic_inc(&dkt_checked);
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			damon_update_region_access_rate(r, true, &ctx->attrs);
			max = max(max, r->nr_accesses);
		}
	}
	return max;
}

static bool dkt_valid(struct damon_target *t)
{
	return READ_ONCE(dkt_target_alive);
}

struct dkt_snapshot {
	unsigned int nr_regions;
	unsigned int min_last_nr_accesses;
	unsigned long covered;
};

static int dkt_snapshot_fn(struct damon_ctx *ctx, void *data)
{
	struct dkt_snapshot *s = data;
	struct damon_target *t;
	struct damon_region *r;

	s->nr_regions = 0;
	s->covered = 0;
	s->min_last_nr_accesses = UINT_MAX;
	damon_for_each_target(t, ctx) {
		s->nr_regions += t->nr_regions;
		damon_for_each_region(r, t) {
			s->covered += damon_sz_region(r);
			s->min_last_nr_accesses = min(s->min_last_nr_accesses,
						      r->last_nr_accesses);
		}
	}
	return 42;
}

static struct damon_ctx *dkt_running_ctx(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_target *t;
	struct damon_addr_range range = { 0, KiB(4096) };

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->ops = (struct damon_operations) {
		.id = DAMON_OPS_PADDR,
		.prepare_sample = dkt_prepare,
		.check_sample = dkt_check,
		.target_alive = dkt_valid,
	};
	ctx->attrs.sample_interval = 1000;
	ctx->attrs.aggr_interval = 10000;
	t = damon_new_target();
	KUNIT_ASSERT_NOT_NULL(test, t);
	damon_add_target(ctx, t);
	KUNIT_ASSERT_EQ(test, damon_set_regions(t, &range, 1), 0);
	return ctx;
}

static void damon_test_kdamond_runs(struct kunit *test)
{
	struct damon_ctx *ctx = dkt_running_ctx(test);
	struct dkt_snapshot snap;
	struct damon_call_control call = {
		.fn = dkt_snapshot_fn, .data = &snap,
	};

	WRITE_ONCE(dkt_target_alive, true);
	atomic_set(&dkt_checked, 0);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	KUNIT_EXPECT_TRUE(test, damon_is_running(ctx));
	KUNIT_EXPECT_GT(test, damon_kdamond_pid(ctx), 0);
	/* A second start of the same context is refused. */
	KUNIT_EXPECT_EQ(test, damon_start(&ctx, 1, false), -EBUSY);

	/* Long enough for several aggregations even on a slow machine. */
	msleep(300);
	KUNIT_EXPECT_EQ(test, damon_call(ctx, &call), 0);
	KUNIT_EXPECT_EQ(test, call.ret, 42);
	KUNIT_EXPECT_GT(test, atomic_read(&dkt_checked), 10);
	/* Every sample saw an access: full windows everywhere. */
	KUNIT_EXPECT_EQ(test, snap.min_last_nr_accesses, 10U);
	KUNIT_EXPECT_GE(test, snap.nr_regions, 10U);
	KUNIT_EXPECT_LE(test, snap.nr_regions, 1000U);
	KUNIT_EXPECT_EQ(test, snap.covered, KiB(4096));

	KUNIT_EXPECT_EQ(test, damon_stop(&ctx, 1), 0);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctx));
	KUNIT_EXPECT_EQ(test, damon_kdamond_pid(ctx), -1);
	KUNIT_EXPECT_EQ(test, damon_stop(&ctx, 1), -EPERM);
	KUNIT_EXPECT_EQ(test, damon_call(ctx, &call), -EINVAL);
	damon_destroy_ctx(ctx);
}

static void damon_test_kdamond_self_stop(struct kunit *test)
{
	struct damon_ctx *ctx = dkt_running_ctx(test);
	int i;

	WRITE_ONCE(dkt_target_alive, true);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	msleep(20);
	/* The only target goes away: the kdamond ends by itself. */
	WRITE_ONCE(dkt_target_alive, false);
	for (i = 0; i < 50 && damon_is_running(ctx); i++)
		msleep(20);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctx));
	damon_destroy_ctx(ctx);
}

static void damon_test_start_stop_quickly(struct kunit *test)
{
	struct damon_ctx *ctx = dkt_running_ctx(test);
	int i;

	WRITE_ONCE(dkt_target_alive, true);
	/* Stop right after start, before the kdamond may have run at all. */
	for (i = 0; i < 20; i++) {
		KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
		KUNIT_ASSERT_EQ(test, damon_stop(&ctx, 1), 0);
		KUNIT_ASSERT_FALSE(test, damon_is_running(ctx));
	}
	damon_destroy_ctx(ctx);
}

static void damon_test_start_exclusive(struct kunit *test)
{
	struct damon_ctx *a = dkt_running_ctx(test);
	struct damon_ctx *b = dkt_running_ctx(test);

	WRITE_ONCE(dkt_target_alive, true);
	KUNIT_ASSERT_EQ(test, damon_start(&a, 1, true), 0);
	KUNIT_EXPECT_EQ(test, damon_start(&b, 1, false), -EBUSY);
	KUNIT_EXPECT_EQ(test, damon_stop(&a, 1), 0);
	KUNIT_ASSERT_EQ(test, damon_start(&b, 1, false), 0);
	KUNIT_EXPECT_EQ(test, damon_start(&a, 1, true), -EBUSY);
	KUNIT_EXPECT_EQ(test, damon_stop(&b, 1), 0);
	damon_destroy_ctx(a);
	damon_destroy_ctx(b);
}

static int dkt_count_fn(struct damon_ctx *ctx, void *data)
{
	atomic_inc(data);
	return 0;
}

static void damon_test_repeat_call(struct kunit *test)
{
	struct damon_ctx *ctx = dkt_running_ctx(test);
	atomic_t count = ATOMIC_INIT(0);
	struct damon_call_control call = {
		.fn = dkt_count_fn, .data = &count, .repeat = true,
	};
	int seen;

	WRITE_ONCE(dkt_target_alive, true);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	/* Queued, not waited for; then called between samples. */
	KUNIT_EXPECT_EQ(test, damon_call(ctx, &call), 0);
	msleep(100);
	seen = atomic_read(&count);
	KUNIT_EXPECT_GT(test, seen, 2);
	msleep(100);
	KUNIT_EXPECT_GT(test, atomic_read(&count), seen);
	/* The kdamond's end completes it. */
	KUNIT_EXPECT_EQ(test, damon_stop(&ctx, 1), 0);
	KUNIT_EXPECT_TRUE(test, completion_done(&call.done));
	KUNIT_EXPECT_EQ(test, call.ret, -ECANCELED);
	seen = atomic_read(&count);
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&count), seen);
	damon_destroy_ctx(ctx);
}

static void damon_test_start_invalid(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	/* No operations set. */
	KUNIT_EXPECT_EQ(test, damon_start(&ctx, 1, false), -EINVAL);
	damon_destroy_ctx(ctx);
	ctx = dkt_running_ctx(test);
	ctx->attrs.min_nr_regions = 0;
	KUNIT_EXPECT_EQ(test, damon_start(&ctx, 1, false), -EINVAL);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctx));
	damon_destroy_ctx(ctx);
}

static struct kunit_case damon_test_cases[] = {
	KUNIT_CASE(damon_test_regions_add_insert_destroy),
	KUNIT_CASE(damon_test_split_region_at),
	KUNIT_CASE(damon_test_merge_two),
	KUNIT_CASE(damon_test_merge_target),
	KUNIT_CASE(damon_test_merge_size_limit),
	KUNIT_CASE(damon_test_merge_regions_to_max),
	KUNIT_CASE(damon_test_age_regions),
	KUNIT_CASE(damon_test_split_regions),
	KUNIT_CASE(damon_test_split_regions_in_three),
	KUNIT_CASE(damon_test_split_randomly_bounds),
	KUNIT_CASE(damon_test_apply_min_nr_regions),
	KUNIT_CASE(damon_test_set_regions_empty),
	KUNIT_CASE(damon_test_set_regions_keep_results),
	KUNIT_CASE(damon_test_set_regions_shrink),
	KUNIT_CASE(damon_test_set_regions_invalid),
	KUNIT_CASE(damon_test_access_rate),
	KUNIT_CASE(damon_test_max_nr_accesses),
	KUNIT_CASE(damon_test_validate_attrs),
	KUNIT_CASE(damon_test_set_attrs_rescales),
	KUNIT_CASE(damon_test_validate_intervals_goal),
	KUNIT_CASE(damon_test_tuned_sample_us),
	KUNIT_CASE(damon_test_tune_intervals),
	KUNIT_CASE(damon_test_tune_keeps_update_time),
	KUNIT_CASE(damon_test_tune_scheme_ages),
	KUNIT_CASE(damon_test_commit_keeps_tuned),
	KUNIT_CASE(damon_test_reset_aggregated),
	KUNIT_CASE(damon_test_ops_registry),
	KUNIT_CASE(damon_test_kdamond_runs),
	KUNIT_CASE(damon_test_repeat_call),
	KUNIT_CASE(damon_test_kdamond_self_stop),
	KUNIT_CASE(damon_test_start_stop_quickly),
	KUNIT_CASE(damon_test_start_exclusive),
	KUNIT_CASE(damon_test_start_invalid),
	{}
};

static struct kunit_suite damon_test_suite = {
	.name = "damon",
	.test_cases = damon_test_cases,
};

kunit_test_suite(damon_test_suite);

#endif /* _DAMON_CORE_KUNIT_H */
