// SPDX-License-Identifier: GPL-2.0
/*
 * What the special-purpose DAMON modules share (see modules-common.h).
 *
 * A module keeps no context while it is off.  Turning it on builds a
 * context from the parameters and starts it exclusively; committing builds
 * another and applies it to the running kdamond with damon_call() and
 * damon_commit_ctx(), so that a bad value fails the write and changes
 * nothing.  The last started context is kept after its kdamond ends, so
 * that the schemes' statistics can still be read, until the next start.
 */

#define pr_fmt(fmt) "damon-modules: " fmt

#include <linux/damon.h>
#include <linux/ioport.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include "modules-common.h"

static int damon_modules_ram_fn(struct resource *res, void *arg)
{
	struct damon_addr_range *widest = arg;

	/* On a tie, the first one found stays. */
	if (resource_size(res) > widest->end - widest->start) {
		widest->start = res->start;
		widest->end = res->end + 1;
	}
	return 0;
}

/*
 * The physical address range the parameters @p ask to monitor: theirs, or
 * the biggest System RAM resource if they give 0 and 0, which is then
 * written back to @p, as Linux 6.12 does, so that reading the parameters
 * shows what is monitored (6.12 writes an inclusive end; this is the
 * exclusive one, as the parameter means).  Returns 0, or -EINVAL for an
 * empty or reversed range, -ENOENT if there is no RAM.
 */
static int damon_modules_region(struct damon_modules_params *p,
				struct damon_addr_range *range)
{
	struct damon_addr_range widest = {};

	if (p->region_start || p->region_end) {
		if (p->region_start >= p->region_end)
			return -EINVAL;
		range->start = p->region_start;
		range->end = p->region_end;
		return 0;
	}
	walk_system_ram_res(0, ULONG_MAX, &widest, damon_modules_ram_fn);
	if (widest.start >= widest.end)
		return -ENOENT;
	*range = widest;
	p->region_start = widest.start;
	p->region_end = widest.end;
	return 0;
}

/**
 * damon_modules_new_ctx_ranges() - Build a physical address monitoring
 * context of some ranges.
 * @p:		The parameters: monitoring attributes (its region is not
 *		used).
 * @ranges:	The physical address ranges to monitor, sorted, and neither
 *		overlapping nor empty.
 * @nr_ranges:	Number of @ranges, at least one.
 *
 * The context uses the "paddr" operations set and has one target whose
 * regions are @ranges.  It has no schemes yet.  With
 * &damon_modules_params.autotune_intervals, its intervals tune themselves
 * for DAMON_MODULES_AUTOTUNE_GOAL.
 *
 * Context: Process context; may sleep.
 * Return: The context, or an ERR_PTR: -EINVAL if @p has invalid attributes
 * (see damon_validate_attrs()) or watermarks out of order, or @ranges are
 * not as said, -ENOMEM.
 */
struct damon_ctx *
damon_modules_new_ctx_ranges(const struct damon_modules_params *p,
			     const struct damon_addr_range *ranges,
			     unsigned int nr_ranges)
{
	struct damon_target *t;
	struct damon_ctx *ctx;
	int err;

	/*
	 * The schemes would accept watermarks out of order and never run
	 * (as 6.12's modules do); a module refuses them instead.
	 */
	if (p->wmarks_low > p->wmarks_mid || p->wmarks_mid > p->wmarks_high)
		return ERR_PTR(-EINVAL);
	if (!nr_ranges)
		return ERR_PTR(-EINVAL);
	ctx = damon_new_ctx();
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	/* "paddr" has no regions to refresh: keep the default update interval. */
	err = damon_set_attrs(ctx, &(struct damon_attrs) {
		.sample_interval = p->sample_interval,
		.aggr_interval = p->aggr_interval,
		.ops_update_interval = ctx->attrs.ops_update_interval,
		.min_nr_regions = p->min_nr_regions,
		.max_nr_regions = p->max_nr_regions,
		.intervals_goal = p->autotune_intervals ?
			DAMON_MODULES_AUTOTUNE_GOAL :
			(struct damon_intervals_goal){},
	});
	if (err)
		goto destroy_ctx;
	err = damon_select_ops(ctx, DAMON_OPS_PADDR);
	if (err)
		goto destroy_ctx;
	err = -ENOMEM;
	t = damon_new_target();
	if (!t)
		goto destroy_ctx;
	damon_add_target(ctx, t);
	err = damon_set_regions(t, ranges, nr_ranges);
	if (err)
		goto destroy_ctx;
	return ctx;

destroy_ctx:
	damon_destroy_ctx(ctx);
	return ERR_PTR(err);
}

