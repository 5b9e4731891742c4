// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON core: monitoring contexts, targets, regions and the kdamond.
 *
 * The kdamond of a context runs the monitoring loop:
 *
 *   every sample:       the operations set checks one address per region
 *                       and counts accesses (->check_sample()), then
 *                       picks the next addresses (->prepare_sample())
 *   every aggregation:  ages regions, merges neighbours whose access counts
 *                       are close, restarts the counts and splits regions
 *                       again while there are few of them
 *   every ops update:   the operations set refreshes the regions
 *
 * Time is counted in samples, so a slow sample stretches the aggregation
 * instead of shortening it.
 *
 * Locking: damon_lock serialises starting and stopping kdamonds and guards
 * the running-context counters.  A context's kdamond_lock guards its
 * ->kdamond pointer, and call_lock its queue of damon_call() requests.
 * Everything else of a running context belongs to its kdamond alone.
 */

#define pr_fmt(fmt) "damon: " fmt

#include <linux/damon.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/idr.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/psi.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#define CREATE_TRACE_POINTS
#include <trace/events/damon.h>

#include "report.h"

static DEFINE_MUTEX(damon_lock);
/* Contexts whose kdamond runs, and whether they were started exclusively. */
static unsigned int nr_running_ctxs;	/* protected by damon_lock */
static bool running_exclusive;		/* protected by damon_lock */
/* Numbers for kdamond thread names, unique among running kdamonds. */
static DEFINE_IDA(kdamond_ida);

/* Registered operations sets, indexed by id. */
static DEFINE_MUTEX(damon_ops_lock);
static struct damon_operations damon_registered_ops[NR_DAMON_OPS]; /* damon_ops_lock */
static bool damon_ops_registered[NR_DAMON_OPS];	/* damon_ops_lock */

static struct kmem_cache *damon_region_cache __ro_after_init;

/* A random number in [@lo, @hi). */
static unsigned long damon_rand(unsigned long lo, unsigned long hi)
{
	return lo + get_random_u32_below(hi - lo);
}

/**
 * damon_new_region() - Allocate a region.
 * @start:	First address.
 * @end:	First address after the region.
 *
 * The region starts with no accesses and age zero.
 *
 * Context: Process context; may sleep.
 * Return: The region, or NULL if allocation failed.
 */
struct damon_region *damon_new_region(unsigned long start, unsigned long end)
{
	struct damon_region *r;

	r = kmem_cache_zalloc(damon_region_cache, GFP_KERNEL);
	if (!r)
		return NULL;
	r->ar.start = start;
	r->ar.end = end;
	r->sampling_addr = start;
	INIT_LIST_HEAD(&r->list);
	return r;
}

/**
 * damon_add_region() - Append a region to a target.
 * @r:	The region; it must lie above every region already in @t.
 * @t:	The target.
 *
 * Context: The owner of @t (see &struct damon_ctx).
 */
void damon_add_region(struct damon_region *r, struct damon_target *t)
{
	list_add_tail(&r->list, &t->regions);
	t->nr_regions++;
}

/**
 * damon_insert_region() - Insert a region after another.
 * @r:		The region.
 * @prev:	The region to insert after, or NULL to insert first.
 * @t:		The target.
 *
 * The caller keeps the list sorted and free of overlaps.
 *
 * Context: The owner of @t.
 */
void damon_insert_region(struct damon_region *r, struct damon_region *prev,
			 struct damon_target *t)
{
	list_add(&r->list, prev ? &prev->list : &t->regions);
	t->nr_regions++;
}

/**
 * damon_destroy_region() - Remove a region from its target and free it.
 * @r:	The region.
 * @t:	Its target.
 *
 * Context: The owner of @t.
 */
void damon_destroy_region(struct damon_region *r, struct damon_target *t)
{
	list_del(&r->list);
	t->nr_regions--;
	kmem_cache_free(damon_region_cache, r);
}

static struct damon_region *damon_next_region(struct damon_region *r)
{
	return list_next_entry(r, list);
}

static bool damon_is_last_region(struct damon_region *r,
				 struct damon_target *t)
{
	return list_is_last(&r->list, &t->regions);
}

/*
 * Split @r at @at (exclusive of @r's ends), giving the upper part to a new
 * region that inherits @r's monitoring results.  Returns the new region.
 */
static struct damon_region *damon_split_region_at(struct damon_region *r,
						  unsigned long at,
						  struct damon_target *t)
{
	struct damon_region *upper;

	upper = damon_new_region(at, r->ar.end);
	if (!upper)
		return NULL;
	upper->nr_accesses = r->nr_accesses;
	upper->nr_accesses_bp = r->nr_accesses_bp;
	upper->last_nr_accesses = r->last_nr_accesses;
	upper->age = r->age;
	r->ar.end = at;
	if (r->sampling_addr >= at)
		r->sampling_addr = r->ar.start;
	damon_insert_region(upper, r, t);
	return upper;
}

/* Validate @ranges: each non-empty, sorted and disjoint once aligned. */
static int damon_check_ranges(const struct damon_addr_range *ranges,
			      unsigned int nr)
{
	unsigned long prev_end = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		unsigned long start = ALIGN_DOWN(ranges[i].start, DAMON_MIN_REGION);
		unsigned long end = ALIGN(ranges[i].end, DAMON_MIN_REGION);

		if (ranges[i].start >= ranges[i].end || end <= start)
			return -EINVAL;
		if (i && start < prev_end)
			return -EINVAL;
		prev_end = end;
	}
	return 0;
}

/* Destroy @r of @t; return the region after it, or NULL if it was the last. */
static struct damon_region *damon_drop_region_get_next(struct damon_region *r,
						       struct damon_target *t)
{
	struct damon_region *next = damon_is_last_region(r, t) ? NULL :
				    damon_next_region(r);

	damon_destroy_region(r, t);
	return next;
}

/**
 * damon_set_regions() - Make a target's regions cover exactly some ranges.
 * @t:		The target.
 * @ranges:	Sorted, disjoint, non-empty address ranges.
 * @nr_ranges:	Number of entries in @ranges.
 *
 * Range ends are aligned outwards to %DAMON_MIN_REGION.  Regions that
 * overlap a range are trimmed to it and keep their monitoring results;
 * regions outside every range are removed; gaps in a range are filled with
 * new regions.
 *
 * Context: The owner of @t; may sleep.
 * Return: 0 on success; -EINVAL if @ranges is malformed (nothing changed);
 * -ENOMEM if an allocation failed (the regions are consistent but may
 * not cover every range).
 */
int damon_set_regions(struct damon_target *t,
		      const struct damon_addr_range *ranges,
		      unsigned int nr_ranges)
{
	struct damon_region *r, *next, *prev = NULL;
	unsigned int i;
	int err;

	err = damon_check_ranges(ranges, nr_ranges);
	if (err)
		return err;

	/* Drop regions that meet no range at all. */
	damon_for_each_region_safe(r, next, t) {
		bool keep = false;

		for (i = 0; i < nr_ranges && !keep; i++)
			keep = r->ar.start < ALIGN(ranges[i].end, DAMON_MIN_REGION) &&
			       ALIGN_DOWN(ranges[i].start, DAMON_MIN_REGION) < r->ar.end;
		if (!keep)
			damon_destroy_region(r, t);
	}

	/*
	 * Walk ranges and regions together.  A region that spans past the end
	 * of a range is split there, so each region afterwards meets exactly
	 * one range; a split-off rest that meets no later range is dropped.
	 */
	r = list_first_entry_or_null(&t->regions, struct damon_region, list);
	for (i = 0; i < nr_ranges; i++) {
		unsigned long start = ALIGN_DOWN(ranges[i].start, DAMON_MIN_REGION);
		unsigned long end = ALIGN(ranges[i].end, DAMON_MIN_REGION);
		unsigned long cursor = start;
		struct damon_region *newr;

		while (r && r->ar.start < end) {
			if (r->ar.end <= start) {
				/* The rest of a split, in the gap before us. */
				r = damon_drop_region_get_next(r, t);
				continue;
			}
			if (r->ar.end > end && !damon_split_region_at(r, end, t))
				return -ENOMEM;
			if (r->ar.start < cursor)
				r->ar.start = cursor;
			if (r->ar.start > cursor) {
				/* Fill the hole before @r. */
				newr = damon_new_region(cursor, r->ar.start);
				if (!newr)
					return -ENOMEM;
				damon_insert_region(newr, prev, t);
			}
			if (r->sampling_addr < r->ar.start ||
			    r->sampling_addr >= r->ar.end)
				r->sampling_addr = r->ar.start;
			cursor = r->ar.end;
			prev = r;
			r = damon_is_last_region(r, t) ? NULL : damon_next_region(r);
		}
		if (cursor < end) {
			newr = damon_new_region(cursor, end);
			if (!newr)
				return -ENOMEM;
			damon_insert_region(newr, prev, t);
			prev = newr;
		}
	}
	/* Anything left is the rest of a split past the last range. */
	while (r)
		r = damon_drop_region_get_next(r, t);
	return 0;
}

/**
 * damon_max_nr_accesses() - Samples in one aggregation interval.
 * @attrs:	Monitoring attributes.
 *
 * This is the highest value &damon_region.nr_accesses can reach.
 *
 * Context: Any context.
 * Return: @attrs->aggr_interval / @attrs->sample_interval (a zero sampling
 * interval counting as 1), at least 1 and at most UINT_MAX.
 */
unsigned int damon_max_nr_accesses(const struct damon_attrs *attrs)
{
	unsigned long n = attrs->aggr_interval / damon_sample_us(attrs);

	return clamp_t(unsigned long, n, 1, UINT_MAX);
}

/**
 * damon_update_region_access_rate() - Account one sample of a region.
 * @r:		The region.
 * @accessed:	Whether the sample saw an access.
 * @attrs:	The context's monitoring attributes.
 *
 * Updates &damon_region.nr_accesses and the moving sum
 * &damon_region.nr_accesses_bp.  A region that an access report touched in
 * the sample (&damon_region.reported) counts as accessed.  The moving sum forgets the previous
 * aggregation interval at its average rate, one sample's share of
 * &damon_region.last_nr_accesses per sample, so at the end of an
 * aggregation interval it equals the interval's count.
 *
 * Context: The kdamond of the region's context.
 */
void damon_update_region_access_rate(struct damon_region *r, bool accessed,
				     const struct damon_attrs *attrs)
{
	unsigned int window = damon_max_nr_accesses(attrs);
	unsigned int forget;

	/* An access report of the sample counts as an access. */
	accessed |= r->reported;
	r->reported = false;
	forget = (u64)r->last_nr_accesses * DAMON_BP_PER_ACCESS / window;
	r->nr_accesses_bp -= min(forget, r->nr_accesses_bp);
	if (accessed) {
		r->nr_accesses_bp += DAMON_BP_PER_ACCESS;
		r->nr_accesses++;
	}
}

/**
 * damon_new_target() - Allocate a target with no regions and no pid.
 *
 * Context: Process context; may sleep.
 * Return: The target, or NULL if allocation failed.
 */
struct damon_target *damon_new_target(void)
{
	struct damon_target *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	INIT_LIST_HEAD(&t->regions);
	INIT_LIST_HEAD(&t->list);
	return t;
}

/**
 * damon_add_target() - Add a target to a context.
 * @ctx:	The context.
 * @t:		The target.
 *
 * Context: The owner of @ctx (see &struct damon_ctx).
 */
void damon_add_target(struct damon_ctx *ctx, struct damon_target *t)
{
	list_add_tail(&t->list, &ctx->targets);
}

/**
 * damon_destroy_target() - Free a target, its regions and its pid reference.
 * @t:	The target.  It is removed from its context's list if it is on one.
 *
 * Context: The owner of the target's context.
 */
void damon_destroy_target(struct damon_target *t)
{
	struct damon_region *r, *next;

	damon_for_each_region_safe(r, next, t)
		damon_destroy_region(r, t);
	list_del(&t->list);
	put_pid(t->pid);
	kfree(t);
}

/**
 * damon_nr_targets() - Count a context's targets.
 * @ctx:	The context.
 *
 * Context: The owner of @ctx.
 * Return: The number of targets.
 */
unsigned int damon_nr_targets(const struct damon_ctx *ctx)
{
	return list_count_nodes((struct list_head *)&ctx->targets);
}

/**
 * damon_new_ctx() - Allocate a monitoring context.
 *
 * The context starts with no targets, no operations set, and default
 * attributes: 5 ms samples, 100 ms aggregations, 60 s between ops updates,
 * and 10 to 1000 regions.
 *
 * Context: Process context; may sleep.
 * Return: The context, or NULL if allocation failed.
 */
