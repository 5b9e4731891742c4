// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON_LRU_SORT: keep the LRU lists in access order.
 *
 * When free memory runs low (between the low and high watermarks, after
 * falling under the middle one), move the physical memory that DAMON sees
 * accessed often to the head of the active LRU lists, and the memory left
 * unaccessed for long to the inactive ones, so that reclaim finds the
 * right pages first.  The two share a time quota: the most accessed hot
 * memory and the longest idle cold memory go first.
 *
 * Parameters: /sys/module/damon_lru_sort/parameters/, or damon_lru_sort.X=
 * on the kernel command line.  Writing Y to "enabled" starts the module
 * with the other parameters; while it runs, writing Y to "commit_inputs"
 * applies changed parameters.  See modules-common.c.
 */

#define pr_fmt(fmt) "damon-lru-sort: " fmt

#include <linux/damon.h>
#include <linux/init.h>
#include <linux/math.h>
#include <linux/moduleparam.h>
#include <linux/time64.h>

#include "modules-common.h"

/* The parameters are damon_lru_sort.X, whatever the object file is called. */
#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "damon_lru_sort."

/* All the parameters are protected by the kernel's module parameter lock. */

/* quota_ms is split evenly between the hot and the cold scheme. */
static struct damon_modules_params damon_lru_sort_params = {
	.sample_interval = 5 * USEC_PER_MSEC,
	.aggr_interval = 100 * USEC_PER_MSEC,
	.min_nr_regions = 10,
	.max_nr_regions = 1000,
	.quota_ms = 10,
	.quota_reset_interval_ms = MSEC_PER_SEC,
	.wmarks_interval = 5 * USEC_PER_SEC,
	.wmarks_high = 200,
	.wmarks_mid = 150,
	.wmarks_low = 50,
};

module_param_named(sample_interval, damon_lru_sort_params.sample_interval,
		   ulong, 0600);
module_param_named(aggr_interval, damon_lru_sort_params.aggr_interval,
		   ulong, 0600);
module_param_named(min_nr_regions, damon_lru_sort_params.min_nr_regions,
		   ulong, 0600);
module_param_named(max_nr_regions, damon_lru_sort_params.max_nr_regions,
		   ulong, 0600);
module_param_named(monitor_region_start, damon_lru_sort_params.region_start,
		   ulong, 0600);
module_param_named(monitor_region_end, damon_lru_sort_params.region_end,
		   ulong, 0600);
module_param_named(quota_ms, damon_lru_sort_params.quota_ms, ulong, 0600);
module_param_named(quota_reset_interval_ms,
		   damon_lru_sort_params.quota_reset_interval_ms, ulong, 0600);
module_param_named(wmarks_interval, damon_lru_sort_params.wmarks_interval,
		   ulong, 0600);
module_param_named(wmarks_high, damon_lru_sort_params.wmarks_high, ulong, 0600);
module_param_named(wmarks_mid, damon_lru_sort_params.wmarks_mid, ulong, 0600);
module_param_named(wmarks_low, damon_lru_sort_params.wmarks_low, ulong, 0600);

/*
 * Y: tune sample_interval and aggr_interval (which the tuning starts from)
 * for 4% of the access events, with samples between 5 ms and 10 s.  Like
 * the other parameters, it takes effect at "enabled" or "commit_inputs".
 */
module_param_named(autotune_monitoring_intervals,
		   damon_lru_sort_params.autotune_intervals, bool, 0600);

/*
 * Memory is hot if it was accessed in at least this share (permil, at most
 * 1000) of the samples of an aggregation interval.
 */
static unsigned long damon_lru_sort_hot_thres = 500;
module_param_named(hot_thres_access_freq, damon_lru_sort_hot_thres, ulong,
		   0600);

/* Memory is cold once unaccessed for this many microseconds. */
static unsigned long damon_lru_sort_cold_min_age = 120 * USEC_PER_SEC;
module_param_named(cold_min_age, damon_lru_sort_cold_min_age, ulong, 0600);

static struct damon_ctx *damon_lru_sort_build_ctx(void);

static struct damon_module damon_lru_sort =
	DAMON_MODULE_INIT(damon_lru_sort, damon_lru_sort_build_ctx);
module_param_cb(enabled, &damon_modules_enabled_ops, &damon_lru_sort, 0600);
module_param_cb(commit_inputs, &damon_modules_commit_ops, &damon_lru_sort,
		0600);
module_param_cb(kdamond_pid, &damon_modules_pid_ops, &damon_lru_sort, 0400);

/* The schemes, in the context's order. */
enum { DAMON_LRU_SORT_HOT, DAMON_LRU_SORT_COLD };