/**
 * damon_modules_new_ctx() - Build a physical address monitoring context.
 * @p:	The parameters: monitoring attributes and the region.
 *
 * As damon_modules_new_ctx_ranges(), with one region: the range @p gives,
 * or, if its region is 0 and 0, the biggest System RAM resource, whose
 * range is then written to @p.
 *
 * Context: Process context; may sleep.  Holds the parameter lock.
 * Return: The context, or an ERR_PTR: -EINVAL if @p has invalid attributes
 * (see damon_validate_attrs()), watermarks out of order, or an empty or
 * reversed region, -ENOENT if there is no System RAM resource, -ENOMEM.
 */
struct damon_ctx *damon_modules_new_ctx(struct damon_modules_params *p)
{
	struct damon_addr_range range;
	int err;

	err = damon_modules_region(p, &range);
	if (err)
		return ERR_PTR(err);
	return damon_modules_new_ctx_ranges(p, &range, 1);
}

/**
 * damon_modules_new_scheme() - Add a scheme to a module's context.
 * @ctx:	The context, from damon_modules_new_ctx().
 * @p:		The parameters: quotas and watermarks.
 * @action:	What the scheme does.
 * @pattern:	The regions it applies to.
 *
 * The scheme gets the time and size quotas of @p, no priority weights, and
 * free memory rate watermarks, which damon_modules_new_ctx() checked.  The
 * caller sets the weights, and may change the quotas, add filters and
 * quota goals.
 *
 * Context: Process context; may sleep.  Holds the parameter lock.
 * Return: The scheme, which @ctx owns, or NULL if allocation failed.
 */
struct damos *damon_modules_new_scheme(struct damon_ctx *ctx,
				       const struct damon_modules_params *p,
				       enum damos_action action,
				       const struct damos_pattern *pattern)
{
	struct damos *s = damos_new(action);

	if (!s)
		return NULL;
	s->pattern = *pattern;
	s->quota.ms = p->quota_ms;
	s->quota.sz = p->quota_sz;
	s->quota.reset_interval = p->quota_reset_interval_ms;
	s->wmarks.metric = DAMOS_WMARK_FREE_MEM_RATE;
	s->wmarks.interval = p->wmarks_interval;
	s->wmarks.high = p->wmarks_high;
	s->wmarks.mid = p->wmarks_mid;
	s->wmarks.low = p->wmarks_low;
	damon_add_scheme(ctx, s);
	return s;
}

/* ---- the module's state ------------------------------------------------- */

static bool damon_modules_running(struct damon_module *m)
{
	unsigned int i;

	lockdep_assert_held(&m->lock);
	for (i = 0; i < m->nr_ctxs; i++)
		if (damon_is_running(m->ctxs[i]))
			return true;
	return false;
}

/*
 * Build the contexts of @m from the parameters into @ctxs.  Returns how
 * many, or an error, having built none.
 */
static int damon_modules_build(struct damon_module *m, struct damon_ctx **ctxs)
{
	struct damon_ctx *ctx;
	int nr;

	if (m->build_ctxs) {
		nr = m->build_ctxs(ctxs);
		if (WARN_ON_ONCE(!nr || nr > DAMON_MODULES_MAX_CTXS))
			return -EINVAL;
		return nr;
	}
	ctx = m->build_ctx();
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	ctxs[0] = ctx;
	return 1;
}

static void damon_modules_destroy_ctxs(struct damon_ctx **ctxs,
				       unsigned int nr)
{
	while (nr)
		damon_destroy_ctx(ctxs[--nr]);
}

/* Build contexts from the parameters and start them, unless running. */
static int damon_modules_turn_on(struct damon_module *m)
{
	struct damon_ctx *ctxs[DAMON_MODULES_MAX_CTXS];
	int nr, err;

	lockdep_assert_held(&m->lock);
	if (damon_modules_running(m))
		return 0;
	nr = damon_modules_build(m, ctxs);
	if (nr < 0)
		return nr;
	/* -EBUSY while any other kdamond runs. */
	err = damon_start(ctxs, nr, true);
	if (err) {
		/* Those that started before the failure, if any. */
		damon_stop(ctxs, nr);
		damon_modules_destroy_ctxs(ctxs, nr);
		return err;
	}
	damon_modules_destroy_ctxs(m->ctxs, m->nr_ctxs);
	memcpy(m->ctxs, ctxs, nr * sizeof(*ctxs));
	m->nr_ctxs = nr;
	return 0;
}

static void damon_modules_turn_off(struct damon_module *m)
{
	lockdep_assert_held(&m->lock);
	/* -EPERM for kdamonds that already ended by themselves: off anyway. */
	damon_stop(m->ctxs, m->nr_ctxs);
}