struct damon_ctx *damon_new_ctx(void)
{
	struct damon_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return NULL;
	ctx->attrs = (struct damon_attrs) {
		.sample_interval = 5 * USEC_PER_MSEC,
		.aggr_interval = 100 * USEC_PER_MSEC,
		.ops_update_interval = 60 * USEC_PER_SEC,
		.min_nr_regions = 10,
		.max_nr_regions = 1000,
	};
	ctx->user_sample_interval = ctx->attrs.sample_interval;
	ctx->user_aggr_interval = ctx->attrs.aggr_interval;
	INIT_LIST_HEAD(&ctx->targets);
	INIT_LIST_HEAD(&ctx->calls);
	INIT_LIST_HEAD(&ctx->repeat_calls);
	INIT_LIST_HEAD(&ctx->schemes);
	mutex_init(&ctx->kdamond_lock);
	mutex_init(&ctx->call_lock);
	return ctx;
}

/**
 * damon_destroy_ctx() - Free a context and its targets.
 * @ctx:	The context.  Its kdamond must not be running.
 *
 * Context: Process context.
 */
void damon_destroy_ctx(struct damon_ctx *ctx)
{
	struct damon_target *t, *next;
	struct damos *s, *snext;

	if (!ctx)
		return;
	if (WARN_ON_ONCE(damon_is_running(ctx)))
		return;
	damon_for_each_target_safe(t, next, ctx)
		damon_destroy_target(t);
	damon_for_each_scheme_safe(s, snext, ctx)
		damon_destroy_scheme(s);
	mutex_destroy(&ctx->kdamond_lock);
	mutex_destroy(&ctx->call_lock);
	kfree(ctx);
}

/**
 * damon_validate_attrs() - Check monitoring attributes.
 * @attrs:	The attributes.
 *
 * Context: Any context.
 * The rules are those of Linux 6.12: zero intervals are allowed (a zero
 * sampling interval counts as one microsecond, see damon_sample_us(), and
 * a zero aggregation or update interval means every sample).
 *
 * Return: 0 if @attrs is usable, -EINVAL if not: an aggregation interval
 * shorter than the sampling interval, fewer than three minimum regions,
 * a minimum above the maximum, or an intervals goal that is on with an
 * access share above 10000 bp or sampling bounds that leave no interval
 * (a zero maximum, or the minimum above it).
 */
int damon_validate_attrs(const struct damon_attrs *attrs)
{
	const struct damon_intervals_goal *goal = &attrs->intervals_goal;

	if (attrs->aggr_interval < attrs->sample_interval)
		return -EINVAL;
	if (attrs->min_nr_regions < 3 ||
	    attrs->min_nr_regions > attrs->max_nr_regions)
		return -EINVAL;
	if (damon_intervals_tuning(attrs) &&
	    (goal->access_bp > 10000 || !goal->max_sample_us ||
	     goal->min_sample_us > goal->max_sample_us))
		return -EINVAL;
	if (attrs->sample_primitives & ~DAMON_SAMPLE_PRIMITIVES)
		return -EINVAL;
	return 0;
}

/* Whether @ops can sample as @attrs asks. */
static bool damon_ops_samples(const struct damon_operations *ops,
			      const struct damon_attrs *attrs)
{
	unsigned long has = ops->sample_primitives ? : DAMON_SAMPLE_PAGE_TABLE;

	if ((damon_sample_primitives(attrs) & DAMON_SAMPLE_PAGE_FAULT) &&
	    !ops->report_addr)
		return false;
	return !(damon_sample_primitives(attrs) & ~has);
}

/* Samples, at least one, in @us microseconds of @attrs. */
static unsigned long damon_us_to_samples(const struct damon_attrs *attrs,
					 unsigned long us)
{
	return max(us / damon_sample_us(attrs), 1UL);
}

/*
 * The samples of @new until an event that is @next_sis in the samples of
 * @ctx's current attributes: the time left stays, up to a whole @us.
 */
static unsigned long damon_rescale_next(struct damon_ctx *ctx,
					const struct damon_attrs *new,
					unsigned long next_sis, unsigned long us)
{
	unsigned long passed = ctx->passed_sample_intervals;
	unsigned long left = next_sis > passed ? next_sis - passed : 0;
	unsigned long full = damon_us_to_samples(new, us);
	u64 left_us = (u64)left * damon_sample_us(&ctx->attrs);

	left = min_t(u64, div64_u64(left_us, damon_sample_us(new)), full);
	return passed + max(left, 1UL);
}

/*
 * Carry monitoring results over an attribute change: access counts keep
 * their share of the aggregation window, ages keep their length in time,
 * the next aggregation comes a whole new interval later, and the next
 * ops update and scheme applications keep the time they had left (at most
 * their new intervals), so that changes more frequent than those
 * intervals, by the auto-tuning or by commits, do not postpone them.
 */
static void damon_rescale_results(struct damon_ctx *ctx,
				  const struct damon_attrs *new)
{
	unsigned int old_max = damon_max_nr_accesses(&ctx->attrs);
	unsigned int new_max = damon_max_nr_accesses(new);
	struct damon_target *t;
	struct damon_region *r;
	struct damos *s;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->nr_accesses = (u64)r->nr_accesses * new_max / old_max;
			r->last_nr_accesses =
				(u64)r->last_nr_accesses * new_max / old_max;
			r->nr_accesses_bp = (u64)r->nr_accesses_bp * new_max /
					    old_max;
			if (new->aggr_interval)
				r->age = (u64)r->age * ctx->attrs.aggr_interval /
					 new->aggr_interval;
		}
	}
	ctx->next_aggregation_sis = ctx->passed_sample_intervals +
		damon_us_to_samples(new, new->aggr_interval);
	ctx->next_ops_update_sis =
		damon_rescale_next(ctx, new, ctx->next_ops_update_sis,
				   new->ops_update_interval);
	damon_for_each_scheme(s, ctx) {
		if (s->apply_interval_us)
			s->next_apply_sis =
				damon_rescale_next(ctx, new, s->next_apply_sis,
						   s->apply_interval_us);
	}
}

/* @age aggregations of @from us, in aggregations of @to us, rounded up. */
static unsigned int damon_rescale_age(unsigned int age, unsigned long from,
				      unsigned long to)
{
	u64 us, q;

	if (!from || !to || !age || age == UINT_MAX || from == to)
		return age;
	if (from > U64_MAX / age)
		return min_t(u64, damon_mul_div_sat(age, from, to), UINT_MAX);
	us = (u64)age * from;
	q = div64_u64(us, to);
	if (q * to != us)
		q++;
	return min_t(u64, q, UINT_MAX);
}

/*
 * Count the age bounds of @ctx's schemes in aggregations of @aggr_us, from
 * the bounds as they were given.  A scheme that has no record of them yet
 * takes its current bounds, which count in aggregations of @from_us.
 * UINT_MAX stays "no bound".
 */
static void damos_set_ages(struct damon_ctx *ctx, unsigned long from_us,
			   unsigned long aggr_us)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		if (!s->age_aggr_us) {
			s->age_aggr_us = from_us;
			s->given_min_age = s->pattern.min_age;
			s->given_max_age = s->pattern.max_age;
		}
		s->pattern.min_age = damon_rescale_age(s->given_min_age,
						       s->age_aggr_us, aggr_us);
		s->pattern.max_age = damon_rescale_age(s->given_max_age,
						       s->age_aggr_us, aggr_us);
	}
}

/* The intervals goals of @a and @b are the same. */
static bool damon_intervals_goal_eq(const struct damon_attrs *a,
				    const struct damon_attrs *b)
{
	return !memcmp(&a->intervals_goal, &b->intervals_goal,
		       sizeof(a->intervals_goal));
}

/**
 * damon_set_attrs() - Set a context's monitoring attributes.
 * @ctx:	The context.
 * @attrs:	The new attributes; see damon_validate_attrs().
 *
 * On a running context (from damon_call()), the current monitoring results
 * are rescaled to the new intervals rather than thrown away.  The intervals
 * auto-tuning, if @attrs asks for it, starts again from @attrs' intervals.
 *
 * Context: The owner of @ctx, or its kdamond.
 * Return: 0 on success, -EINVAL if @attrs is invalid (nothing changed).
 */
int damon_set_attrs(struct damon_ctx *ctx, const struct damon_attrs *attrs)
{
	int err = damon_validate_attrs(attrs);

	if (err)
		return err;
	damon_rescale_results(ctx, attrs);
	ctx->attrs = *attrs;
	ctx->user_sample_interval = attrs->sample_interval;
	ctx->user_aggr_interval = attrs->aggr_interval;
	ctx->tune_aggrs = 0;
	ctx->tune_access_bp = 0;
	return 0;
}

/*
 * damon_commit_ctx()'s damon_set_attrs(): while the intervals goal stays
 * the same, the tuned intervals stay too, unless @src asks for intervals
 * other than the tuned ones and those the tuning started from.
 */
static int damon_commit_attrs(struct damon_ctx *dst,
			      const struct damon_ctx *src)
{
	struct damon_attrs attrs = src->attrs;
	unsigned long sample = attrs.sample_interval, aggr = attrs.aggr_interval;

	if (!damon_intervals_tuning(&attrs) ||
	    !damon_intervals_goal_eq(&dst->attrs, &attrs))
		return damon_set_attrs(dst, &attrs);
	if ((sample != dst->user_sample_interval ||
	     aggr != dst->user_aggr_interval) &&
	    (sample != dst->attrs.sample_interval ||
	     aggr != dst->attrs.aggr_interval))
		return damon_set_attrs(dst, &attrs);
	attrs.sample_interval = dst->attrs.sample_interval;
	attrs.aggr_interval = dst->attrs.aggr_interval;
	if (damon_validate_attrs(&attrs))
		return damon_set_attrs(dst, &src->attrs);
	damon_rescale_results(dst, &attrs);
	dst->attrs = attrs;
	return 0;
}

/**
 * damon_register_ops() - Register an operations set.
 * @ops:	The operations set; &damon_operations.id says which.
 *
 * Context: Process context.
 * Return: 0 on success; -EINVAL for an unknown id or one without the
 * mandatory callbacks; -EBUSY if the id is already registered.
 */
int damon_register_ops(const struct damon_operations *ops)
{
	int err = 0;

	if (ops->id >= NR_DAMON_OPS || !ops->prepare_sample ||
	    !ops->check_sample)
		return -EINVAL;
	mutex_lock(&damon_ops_lock);
	if (damon_ops_registered[ops->id]) {
		err = -EBUSY;
	} else {
		damon_registered_ops[ops->id] = *ops;
		damon_ops_registered[ops->id] = true;
	}
	mutex_unlock(&damon_ops_lock);
	return err;
}

/**
 * damon_is_registered_ops() - Whether an operations set is available.
 * @id:	The operations set.
 *
 * Context: Process context.
 * Return: true if @id is registered.
 */
bool damon_is_registered_ops(enum damon_ops_id id)
{
	bool registered;

	if (id >= NR_DAMON_OPS)
		return false;
	mutex_lock(&damon_ops_lock);
	registered = damon_ops_registered[id];
	mutex_unlock(&damon_ops_lock);
	return registered;
}

/**
 * damon_select_ops() - Give a context an operations set.
 * @ctx:	The context.
 * @id:		The operations set.
 *
 * Context: The owner of @ctx, or its kdamond.
 * Return: 0 on success, -EINVAL if @id is not registered.
 */
int damon_select_ops(struct damon_ctx *ctx, enum damon_ops_id id)
{
	int err = 0;

	if (id >= NR_DAMON_OPS)
		return -EINVAL;
	mutex_lock(&damon_ops_lock);
	if (damon_ops_registered[id])
		ctx->ops = damon_registered_ops[id];
	else
		err = -EINVAL;
	mutex_unlock(&damon_ops_lock);
	return err;
}

/* ---- DAMOS: schemes, filters and quota goals ------------------------------ */

/**
 * damos_new() - Allocate a scheme.
 * @action:	What the scheme does.
 *
 * The scheme starts with a pattern that matches nothing (every range
 * [0, 0], and regions are never empty), no quota, no watermarks, no
 * filters, no target node, and is applied every aggregation interval.  Its
 * owner fills in the rest before adding it to a context.
 *
 * Context: Process context; may sleep.
 * Return: The scheme, or NULL if allocation failed.
 */
struct damos *damos_new(enum damos_action action)
{
	struct damos *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->action = action;
	s->target_nid = NUMA_NO_NODE;
	INIT_LIST_HEAD(&s->quota.goals);
	s->quota.charge_target_from = -1;
	s->wmarks.metric = DAMOS_WMARK_NONE;
	s->wmarks.next_check = jiffies;
	INIT_LIST_HEAD(&s->filters);
	INIT_LIST_HEAD(&s->list);
	return s;
}

