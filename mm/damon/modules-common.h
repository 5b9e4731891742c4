/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the special-purpose DAMON modules (DAMON_RECLAIM, DAMON_LRU_SORT)
 * share: their common parameters, building a physical address monitoring
 * context from them, and the parameters that turn a module on, hand new
 * parameters to its running kdamond, and report its kdamond and its
 * schemes' statistics.
 *
 * Locking: the values of plain parameters (intervals, quotas, thresholds...)
 * are read and written only under the kernel's module parameter lock,
 * kernel_param_lock(): the parameter core holds it around every read and
 * write of a parameter, from the boot command line as from sysfs, and
 * damon_modules_init() takes it too.  The state of a module (its context
 * and the statistics read from it) is protected by &damon_module.lock,
 * taken inside the parameter lock.
 */

#ifndef _DAMON_MODULES_COMMON_H
#define _DAMON_MODULES_COMMON_H

#include <linux/damon.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/time64.h>

/* The most schemes a module runs in each of its contexts. */
#define DAMON_MODULES_MAX_SCHEMES	2
/* The most contexts (kdamonds) a module runs. */
#define DAMON_MODULES_MAX_CTXS		16

/**
 * struct damon_modules_params - The parameters every module has.
 * @sample_interval:	Sampling interval, in microseconds.
 * @aggr_interval:	Aggregation interval, in microseconds.
 * @min_nr_regions:	Fewest regions to monitor.
 * @max_nr_regions:	Most regions to monitor.
 * @region_start:	First physical address to monitor.
 * @region_end:		First physical address after the monitored range.
 *			With @region_start, 0 means the biggest System RAM
 *			resource.
 * @quota_ms:		Time quota of the schemes, in milliseconds per
 *			@quota_reset_interval_ms; 0 means none.
 * @quota_sz:		Size quota, in bytes per @quota_reset_interval_ms;
 *			0 means none.
 * @quota_reset_interval_ms: The quotas' charge window, in milliseconds.
 * @wmarks_interval:	Microseconds between two free memory checks.
 * @wmarks_high:	Free memory rate (permil) above which the schemes
 *			stop.
 * @wmarks_mid:		Free memory rate below which stopped schemes work
 *			again.
 * @wmarks_low:		Free memory rate below which the schemes stop.
 * @autotune_intervals:	Tune the sampling and aggregation intervals,
 *			starting from @sample_interval and @aggr_interval,
 *			for DAMON_MODULES_AUTOTUNE_GOAL.
 *
 * Protected by the kernel's module parameter lock; see the top of this
 * file.
 */
struct damon_modules_params {
	unsigned long sample_interval;
	unsigned long aggr_interval;
	unsigned long min_nr_regions;
	unsigned long max_nr_regions;
	unsigned long region_start;
	unsigned long region_end;
	unsigned long quota_ms;
	unsigned long quota_sz;
	unsigned long quota_reset_interval_ms;
	unsigned long wmarks_interval;
	unsigned long wmarks_high;
	unsigned long wmarks_mid;
	unsigned long wmarks_low;
	bool autotune_intervals;
};

/*
 * The intervals goal of the modules: 4% of the access events, a step per
 * three aggregations, samples between 5 ms and 10 s.
 */
#define DAMON_MODULES_AUTOTUNE_GOAL					\
	((struct damon_intervals_goal) {				\
		.access_bp = 400,					\
		.aggrs = 3,						\
		.min_sample_us = 5 * USEC_PER_MSEC,			\
		.max_sample_us = 10 * USEC_PER_SEC,			\
	})

/**
 * struct damon_module - The running state of a special-purpose module.
 * @build_ctx:	Build a context, with its schemes, from the module's
 *		parameters.  Returns it or an ERR_PTR: -EINVAL for invalid
 *		parameters.  Called with the parameter lock and @lock held.
 * @build_ctxs:	For a module of several contexts, instead of @build_ctx:
 *		build them into the array it is given, of
 *		DAMON_MODULES_MAX_CTXS entries, each with the same schemes in
 *		the same order.  Returns how many (at least one) or an error,
 *		having built none.  Called as @build_ctx is.
 * @lock:	Protects the fields below.
 * @ctxs:	The contexts last started, kept after their kdamonds end so
 *		that their statistics stay readable.
 * @nr_ctxs:	Number of @ctxs; 0 until the first start.
 * @ready:	Whether damon_modules_init() ran: before, "enabled" is only
 *		recorded in @start_at_init.
 * @start_at_init: What "enabled" was set to before damon_modules_init().
 * @stats:	The statistics of the schemes, each summed over @ctxs, as
 *		last read.
 */
