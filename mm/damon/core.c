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
#include <linux/pid.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>

#define CREATE_TRACE_POINTS
#include <trace/events/damon.h>

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
	 * Walk ranges and regions together.  A region that spans two ranges
	 * is split at the end of the first, so each region afterwards meets
	 * exactly one range.
	 */
	r = list_first_entry_or_null(&t->regions, struct damon_region, list);
	for (i = 0; i < nr_ranges; i++) {
		unsigned long start = ALIGN_DOWN(ranges[i].start, DAMON_MIN_REGION);
		unsigned long end = ALIGN(ranges[i].end, DAMON_MIN_REGION);
		unsigned long cursor = start;
		struct damon_region *newr;

		while (r && r->ar.start < end) {
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
	return 0;
}

/**
 * damon_max_nr_accesses() - Samples in one aggregation interval.
 * @attrs:	Monitoring attributes.
 *
 * This is the highest value &damon_region.nr_accesses can reach.
 *
 * Context: Any context.
 * Return: @attrs->aggr_interval / @attrs->sample_interval, at least 1 and at
 * most UINT_MAX.
 */
unsigned int damon_max_nr_accesses(const struct damon_attrs *attrs)
{
	unsigned long n;

	if (!attrs->sample_interval)
		return 1;
	n = attrs->aggr_interval / attrs->sample_interval;
	return clamp_t(unsigned long, n, 1, UINT_MAX);
}

/**
 * damon_update_region_access_rate() - Account one sample of a region.
 * @r:		The region.
 * @accessed:	Whether the sample saw an access.
 * @attrs:	The context's monitoring attributes.
 *
 * Updates &damon_region.nr_accesses and the moving sum
 * &damon_region.nr_accesses_bp.  The moving sum forgets the previous
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
	INIT_LIST_HEAD(&ctx->targets);
	INIT_LIST_HEAD(&ctx->calls);
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

	if (!ctx)
		return;
	if (WARN_ON_ONCE(damon_is_running(ctx)))
		return;
	damon_for_each_target_safe(t, next, ctx)
		damon_destroy_target(t);
	mutex_destroy(&ctx->kdamond_lock);
	mutex_destroy(&ctx->call_lock);
	kfree(ctx);
}

/**
 * damon_validate_attrs() - Check monitoring attributes.
 * @attrs:	The attributes.
 *
 * Context: Any context.
 * Return: 0 if @attrs is usable, -EINVAL if not: a zero sampling or ops
 * update interval, an aggregation interval shorter than the sampling
 * interval, fewer than three minimum regions, or a minimum above the
 * maximum.
 */
int damon_validate_attrs(const struct damon_attrs *attrs)
{
	if (!attrs->sample_interval || !attrs->ops_update_interval)
		return -EINVAL;
	if (attrs->aggr_interval < attrs->sample_interval)
		return -EINVAL;
	if (attrs->min_nr_regions < 3 ||
	    attrs->min_nr_regions > attrs->max_nr_regions)
		return -EINVAL;
	return 0;
}

/* Samples, at least one, in @us microseconds of @attrs. */
static unsigned long damon_us_to_samples(const struct damon_attrs *attrs,
					 unsigned long us)
{
	return max(us / attrs->sample_interval, 1UL);
}

/*
 * Carry monitoring results over an attribute change: access counts keep
 * their share of the aggregation window, ages keep their length in time,
 * and the next aggregation and update come at their new distances.
 */
static void damon_rescale_results(struct damon_ctx *ctx,
				  const struct damon_attrs *new)
{
	unsigned int old_max = damon_max_nr_accesses(&ctx->attrs);
	unsigned int new_max = damon_max_nr_accesses(new);
	struct damon_target *t;
	struct damon_region *r;

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
	ctx->next_ops_update_sis = ctx->passed_sample_intervals +
		damon_us_to_samples(new, new->ops_update_interval);
}

/**
 * damon_set_attrs() - Set a context's monitoring attributes.
 * @ctx:	The context.
 * @attrs:	The new attributes; see damon_validate_attrs().
 *
 * On a running context (from damon_call()), the current monitoring results
 * are rescaled to the new intervals rather than thrown away.
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
 *		set and targets.  It is not changed.
 *
 * Targets are matched by position: the i-th target of @dst takes the pid
 * of the i-th target of @src and, if that has regions, its regions (keeping
 * the results of the parts that overlap); otherwise @dst's regions and
 * results stay.  Extra targets of @dst are removed and missing ones added.
 * Then the operations set may find regions for targets that have none,
 * and regions are split to reach the minimum count.
 *
 * Context: The owner of @dst, or its kdamond; may sleep.
 * Return: 0 on success; -EINVAL if @src has invalid attributes, an
 * unregistered operations set or invalid regions, in which case @dst is
 * unchanged; -ENOMEM on allocation failure.
 */
int damon_commit_ctx(struct damon_ctx *dst, const struct damon_ctx *src)
{
	struct damon_target *dt, *st, *next;
	struct damon_region *r;
	int err;

	err = damon_validate_attrs(&src->attrs);
	if (err)
		return err;
	if (!damon_is_registered_ops(src->ops.id))
		return -EINVAL;
	damon_for_each_target(st, src) {
		struct damon_addr_range prev = {};

		damon_for_each_region(r, st) {
			if (r->ar.start >= r->ar.end || r->ar.start < prev.end)
				return -EINVAL;
			prev = r->ar;
		}
	}

	err = damon_set_attrs(dst, &src->attrs);
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
 * the next aggregations can find finer access patterns.  Regions split in
 * three instead of two when the count did not change since the last split
 * (merges undid it) and there is room for it.
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
			if (damon_sz_region(r) > 2 * DAMON_MIN_REGION)
				damon_split_region_randomly(t, r, pieces);
		}
	}
	ctx->last_nr_regions = damon_total_nr_regions(ctx);
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