/**
 * damon_add_scheme() - Append a scheme to a context.
 * @ctx:	The context; if it runs, call this from its kdamond.
 * @s:		The scheme, which @ctx then owns.
 *
 * Context: The owner of @ctx, or its kdamond.
 */
void damon_add_scheme(struct damon_ctx *ctx, struct damos *s)
{
	list_add_tail(&s->list, &ctx->schemes);
}

/**
 * damon_destroy_scheme() - Unlink a scheme and free it with its filters
 * and goals.
 * @s:		The scheme.
 *
 * Context: The owner of the scheme's context, or its kdamond.
 */
void damon_destroy_scheme(struct damos *s)
{
	struct damos_quota_goal *g, *gnext;
	struct damos_filter *f, *fnext;

	damos_for_each_quota_goal_safe(g, gnext, &s->quota)
		damos_destroy_quota_goal(g);
	damos_for_each_filter_safe(f, fnext, s)
		damos_destroy_filter(f);
	kfree(s->dests);
	list_del(&s->list);
	kfree(s);
}

/**
 * damos_set_dests() - Give a scheme its migration destinations.
 * @s:		The scheme.
 * @dests:	The destinations, copied; may be NULL if @nr is 0.
 * @nr:		How many; 0 goes back to &damos.target_nid.
 *
 * Context: The owner of the scheme's context, or its kdamond; may sleep.
 * Return: 0 on success, -ENOMEM if the copy could not be allocated (@s
 * then keeps its destinations).
 */
