/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of DAMON_STAT, suite "damon_stat".  Included at the end of
 * stat.c.
 */

#ifndef _DAMON_STAT_KUNIT_H
#define _DAMON_STAT_KUNIT_H

#include <kunit/test.h>
#include <linux/sizes.h>

/* Add [start, end) with @nr accesses in the last aggregation and @age. */
static void dst_region(struct kunit *test, struct damon_target *t,
		       unsigned long start, unsigned long end,
		       unsigned int nr, unsigned int age)
{
	struct damon_region *r = damon_new_region(start, end);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->last_nr_accesses = nr;
	r->age = age;
	damon_add_region(r, t);
}

static void damon_stat_test_compute(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_stat_result *res;
	struct damon_target *t;
	int p;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	res = kunit_kzalloc(test, sizeof(*res), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, res);
	/* No region: no result. */
	KUNIT_EXPECT_EQ(test, damon_stat_compute(ctx, res), -ENODATA);
	t = damon_new_target();
	KUNIT_ASSERT_NOT_NULL(test, t);
	damon_add_target(ctx, t);
	/* 100 ms aggregations of 20 samples (the defaults). */
	dst_region(test, t, 0, SZ_4K, 5, 2);		/* busy: -300 ms */
	dst_region(test, t, SZ_4K, SZ_8K, 0, 0);	/* just idle: 0 ms */
	dst_region(test, t, SZ_8K, SZ_16K, 0, 10);	/* idle 1 s */
	KUNIT_ASSERT_EQ(test, damon_stat_compute(ctx, res), 0);
	/* 4 KiB seen in 5 samples of 100 ms: 200 KiB/s. */
	KUNIT_EXPECT_EQ(test, res->bandwidth, 5UL * SZ_4K * 10);
	KUNIT_EXPECT_EQ(test, res->aggr_us, 100000UL);
	/* Sorted by idle time, weighted by size: the byte at p%. */
	for (p = 0; p < 25; p++)
		KUNIT_EXPECT_EQ(test, res->idle_ms[p], -300L);
	for (p = 25; p < 50; p++)
		KUNIT_EXPECT_EQ(test, res->idle_ms[p], 0L);
	for (p = 50; p <= 100; p++)
		KUNIT_EXPECT_EQ(test, res->idle_ms[p], 1000L);
	/* Busy memory is negative even at age 0. */
	dst_region(test, t, SZ_16K, SZ_16K + SZ_4K, 1, 0);
	KUNIT_ASSERT_EQ(test, damon_stat_compute(ctx, res), 0);
	KUNIT_EXPECT_EQ(test, res->idle_ms[0], -300L);
	KUNIT_EXPECT_EQ(test, res->idle_ms[20], -100L);
	damon_destroy_ctx(ctx);
}

static void damon_stat_test_huge(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_stat_result *res;
	struct damon_target *t;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	res = kunit_kzalloc(test, sizeof(*res), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, res);
	t = damon_new_target();
	KUNIT_ASSERT_NOT_NULL(test, t);
	damon_add_target(ctx, t);
	/* Terabytes, every sample, the oldest age, day-long aggregations. */
	dst_region(test, t, 0, 1UL << 42, 20, UINT_MAX);
	dst_region(test, t, 1UL << 42, 1UL << 43, 0, UINT_MAX);
	ctx->attrs.sample_interval = 4320UL * USEC_PER_SEC;
	ctx->attrs.aggr_interval = 86400UL * USEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, damon_stat_compute(ctx, res), 0);
	KUNIT_EXPECT_GT(test, res->bandwidth, 0UL);
	KUNIT_EXPECT_LT(test, res->idle_ms[0], 0L);
	KUNIT_EXPECT_GT(test, res->idle_ms[100], 0L);
	/* One microsecond aggregations: saturated, not a divide error. */
	ctx->attrs.sample_interval = 1;
	ctx->attrs.aggr_interval = 1;
	KUNIT_ASSERT_EQ(test, damon_stat_compute(ctx, res), 0);
	KUNIT_EXPECT_EQ(test, res->bandwidth, ULONG_MAX);
	damon_destroy_ctx(ctx);
}

static struct kunit_case damon_stat_test_cases[] = {
	KUNIT_CASE(damon_stat_test_compute),
	KUNIT_CASE(damon_stat_test_huge),
	{}
};

static struct kunit_suite damon_stat_test_suite = {
	.name = "damon_stat",
	.test_cases = damon_stat_test_cases,
};

kunit_test_suite(damon_stat_test_suite);

#endif /* _DAMON_STAT_KUNIT_H */
