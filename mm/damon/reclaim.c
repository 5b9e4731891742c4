// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON_RECLAIM: proactive reclaim of cold physical memory.
 *
 * When free memory runs low (between the low and high watermarks, after
 * falling under the middle one), page out the memory that DAMON saw
 * untouched for at least min_age, the longest idle first, within a time
 * and size quota.  The quota can also be tuned towards a memory pressure
 * (PSI) target or by user feedback.
 *
 * Parameters: /sys/module/damon_reclaim/parameters/, or damon_reclaim.X=
 * on the kernel command line.  Writing Y to "enabled" starts the module
 * with the other parameters; while it runs, writing Y to "commit_inputs"
 * applies changed parameters.  See modules-common.c.
 */

#define pr_fmt(fmt) "damon-reclaim: " fmt

#include <linux/damon.h>
#include <linux/init.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <linux/time64.h>

#include "modules-common.h"

/* The parameters are damon_reclaim.X, whatever the object file is called. */
#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "damon_reclaim."

/* All the parameters are protected by the kernel's module parameter lock. */

static struct damon_modules_params damon_reclaim_params = {
	.sample_interval = 5 * USEC_PER_MSEC,
	.aggr_interval = 100 * USEC_PER_MSEC,
	.min_nr_regions = 10,
	.max_nr_regions = 1000,
	.quota_ms = 10,
	.quota_sz = SZ_128M,
	.quota_reset_interval_ms = MSEC_PER_SEC,
	.wmarks_interval = 5 * USEC_PER_SEC,
	.wmarks_high = 500,
	.wmarks_mid = 400,
	.wmarks_low = 200,
};

module_param_named(sample_interval, damon_reclaim_params.sample_interval,
		   ulong, 0600);
module_param_named(aggr_interval, damon_reclaim_params.aggr_interval,
		   ulong, 0600);
module_param_named(min_nr_regions, damon_reclaim_params.min_nr_regions,
		   ulong, 0600);
module_param_named(max_nr_regions, damon_reclaim_params.max_nr_regions,
		   ulong, 0600);
module_param_named(monitor_region_start, damon_reclaim_params.region_start,
		   ulong, 0600);
module_param_named(monitor_region_end, damon_reclaim_params.region_end,
		   ulong, 0600);
module_param_named(quota_ms, damon_reclaim_params.quota_ms, ulong, 0600);
module_param_named(quota_sz, damon_reclaim_params.quota_sz, ulong, 0600);
module_param_named(quota_reset_interval_ms,
		   damon_reclaim_params.quota_reset_interval_ms, ulong, 0600);
module_param_named(wmarks_interval, damon_reclaim_params.wmarks_interval,
		   ulong, 0600);
module_param_named(wmarks_high, damon_reclaim_params.wmarks_high, ulong, 0600);
module_param_named(wmarks_mid, damon_reclaim_params.wmarks_mid, ulong, 0600);
module_param_named(wmarks_low, damon_reclaim_params.wmarks_low, ulong, 0600);

/*
 * Y: tune sample_interval and aggr_interval (which the tuning starts from)
 * for 4% of the access events, with samples between 5 ms and 10 s.  Like
 * the other parameters, it takes effect at "enabled" or "commit_inputs".
 */
module_param_named(autotune_monitoring_intervals,
		   damon_reclaim_params.autotune_intervals, bool, 0600);

/* Microseconds a region must have stayed unaccessed to be paged out. */
static unsigned long damon_reclaim_min_age = 120 * USEC_PER_SEC;
module_param_named(min_age, damon_reclaim_min_age, ulong, 0600);

/* Leave anonymous pages alone. */
static bool damon_reclaim_skip_anon;
module_param_named(skip_anon, damon_reclaim_skip_anon, bool, 0600);

/*
 * If not 0, the microseconds of "some" memory stall (PSI) per quota reset
 * interval that the size quota is tuned to reach.
 */
static unsigned long damon_reclaim_mem_pressure_us;
module_param_named(quota_mem_pressure_us, damon_reclaim_mem_pressure_us,
		   ulong, 0600);