DAMON_MODULES_STAT_PARAM(nr_lru_sort_tried_hot_regions, damon_lru_sort,
			 DAMON_LRU_SORT_HOT, DAMON_MODULES_NR_TRIED);
DAMON_MODULES_STAT_PARAM(bytes_lru_sort_tried_hot_regions, damon_lru_sort,
			 DAMON_LRU_SORT_HOT, DAMON_MODULES_SZ_TRIED);
DAMON_MODULES_STAT_PARAM(nr_lru_sorted_hot_regions, damon_lru_sort,
			 DAMON_LRU_SORT_HOT, DAMON_MODULES_NR_APPLIED);
DAMON_MODULES_STAT_PARAM(bytes_lru_sorted_hot_regions, damon_lru_sort,
			 DAMON_LRU_SORT_HOT, DAMON_MODULES_SZ_APPLIED);
DAMON_MODULES_STAT_PARAM(nr_hot_quota_exceeds, damon_lru_sort,
			 DAMON_LRU_SORT_HOT, DAMON_MODULES_QT_EXCEEDS);
DAMON_MODULES_STAT_PARAM(nr_lru_sort_tried_cold_regions, damon_lru_sort,
			 DAMON_LRU_SORT_COLD, DAMON_MODULES_NR_TRIED);
DAMON_MODULES_STAT_PARAM(bytes_lru_sort_tried_cold_regions, damon_lru_sort,
			 DAMON_LRU_SORT_COLD, DAMON_MODULES_SZ_TRIED);
DAMON_MODULES_STAT_PARAM(nr_lru_sorted_cold_regions, damon_lru_sort,
			 DAMON_LRU_SORT_COLD, DAMON_MODULES_NR_APPLIED);
DAMON_MODULES_STAT_PARAM(bytes_lru_sorted_cold_regions, damon_lru_sort,
			 DAMON_LRU_SORT_COLD, DAMON_MODULES_SZ_APPLIED);
DAMON_MODULES_STAT_PARAM(nr_cold_quota_exceeds, damon_lru_sort,
			 DAMON_LRU_SORT_COLD, DAMON_MODULES_QT_EXCEEDS);

/*
 * Each scheme's half of the time quota.  An odd quota_ms is rounded down,
 * but a non-zero one never to 0, which would mean no quota at all.
 */
static unsigned long damon_lru_sort_half_quota_ms(void)
{
	unsigned long ms = damon_lru_sort_params.quota_ms;

	return ms ? max(ms / 2, 1UL) : 0;
}

/* A context with the hot and the cold scheme, from the parameters. */
static struct damon_ctx *damon_lru_sort_build_ctx(void)
{
	struct damos_pattern hot = {
		.min_sz = PAGE_SIZE,
		.max_sz = ULONG_MAX,
		.max_nr_accesses = UINT_MAX,
		.min_age = 0,
		.max_age = UINT_MAX,
	};
	struct damos_pattern cold = {
		.min_sz = PAGE_SIZE,
		.max_sz = ULONG_MAX,
		.min_nr_accesses = 0,
		.max_nr_accesses = 0,
		.max_age = UINT_MAX,
	};
	struct damon_ctx *ctx;
	struct damos *s;

	if (damon_lru_sort_hot_thres > 1000)
		return ERR_PTR(-EINVAL);
	ctx = damon_modules_new_ctx(&damon_lru_sort_params);
	if (IS_ERR(ctx))
		return ctx;
	hot.min_nr_accesses = mult_frac(damon_max_nr_accesses(&ctx->attrs),
					damon_lru_sort_hot_thres, 1000);
	cold.min_age = damon_modules_us_to_aggrs(ctx,
						 damon_lru_sort_cold_min_age);

	s = damon_modules_new_scheme(ctx, &damon_lru_sort_params,
				     DAMOS_LRU_PRIO, &hot);
	if (!s)
		goto destroy_ctx;
	/* The most accessed first. */
	s->quota.ms = damon_lru_sort_half_quota_ms();
	s->quota.weight_nr_accesses = 1;

	s = damon_modules_new_scheme(ctx, &damon_lru_sort_params,
				     DAMOS_LRU_DEPRIO, &cold);
	if (!s)
		goto destroy_ctx;
	/* The longest idle first. */
	s->quota.ms = damon_lru_sort_half_quota_ms();
	s->quota.weight_age = 1;
	return ctx;

destroy_ctx:
	damon_destroy_ctx(ctx);
	return ERR_PTR(-ENOMEM);
}

static int __init damon_lru_sort_init(void)
{
	int err = damon_modules_init(&damon_lru_sort);

	if (err)
		pr_warn("enabled at boot, but cannot start: %d\n", err);
	return 0;
}
late_initcall(damon_lru_sort_init);