int damos_set_dests(struct damos *s, const struct damos_dest *dests,
		    unsigned int nr)
{
	struct damos_dest *copy = NULL;

	if (nr) {
		copy = kmemdup_array(dests, nr, sizeof(*dests), GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
	}
	kfree(s->dests);
	s->dests = copy;
	s->nr_dests = nr;
	return 0;
}

/**
 * damos_dest_nid() - The node a migrate action sends a folio to.
 * @s:		The scheme.
 * @key:	A number that stays with the folio when it moves, such as
 *		its index in its mapping in units of its size.
 *
 * Without &damos.dests, &damos.target_nid.  Otherwise the destinations
 * interleave by weight over consecutive keys: of every sum-of-weights
 * keys, each destination gets as many as its weight, in the order of
 * &damos.dests.  Because the key moves with the folio, applying the
 * scheme again leaves it where it is.
 *
 * Context: Any.
 * Return: The node, or %NUMA_NO_NODE if every weight is 0.
 */
int damos_dest_nid(const struct damos *s, unsigned long key)
{
	unsigned long total = 0;
	unsigned int i;

	if (!s->nr_dests)
		return s->target_nid;
	for (i = 0; i < s->nr_dests; i++)
		total += s->dests[i].weight;
	if (!total)
		return NUMA_NO_NODE;
	key %= total;
	for (i = 0; i < s->nr_dests; i++) {
		if (key < s->dests[i].weight)
			return s->dests[i].nid;
		key -= s->dests[i].weight;
	}
	return NUMA_NO_NODE;
}

/**
 * damos_new_filter() - Allocate a filter.
 * @type:	What it looks at.
 * @matching:	Whether it is about the memory that matches (true) or the
 *		memory that does not (false).
 *
 * The filter rejects the memory it is about; the caller may make it allow
 * that memory instead (&damos_filter.allow), and sets the argument of
 * @type (&damos_filter.memcg_id, &damos_filter.addr_range,
 * &damos_filter.target_idx or &damos_filter.sz_range).
 *
 * Context: Process context; may sleep.
 * Return: The filter, or NULL if allocation failed.
 */
struct damos_filter *damos_new_filter(enum damos_filter_type type,
				      bool matching)
{
	struct damos_filter *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return NULL;
	f->type = type;
	f->matching = matching;
	INIT_LIST_HEAD(&f->list);
	return f;
}

/**
 * damos_add_filter() - Append a filter to a scheme.
 * @s:		The scheme.
 * @f:		The filter, which @s then owns.
 *
 * Context: The owner of the scheme's context, or its kdamond.
 */
void damos_add_filter(struct damos *s, struct damos_filter *f)
{
	list_add_tail(&f->list, &s->filters);
}

/**
 * damos_destroy_filter() - Unlink a filter and free it.
 * @f:		The filter.
 *
 * Context: The owner of the filter's scheme, or its kdamond.
 */
void damos_destroy_filter(struct damos_filter *f)
{
	list_del(&f->list);
	kfree(f);
}

/**
 * damos_new_quota_goal() - Allocate a quota goal.
 * @metric:		What it measures.
 * @target_value:	The value the quota should steer the metric to.
 *
 * Context: Process context; may sleep.
 * Return: The goal, or NULL if allocation failed.
 */
struct damos_quota_goal *damos_new_quota_goal(enum damos_goal_metric metric,
					      unsigned long target_value)
{
	struct damos_quota_goal *g;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return NULL;
	g->metric = metric;
	g->target_value = target_value;
	INIT_LIST_HEAD(&g->list);
	return g;
}

/**
 * damos_add_quota_goal() - Append a goal to a quota.
 * @q:		The quota.
 * @g:		The goal, which @q then owns.
 *
 * Context: The owner of the quota's scheme, or its kdamond.
 */
void damos_add_quota_goal(struct damos_quota *q, struct damos_quota_goal *g)
{
	list_add_tail(&g->list, &q->goals);
}

/**
 * damos_destroy_quota_goal() - Unlink a quota goal and free it.
 * @g:		The goal.
 *
 * Context: The owner of the goal's scheme, or its kdamond.
 */
void damos_destroy_quota_goal(struct damos_quota_goal *g)
{
	list_del(&g->list);
	kfree(g);
}

static unsigned int damos_nr_goals(const struct damos_quota *q)
{
	struct damos_quota_goal *g;
	unsigned int nr = 0;

	damos_for_each_quota_goal(g, q)
		nr++;
	return nr;
}

static int damos_validate_goals(const struct damos_quota *q)
{
	struct damos_quota_goal *g;

	damos_for_each_quota_goal(g, q) {
		if (g->metric >= NR_DAMOS_GOAL_METRICS || !g->target_value)
			return -EINVAL;
	}
	return 0;
}

/**
 * damos_commit_quota_goals() - Give a quota the goals of another.
 * @dst:	The quota to change; if its context runs, call this from the
 *		kdamond.
 * @src:	The quota holding the new goals.  It is not changed.
 *
 * Goals are matched by position.  A kept goal takes the metric, target and
 * current value of its counterpart (this is how user space feeds
 * %DAMOS_GOAL_USER_INPUT values in); extra goals of @dst go and missing
 * ones are added.
 *
 * Context: The owner of @dst's scheme, or its kdamond; may sleep.
 * Return: 0 on success; -EINVAL if a goal of @src has an unknown metric or
 * a zero target (@dst is then unchanged); -ENOMEM if allocating a goal
 * failed (the goals of @dst are then partly updated).
 */
int damos_commit_quota_goals(struct damos_quota *dst,
			     const struct damos_quota *src)
{
	struct damos_quota_goal *dg, *sg, *next;
	unsigned int nr_src = damos_nr_goals(src), i = 0;
	int err;

	err = damos_validate_goals(src);
	if (err)
		return err;
	dg = list_first_entry(&dst->goals, struct damos_quota_goal, list);
	damos_for_each_quota_goal(sg, src) {
		if (list_entry_is_head(dg, &dst->goals, list)) {
			dg = damos_new_quota_goal(sg->metric, sg->target_value);
			if (!dg)
				return -ENOMEM;
			damos_add_quota_goal(dst, dg);
		}
		if (dg->metric != sg->metric)
			dg->last_psi_total = 0;
		dg->metric = sg->metric;
		dg->target_value = sg->target_value;
		dg->current_value = sg->current_value;
		dg->nid = sg->nid;
		dg->memcg_id = sg->memcg_id;
		dg = list_next_entry(dg, list);
	}
	/* Goals beyond @src's count go. */
	damos_for_each_quota_goal_safe(dg, next, dst) {
		if (i++ >= nr_src)
			damos_destroy_quota_goal(dg);
	}
	return 0;
}

/* ---- DAMOS: validation and commit ---------------------------------------- */

/*
 * The DAMOS capabilities of a registered operations set: the actions it
 * applies, and the ops-layer filter types it evaluates for @action.
 */
static void damon_ops_damos_caps(enum damon_ops_id id,
				 enum damos_action action,
				 unsigned long *actions,
				 unsigned long *filter_types)
{
	const struct damon_operations *ops = &damon_registered_ops[id];

	mutex_lock(&damon_ops_lock);
	*actions = ops->actions | BIT(DAMOS_STAT);
	*filter_types = (BIT(action) & ops->filter_actions) ?
		ops->filter_types : 0;
	mutex_unlock(&damon_ops_lock);
}

/*
 * What a scheme must have to be run at all.  Settings that are well formed
 * but cannot take effect on the context's operations set (an action it
 * does not apply, a filter type it does not evaluate, a migration without
 * a memory node, watermarks out of order, a target filter of a negative
 * index) are accepted, as in Linux 6.12, and do nothing; see
 * damos_report_noops().
 */
static int damos_validate_filter(const struct damos_filter *f)
{
	if (f->type >= NR_DAMOS_FILTER_TYPES)
		return -EINVAL;
	if (f->type == DAMOS_FILTER_ADDR &&
	    f->addr_range.end < f->addr_range.start)
		return -EINVAL;
	if (f->type == DAMOS_FILTER_HUGEPAGE_SIZE &&
	    f->sz_range.max < f->sz_range.min)
		return -EINVAL;
	return 0;
}

/* Whether @s can be run at all.  Returns 0 or -EINVAL. */
static int damos_validate(const struct damos *s)
{
	struct damos_filter *f;
	int err;

	if (s->action >= NR_DAMOS_ACTIONS)
		return -EINVAL;
	if (s->wmarks.metric >= NR_DAMOS_WMARK_METRICS)
		return -EINVAL;
	err = damos_validate_goals(&s->quota);
	if (err)
		return err;
	damos_for_each_filter(f, s) {
		err = damos_validate_filter(f);
		if (err)
			return err;
	}
	return 0;
}

static int damos_validate_schemes(const struct damon_ctx *src)
{
	struct damos *s;
	int err;

	damon_for_each_scheme(s, src) {
		err = damos_validate(s);
		if (err)
			return err;
	}
	return 0;
}

static bool damos_is_memory_node(int nid)
{
	return nid >= 0 && nid < MAX_NUMNODES && node_state(nid, N_MEMORY);
}

/*
 * Whether migrations of @s have a node to go to: &damos.target_nid, or
 * with destinations, each destination of a non-zero weight.
 */
static bool damos_has_dest_node(const struct damos *s)
{
	unsigned int i;
	bool any = false;

	if (!s->nr_dests)
		return damos_is_memory_node(s->target_nid);
	for (i = 0; i < s->nr_dests; i++) {
		if (!s->dests[i].weight)
			continue;
		if (!damos_is_memory_node(s->dests[i].nid))
			return false;
		any = true;
	}
	return any;
}

/* The first setting of @s that cannot take effect, or NULL. */
static const char *damos_noop_setting(const struct damos *s,
				      unsigned long actions,
				      unsigned long filter_types)
{
	const struct damos_watermarks *w = &s->wmarks;
	struct damos_filter *f;

	if (!(BIT(s->action) & actions))
		return "its action is not one the operations set applies";
	if ((s->action == DAMOS_MIGRATE_HOT ||
	     s->action == DAMOS_MIGRATE_COLD) && !damos_has_dest_node(s))
		return s->nr_dests ?
			"a destination is not a memory node, or none weighs" :
			"target_nid is not a memory node";
	if (w->metric != DAMOS_WMARK_NONE &&
	    (w->low > w->mid || w->mid > w->high))
		return "its watermarks are out of order";
	damos_for_each_filter(f, s) {
		if (damos_filter_is_ops(f->type) &&
		    !(BIT(f->type) & filter_types))
			return "a filter type the operations set does not evaluate";
		if (f->type == DAMOS_FILTER_TARGET && f->target_idx < 0)
			return "a target filter names no target";
	}
	return NULL;
}

/**
 * damos_report_noops() - Log the scheme settings that cannot take effect.
 * @ctx:	The context, with its operations set selected.
 * @name:	How to name the context in the log, e.g. "kdamond 0".
 *
 * Schemes are accepted as long as they can run; a setting that the
 * context's operations set cannot honour makes no difference (see
 * damos_validate()).  This tells the user so: one ratelimited line per
 * such scheme, naming @name, the scheme's index and the first setting that
 * has no effect.
 *
 * Context: Process context.
 * Return: The number of schemes reported.
 */
unsigned int damos_report_noops(const struct damon_ctx *ctx, const char *name)
{
	unsigned long actions, filter_types;
	unsigned int i = 0, nr = 0;
	const char *why;
	struct damos *s;

	if (ctx->ops.id >= NR_DAMON_OPS)
		return 0;
	damon_for_each_scheme(s, ctx) {
		damon_ops_damos_caps(ctx->ops.id, s->action, &actions,
				     &filter_types);
		why = damos_noop_setting(s, actions, filter_types);
		if (why) {
			pr_notice_ratelimited("%s scheme %u: %s, so that part does nothing\n",
					      name, i, why);
			nr++;
		}
		i++;
	}
	return nr;
}

/* Copy what the owner sets of filter @src into @dst. */
static void damos_copy_filter(struct damos_filter *dst,
			      const struct damos_filter *src)
{
	dst->type = src->type;
	dst->matching = src->matching;
	dst->allow = src->allow;
	switch (src->type) {
	case DAMOS_FILTER_MEMCG:
		dst->memcg_id = src->memcg_id;
		break;
	case DAMOS_FILTER_HUGEPAGE_SIZE:
		dst->sz_range = src->sz_range;
		break;
	case DAMOS_FILTER_ADDR:
		dst->addr_range.start = ALIGN_DOWN(src->addr_range.start,
						   DAMON_MIN_REGION);
		dst->addr_range.end = ALIGN_DOWN(src->addr_range.end,
						 DAMON_MIN_REGION);
		break;
	case DAMOS_FILTER_TARGET:
		dst->target_idx = src->target_idx;
		break;
	default:
		break;
	}
}

static int damos_commit_filters(struct damos *dst, const struct damos *src)
{
	struct damos_filter *df, *sf, *next;
	unsigned int nr_src = 0, i = 0;

	df = list_first_entry(&dst->filters, struct damos_filter, list);
	damos_for_each_filter(sf, src) {
		if (list_entry_is_head(df, &dst->filters, list)) {
			df = damos_new_filter(sf->type, sf->matching);
			if (!df)
				return -ENOMEM;
			damos_add_filter(dst, df);
		}
		damos_copy_filter(df, sf);
		df = list_next_entry(df, list);
		nr_src++;
	}
	damos_for_each_filter_safe(df, next, dst) {
		if (i++ >= nr_src)
			damos_destroy_filter(df);
	}
	return 0;
}

/*
 * Give @dst the parameters of @src, keeping @dst's statistics and its
 * quota and watermark state.
 */
static int damos_commit(struct damos *dst, const struct damos *src)
{
	struct damos_quota *dq = &dst->quota;
	const struct damos_quota *sq = &src->quota;
	int err;

	err = damos_commit_quota_goals(dq, sq);
	if (err)
		return err;
	err = damos_commit_filters(dst, src);
	if (err)
		return err;
	err = damos_set_dests(dst, src->dests, src->nr_dests);
	if (err)
		return err;
	dst->pattern = src->pattern;
	dst->action = src->action;
	dst->target_nid = src->target_nid;
	if (dst->apply_interval_us != src->apply_interval_us)
		dst->next_apply_sis = 0;
	dst->apply_interval_us = src->apply_interval_us;
	/* A changed limit takes effect with a new charge window. */
	if (dq->ms != sq->ms || dq->sz != sq->sz ||
	    dq->reset_interval != sq->reset_interval)
		dq->esz = 0;
	dq->ms = sq->ms;
	dq->sz = sq->sz;
	dq->reset_interval = sq->reset_interval;
	dq->weight_sz = sq->weight_sz;
	dq->weight_nr_accesses = sq->weight_nr_accesses;
	dq->weight_age = sq->weight_age;
	dq->stop_at_goal = sq->stop_at_goal;
	if (dst->wmarks.metric != src->wmarks.metric)
		dst->wmarks.next_check = jiffies;
	dst->wmarks.metric = src->wmarks.metric;
	dst->wmarks.interval = src->wmarks.interval;
	dst->wmarks.high = src->wmarks.high;
	dst->wmarks.mid = src->wmarks.mid;
	dst->wmarks.low = src->wmarks.low;
	return 0;
}

/* Commit @src's schemes to @dst by position; @src is already validated. */
static int damos_commit_schemes(struct damon_ctx *dst,
				const struct damon_ctx *src)
{
	struct damos *ds, *ss, *next, *s;
	unsigned int nr_src = 0, i = 0;
	int err;

	ds = list_first_entry(&dst->schemes, struct damos, list);
	damon_for_each_scheme(ss, src) {
		if (list_entry_is_head(ds, &dst->schemes, list)) {
			s = damos_new(ss->action);
			if (!s)
				return -ENOMEM;
			damon_add_scheme(dst, s);
			ds = s;
		}
		err = damos_commit(ds, ss);
		if (err)
			return err;
		ds = list_next_entry(ds, list);
		nr_src++;
	}
	damon_for_each_scheme_safe(ds, next, dst) {
		if (i++ >= nr_src)
			damon_destroy_scheme(ds);
	}
	return 0;
}

/* ---- DAMOS: watermarks ---------------------------------------------------- */

static unsigned long damos_wmark_metric_value(enum damos_wmark_metric metric)
{
	switch (metric) {
	case DAMOS_WMARK_FREE_MEM_RATE:
		return global_zone_page_state(NR_FREE_PAGES) * 1000 /
			max(totalram_pages(), 1UL);
	default:
		return 0;
	}
}

/* Measure @s's watermark metric if it is time, and (de)activate @s. */
static void damos_update_activation(struct damos *s)
{
	struct damos_watermarks *w = &s->wmarks;
	unsigned long value;

	if (w->metric == DAMOS_WMARK_NONE) {
		w->activated = true;
		return;
	}
	if (time_before(jiffies, w->next_check))
		return;
	w->next_check = jiffies + usecs_to_jiffies(w->interval);
	value = damos_wmark_metric_value(w->metric);
	if (value > w->high || value < w->low)
		w->activated = false;
	else if (value < w->mid)
		w->activated = true;
	/* In [mid, high]: an active scheme stays so, an inactive one too. */
}

/*
 * Update every scheme's activation.  Returns the microseconds until the
 * next measurement if every scheme is inactive (the kdamond then has
 * nothing to sample for), or 0 if some scheme is active or there are none.
 */
static unsigned long kdamond_update_activation(struct damon_ctx *ctx)
{
	unsigned long wait = ULONG_MAX;
	bool active = false;
	struct damos *s;

	if (list_empty(&ctx->schemes))
		return 0;
	damon_for_each_scheme(s, ctx) {
		damos_update_activation(s);
		if (s->wmarks.activated)
			active = true;
		else if (time_before(jiffies, s->wmarks.next_check))
			wait = min(wait, jiffies_to_usecs(s->wmarks.next_check -
							 jiffies));
		else
			wait = 0;
	}
	if (active)
		return 0;
	/* Check the stop flag and damon_call() requests now and then. */
	return clamp(wait, USEC_PER_MSEC, 100 * USEC_PER_MSEC);
}

/* ---- DAMOS: quotas, goals and priorities ---------------------------------- */

#ifdef CONFIG_PSI
static u64 damos_psi_some_mem_total_us(void)
{
	return div_u64(READ_ONCE(psi_system.total[PSI_AVGS][PSI_MEM_SOME]),
		       NSEC_PER_USEC);
}
#else
static u64 damos_psi_some_mem_total_us(void)
{
	return 0;
}
#endif

/*
 * The memory counts of node @nid into @i; false for a node that is not
 * online or has no memory.
 */
static bool damos_node_meminfo(int nid, struct sysinfo *i)
{
	if (nid < 0 || nid >= MAX_NUMNODES || !node_online(nid))
		return false;
#ifdef CONFIG_NUMA
	si_meminfo_node(i, nid);
#else
	si_meminfo(i);
#endif
	return i->totalram;
}

/*
 * The used (@used) or free memory of node @nid, in 1/10000 of its memory;
 * 0 for a node that is not online or has no memory.
 */
static unsigned long damos_node_mem_bp(int nid, bool used)
{
	struct sysinfo i;

	if (!damos_node_meminfo(nid, &i))
		return 0;
	return mult_frac(used ? i.totalram - i.freeram : i.freeram, 10000,
			 i.totalram);
}

/*
 * The memory of node @nid on the LRU lists of memory cgroup @memcg_id
 * (@used) or the rest of the node's memory, in 1/10000 of the node's
 * memory; 0 for a node that is not online or has no memory.
 */
static unsigned long damos_node_memcg_bp(int nid, unsigned short memcg_id,
					 bool used)
{
	unsigned long pages = 0;
#ifdef CONFIG_MEMCG
	struct mem_cgroup *memcg;
	enum lru_list lru;
#endif
	struct sysinfo i;

	if (!damos_node_meminfo(nid, &i))
		return 0;
#ifdef CONFIG_MEMCG
	rcu_read_lock();
	memcg = mem_cgroup_from_id(memcg_id);
	if (memcg) {
		struct lruvec *lruvec = mem_cgroup_lruvec(memcg, NODE_DATA(nid));

		for_each_evictable_lru(lru)
			pages += lruvec_page_state(lruvec, NR_LRU_BASE + lru);
	}
	rcu_read_unlock();
#endif
	pages = min(pages, i.totalram);
	return mult_frac(used ? pages : i.totalram - pages, 10000, i.totalram);
}

/*
 * The memory on the active (@active) or inactive LRU lists, in 1/10000 of
 * the memory on any LRU list; 0 when nothing is on one.
 */
static unsigned long damos_lru_mem_bp(bool active)
{
	unsigned long act, inact;

	act = global_node_page_state(NR_ACTIVE_ANON) +
	      global_node_page_state(NR_ACTIVE_FILE);
	inact = global_node_page_state(NR_INACTIVE_ANON) +
		global_node_page_state(NR_INACTIVE_FILE);
	if (!act && !inact)
		return 0;
	return mult_frac(active ? act : inact, 10000, act + inact);
}

/* Refresh the measured goals' current values, once per charge window. */
static void damos_measure_goals(struct damos_quota *q)
{
	struct damos_quota_goal *g;
	u64 total;

	damos_for_each_quota_goal(g, q) {
		switch (g->metric) {
		case DAMOS_GOAL_SOME_MEM_PSI_US:
			total = damos_psi_some_mem_total_us();
			/* The first window has nothing to compare with. */
			if (g->last_psi_total)
				g->current_value = total - g->last_psi_total;
			g->last_psi_total = total;
			break;
		case DAMOS_GOAL_NODE_MEM_USED_BP:
			g->current_value = damos_node_mem_bp(g->nid, true);
			break;
		case DAMOS_GOAL_NODE_MEM_FREE_BP:
			g->current_value = damos_node_mem_bp(g->nid, false);
			break;
		case DAMOS_GOAL_NODE_MEMCG_USED_BP:
			g->current_value = damos_node_memcg_bp(g->nid,
							       g->memcg_id, true);
			break;
		case DAMOS_GOAL_NODE_MEMCG_FREE_BP:
			g->current_value = damos_node_memcg_bp(g->nid,
							       g->memcg_id, false);
			break;
		case DAMOS_GOAL_ACTIVE_MEM_BP:
			g->current_value = damos_lru_mem_bp(true);
			break;
		case DAMOS_GOAL_INACTIVE_MEM_BP:
			g->current_value = damos_lru_mem_bp(false);
			break;
		default:
			break;
		}
	}
}

/*
 * How far the goals are met, in basis points of their targets: the
 * highest over all goals, as the least pressing goal decides.
 */
static u64 damos_goals_score(const struct damos_quota *q)
{
	struct damos_quota_goal *g;
	u64 score = 0;

	damos_for_each_quota_goal(g, q)
		score = max(score, div64_u64((u64)g->current_value * 10000,
					     g->target_value));
	return score;
}

/*
 * One step of the goals' feedback loop: grow the size the goals ask for by
 * the share by which they are missed (at most doubling it), or shrink it by
 * the share by which they are exceeded, never below one page.
 */
static u64 damos_next_goal_sz(u64 last, u64 score)
{
	u64 step;

	if (!last)
		return DAMON_MIN_REGION;
	if (score < 10000) {
		step = mult_frac(last, 10000 - score, 10000);
		last = last > U64_MAX - step ? U64_MAX : last + step;
	} else {
		step = mult_frac(last, min_t(u64, score - 10000, 10000), 10000);
		last -= step;
	}
	return max_t(u64, last, DAMON_MIN_REGION);
}

/* Set the effective size quota of a new charge window. */
static void damos_set_effective_quota(struct damos_quota *q)
{
	u64 esz = U64_MAX, speed, lim;

	if (q->ms) {
		/* Bytes per millisecond, guessed until something was charged. */
		if (q->total_charged_ns)
			speed = div64_u64((u64)q->total_charged_sz * NSEC_PER_MSEC,
					  q->total_charged_ns);
		else
			speed = 1024 * DAMON_MIN_REGION;
		if (check_mul_overflow(speed, (u64)q->ms, &lim))
			lim = U64_MAX;
		esz = max_t(u64, lim, DAMON_MIN_REGION);
	}
	if (q->sz)
		esz = min_t(u64, esz, q->sz);
	if (!list_empty(&q->goals)) {
		u64 score;

		damos_measure_goals(q);
		score = damos_goals_score(q);
		/*
		 * The goals' size does not grow past the other limits: it
		 * would only wind up while they bind, and then take many
		 * windows to come down once the goal is met.
		 */
		if (q->stop_at_goal && score >= 10000)
			q->goal_sz = DAMON_MIN_REGION;
		else
			q->goal_sz = min(damos_next_goal_sz(q->goal_sz, score),
					 esz);
		esz = q->goal_sz;
	}
	q->esz = min_t(u64, esz, ULONG_MAX);
}

/* Whether @q limits anything at all. */
static bool damos_quota_limits(const struct damos_quota *q)
{
	return q->ms || q->sz || !list_empty(&q->goals);
}

static bool damos_pattern_matches(const struct damon_ctx *ctx,
				  const struct damon_region *r,
				  const struct damos *s)
{
	const struct damos_pattern *p = &s->pattern;
	unsigned long sz = damon_sz_region(r);
	unsigned int nr = r->nr_accesses_bp / DAMON_BP_PER_ACCESS;

	return p->min_sz <= sz && sz <= p->max_sz &&
		p->min_nr_accesses <= nr && nr <= p->max_nr_accesses &&
		p->min_age <= r->age && r->age <= p->max_age;
}

/* Whether @action is for hot memory, cold memory, or neither. */
static int damos_action_temperature(enum damos_action action)
{
	switch (action) {
	case DAMOS_WILLNEED:
	case DAMOS_HUGEPAGE:
	case DAMOS_LRU_PRIO:
	case DAMOS_MIGRATE_HOT:
		return 1;
	case DAMOS_COLD:
	case DAMOS_PAGEOUT:
	case DAMOS_NOHUGEPAGE:
	case DAMOS_LRU_DEPRIO:
	case DAMOS_MIGRATE_COLD:
		return -1;
	default:
		return 0;
	}
}

/* Ages past 2^DAMOS_AGE_LOG_MAX seconds all count as the oldest. */
#define DAMOS_AGE_LOG_MAX	20
/* Region sizes past 2^DAMOS_SZ_LOG_MAX pages all count as the largest. */
#define DAMOS_SZ_LOG_MAX	30

/*
 * The priority of applying @s to @r, in [0, DAMOS_MAX_SCORE]: a weighted
 * mean of three percentages.  Access frequency is the share of samples
 * that saw an access.  Age, on a log scale of seconds, stretches it: old
 * busy regions are hotter, old idle ones colder.  For a cold action both
 * are turned around, so the coldest memory scores highest.  Size, also on
 * a log scale, favours large regions whatever the action.
 */
static unsigned int damos_score(const struct damon_ctx *ctx,
				const struct damon_region *r,
				const struct damos *s)
{
	const struct damos_quota *q = &s->quota;
	unsigned int max_nr = damon_max_nr_accesses(&ctx->attrs);
	unsigned int nr = r->nr_accesses_bp / DAMON_BP_PER_ACCESS;
	int temperature = damos_action_temperature(s->action);
	u64 wsum = (u64)q->weight_sz + q->weight_nr_accesses + q->weight_age;
	unsigned int freq, age, sz;
	u64 age_sec, score;

	if (!temperature || !wsum)
		return DAMOS_MAX_SCORE;
	freq = min(nr, max_nr) * 100 / max_nr;
	age_sec = div_u64((u64)r->age * ctx->attrs.aggr_interval, USEC_PER_SEC);
	age = min(fls64(age_sec), DAMOS_AGE_LOG_MAX) * 100 / DAMOS_AGE_LOG_MAX;
	age = freq ? 50 + age / 2 : 50 - age / 2;
	sz = min_t(unsigned int, fls_long(damon_sz_region(r) / DAMON_MIN_REGION),
		   DAMOS_SZ_LOG_MAX) * 100 / DAMOS_SZ_LOG_MAX;
	if (temperature < 0) {
		freq = 100 - freq;
		age = 100 - age;
	}
	score = (u64)q->weight_nr_accesses * freq + (u64)q->weight_age * age +
		(u64)q->weight_sz * sz;
	return div64_u64(score * DAMOS_MAX_SCORE, wsum * 100);
}

/*
 * Find the lowest score whose regions, together with all better scored
 * ones, still fit in the effective quota: only those are applied to.
 */
static void damos_set_min_score(struct damon_ctx *ctx, struct damos *s)
{
	unsigned long hist[DAMOS_MAX_SCORE + 1] = {};
	struct damos_quota *q = &s->quota;
	unsigned long total = 0;
	struct damon_target *t;
	struct damon_region *r;
	int score;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			if (damos_pattern_matches(ctx, r, s))
				hist[damos_score(ctx, r, s)] += damon_sz_region(r);
		}
	}
	for (score = DAMOS_MAX_SCORE; score > 0; score--) {
		total += hist[score];
		if (total >= q->esz)
			break;
	}
	q->min_score = score;
}

