// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON_STAT: the access pattern of the whole machine, cheap enough to
 * leave on.
 *
 * Monitors the biggest System RAM resource with the intervals auto-tuning
 * (4% of the access events, samples between 5 ms and 10 s), so that the
 * sampling slows down as far as the load allows, and runs no scheme.  Its
 * read-only parameters summarise the last aggregation:
 *
 *   estimated_memory_bandwidth	bytes per second accessed
 *   memory_idle_ms_percentiles	101 comma-separated idle times: the Nth
 *				is the idle time, in milliseconds, that N%
 *				of the memory does not exceed.  Memory seen
 *				accessed in the last aggregation counts with
 *				minus the time it has been accessed at about
 *				its current rate (at least one aggregation),
 *				so the hottest comes first and is negative.
 *   aggr_interval_us		the tuned aggregation interval
 *   kdamond_pid		its kdamond, or -1
 *
 * Each read asks the running kdamond (damon_call()); once it ended, the
 * last values stay.  "enabled" starts and stops it; it runs exclusively,
 * as DAMON_RECLAIM and DAMON_LRU_SORT do.
 */

#define pr_fmt(fmt) "damon-stat: " fmt

#include <linux/damon.h>
#include <linux/init.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/sysfs.h>
#include <linux/time64.h>

#include "modules-common.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "damon_stat."

#define DAMON_STAT_NR_PERCENTILES	101

/* Fixed: the module has no parameters for them. */
static struct damon_modules_params damon_stat_params = {
	.sample_interval = 5 * USEC_PER_MSEC,
	.aggr_interval = 100 * USEC_PER_MSEC,
	.min_nr_regions = 10,
	.max_nr_regions = 1000,
	.autotune_intervals = true,
};

/**
 * struct damon_stat_result - What the parameters show.
 * @bandwidth:	Estimated bytes accessed per second.
 * @idle_ms:	The idle time percentiles, in milliseconds.
 * @aggr_us:	The aggregation interval.
 */
struct damon_stat_result {
	unsigned long bandwidth;
	long idle_ms[DAMON_STAT_NR_PERCENTILES];
	unsigned long aggr_us;
};

/* The last result read; protected by damon_stat.lock. */
static struct damon_stat_result damon_stat_last;

/* A region's share in the percentiles. */
struct damon_stat_region {
	long idle_ms;
	unsigned long sz;
};

static int damon_stat_cmp(const void *a, const void *b)
{
	const struct damon_stat_region *l = a, *r = b;

	return l->idle_ms < r->idle_ms ? -1 : l->idle_ms > r->idle_ms;
}

/*
 * Fill @res from the regions of @ctx, as of their last aggregation.  Runs
 * in the kdamond, through damon_call().
 */
static int damon_stat_compute(struct damon_ctx *ctx, void *data)
{
	struct damon_stat_result *res = data;
	unsigned long aggr_us = ctx->attrs.aggr_interval ? : 1;
	struct damon_stat_region *rs;
	u64 total = 0, seen = 0, bw = 0;
	unsigned int nr = 0, n = 0, i, p;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx)
		nr += t->nr_regions;
	if (!nr)
		return -ENODATA;
	rs = kmalloc_array(nr, sizeof(*rs), GFP_KERNEL | __GFP_NOWARN);
	if (!rs)
		return -ENOMEM;
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			unsigned long sz = damon_sz_region(r);
			bool seen = r->last_nr_accesses;
			/*
			 * Memory seen accessed has been so for the last
			 * aggregation at least, and for its age more.
			 */
			u64 aggrs = (u64)r->age + seen;
			long ms = min_t(u64, damon_mul_div_sat(aggrs, aggr_us,
							       USEC_PER_MSEC),
					LONG_MAX);
			u64 bytes_per_s;

			if (n == nr)
				break;
			bytes_per_s = damon_mul_div_sat(sz, (u64)r->last_nr_accesses
							* USEC_PER_SEC, aggr_us);
			bw = bw > U64_MAX - bytes_per_s ? U64_MAX :
				bw + bytes_per_s;
			rs[n].sz = sz;
			rs[n].idle_ms = seen ? -ms : ms;
			total += sz;
			n++;
		}
	}
	sort(rs, n, sizeof(*rs), damon_stat_cmp, NULL);
	/*
	 * Percentile p: the idle time of the region in which the first p% of
	 * the bytes, in that order, end.
	 */
	for (p = 0, i = 0; p < DAMON_STAT_NR_PERCENTILES; p++) {
		u64 want = div_u64(total * p, 100);

		while (i < n - 1 && seen + rs[i].sz <= want) {
			seen += rs[i].sz;
			i++;
		}
		res->idle_ms[p] = rs[i].idle_ms;
	}
	res->bandwidth = min_t(u64, bw, ULONG_MAX);
	res->aggr_us = ctx->attrs.aggr_interval;
	kfree(rs);
	return 0;
}