static int damon_modules_commit_fn(struct damon_ctx *ctx, void *data)
{
	return damon_commit_ctx(ctx, data);
}

/*
 * Apply the parameters to the running kdamonds.  Returns 0 if they run no
 * more (they will read the parameters when turned on again), -EBUSY if the
 * parameters now ask for another number of contexts (which takes turning
 * the module off and on), or the error of building or committing the new
 * contexts, which leaves the kdamonds as they were (but for -ENOMEM in the
 * middle of a commit).
 */
static int damon_modules_commit(struct damon_module *m)
{
	struct damon_call_control call = { .fn = damon_modules_commit_fn };
	struct damon_ctx *params[DAMON_MODULES_MAX_CTXS];
	unsigned int i;
	int nr, err = 0;

	lockdep_assert_held(&m->lock);
	if (!damon_modules_running(m))
		return 0;
	nr = damon_modules_build(m, params);
	if (nr < 0)
		return nr;
	if (nr != m->nr_ctxs) {
		err = -EBUSY;
		goto destroy_params;
	}
	for (i = 0; i < nr && !err; i++) {
		call.data = params[i];
		/* A kdamond that ended takes the parameters at the next start. */
		if (!damon_call(m->ctxs[i], &call))
			err = call.ret;
	}
destroy_params:
	damon_modules_destroy_ctxs(params, nr);
	return err;
}

static void damon_modules_stat_add(struct damos_stat *sum,
				   const struct damos_stat *st)
{
	sum->nr_tried += st->nr_tried;
	sum->sz_tried += st->sz_tried;
	sum->nr_applied += st->nr_applied;
	sum->sz_applied += st->sz_applied;
	sum->sz_ops_filter_passed += st->sz_ops_filter_passed;
	sum->qt_exceeds += st->qt_exceeds;
}

/*
 * Add the statistics of @ctx's schemes to the sums @data (an array of
 * DAMON_MODULES_MAX_SCHEMES).  Runs in the kdamond, through damon_call(),
 * or in the module once the kdamond ended.
 */
static int damon_modules_add_stats(struct damon_ctx *ctx, void *data)
{
	struct damos_stat *sums = data;
	unsigned int i = 0;
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		if (i == DAMON_MODULES_MAX_SCHEMES)
			break;
		damon_modules_stat_add(&sums[i++], &s->stat);
	}
	return 0;
}

static void damon_modules_update_stats(struct damon_module *m)
{
	struct damos_stat sums[DAMON_MODULES_MAX_SCHEMES] = {};
	struct damon_call_control call = {
		.fn = damon_modules_add_stats,
		.data = sums,
	};
	unsigned int i;

	lockdep_assert_held(&m->lock);
	if (!m->nr_ctxs)
		return;
	for (i = 0; i < m->nr_ctxs; i++) {
		/*
		 * damon_call() fails only once the kdamond has cleared its
		 * pointer in the context, after its last change of the
		 * statistics: they are then ours to read.
		 */
		if (damon_call(m->ctxs[i], &call))
			damon_modules_add_stats(m->ctxs[i], sums);
	}
	memcpy(m->stats, sums, sizeof(sums));
}

/**
 * damon_modules_init() - Make a module ready, and start it if asked to.
 * @m:	The module.
 *
 * Before this, setting "enabled" (on the kernel command line) only records
 * the wish; from now on it starts and stops the kdamond.  Call it from a
 * late initcall, once DAMON and its operations sets are registered.
 *
 * Context: Process context; may sleep.  Takes the parameter lock.
 * Return: 0, or the error of starting the module as "enabled" asked.
 */
int damon_modules_init(struct damon_module *m)
{
	int err = 0;

	/* The modules are always built in (they use DAMON's internal API). */
	kernel_param_lock(THIS_MODULE);
	mutex_lock(&m->lock);
	m->ready = true;
	if (m->start_at_init)
		err = damon_modules_turn_on(m);
	mutex_unlock(&m->lock);
	kernel_param_unlock(THIS_MODULE);
	return err;
}

/* ---- parameters --------------------------------------------------------- */

/* Parse a boolean parameter value; no value (on the command line) is Y. */
static int damon_modules_parse_bool(const char *val, bool *res)
{
	return kstrtobool(val ? val : "Y", res);
}

static int damon_modules_enabled_set(const char *val,
				     const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	bool enable;
	int err;

	err = damon_modules_parse_bool(val, &enable);
	if (err)
		return err;
	mutex_lock(&m->lock);
	if (!m->ready)
		m->start_at_init = enable;
	else if (enable)
		err = damon_modules_turn_on(m);
	else
		damon_modules_turn_off(m);
	mutex_unlock(&m->lock);
	return err;
}