/* Start a new charge window if the current one is over, then rank. */
static void damos_adjust_quota(struct damon_ctx *ctx, struct damos *s)
{
	struct damos_quota *q = &s->quota;
	unsigned long window_end;

	if (!damos_quota_limits(q)) {
		q->esz = 0;
		q->charge_target_from = -1;
		return;
	}
	window_end = q->charged_from + msecs_to_jiffies(q->reset_interval);
	if (!q->esz ||
	    !time_in_range_open(jiffies, q->charged_from, window_end)) {
		if (q->esz && q->charged_sz >= q->esz)
			s->stat.qt_exceeds++;
		q->total_charged_sz += q->charged_sz;
		q->charged_sz = 0;
		q->charged_from = jiffies;
		damos_set_effective_quota(q);
	}
	if (q->charged_sz < q->esz)
		damos_set_min_score(ctx, s);
}

/* ---- DAMOS: applying ------------------------------------------------------ */

/*
 * Whether the core layer of the filters of @s (address and target filters)
 * rejects @r; see &struct damos_filter for the rules.  An address filter
 * first splits @r at its range's ends, so that @r lies wholly in or out of
 * the range.
 */
static bool damos_core_filtered_out(struct damon_target *t, unsigned int ti,
				    struct damon_region *r, struct damos *s)
{
	bool has_ops = false, last_allow = false;
	struct damos_filter *f;
	unsigned long at;
	bool matched;

	damos_for_each_filter(f, s) {
		switch (f->type) {
		case DAMOS_FILTER_ADDR:
			at = 0;
			if (r->ar.start < f->addr_range.start &&
			    f->addr_range.start < r->ar.end)
				at = f->addr_range.start;
			else if (r->ar.start < f->addr_range.end &&
				 f->addr_range.end < r->ar.end)
				at = f->addr_range.end;
			/* Unsplit, @r would be half in: leave it alone. */
			if (at && !damon_split_region_at(r, at, t))
				return true;
			matched = f->addr_range.start <= r->ar.start &&
				r->ar.end <= f->addr_range.end;
			break;
		case DAMOS_FILTER_TARGET:
			matched = f->target_idx >= 0 &&
				(unsigned int)f->target_idx == ti;
			break;
		default:
			has_ops = true;
			continue;
		}
		if (matched == f->matching)
			return !f->allow;
		last_allow = f->allow;
	}
	/* No core filter is about @r: the default of the layer. */
	return !has_ops && last_allow;
}

/*
 * Whether @s must skip @r because the previous charge window ran out of
 * quota later in the address space: each window resumes where the last
 * one stopped, so a binding quota does not always favour low addresses.
 */
static bool damos_skip_charged(struct damon_target *t, unsigned int ti,
			       struct damon_region *r, struct damos *s)
{
	struct damos_quota *q = &s->quota;

	if (q->charge_target_from < 0)
		return false;
	if (ti < q->charge_target_from)
		return true;
	if (ti == q->charge_target_from) {
		if (r->ar.end <= q->charge_addr_from)
			return true;
		if (r->ar.start < q->charge_addr_from) {
			/* Skip the charged lower part; the rest comes next. */
			damon_split_region_at(r, q->charge_addr_from, t);
			return true;
		}
	}
	q->charge_target_from = -1;
	return false;
}

/* The index of @s in @ctx's schemes, for the tracepoint. */
static unsigned int damos_index(const struct damon_ctx *ctx,
				const struct damos *s)
{
	struct damos *p;
	unsigned int i = 0;

	damon_for_each_scheme(p, ctx) {
		if (p == s)
			break;
		i++;
	}
	return i;
}

static void kdamond_walk_call(struct damon_ctx *ctx,
			      struct damos_walk_control *walk,
			      struct damon_target *t, struct damon_region *r,
			      struct damos *s, unsigned long sz_filter_passed);

/* Try @s on region @r of target @t (the @ti-th of @ctx). */
static void damos_try_apply(struct damon_ctx *ctx, struct damon_target *t,
			    unsigned int ti, struct damon_region *r,
			    struct damos *s, struct damos_walk_control *walk)
{
	struct damos_quota *q = &s->quota;
	unsigned long sz, applied = 0, passed = 0;
	u64 begin;

	if (q->esz && q->charged_sz >= q->esz)
		return;
	if (damos_skip_charged(t, ti, r, s))
		return;
	if (!damos_pattern_matches(ctx, r, s))
		return;
	if (q->esz && damos_score(ctx, r, s) < q->min_score)
		return;
	/* Filters may split @r: check its size again. */
	if (damos_core_filtered_out(t, ti, r, s) ||
	    !damos_pattern_matches(ctx, r, s))
		return;
	if (q->esz && q->charged_sz + damon_sz_region(r) > q->esz) {
		sz = ALIGN_DOWN(q->esz - q->charged_sz, DAMON_MIN_REGION);
		if (!sz || !damon_split_region_at(r, r->ar.start + sz, t)) {
			/* Less than a page left: the window is spent. */
			q->charged_sz = q->esz;
			q->charge_target_from = ti;
			q->charge_addr_from = r->ar.start;
			return;
		}
	}
	sz = damon_sz_region(r);

	if (trace_damos_before_apply_enabled())
		trace_damos_before_apply(damos_index(ctx, s), ti, r,
					 t->nr_regions);
	begin = ktime_get_ns();
	/* "stat" too: the ops set may count what its filters let through. */
	if (ctx->ops.apply_scheme)
		applied = ctx->ops.apply_scheme(ctx, t, r, s, &passed);
	if (s->action == DAMOS_STAT)
		applied = 0;
	q->total_charged_ns += ktime_get_ns() - begin;
	if (walk && !s->walked)
		kdamond_walk_call(ctx, walk, t, r, s, passed);
	q->charged_sz += sz;
	/* Where the next window resumes, unless this is the very end. */
	if (q->esz && q->charged_sz >= q->esz &&
	    !(damon_is_last_region(r, t) &&
	      list_is_last(&t->list, &ctx->targets))) {
		q->charge_target_from = ti;
		q->charge_addr_from = r->ar.end;
	}
	if (s->action != DAMOS_STAT)
		r->age = 0;

	s->stat.nr_tried++;
	s->stat.sz_tried += sz;
	s->stat.sz_ops_filter_passed += passed;
	if (applied) {
		s->stat.nr_applied++;
		s->stat.sz_applied += applied;
	}
}

/* Whether @s is to be applied in this pass. */
static bool damos_is_due(const struct damon_ctx *ctx, const struct damos *s,
			 bool aggregating)
{
	if (!s->wmarks.activated)
		return false;
	if (!s->apply_interval_us)
		return aggregating;
	return ctx->passed_sample_intervals >= s->next_apply_sis;
}

/*
 * The pending damos_walk() of @ctx, or NULL; a new one starts here.
 *
 * A waiter that gets a signal takes its walk back (see damos_walk()), so
 * the kdamond may hold a pointer to a walk that is gone: it uses it only
 * after seeing, under call_lock, that it is still &damon_ctx.walk and
 * started.  An abandoned walk's memory may hold a new walk by then; that
 * one is not started before the next pass, so nothing of this pass
 * reaches it.
 */