/*
 * If not 0, user feedback: how far (in 1/10000) the reclaim reaches what the
 * user wants.  The size quota grows below 10000 and shrinks above.
 */
static unsigned long damon_reclaim_autotune_feedback;
module_param_named(quota_autotune_feedback, damon_reclaim_autotune_feedback,
		   ulong, 0600);

static struct damon_ctx *damon_reclaim_build_ctx(void);

static struct damon_module damon_reclaim =
	DAMON_MODULE_INIT(damon_reclaim, damon_reclaim_build_ctx);
module_param_cb(enabled, &damon_modules_enabled_ops, &damon_reclaim, 0600);
module_param_cb(commit_inputs, &damon_modules_commit_ops, &damon_reclaim,
		0600);
module_param_cb(kdamond_pid, &damon_modules_pid_ops, &damon_reclaim, 0400);

DAMON_MODULES_STAT_PARAM(nr_reclaim_tried_regions, damon_reclaim, 0,
			 DAMON_MODULES_NR_TRIED);
DAMON_MODULES_STAT_PARAM(bytes_reclaim_tried_regions, damon_reclaim, 0,
			 DAMON_MODULES_SZ_TRIED);
DAMON_MODULES_STAT_PARAM(nr_reclaimed_regions, damon_reclaim, 0,
			 DAMON_MODULES_NR_APPLIED);
DAMON_MODULES_STAT_PARAM(bytes_reclaimed_regions, damon_reclaim, 0,
			 DAMON_MODULES_SZ_APPLIED);
DAMON_MODULES_STAT_PARAM(nr_quota_exceeds, damon_reclaim, 0,
			 DAMON_MODULES_QT_EXCEEDS);

/* Add the quota goals the parameters ask for to @s.  Returns 0 or -ENOMEM. */
static int damon_reclaim_add_goals(struct damos *s)
{
	struct damos_quota_goal *g;

	if (damon_reclaim_mem_pressure_us) {
		g = damos_new_quota_goal(DAMOS_GOAL_SOME_MEM_PSI_US,
					 damon_reclaim_mem_pressure_us);
		if (!g)
			return -ENOMEM;
		damos_add_quota_goal(&s->quota, g);
	}
	if (damon_reclaim_autotune_feedback) {
		g = damos_new_quota_goal(DAMOS_GOAL_USER_INPUT, 10000);
		if (!g)
			return -ENOMEM;
		g->current_value = damon_reclaim_autotune_feedback;
		damos_add_quota_goal(&s->quota, g);
	}
	return 0;
}

/* A context with the pageout scheme, from the parameters. */
static struct damon_ctx *damon_reclaim_build_ctx(void)
{
	struct damos_pattern cold = {
		.min_sz = PAGE_SIZE,
		.max_sz = ULONG_MAX,
		.min_nr_accesses = 0,
		.max_nr_accesses = 0,
		.max_age = UINT_MAX,
	};
	struct damos_filter *f;
	struct damon_ctx *ctx;
	struct damos *s;
	int err = -ENOMEM;

	ctx = damon_modules_new_ctx(&damon_reclaim_params);
	if (IS_ERR(ctx))
		return ctx;
	cold.min_age = damon_modules_us_to_aggrs(ctx, damon_reclaim_min_age);
	s = damon_modules_new_scheme(ctx, &damon_reclaim_params, DAMOS_PAGEOUT,
				     &cold);
	if (!s)
		goto destroy_ctx;
	/* Of the memory that qualifies, the longest idle goes first. */
	s->quota.weight_age = 1;
	if (damon_reclaim_skip_anon) {
		f = damos_new_filter(DAMOS_FILTER_ANON, true);
		if (!f)
			goto destroy_ctx;
		damos_add_filter(s, f);
	}
	err = damon_reclaim_add_goals(s);
	if (err)
		goto destroy_ctx;
	return ctx;

destroy_ctx:
	damon_destroy_ctx(ctx);
	return ERR_PTR(err);
}

static int __init damon_reclaim_init(void)
{
	int err = damon_modules_init(&damon_reclaim);

	if (err)
		pr_warn("enabled at boot, but cannot start: %d\n", err);
	return 0;
}
late_initcall(damon_reclaim_init);
