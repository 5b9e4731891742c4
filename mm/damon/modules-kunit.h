/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of what the special-purpose DAMON modules share, suite
 * "damon_modules".  Included at the end of modules-common.c.
 */

#ifndef _DAMON_MODULES_KUNIT_H
#define _DAMON_MODULES_KUNIT_H

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/sizes.h>

/* The parameters of the modules, as they are by default. */
static const struct damon_modules_params dmt_defaults = {
	.sample_interval = 5000,
	.aggr_interval = 100000,
	.min_nr_regions = 10,
	.max_nr_regions = 1000,
	.quota_ms = 10,
	.quota_sz = SZ_128M,
	.quota_reset_interval_ms = 1000,
	.wmarks_interval = 5000000,
	.wmarks_high = 500,
	.wmarks_mid = 400,
	.wmarks_low = 200,
};

static struct damon_region *dmt_only_region(struct kunit *test,
					    struct damon_ctx *ctx)
{
	struct damon_target *t;

	KUNIT_ASSERT_EQ(test, damon_nr_targets(ctx), 1U);
	t = list_first_entry(&ctx->targets, struct damon_target, list);
	KUNIT_ASSERT_EQ(test, t->nr_regions, 1U);
	return list_first_entry(&t->regions, struct damon_region, list);
}