static struct damos_walk_control *kdamond_walk(struct damon_ctx *ctx)
{
	struct damos_walk_control *walk;
	struct damos *s;

	mutex_lock(&ctx->call_lock);
	walk = ctx->walk;
	if (walk && !walk->started) {
		walk->started = true;
		damon_for_each_scheme(s, ctx)
			s->walked = false;
	}
	mutex_unlock(&ctx->call_lock);
	return walk;
}

/* Whether @walk is still the walk of @ctx.  Called with call_lock held. */
static bool kdamond_walk_attached(struct damon_ctx *ctx,
				  struct damos_walk_control *walk)
{
	lockdep_assert_held(&ctx->call_lock);
	return walk && ctx->walk == walk && walk->started;
}

/* Show region @r of target @t, tried by @s, to @walk if it still waits. */
static void kdamond_walk_call(struct damon_ctx *ctx,
			      struct damos_walk_control *walk,
			      struct damon_target *t, struct damon_region *r,
			      struct damos *s, unsigned long sz_filter_passed)
{
	mutex_lock(&ctx->call_lock);
	if (kdamond_walk_attached(ctx, walk))
		walk->walk_fn(walk->data, ctx, t, r, s, sz_filter_passed);
	mutex_unlock(&ctx->call_lock);
}

/* Finish the pending walk once every active scheme has been seen. */
static void kdamond_walk_check_done(struct damon_ctx *ctx,
				    struct damos_walk_control *walk)
{
	struct damos *s;

	if (!walk)
		return;
	damon_for_each_scheme(s, ctx) {
		if (s->wmarks.activated && !s->walked)
			return;
	}
	mutex_lock(&ctx->call_lock);
	if (!kdamond_walk_attached(ctx, walk)) {
		mutex_unlock(&ctx->call_lock);
		return;
	}
	ctx->walk = NULL;
	mutex_unlock(&ctx->call_lock);
	complete(&walk->done);
}

/*
 * Apply the schemes that are due: those whose apply interval has passed,
 * or, for schemes applied per aggregation, when @aggregating.
 */
static void kdamond_apply_schemes(struct damon_ctx *ctx, bool aggregating)
{
	struct damos_walk_control *walk = kdamond_walk(ctx);
	struct damon_target *t;
	struct damon_region *r;
	struct damos *s;
	unsigned int ti = 0;
	bool any = false;

	damon_for_each_scheme(s, ctx) {
		if (!damos_is_due(ctx, s, aggregating))
			continue;
		damos_adjust_quota(ctx, s);
		any = true;
	}
	if (!any)
		goto check_walk;

	damon_for_each_target(t, ctx) {
		/* Splits insert after @r, so the loop visits the pieces too. */
		damon_for_each_region(r, t) {
			damon_for_each_scheme(s, ctx) {
				if (damos_is_due(ctx, s, aggregating))
					damos_try_apply(ctx, t, ti, r, s, walk);
			}
		}
		ti++;
	}

	damon_for_each_scheme(s, ctx) {
		if (!damos_is_due(ctx, s, aggregating))
			continue;
		if (s->apply_interval_us)
			s->next_apply_sis = ctx->passed_sample_intervals +
				damon_us_to_samples(&ctx->attrs,
						    s->apply_interval_us);
		/* A pass that did not use the quota up ends any resume point. */
		if (!s->quota.esz || s->quota.charged_sz < s->quota.esz)
			s->quota.charge_target_from = -1;
		if (walk)
			s->walked = true;
	}
check_walk:
	kdamond_walk_check_done(ctx, walk);
}

/*
 * Give every scheme of a starting kdamond a fresh schedule and quota, and
 * its address filters page-aligned ranges.
 */
static void kdamond_init_schemes(struct damon_ctx *ctx)
{
	struct damos *s;

	struct damos_filter *f;

	damon_for_each_scheme(s, ctx) {
		damos_for_each_filter(f, s)
			damos_copy_filter(f, f);
		s->next_apply_sis = s->apply_interval_us ?
			damon_us_to_samples(&ctx->attrs, s->apply_interval_us) : 0;
		s->wmarks.activated = false;
		s->wmarks.next_check = jiffies;
		s->quota.esz = 0;
		s->quota.charged_sz = 0;
		s->quota.charge_target_from = -1;
	}
}

/**
 * damos_walk() - Look at the regions a running context's schemes are
 * tried on.
 * @ctx:	The context.
 * @control:	The function to call and its data; see
 *		&struct damos_walk_control.
 *
 * From the next application of schemes on, @control->walk_fn is called
 * for every region a scheme is tried on, once per scheme: a scheme's
 * second application is not shown.  Schemes that watermarks keep
 * inactive are not waited for.
 *
 * Context: Process context; sleeps until every active scheme was applied
 * once, which takes up to the longest apply interval of them, or until a
 * signal comes.  Must not be called from the kdamond itself.
 * Return: 0 when done; -EINVAL if the kdamond is not running; -EBUSY if
 * another walk of @ctx is pending; -ECANCELED if the kdamond stopped
 * before the walk was done, or -EINTR if a signal came first (in both
 * cases @control->walk_fn may have been called for some schemes, and is
 * not called any more).
 */
int damos_walk(struct damon_ctx *ctx, struct damos_walk_control *control)
{
	int err = 0;

	init_completion(&control->done);
	control->canceled = false;
	control->started = false;

	mutex_lock(&ctx->kdamond_lock);
	if (!ctx->kdamond) {
		err = -EINVAL;
	} else {
		mutex_lock(&ctx->call_lock);
		if (ctx->walk)
			err = -EBUSY;
		else
			ctx->walk = control;
		mutex_unlock(&ctx->call_lock);
	}
	mutex_unlock(&ctx->kdamond_lock);
	if (err)
		return err;

	/*
	 * Waits as long as the apply intervals: the kdamond's intervals
	 * may be hours long, so let a signal end the wait.
	 */
	if (wait_for_completion_interruptible(&control->done)) {
		bool detached;

		mutex_lock(&ctx->call_lock);
		detached = ctx->walk == control;
		if (detached)
			ctx->walk = NULL;
		mutex_unlock(&ctx->call_lock);
		if (detached)
			return -EINTR;
		/* The kdamond has just finished or cancelled it. */
		wait_for_completion(&control->done);
	}
	return control->canceled ? -ECANCELED : 0;
}

static int damon_apply_min_nr_regions(struct damon_ctx *ctx);

/* Give @dst the pid and, if @src has any, the regions of @src. */
static int damon_commit_target(struct damon_target *dst,
			       const struct damon_target *src)
{
	struct damon_addr_range *ranges;
	struct damon_region *r;
	unsigned int i = 0;
	int err;

	if (dst->pid != src->pid) {
		put_pid(dst->pid);
		dst->pid = get_pid(src->pid);
	}
	/* No regions given: keep the current ones and their results. */
	if (!src->nr_regions)
		return 0;
	ranges = kmalloc_array(src->nr_regions, sizeof(*ranges), GFP_KERNEL);
	if (!ranges)
		return -ENOMEM;
	damon_for_each_region(r, src)
		ranges[i++] = r->ar;
	err = damon_set_regions(dst, ranges, src->nr_regions);
	kfree(ranges);
	return err;
}

/**
 * damon_commit_ctx() - Give a context the parameters of another.
 * @dst:	The context to change; if it runs, call this from its kdamond
 *		(see damon_call()).
 * @src:	A context holding the new parameters: attributes, operations
 *		set, targets and schemes.  It is not changed.
 *
 * Targets are matched by position: the i-th target of @dst takes the pid
 * of the i-th target of @src and, if that has regions, its regions (keeping
 * the results of the parts that overlap); otherwise @dst's regions and
 * results stay.  Extra targets of @dst are removed and missing ones added.
 * Schemes are matched by position too: a kept scheme takes every
 * parameter of its counterpart but keeps its statistics and its quota and
 * watermark state.  Then the operations set may find regions for targets
 * that have none, and regions are split to reach the minimum count.
 *
 * Context: The owner of @dst, or its kdamond; may sleep.
 * Return: 0 on success; -EINVAL if @src has invalid attributes, an
 * unregistered operations set, invalid regions, or a scheme the operations
 * set cannot run (an action it cannot apply, a filter type it does not
 * evaluate, a migration to a node without memory, a quota goal with a zero
 * target, watermarks out of order), in which case @dst is unchanged;
 * -ENOMEM on allocation failure, which may leave @dst partly updated.
 */
int damon_commit_ctx(struct damon_ctx *dst, const struct damon_ctx *src)
{
	struct damon_target *dt, *st, *next;
	struct damon_region *r;
	struct damos *s;
	int err;

	err = damon_validate_attrs(&src->attrs);
	if (err)
		return err;
	if (!damon_is_registered_ops(src->ops.id) ||
	    !damon_ops_samples(&src->ops, &src->attrs))
		return -EINVAL;
	damon_for_each_target(st, src) {
		struct damon_addr_range prev = {};

		damon_for_each_region(r, st) {
			if (r->ar.start >= r->ar.end || r->ar.start < prev.end)
				return -EINVAL;
			prev = r->ar;
		}
	}
	err = damos_validate_schemes(src);
	if (err)
		return err;

	err = damon_commit_attrs(dst, src);
	if (err)
		return err;
	err = damon_select_ops(dst, src->ops.id);
	if (err)
		return err;

	dt = list_first_entry_or_null(&dst->targets, struct damon_target, list);
	damon_for_each_target(st, src) {
		if (!dt) {
			dt = damon_new_target();
			if (!dt)
				return -ENOMEM;
			damon_add_target(dst, dt);
		}
		err = damon_commit_target(dt, st);
		if (err)
			return err;
		dt = list_is_last(&dt->list, &dst->targets) ? NULL :
			list_next_entry(dt, list);
	}
	/* Targets beyond @src's count go. */
	while (dt) {
		next = list_is_last(&dt->list, &dst->targets) ? NULL :
			list_next_entry(dt, list);
		damon_destroy_target(dt);
		dt = next;
	}

	err = damos_commit_schemes(dst, src);
	if (err)
		return err;
	/*
	 * The committed schemes give their age bounds in @src's aggregation
	 * intervals, which may not be the tuned ones damon_commit_attrs()
	 * kept.
	 */
	damon_for_each_scheme(s, dst)
		s->age_aggr_us = 0;
	damos_set_ages(dst, src->attrs.aggr_interval, dst->attrs.aggr_interval);

	if (dst->ops.setup)
		dst->ops.setup(dst);
	return damon_apply_min_nr_regions(dst);
}

/* ---- adaptive regions ---------------------------------------------------- */

static unsigned long damon_total_size(struct damon_ctx *ctx)
{
	unsigned long sz = 0;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx)
		damon_for_each_region(r, t)
			sz += damon_sz_region(r);
	return sz;
}

static unsigned int damon_total_nr_regions(struct damon_ctx *ctx)
{
	unsigned int n = 0;
	struct damon_target *t;

	damon_for_each_target(t, ctx)
		n += t->nr_regions;
	return n;
}

/*
 * The biggest a region may grow by merging: the monitored size divided by
 * the minimum number of regions, so merging alone never takes the count
 * below the minimum.
 */
static unsigned long damon_region_sz_limit(struct damon_ctx *ctx)
{
	unsigned long sz = damon_total_size(ctx) / ctx->attrs.min_nr_regions;

	return max(ALIGN_DOWN(sz, DAMON_MIN_REGION), DAMON_MIN_REGION);
}

/*
 * Split regions larger than the merge limit into even pieces, so that a
 * context starts (and continues after a region update) with at least
 * min_nr_regions regions wherever the sizes allow it.
 */
static int damon_apply_min_nr_regions(struct damon_ctx *ctx)
{
	unsigned long limit = damon_region_sz_limit(ctx);
	struct damon_target *t;
	struct damon_region *r, *next;

	damon_for_each_target(t, ctx) {
		damon_for_each_region_safe(r, next, t) {
			while (damon_sz_region(r) > limit) {
				r = damon_split_region_at(r, r->ar.start + limit, t);
				if (!r)
					return -ENOMEM;
			}
		}
	}
	return 0;
}

/* Merge @r into @l, its lower neighbour, averaging by size. */
static void damon_merge_two(struct damon_target *t, struct damon_region *l,
			    struct damon_region *r)
{
	unsigned long sl = damon_sz_region(l), sr = damon_sz_region(r);
	unsigned long total = sl + sr;