static int damon_modules_enabled_get(char *buf, const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	bool enabled;

	mutex_lock(&m->lock);
	enabled = m->ready ? damon_modules_running(m) : m->start_at_init;
	mutex_unlock(&m->lock);
	return sysfs_emit(buf, "%c\n", enabled ? 'Y' : 'N');
}

/*
 * "enabled": Y builds a context from the parameters and starts it, N stops
 * it; reads whether the kdamond runs.
 */
const struct kernel_param_ops damon_modules_enabled_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = damon_modules_enabled_set,
	.get = damon_modules_enabled_get,
};

static int damon_modules_commit_set(const char *val,
				    const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	bool commit;
	int err;

	err = damon_modules_parse_bool(val, &commit);
	if (err || !commit)
		return err;
	mutex_lock(&m->lock);
	/* Before init, the start reads the parameters anyway. */
	if (m->ready)
		err = damon_modules_commit(m);
	mutex_unlock(&m->lock);
	return err;
}

static int damon_modules_commit_get(char *buf, const struct kernel_param *kp)
{
	/* A trigger, done by the time the write returns. */
	return sysfs_emit(buf, "N\n");
}

/* "commit_inputs": Y applies the parameters to the running kdamond. */
const struct kernel_param_ops damon_modules_commit_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = damon_modules_commit_set,
	.get = damon_modules_commit_get,
};

static int damon_modules_pid_get(char *buf, const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	unsigned int i;
	int len;

	mutex_lock(&m->lock);
	if (!m->nr_ctxs) {
		len = sysfs_emit(buf, "-1\n");
		goto unlock;
	}
	for (i = 0, len = 0; i < m->nr_ctxs; i++)
		len += sysfs_emit_at(buf, len, "%d%c",
				     damon_kdamond_pid(m->ctxs[i]),
				     i == m->nr_ctxs - 1 ? '\n' : ',');
unlock:
	mutex_unlock(&m->lock);
	return len;
}

/**
 * damon_modules_readonly_set() - The &kernel_param_ops.set of a read-only
 * parameter.
 * @val:	The value given.
 * @kp:		The parameter.
 *
 * A read-only parameter refuses a value.  Its sysfs file is 0400, so only
 * the kernel command line (damon_reclaim.kdamond_pid=1) gets here: say so,
 * and let parse_args() go on with the boot.
 *
 * Context: Any context where printk() is allowed.
 * Return: -EPERM.
 */
int damon_modules_readonly_set(const char *val, const struct kernel_param *kp)
{
	pr_warn("%s is read-only: ignoring the value given\n", kp->name);
	return -EPERM;
}

/*
 * "kdamond_pid": the pid of the running kdamond, or -1; for a module of
 * several contexts, one such value per context, comma-separated.
 * Read-only.
 */
const struct kernel_param_ops damon_modules_pid_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = damon_modules_readonly_set,
	.get = damon_modules_pid_get,
};

static int damon_modules_stat_get(char *buf, const struct kernel_param *kp)
{
	const struct damon_modules_stat *ms = kp->arg;
	struct damon_module *m = ms->mod;
	const struct damos_stat *st;
	unsigned long val = 0;

	if (WARN_ON_ONCE(ms->scheme >= ARRAY_SIZE(m->stats)))
		return -EINVAL;
	mutex_lock(&m->lock);
	damon_modules_update_stats(m);
	st = &m->stats[ms->scheme];
	switch (ms->item) {
	case DAMON_MODULES_NR_TRIED:
		val = st->nr_tried;
		break;
	case DAMON_MODULES_SZ_TRIED:
		val = st->sz_tried;
		break;
	case DAMON_MODULES_NR_APPLIED:
		val = st->nr_applied;
		break;
	case DAMON_MODULES_SZ_APPLIED:
		val = st->sz_applied;
		break;
	case DAMON_MODULES_QT_EXCEEDS:
		val = st->qt_exceeds;
		break;
	}
	mutex_unlock(&m->lock);
	return sysfs_emit(buf, "%lu\n", val);
}

/*
 * Scheme statistics, read from the running kdamond at each read, or from
 * the last context once it ended.  Read-only.
 */
const struct kernel_param_ops damon_modules_stat_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = damon_modules_readonly_set,
	.get = damon_modules_stat_get,
};

#ifdef CONFIG_DAMON_MODULES_KUNIT_TEST
#include "modules-kunit.h"
#endif