static void damon_modules_test_new_ctx(struct kunit *test)
{
	struct damon_modules_params p = dmt_defaults;
	struct damon_addr_range ram;
	struct damon_region *r;
	struct damon_ctx *ctx;

	/* 0 and 0: the biggest System RAM resource, written back. */
	KUNIT_ASSERT_EQ(test, damon_modules_region(&p, &ram), 0);
	KUNIT_EXPECT_GE(test, (ram.end - ram.start) >> PAGE_SHIFT,
			totalram_pages() / 2);
	KUNIT_EXPECT_EQ(test, p.region_start, ram.start);
	KUNIT_EXPECT_EQ(test, p.region_end, ram.end);
	p.region_start = 0;
	p.region_end = 0;
	ctx = damon_modules_new_ctx(&p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, p.region_start, ram.start);
	KUNIT_EXPECT_EQ(test, p.region_end, ram.end);
	KUNIT_EXPECT_EQ(test, ctx->ops.id, DAMON_OPS_PADDR);
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 5000UL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.aggr_interval, 100000UL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.min_nr_regions, 10UL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.max_nr_regions, 1000UL);
	KUNIT_EXPECT_GT(test, ctx->attrs.ops_update_interval, 0UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->schemes));
	r = dmt_only_region(test, ctx);
	KUNIT_EXPECT_EQ(test, r->ar.start, ALIGN_DOWN(ram.start, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, r->ar.end, ALIGN(ram.end, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, damon_modules_us_to_aggrs(ctx, 120000000), 1200U);
	KUNIT_EXPECT_EQ(test, damon_modules_us_to_aggrs(ctx, 99999), 0U);
	KUNIT_EXPECT_EQ(test, damon_modules_us_to_aggrs(ctx, ULONG_MAX),
			UINT_MAX);
	KUNIT_EXPECT_FALSE(test, damon_intervals_tuning(&ctx->attrs));
	damon_destroy_ctx(ctx);

	/* Auto-tuned intervals: the modules' goal, from the parameters. */
	p.autotune_intervals = true;
	ctx = damon_modules_new_ctx(&p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_TRUE(test, damon_intervals_tuning(&ctx->attrs));
	KUNIT_EXPECT_EQ(test, ctx->attrs.intervals_goal.access_bp, 400UL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.intervals_goal.min_sample_us, 5000UL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.intervals_goal.max_sample_us,
			10000000UL);
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 5000UL);
	damon_destroy_ctx(ctx);
	p.autotune_intervals = false;

	/* A given range, page aligned outwards. */
	p.region_start = SZ_16M + 1;
	p.region_end = SZ_32M - 1;
	ctx = damon_modules_new_ctx(&p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	r = dmt_only_region(test, ctx);
	KUNIT_EXPECT_EQ(test, r->ar.start, (unsigned long)SZ_16M);
	KUNIT_EXPECT_EQ(test, r->ar.end, (unsigned long)SZ_32M);
	damon_destroy_ctx(ctx);
}

static void damon_modules_test_bad_params(struct kunit *test)
{
	struct damon_modules_params bad[] = {
		dmt_defaults, dmt_defaults, dmt_defaults, dmt_defaults,
		dmt_defaults, dmt_defaults, dmt_defaults, dmt_defaults,
	};
	struct damon_ctx *ctx;
	int i;

	bad[0].wmarks_low = bad[0].wmarks_mid + 1;
	bad[1].aggr_interval = 0;
	bad[2].aggr_interval = bad[2].sample_interval - 1;
	bad[3].min_nr_regions = 2;
	bad[4].max_nr_regions = bad[4].min_nr_regions - 1;
	bad[5].region_start = SZ_32M;
	bad[5].region_end = SZ_16M;
	bad[6].region_start = SZ_16M;
	bad[6].region_end = SZ_16M;
	bad[7].region_end = 0;
	bad[7].region_start = SZ_16M;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ctx = damon_modules_new_ctx(&bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(ctx), -EINVAL,
				    "case %d", i);
		if (!IS_ERR(ctx))
			damon_destroy_ctx(ctx);
	}
}

static void damon_modules_test_new_scheme(struct kunit *test)
{
	struct damos_pattern pattern = {
		.min_sz = PAGE_SIZE, .max_sz = ULONG_MAX,
		.min_age = 7, .max_age = UINT_MAX,
	};
	struct damon_modules_params p = dmt_defaults;
	struct damon_ctx *ctx = damon_modules_new_ctx(&p);
	struct damos *s;

	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	s = damon_modules_new_scheme(ctx, &dmt_defaults, DAMOS_PAGEOUT,
				     &pattern);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&ctx->schemes, struct damos,
						   list), s);
	KUNIT_EXPECT_EQ(test, s->action, DAMOS_PAGEOUT);
	KUNIT_EXPECT_EQ(test, s->pattern.min_age, 7U);
	KUNIT_EXPECT_EQ(test, s->pattern.max_sz, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, s->quota.ms, 10UL);
	KUNIT_EXPECT_EQ(test, s->quota.sz, (unsigned long)SZ_128M);
	KUNIT_EXPECT_EQ(test, s->quota.reset_interval, 1000UL);
	KUNIT_EXPECT_EQ(test, s->wmarks.metric, DAMOS_WMARK_FREE_MEM_RATE);
	KUNIT_EXPECT_EQ(test, s->wmarks.interval, 5000000UL);
	KUNIT_EXPECT_EQ(test, s->wmarks.high, 500UL);
	KUNIT_EXPECT_EQ(test, s->wmarks.mid, 400UL);
	KUNIT_EXPECT_EQ(test, s->wmarks.low, 200UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&s->filters));
	KUNIT_EXPECT_TRUE(test, list_empty(&s->quota.goals));
	damon_destroy_ctx(ctx);
}

/* ---- a module of our own, driven through its parameter operations ------ */

/* Protected by the parameter lock, as a module's parameters are. */
static struct damon_modules_params dmt_params;

/* A small range of RAM with a stat scheme that every region matches. */
static struct damon_ctx *dmt_build_ctx(void)
{
	struct damos_pattern all = {
		.max_sz = ULONG_MAX,
		.max_nr_accesses = UINT_MAX,
		.max_age = UINT_MAX,
	};
	struct damon_ctx *ctx = damon_modules_new_ctx(&dmt_params);
	struct damos *s;

	if (IS_ERR(ctx))
		return ctx;
	s = damon_modules_new_scheme(ctx, &dmt_params, DAMOS_STAT, &all);
	if (!s) {
		damon_destroy_ctx(ctx);
		return ERR_PTR(-ENOMEM);
	}
	s->wmarks.metric = DAMOS_WMARK_NONE;
	return ctx;
}

static struct damon_module dmt_module =
	DAMON_MODULE_INIT(dmt_module, dmt_build_ctx);