	l->nr_accesses = ((u64)l->nr_accesses * sl +
			  (u64)r->nr_accesses * sr) / total;
	l->last_nr_accesses = ((u64)l->last_nr_accesses * sl +
			       (u64)r->last_nr_accesses * sr) / total;
	l->age = ((u64)l->age * sl + (u64)r->age * sr) / total;
	l->nr_accesses_bp = l->nr_accesses * DAMON_BP_PER_ACCESS;
	l->ar.end = r->ar.end;
	damon_destroy_region(r, t);
}

/*
 * One merge pass over @t: adjacent regions whose access counts differ by
 * at most @thres merge while the result stays within @sz_limit.
 */
static void damon_merge_target(struct damon_target *t, unsigned int thres,
			       unsigned long sz_limit)
{
	struct damon_region *r, *next, *prev = NULL;

	damon_for_each_region_safe(r, next, t) {
		if (prev && prev->ar.end == r->ar.start &&
		    abs((int)prev->nr_accesses - (int)r->nr_accesses) <= thres &&
		    damon_sz_region(prev) + damon_sz_region(r) <= sz_limit) {
			damon_merge_two(t, prev, r);
			continue;
		}
		prev = r;
	}
}

/*
 * Age regions whose access count stayed within @thres of the previous
 * aggregation, and restart the age of the others.
 */
static void damon_age_regions(struct damon_ctx *ctx, unsigned int thres)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			if (abs((int)r->nr_accesses - (int)r->last_nr_accesses) > thres)
				r->age = 0;
			else if (r->age < UINT_MAX)
				r->age++;
		}
	}
}

/*
 * Merge regions at an aggregation.  A pass that leaves more than
 * max_nr_regions is repeated with a doubled threshold, until the threshold
 * reaches the most accesses a region can have.
 */
static void damon_merge_regions(struct damon_ctx *ctx, unsigned int thres,
				unsigned long sz_limit)
{
	unsigned int max_thres = damon_max_nr_accesses(&ctx->attrs);
	struct damon_target *t;

	for (;;) {
		damon_for_each_target(t, ctx)
			damon_merge_target(t, thres, sz_limit);
		if (damon_total_nr_regions(ctx) <= ctx->attrs.max_nr_regions ||
		    thres >= max_thres)
			break;
		thres = min(max(thres * 2, 1U), max_thres);
	}
}

/* Split @r into @nr_pieces at random points between 10% and 90%. */
static void damon_split_region_randomly(struct damon_target *t,
					struct damon_region *r,
					unsigned int nr_pieces)
{
	unsigned int i;

	for (i = 1; i < nr_pieces; i++) {
		unsigned long sz = damon_sz_region(r), at;

		if (sz < 2 * DAMON_MIN_REGION)
			return;
		at = r->ar.start + sz / 10 + damon_rand(0, sz * 8 / 10 + 1);
		at = ALIGN_DOWN(at, DAMON_MIN_REGION);
		if (at <= r->ar.start || at >= r->ar.end)
			at = r->ar.start + ALIGN_DOWN(sz / 2, DAMON_MIN_REGION);
		r = damon_split_region_at(r, at, t);
		if (!r)
			return;
	}
}

/*
 * Split regions while there are at most half the maximum of them, so that
 * the next aggregations can find finer access patterns.  Every region of
 * two pages or more splits: a hot page with a cold neighbour in a
 * two-page region would otherwise stay there for good, reported at half
 * its frequency, with the cold page reported hot.  Regions split in
 * three instead of two when the count before this split is the count
 * before the last one (the merges since undid it) and there is room for
 * it: a middle piece can then cut a hot spot out of a big region at once.
 */
static void damon_split_regions(struct damon_ctx *ctx)
{
	unsigned int nr = damon_total_nr_regions(ctx);
	unsigned int pieces = 2;
	struct damon_target *t;
	struct damon_region *r, *next;

	if (nr > ctx->attrs.max_nr_regions / 2)
		return;
	if (nr == ctx->last_nr_regions && nr < ctx->attrs.max_nr_regions / 3)
		pieces = 3;
	damon_for_each_target(t, ctx) {
		damon_for_each_region_safe(r, next, t) {
			if (damon_sz_region(r) >= 2 * DAMON_MIN_REGION)
				damon_split_region_randomly(t, r, pieces);
		}
	}
	ctx->last_nr_regions = nr;
}

/* Hand out the finished aggregation and restart the counts. */
static void damon_reset_aggregated(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	unsigned int ti = 0;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			trace_damon_aggregated(ti, r, t->nr_regions);
			r->last_nr_accesses = r->nr_accesses;
			r->nr_accesses_bp = r->nr_accesses * DAMON_BP_PER_ACCESS;
			r->nr_accesses = 0;
		}
		ti++;
	}
}

/* ---- the kdamond --------------------------------------------------------- */

/* Run the damon_call() requests queued so far. */
static void kdamond_handle_calls(struct damon_ctx *ctx)
{
	struct damon_call_control *c;

	for (;;) {
		mutex_lock(&ctx->call_lock);
		c = list_first_entry_or_null(&ctx->calls,
					     struct damon_call_control, list);
		if (c)
			list_del_init(&c->list);
		mutex_unlock(&ctx->call_lock);
		if (!c)
			return;
		c->ret = c->fn(ctx, c->data);
		complete(&c->done);
	}
}

/*
 * The repeated calls, without @call_lock held (the functions may try locks
 * that damon_call() callers hold); new ones queued meanwhile wait for the
 * next round.
 */
static void kdamond_handle_repeat_calls(struct damon_ctx *ctx)
{
	struct damon_call_control *c;
	LIST_HEAD(calls);

	mutex_lock(&ctx->call_lock);
	list_splice_init(&ctx->repeat_calls, &calls);
	mutex_unlock(&ctx->call_lock);
	list_for_each_entry(c, &calls, list)
		c->ret = c->fn(ctx, c->data);
	mutex_lock(&ctx->call_lock);
	list_splice(&calls, &ctx->repeat_calls);
	mutex_unlock(&ctx->call_lock);
}

/* Fail the requests and the walk still pending when the kdamond ends. */
static void kdamond_cancel_calls(struct damon_ctx *ctx)
{
	struct damon_call_control *c, *next;

	lockdep_assert_held(&ctx->kdamond_lock);
	mutex_lock(&ctx->call_lock);
	list_splice_tail_init(&ctx->repeat_calls, &ctx->calls);
	list_for_each_entry_safe(c, next, &ctx->calls, list) {
		list_del_init(&c->list);
		c->ret = -ECANCELED;
		complete(&c->done);
	}
	if (ctx->walk) {
		ctx->walk->canceled = true;
		complete(&ctx->walk->done);
		ctx->walk = NULL;
	}
	mutex_unlock(&ctx->call_lock);
}

/*
 * Whether the kdamond has something to monitor, as Linux 6.12 judges it:
 * an operations set without &damon_operations.target_alive (paddr) always
 * has, even with no targets; others while any target is alive.
 */
static bool kdamond_has_valid_target(struct damon_ctx *ctx)
{
	struct damon_target *t;

	if (!ctx->ops.target_alive)
		return true;
	damon_for_each_target(t, ctx) {
		if (ctx->ops.target_alive(t))
			return true;
	}
	return false;
}

/*
 * The longest a damon_call() waits for a sleeping kdamond: longer sleeps
 * end early when a request comes (see kdamond_sleep()).
 */
#define KDAMOND_CALL_WAIT_US	(100 * USEC_PER_MSEC)

/* Whether damon_call() requests wait.  A hint: call_lock is not taken. */
static bool kdamond_has_calls(struct damon_ctx *ctx)
{
	return !list_empty_careful(&ctx->calls);
}

/*
 * Sleep for @usecs, or until the kdamond is asked to stop.  The sleep is
 * idle, so a kdamond waiting between samples adds nothing to the load.
 * A sleep longer than KDAMOND_CALL_WAIT_US also ends when a damon_call()
 * request comes (damon_call() wakes the kdamond): a request waits no more
 * than that for the next sample, however long the sampling interval.
 * Sleeps too long for a ktime (centuries) are cut to the longest one.
 */
static void kdamond_sleep(struct damon_ctx *ctx, unsigned long usecs)
{
	u64 nsecs = usecs > (u64)KTIME_MAX / NSEC_PER_USEC ?
		(u64)KTIME_MAX : (u64)usecs * NSEC_PER_USEC;
	ktime_t expires = ktime_add_safe(ktime_get(), ns_to_ktime(nsecs));
	u64 slack = nsecs / 20;
	bool calls_end_it = usecs > KDAMOND_CALL_WAIT_US;

	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		if (calls_end_it && kdamond_has_calls(ctx))
			break;
		if (!schedule_hrtimeout_range(&expires, slack, HRTIMER_MODE_ABS))
			break;
	}
	__set_current_state(TASK_RUNNING);
}

static void kdamond_init_schedule(struct damon_ctx *ctx)
{
	struct damos *s;

	ctx->passed_sample_intervals = 0;
	ctx->next_aggregation_sis =
		damon_us_to_samples(&ctx->attrs, ctx->attrs.aggr_interval);
	ctx->next_ops_update_sis =
		damon_us_to_samples(&ctx->attrs, ctx->attrs.ops_update_interval);
	ctx->last_nr_regions = 0;
	ctx->tune_aggrs = 0;
	ctx->tune_access_bp = 0;
	damon_for_each_scheme(s, ctx)
		s->age_aggr_us = 0;
}

/* ---- intervals auto-tuning ----------------------------------------------- */

/*
 * The share, in bp, of the access events that the ending aggregation
 * interval could have seen that it saw: the regions' access counts over
 * their samples, weighted by size (in DAMON_MIN_REGION units, so that the
 * sums fit in 64 bits for any address space).
 */
static unsigned long damon_observed_access_bp(struct damon_ctx *ctx)
{
	u64 events = 0, units = 0;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			u64 sz = damon_sz_region(r) / DAMON_MIN_REGION;

			events += sz * r->nr_accesses;
			units += sz;
		}
	}
	if (!units)
		return 0;
	units *= damon_max_nr_accesses(&ctx->attrs);
	return min_t(u64, damon_mul_div_sat(events, 10000, units), 10000);
}

/* @us times @bp / 10000, for @bp up to 20000, saturating. */
static unsigned long damon_scale_us(unsigned long us, unsigned long bp)
{
	if (us <= ULONG_MAX / 20000)
		return us * bp / 10000;
	if (bp > 10000 && us > ULONG_MAX / 2)
		return ULONG_MAX;
	return us / 10000 * bp;
}

/*
 * damon_tuned_sample_us() - The next sampling interval of the tuning.
 * @sample_us:	The current sampling interval.
 * @observed_bp: The share of access events observed, in bp.
 * @goal:	The goal.
 *
 * Too few events seen means samples too close together to catch an
 * access, too many means samples so far apart that everything looks
 * accessed.  The interval is scaled by the goal over the observed share
 * (a proportional step, exact where events grow linearly with the
 * interval and short of the mark where they saturate, so that it never
 * overshoots), at least halved and at most doubled, and kept within the
 * goal's bounds.  A zero interval counts as one microsecond.
 *
 * Context: Any context.
 * Return: The new sampling interval in microseconds.
 */
static unsigned long
damon_tuned_sample_us(unsigned long sample_us, unsigned long observed_bp,
		      const struct damon_intervals_goal *goal)
{
	unsigned long bp = 20000;

	if (observed_bp)
		bp = clamp_t(u64, div_u64((u64)goal->access_bp * 10000,
					  observed_bp), 5000, 20000);
	return clamp(damon_scale_us(max(sample_us, 1UL), bp),
		     goal->min_sample_us, goal->max_sample_us);
}

/*
 * At the end of an aggregation interval: measure it and, every
 * &damon_intervals_goal.aggrs of them, set the intervals the goal asks for.
 */
static void kdamond_tune_intervals(struct damon_ctx *ctx)
{
	const struct damon_intervals_goal *goal = &ctx->attrs.intervals_goal;
	struct damon_attrs attrs = ctx->attrs;
	unsigned long samples, observed;

	if (!damon_intervals_tuning(&ctx->attrs))
		return;
	ctx->tune_access_bp += damon_observed_access_bp(ctx);
	if (++ctx->tune_aggrs < goal->aggrs)
		return;
	observed = div64_u64(ctx->tune_access_bp, ctx->tune_aggrs);
	ctx->tune_aggrs = 0;
	ctx->tune_access_bp = 0;

	samples = damon_max_nr_accesses(&attrs);
	attrs.sample_interval = damon_tuned_sample_us(attrs.sample_interval,
						      observed, goal);
	attrs.aggr_interval = attrs.sample_interval > ULONG_MAX / samples ?
		ULONG_MAX : attrs.sample_interval * samples;
	trace_damon_monitor_intervals_tune(attrs.sample_interval);
	if (attrs.sample_interval == ctx->attrs.sample_interval &&
	    attrs.aggr_interval == ctx->attrs.aggr_interval)
		return;
	damon_rescale_results(ctx, &attrs);
	damos_set_ages(ctx, ctx->attrs.aggr_interval, attrs.aggr_interval);
	ctx->attrs = attrs;
}