/* Fail the requests still queued when the kdamond ends. */
static void kdamond_cancel_calls(struct damon_ctx *ctx)
{
	struct damon_call_control *c, *next;

	lockdep_assert_held(&ctx->kdamond_lock);
	mutex_lock(&ctx->call_lock);
	list_for_each_entry_safe(c, next, &ctx->calls, list) {
		list_del_init(&c->list);
		c->ret = -ECANCELED;
		complete(&c->done);
	}
	mutex_unlock(&ctx->call_lock);
}

static bool kdamond_has_valid_target(struct damon_ctx *ctx)
{
	struct damon_target *t;

	damon_for_each_target(t, ctx) {
		if (!ctx->ops.target_alive || ctx->ops.target_alive(t))
			return true;
	}
	return false;
}

/*
 * Sleep for @usecs, or until the kdamond is asked to stop.  The sleep is
 * idle, so a kdamond waiting between samples adds nothing to the load.
 */
static void kdamond_sleep(unsigned long usecs)
{
	ktime_t expires = ktime_add_us(ktime_get(), usecs);
	u64 slack = (u64)usecs * NSEC_PER_USEC / 20;

	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		if (!schedule_hrtimeout_range(&expires, slack, HRTIMER_MODE_ABS))
			break;
	}
	__set_current_state(TASK_RUNNING);
}

static void kdamond_init_schedule(struct damon_ctx *ctx)
{
	ctx->passed_sample_intervals = 0;
	ctx->next_aggregation_sis =
		damon_us_to_samples(&ctx->attrs, ctx->attrs.aggr_interval);
	ctx->next_ops_update_sis =
		damon_us_to_samples(&ctx->attrs, ctx->attrs.ops_update_interval);
	ctx->last_nr_regions = 0;
}

/* Everything that happens at the end of an aggregation interval. */
static void kdamond_aggregate(struct damon_ctx *ctx, unsigned int max_nr_accesses)
{
	unsigned int thres = max_nr_accesses / 10;

	damon_age_regions(ctx, thres);
	damon_merge_regions(ctx, thres, damon_region_sz_limit(ctx));
	damon_reset_aggregated(ctx);
	damon_split_regions(ctx);
	ctx->next_aggregation_sis = ctx->passed_sample_intervals +
		damon_us_to_samples(&ctx->attrs, ctx->attrs.aggr_interval);
}

static void kdamond_finish(struct damon_ctx *ctx);

static int kdamond_fn(void *data)
{
	struct damon_ctx *ctx = data;
	unsigned int max_nr_accesses;

	pr_debug("%s starts\n", current->comm);
	kdamond_init_schedule(ctx);
	if (ctx->ops.setup)
		ctx->ops.setup(ctx);
	if (damon_apply_min_nr_regions(ctx))
		goto done;

	while (!kthread_should_stop() && kdamond_has_valid_target(ctx)) {
		kdamond_handle_calls(ctx);
		ctx->ops.prepare_sample(ctx);
		kdamond_sleep(ctx->attrs.sample_interval);
		if (kthread_should_stop())
			break;
		max_nr_accesses = ctx->ops.check_sample(ctx);
		ctx->passed_sample_intervals++;

		if (ctx->passed_sample_intervals >= ctx->next_aggregation_sis)
			kdamond_aggregate(ctx, max_nr_accesses);

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
 * forbids the start; -EINVAL if a context has no operations set or invalid
 * attributes; or another error from creating the thread.
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
 * Requests run in the order they were made.
 *
 * Context: Process context; sleeps until the function has run.  Must not
 * be called from the kdamond itself.
 * Return: 0 once the function ran (its own result is in @control->ret);
 * -EINVAL if the kdamond is not running; -ECANCELED if it stopped before
 * running the function.
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
		list_add_tail(&control->list, &ctx->calls);
		mutex_unlock(&ctx->call_lock);
	}
	mutex_unlock(&ctx->kdamond_lock);
	if (!running)
		return -EINVAL;

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
#endif