static int dmt_set(const struct kernel_param_ops *ops, void *arg,
		   const char *val)
{
	struct kernel_param kp = { .name = "damon_modules_kunit.param",
				   .arg = arg };
	int err;

	kernel_param_lock(THIS_MODULE);
	err = ops->set(val, &kp);
	kernel_param_unlock(THIS_MODULE);
	return err;
}

static long dmt_get(struct kunit *test, const struct kernel_param_ops *ops,
		    void *arg)
{
	struct kernel_param kp = { .arg = arg };
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	long val;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	kernel_param_lock(THIS_MODULE);
	KUNIT_EXPECT_GT(test, ops->get(buf, &kp), 0);
	kernel_param_unlock(THIS_MODULE);
	if (buf[0] == 'Y' || buf[0] == 'N')
		return buf[0] == 'Y';
	KUNIT_EXPECT_EQ(test, kstrtol(buf, 0, &val), 0);
	return val;
}

static void damon_modules_test_control(struct kunit *test)
{
	struct damon_modules_stat nr_tried = {
		.mod = &dmt_module, .item = DAMON_MODULES_NR_TRIED,
	};
	const struct kernel_param_ops *on = &damon_modules_enabled_ops;
	const struct kernel_param_ops *commit = &damon_modules_commit_ops;
	const struct kernel_param_ops *pid = &damon_modules_pid_ops;
	const struct kernel_param_ops *stat = &damon_modules_stat_ops;
	struct damon_addr_range ram;
	long tried, kdamond;
	int i, err;

	kernel_param_lock(THIS_MODULE);
	dmt_params = dmt_defaults;
	dmt_params.sample_interval = 1000;
	dmt_params.aggr_interval = 10000;
	KUNIT_ASSERT_EQ(test, damon_modules_region(&dmt_params, &ram), 0);
	dmt_params.region_start = ram.start;
	dmt_params.region_end = ram.start + SZ_16M;
	kernel_param_unlock(THIS_MODULE);

	/* Before init, "enabled" only records the wish. */
	KUNIT_EXPECT_EQ(test, dmt_set(on, &dmt_module, "Y"), 0);
	KUNIT_EXPECT_EQ(test, dmt_get(test, on, &dmt_module), 1);
	KUNIT_EXPECT_EQ(test, dmt_get(test, pid, &dmt_module), -1);
	/* Read-only ones refuse a value (from the command line) cleanly. */
	KUNIT_EXPECT_EQ(test, dmt_set(pid, &dmt_module, "1"), -EPERM);
	KUNIT_EXPECT_EQ(test, dmt_set(pid, &dmt_module, NULL), -EPERM);
	KUNIT_EXPECT_EQ(test, dmt_set(stat, &nr_tried, "1"), -EPERM);
	KUNIT_EXPECT_EQ(test, dmt_get(test, pid, &dmt_module), -1);
	KUNIT_EXPECT_EQ(test, dmt_get(test, stat, &nr_tried), 0);
	KUNIT_EXPECT_EQ(test, dmt_set(commit, &dmt_module, "Y"), 0);
	KUNIT_EXPECT_EQ(test, dmt_get(test, stat, &nr_tried), 0);
	KUNIT_EXPECT_EQ(test, dmt_set(on, &dmt_module, "maybe"), -EINVAL);

	err = damon_modules_init(&dmt_module);
	if (err == -EBUSY) {
		/* A kdamond started at boot runs: nothing more to see. */
		KUNIT_EXPECT_EQ(test, dmt_get(test, on, &dmt_module), 0);
		return;
	}
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, dmt_get(test, on, &dmt_module), 1);
	kdamond = dmt_get(test, pid, &dmt_module);
	KUNIT_EXPECT_GT(test, kdamond, 0);
	/* Y again is no restart. */
	KUNIT_EXPECT_EQ(test, dmt_set(on, &dmt_module, "1"), 0);
	KUNIT_EXPECT_EQ(test, dmt_get(test, pid, &dmt_module), kdamond);

	/* Statistics are read from the running kdamond. */
	for (i = 0; i < 100; i++) {
		tried = dmt_get(test, stat, &nr_tried);
		if (tried > 0)
			break;
		msleep(20);
	}
	KUNIT_EXPECT_GT(test, tried, 0);

	/* A bad value fails the commit and leaves the kdamond as it was. */
	kernel_param_lock(THIS_MODULE);
	dmt_params.min_nr_regions = 2;
	kernel_param_unlock(THIS_MODULE);
	KUNIT_EXPECT_EQ(test, dmt_set(commit, &dmt_module, "Y"), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmt_get(test, pid, &dmt_module), kdamond);
	kernel_param_lock(THIS_MODULE);
	dmt_params.min_nr_regions = 10;
	dmt_params.aggr_interval = 20000;
	kernel_param_unlock(THIS_MODULE);
	KUNIT_EXPECT_EQ(test, dmt_set(commit, &dmt_module, "Y"), 0);
	KUNIT_EXPECT_EQ(test, dmt_get(test, commit, &dmt_module), 0);
	KUNIT_EXPECT_EQ(test, dmt_get(test, pid, &dmt_module), kdamond);
	/* A commit keeps the statistics. */
	KUNIT_EXPECT_GE(test, dmt_get(test, stat, &nr_tried), tried);

	/* Off: the statistics stay readable. */
	KUNIT_EXPECT_EQ(test, dmt_set(on, &dmt_module, "N"), 0);
	KUNIT_EXPECT_EQ(test, dmt_get(test, on, &dmt_module), 0);
	KUNIT_EXPECT_EQ(test, dmt_get(test, pid, &dmt_module), -1);
	tried = dmt_get(test, stat, &nr_tried);
	KUNIT_EXPECT_GT(test, tried, 0);
	KUNIT_EXPECT_EQ(test, dmt_get(test, stat, &nr_tried), tried);
	KUNIT_EXPECT_EQ(test, dmt_set(on, &dmt_module, "N"), 0);
	KUNIT_EXPECT_EQ(test, dmt_set(commit, &dmt_module, "Y"), 0);

	/* A failed start changes nothing; a good one starts afresh. */
	kernel_param_lock(THIS_MODULE);
	dmt_params.region_end = dmt_params.region_start;
	kernel_param_unlock(THIS_MODULE);
	KUNIT_EXPECT_EQ(test, dmt_set(on, &dmt_module, "Y"), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmt_get(test, on, &dmt_module), 0);
	KUNIT_EXPECT_EQ(test, dmt_get(test, stat, &nr_tried), tried);
	kernel_param_lock(THIS_MODULE);
	dmt_params.region_end = dmt_params.region_start + SZ_16M;
	kernel_param_unlock(THIS_MODULE);
	for (i = 0; i < 20; i++) {
		KUNIT_EXPECT_EQ(test, dmt_set(on, &dmt_module, "Y"), 0);
		KUNIT_EXPECT_EQ(test, dmt_set(on, &dmt_module, "N"), 0);
	}
	KUNIT_EXPECT_EQ(test, dmt_get(test, on, &dmt_module), 0);
}

/* Stop and free what a test of our module left, even a failed one. */
static void damon_modules_test_exit(struct kunit *test)
{
	mutex_lock(&dmt_module.lock);
	damon_stop(dmt_module.ctxs, dmt_module.nr_ctxs);
	while (dmt_module.nr_ctxs)
		damon_destroy_ctx(dmt_module.ctxs[--dmt_module.nr_ctxs]);
	mutex_unlock(&dmt_module.lock);
}

static struct kunit_case damon_modules_test_cases[] = {
	KUNIT_CASE(damon_modules_test_new_ctx),
	KUNIT_CASE(damon_modules_test_bad_params),
	KUNIT_CASE(damon_modules_test_new_scheme),
	KUNIT_CASE(damon_modules_test_control),
	{}
};

static struct kunit_suite damon_modules_test_suite = {
	.name = "damon_modules",
	.exit = damon_modules_test_exit,
	.test_cases = damon_modules_test_cases,
};

kunit_test_suite(damon_modules_test_suite);

#endif /* _DAMON_MODULES_KUNIT_H */