static struct damon_ctx *damon_stat_build_ctx(void)
{
	return damon_modules_new_ctx(&damon_stat_params);
}

static struct damon_module damon_stat = {
	.build_ctx = damon_stat_build_ctx,
	.lock = __MUTEX_INITIALIZER(damon_stat.lock),
	.start_at_init = IS_ENABLED(CONFIG_DAMON_STAT_ENABLED_DEFAULT),
};
module_param_cb(enabled, &damon_modules_enabled_ops, &damon_stat, 0600);
module_param_cb(kdamond_pid, &damon_modules_pid_ops, &damon_stat, 0400);

/* Which value a result parameter shows. */
enum damon_stat_item {
	DAMON_STAT_BANDWIDTH,
	DAMON_STAT_IDLE_PERCENTILES,
	DAMON_STAT_AGGR_US,
};

/*
 * The latest result into damon_stat_last: from the running kdamond, or
 * kept as it was.  The kdamond may have regions of no aggregation yet
 * (-ENODATA), or end meanwhile: the last result stays then too.
 */
static void damon_stat_update(void)
{
	struct damon_stat_result *res;
	struct damon_call_control call = { .fn = damon_stat_compute };

	lockdep_assert_held(&damon_stat.lock);
	if (!damon_stat.nr_ctxs || !damon_is_running(damon_stat.ctxs[0]))
		return;
	res = kzalloc(sizeof(*res), GFP_KERNEL);
	if (!res)
		return;
	call.data = res;
	if (!damon_call(damon_stat.ctxs[0], &call) && !call.ret)
		damon_stat_last = *res;
	kfree(res);
}

static int damon_stat_get(char *buf, const struct kernel_param *kp)
{
	enum damon_stat_item item = (uintptr_t)kp->arg;
	int i, len = 0;

	mutex_lock(&damon_stat.lock);
	damon_stat_update();
	switch (item) {
	case DAMON_STAT_BANDWIDTH:
		len = sysfs_emit(buf, "%lu\n", damon_stat_last.bandwidth);
		break;
	case DAMON_STAT_AGGR_US:
		len = sysfs_emit(buf, "%lu\n", damon_stat_last.aggr_us);
		break;
	case DAMON_STAT_IDLE_PERCENTILES:
		for (i = 0; i < DAMON_STAT_NR_PERCENTILES; i++)
			len += sysfs_emit_at(buf, len, "%ld%c",
					     damon_stat_last.idle_ms[i],
					     i == DAMON_STAT_NR_PERCENTILES - 1 ?
					     '\n' : ',');
		break;
	}
	mutex_unlock(&damon_stat.lock);
	return len;
}

static const struct kernel_param_ops damon_stat_result_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = damon_modules_readonly_set,
	.get = damon_stat_get,
};

module_param_cb(estimated_memory_bandwidth, &damon_stat_result_ops,
		(void *)DAMON_STAT_BANDWIDTH, 0400);
module_param_cb(memory_idle_ms_percentiles, &damon_stat_result_ops,
		(void *)DAMON_STAT_IDLE_PERCENTILES, 0400);
module_param_cb(aggr_interval_us, &damon_stat_result_ops,
		(void *)DAMON_STAT_AGGR_US, 0400);

static int __init damon_stat_init(void)
{
	int err = damon_modules_init(&damon_stat);

	if (err)
		pr_warn("enabled at boot, but cannot start: %d\n", err);
	return 0;
}
late_initcall(damon_stat_init);

/* The suite "damon_stat", with the other modules' tests. */
#ifdef CONFIG_DAMON_MODULES_KUNIT_TEST
#include "stat-kunit.h"
#endif