struct damon_module {
	struct damon_ctx *(*build_ctx)(void);
	int (*build_ctxs)(struct damon_ctx **ctxs);
	struct mutex lock;			/* protects the fields below */
	struct damon_ctx *ctxs[DAMON_MODULES_MAX_CTXS];	/* @lock */
	unsigned int nr_ctxs;			/* protected by @lock */
	bool ready;				/* protected by @lock */
	bool start_at_init;			/* protected by @lock */
	struct damos_stat stats[DAMON_MODULES_MAX_SCHEMES]; /* @lock */
};

/* Static initializer of a &struct damon_module @var with @build. */
#define DAMON_MODULE_INIT(var, build) {				\
	.build_ctx = (build),					\
	.lock = __MUTEX_INITIALIZER((var).lock),		\
}

/**
 * enum damon_modules_stat_item - A scheme statistic a parameter shows.
 * @DAMON_MODULES_NR_TRIED:	&damos_stat.nr_tried.
 * @DAMON_MODULES_SZ_TRIED:	&damos_stat.sz_tried.
 * @DAMON_MODULES_NR_APPLIED:	&damos_stat.nr_applied.
 * @DAMON_MODULES_SZ_APPLIED:	&damos_stat.sz_applied.
 * @DAMON_MODULES_QT_EXCEEDS:	&damos_stat.qt_exceeds.
 */
enum damon_modules_stat_item {
	DAMON_MODULES_NR_TRIED,
	DAMON_MODULES_SZ_TRIED,
	DAMON_MODULES_NR_APPLIED,
	DAMON_MODULES_SZ_APPLIED,
	DAMON_MODULES_QT_EXCEEDS,
};

/**
 * struct damon_modules_stat - The argument of a statistic parameter.
 * @mod:	The module.
 * @scheme:	Index of the scheme in the module's context.
 * @item:	Which statistic.
 */
struct damon_modules_stat {
	struct damon_module *mod;
	unsigned int scheme;
	enum damon_modules_stat_item item;
};

/*
 * The operations of a module's "enabled", "commit_inputs" and
 * "kdamond_pid" parameters, whose argument is the &struct damon_module, and
 * of its statistics, whose argument is a &struct damon_modules_stat (see
 * DAMON_MODULES_STAT_PARAM()).
 */
extern const struct kernel_param_ops damon_modules_enabled_ops;
extern const struct kernel_param_ops damon_modules_commit_ops;
extern const struct kernel_param_ops damon_modules_pid_ops;
extern const struct kernel_param_ops damon_modules_stat_ops;

int damon_modules_readonly_set(const char *val, const struct kernel_param *kp);

/*
 * Declare the read-only parameter @name, which shows statistic @which of
 * scheme @sidx of the module @module.
 */
#define DAMON_MODULES_STAT_PARAM(name, module, sidx, which)		\
	module_param_cb(name, &damon_modules_stat_ops,			\
			(&(struct damon_modules_stat) {			\
				.mod = &(module),			\
				.scheme = (sidx),			\
				.item = (which),			\
			}), 0400)

struct damon_ctx *damon_modules_new_ctx(struct damon_modules_params *p);
struct damon_ctx *
damon_modules_new_ctx_ranges(const struct damon_modules_params *p,
			     const struct damon_addr_range *ranges,
			     unsigned int nr_ranges);
struct damos *damon_modules_new_scheme(struct damon_ctx *ctx,
				       const struct damon_modules_params *p,
				       enum damos_action action,
				       const struct damos_pattern *pattern);
int damon_modules_init(struct damon_module *m);

/**
 * damon_modules_us_to_aggrs() - Convert a time to aggregation intervals.
 * @ctx:	A context from damon_modules_new_ctx().
 * @us:		The time, in microseconds.
 *
 * Context: Any context.
 * Return: The whole aggregation intervals of @ctx in @us (a zero interval
 * counting as one microsecond), at most UINT_MAX (the type of region
 * ages).
 */
static inline unsigned int
damon_modules_us_to_aggrs(const struct damon_ctx *ctx, unsigned long us)
{
	unsigned long aggr = ctx->attrs.aggr_interval ? : 1;

	return min_t(unsigned long, us / aggr, UINT_MAX);
}

#endif /* _DAMON_MODULES_COMMON_H */