/*
 * The end of an aggregation interval: age and merge the regions, let the
 * schemes act on the finished results, then restart the counts and split.
 */
static void kdamond_aggregate(struct damon_ctx *ctx, unsigned int max_nr_accesses)
{
	unsigned int thres = max_nr_accesses / 10;

	damon_age_regions(ctx, thres);
	damon_merge_regions(ctx, thres, damon_region_sz_limit(ctx));
	kdamond_apply_schemes(ctx, true);
	kdamond_tune_intervals(ctx);
	damon_reset_aggregated(ctx);
	damon_split_regions(ctx);
	ctx->next_aggregation_sis = ctx->passed_sample_intervals +
		damon_us_to_samples(&ctx->attrs, ctx->attrs.aggr_interval);
}

/*
 * Start or stop reading access reports as the sample primitives now ask:
 * they may have changed with a commit.  Without memory for the reader,
 * this sample goes without reports, and the next one tries again.
 */
static void kdamond_update_reports(struct damon_ctx *ctx)
{
	bool want = damon_sample_primitives(&ctx->attrs) &
		DAMON_SAMPLE_PAGE_FAULT;

	if (want && !ctx->report_reader)
		damon_report_reader_start(ctx);
	else if (!want && ctx->report_reader)
		damon_report_reader_stop(ctx);
}

/*
 * Account a sample of every region from the access reports alone, for a
 * context whose samples do not check the page tables.  Returns the highest
 * &damon_region.nr_accesses.
 */
static unsigned int kdamond_check_reported(struct damon_ctx *ctx)
{
	unsigned int max_nr_accesses = 0;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			damon_update_region_access_rate(r, false, &ctx->attrs);
			max_nr_accesses = max(max_nr_accesses, r->nr_accesses);
		}
	}
	return max_nr_accesses;
}

static void kdamond_finish(struct damon_ctx *ctx);

static int kdamond_fn(void *data)
{
	struct damon_ctx *ctx = data;
	unsigned int max_nr_accesses;
	unsigned long idle_us;

	pr_debug("%s starts\n", current->comm);
	kdamond_init_schedule(ctx);
	kdamond_init_schemes(ctx);
	if (ctx->ops.setup)
		ctx->ops.setup(ctx);
	if (damon_apply_min_nr_regions(ctx))
		goto done;

	while (!kthread_should_stop() && kdamond_has_valid_target(ctx)) {
		kdamond_handle_calls(ctx);
		kdamond_handle_repeat_calls(ctx);
		idle_us = kdamond_update_activation(ctx);
		if (idle_us) {
			/* Every scheme is off: no need to monitor. */
			kdamond_walk_check_done(ctx, kdamond_walk(ctx));
			kdamond_sleep(ctx, idle_us);
			continue;
		}
		kdamond_update_reports(ctx);
		ctx->ops.prepare_sample(ctx);
		kdamond_sleep(ctx, damon_sample_us(&ctx->attrs));
		if (kthread_should_stop())
			break;
		damon_report_fold(ctx);
		if (damon_sample_primitives(&ctx->attrs) &
		    DAMON_SAMPLE_PAGE_TABLE)
			max_nr_accesses = ctx->ops.check_sample(ctx);
		else
			max_nr_accesses = kdamond_check_reported(ctx);
		ctx->passed_sample_intervals++;

		if (ctx->passed_sample_intervals >= ctx->next_aggregation_sis)
			kdamond_aggregate(ctx, max_nr_accesses);
		else
			kdamond_apply_schemes(ctx, false);

		if (ctx->passed_sample_intervals >= ctx->next_ops_update_sis) {
			ctx->next_ops_update_sis = ctx->passed_sample_intervals +
				damon_us_to_samples(&ctx->attrs,
						    ctx->attrs.ops_update_interval);
			if (ctx->ops.refresh) {
				ctx->ops.refresh(ctx);
				if (damon_apply_min_nr_regions(ctx))
					break;
			}
		}
	}
done:
	damon_report_reader_stop(ctx);
	if (ctx->ops.teardown)
		ctx->ops.teardown(ctx);
	pr_debug("%s ends\n", current->comm);
	kdamond_finish(ctx);
	return 0;
}

/*
 * The bookkeeping of a kdamond's end, done by the kdamond itself or, if it
 * was stopped before it ever ran, by damon_stop().
 */
static void kdamond_finish(struct damon_ctx *ctx)
{
	int id = ctx->kdamond_id;

	/*
	 * Clear ->kdamond and cancel the queue in one critical section:
	 * damon_call() queues only while it sees ->kdamond set, under the
	 * same lock, so every request is either refused or cancelled here.
	 * The owner may free @ctx as soon as it sees ->kdamond cleared, so
	 * nothing below the unlock may touch it.
	 */
	mutex_lock(&ctx->kdamond_lock);
	ctx->kdamond = NULL;
	kdamond_cancel_calls(ctx);
	mutex_unlock(&ctx->kdamond_lock);

	mutex_lock(&damon_lock);
	ida_free(&kdamond_ida, id);
	if (!--nr_running_ctxs)
		running_exclusive = false;
	mutex_unlock(&damon_lock);
}

/* Start @ctx's kdamond.  Called with damon_lock held. */
static int damon_start_one(struct damon_ctx *ctx)
{
	struct task_struct *task;
	int id, err = 0;

	lockdep_assert_held(&damon_lock);
	if (!ctx->ops.prepare_sample || !ctx->ops.check_sample)
		return -EINVAL;
	err = damon_validate_attrs(&ctx->attrs);
	if (err)
		return err;
	if (!damon_ops_samples(&ctx->ops, &ctx->attrs))
		return -EINVAL;
	err = damos_validate_schemes(ctx);
	if (err)
		return err;

	mutex_lock(&ctx->kdamond_lock);
	if (ctx->kdamond) {
		err = -EBUSY;
		goto out_unlock;
	}
	id = ida_alloc(&kdamond_ida, GFP_KERNEL);
	if (id < 0) {
		err = id;
		goto out_unlock;
	}
	task = kthread_create(kdamond_fn, ctx, "kdamond.%d", id);
	if (IS_ERR(task)) {
		err = PTR_ERR(task);
		ida_free(&kdamond_ida, id);
		goto out_unlock;
	}
	/* The number is freed by the kdamond when it ends. */
	ctx->kdamond_id = id;
	ctx->kdamond = task;
	nr_running_ctxs++;
	wake_up_process(task);
out_unlock:
	mutex_unlock(&ctx->kdamond_lock);
	return err;
}

/**
 * damon_start() - Start the kdamonds of contexts.
 * @ctxs:	The contexts.
 * @nr_ctxs:	Number of entries in @ctxs.
 * @exclusive:	Refuse to run beside any other context, and keep every other
 *		context from starting while these run.
 *
 * Each context gets its own kdamond thread, named "kdamond.N".  Contexts
 * started before an error keep running; the caller may stop them.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EBUSY if a context already runs or exclusivity
 * forbids the start; -EINVAL if a context has no operations set, invalid
 * attributes or a scheme its operations set cannot run (see
 * damon_commit_ctx()); or another error from creating the thread.
 */
int damon_start(struct damon_ctx **ctxs, int nr_ctxs, bool exclusive)
{
	int i, err = 0;

	mutex_lock(&damon_lock);
	if ((exclusive && nr_running_ctxs) || running_exclusive) {
		mutex_unlock(&damon_lock);
		return -EBUSY;
	}
	for (i = 0; i < nr_ctxs; i++) {
		err = damon_start_one(ctxs[i]);
		if (err)
			break;
	}
	if (!err && exclusive && nr_ctxs)
		running_exclusive = true;
	mutex_unlock(&damon_lock);
	return err;
}

/* Stop @ctx's kdamond and wait for it to end. */
static int damon_stop_one(struct damon_ctx *ctx)
{
	struct task_struct *task;

	mutex_lock(&ctx->kdamond_lock);
	task = ctx->kdamond;
	if (task)
		get_task_struct(task);
	mutex_unlock(&ctx->kdamond_lock);
	if (!task)
		return -EPERM;
	/* A kdamond stopped before it ran never called kdamond_fn(). */
	if (kthread_stop(task) == -EINTR)
		kdamond_finish(ctx);
	put_task_struct(task);
	return 0;
}

/**
 * damon_stop() - Stop the kdamonds of contexts.
 * @ctxs:	The contexts.
 * @nr_ctxs:	Number of entries in @ctxs.
 *
 * Waits until every kdamond has ended.  The contexts keep their targets
 * and last monitoring results.
 *
 * Context: Process context; may sleep.  Must not be called from a kdamond.
 * Return: 0 on success, -EPERM if a context was not running (the others are
 * still stopped).
 */
int damon_stop(struct damon_ctx **ctxs, int nr_ctxs)
{
	int i, err = 0;

	for (i = 0; i < nr_ctxs; i++) {
		int ret = damon_stop_one(ctxs[i]);

		if (ret)
			err = ret;
	}
	return err;
}

/**
 * damon_is_running() - Whether a context's kdamond runs.
 * @ctx:	The context.
 *
 * Context: Process context.
 * Return: true while the kdamond runs.
 */
bool damon_is_running(struct damon_ctx *ctx)
{
	bool running;

	mutex_lock(&ctx->kdamond_lock);
	running = !!ctx->kdamond;
	mutex_unlock(&ctx->kdamond_lock);
	return running;
}

/**
 * damon_kdamond_pid() - The pid of a context's kdamond.
 * @ctx:	The context.
 *
 * Context: Process context.
 * Return: The pid, or -1 if the kdamond does not run.
 */
int damon_kdamond_pid(struct damon_ctx *ctx)
{
	int pid = -1;

	mutex_lock(&ctx->kdamond_lock);
	if (ctx->kdamond)
		pid = ctx->kdamond->pid;
	mutex_unlock(&ctx->kdamond_lock);
	return pid;
}

/**
 * damon_call() - Run a function in a context's kdamond, and wait for it.
 * @ctx:	The context.
 * @control:	The function and its argument; @control->ret gets the result.
 *
 * The function runs between two samples, when the kdamond is the only user
 * of the context's state, so it can safely read monitoring results or
 * change targets, attributes and the operations set of a running context.
 * Requests run in the order they were made.  A kdamond sleeping through a
 * sampling interval longer than 100 ms cuts that sample short for it.  A
 * &damon_call_control.repeat request runs between every two samples (or
 * watermark checks) until the kdamond ends, which completes it with
 * -ECANCELED; it runs after the one-time requests, without the context's
 * call lock.
 *
 * Context: Process context; sleeps until the function has run (not for a
 * repeated one).  Must not be called from the kdamond itself.
 * Return: 0 once the function ran (its own result is in @control->ret), or
 * was queued to repeat; -EINVAL if the kdamond is not running; -ECANCELED
 * if it stopped before running the function.
 */
int damon_call(struct damon_ctx *ctx, struct damon_call_control *control)
{
	bool running;

	init_completion(&control->done);
	INIT_LIST_HEAD(&control->list);
	control->ret = -ECANCELED;

	/*
	 * Queue under kdamond_lock: an exiting kdamond clears ->kdamond under
	 * it before cancelling the queue, so a request queued here is always
	 * either run or cancelled.
	 */
	mutex_lock(&ctx->kdamond_lock);
	running = !!ctx->kdamond;
	if (running) {
		mutex_lock(&ctx->call_lock);
		list_add_tail(&control->list, control->repeat ?
			      &ctx->repeat_calls : &ctx->calls);
		mutex_unlock(&ctx->call_lock);
		/* Out of a long sleep (kdamond_sleep()). */
		if (!control->repeat)
			wake_up_process(ctx->kdamond);
	}
	mutex_unlock(&ctx->kdamond_lock);
	if (!running)
		return -EINVAL;
	if (control->repeat)
		return 0;

	wait_for_completion(&control->done);
	return control->ret == -ECANCELED ? -ECANCELED : 0;
}

static int __init damon_init(void)
{
	damon_region_cache = KMEM_CACHE(damon_region, 0);
	if (!damon_region_cache)
		return -ENOMEM;
	return 0;
}
subsys_initcall(damon_init);

#ifdef CONFIG_DAMON_KUNIT_TEST
#include "core-kunit.h"
#include "schemes-kunit.h"
#endif
