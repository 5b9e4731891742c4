/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DAMON: data access monitoring.
 *
 * A monitoring context (&struct damon_ctx) watches one or more targets
 * (&struct damon_target), each an address space split into regions
 * (&struct damon_region).  A kernel thread, the kdamond, checks one sampled
 * page per region every sampling interval, counts the accesses it sees per
 * region, and every aggregation interval hands the counts to readers and
 * adapts the regions: neighbours with similar counts merge, and regions
 * split again while there are few of them.  The cost therefore depends on
 * the number of regions, which stays within [min_nr_regions,
 * max_nr_regions], not on the size of the monitored memory.
 *
 * The core knows nothing of address spaces: an operations set
 * (&struct damon_operations) such as "vaddr" or "paddr" finds the initial
 * regions and checks accesses.
 */

#ifndef _LINUX_DAMON_H
#define _LINUX_DAMON_H

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct pid;
struct task_struct;

/* Regions are aligned to, and at least as large as, this. */
#define DAMON_MIN_REGION	PAGE_SIZE

/* nr_accesses_bp is nr_accesses in basis points: one access is this much. */
#define DAMON_BP_PER_ACCESS	10000

/**
 * struct damon_addr_range - A range of addresses, [@start, @end).
 * @start:	First address of the range.
 * @end:	First address after the range.
 */
struct damon_addr_range {
	unsigned long start, end;
};

/**
 * struct damon_region - A monitored region of a target.
 * @list:		Entry in the target's region list, sorted by address.
 * @ar:			The addresses the region covers.
 * @age:		Aggregation intervals since the access frequency last
 *			changed significantly.
 * @nr_accesses:	Samples of the current aggregation interval that saw
 *			an access.
 * @last_nr_accesses:	@nr_accesses of the previous aggregation interval.
 * @nr_accesses_bp:	A moving sum of accessed samples over the last
 *			aggregation interval's worth of samples, in basis
 *			points (one access is %DAMON_BP_PER_ACCESS).  Unlike
 *			@nr_accesses it does not drop to zero at each
 *			aggregation, so it can be read at any sample.
 * @sampling_addr:	The address the current sample checks.
 *
 * Regions of a target never overlap.  Only the kdamond changes them while
 * it runs; others look at them through damon_call().
 */
struct damon_region {
	struct list_head list;
	struct damon_addr_range ar;
	unsigned int age;
	unsigned int nr_accesses;
	unsigned int last_nr_accesses;
	unsigned int nr_accesses_bp;
	unsigned long sampling_addr;
};

/**
 * struct damon_target - A monitoring target.
 * @pid:	The process, for the virtual address operations sets; NULL
 *		for the physical one.  The target holds a reference.
 * @nr_regions:	Number of regions in @regions.
 * @regions:	The regions, sorted by address.
 * @list:	Entry in the context's target list.
 */
struct damon_target {
	struct pid *pid;
	unsigned int nr_regions;
	struct list_head regions;
	struct list_head list;
};

/**
 * enum damon_ops_id - Identifiers of operations sets.
 * @DAMON_OPS_VADDR: "vaddr", processes' virtual address spaces, following
 *	their mappings.
 * @DAMON_OPS_FVADDR: "fvaddr", fixed user-given ranges of processes'
 *	virtual address spaces.
 * @DAMON_OPS_PADDR: "paddr", the physical address space.
 * @NR_DAMON_OPS: How many there are.
 */
enum damon_ops_id { DAMON_OPS_VADDR, DAMON_OPS_FVADDR, DAMON_OPS_PADDR, NR_DAMON_OPS };

struct damon_ctx;

/**
 * struct damon_operations - What the core needs from an address space.
 * @id:			Which operations set this is.
 * @check_sample:	Tell, for each region, whether its sampling address
 *			was accessed since @prepare_sample, and account it
 *			with damon_update_region_access_rate().  Returns the
 *			highest &damon_region.nr_accesses of any region.
 * @prepare_sample:	Pick a new sampling address in every region and clear
 *			its accessed state, so that the next check sees only
 *			new accesses.
 * @target_alive:	Whether a target can still be monitored, for example
 *			whether its process still exists.  Without it,
 *			targets never die.
 * @refresh:		Bring the targets' regions up to date with their
 *			memory layout.  Optional.
 * @setup:		Give targets without regions their initial regions.
 *			Called when the kdamond starts and after a commit.
 *			Optional.
 * @teardown:		Undo what @setup took when the kdamond ends.
 *			Optional.
 *
 * Every callback runs in the kdamond of the context, and only
 * @check_sample and @prepare_sample are mandatory.
 */
struct damon_operations {
	enum damon_ops_id id;
	unsigned int (*check_sample)(struct damon_ctx *ctx);
	void (*prepare_sample)(struct damon_ctx *ctx);
	bool (*target_alive)(struct damon_target *t);
	void (*refresh)(struct damon_ctx *ctx);
	void (*setup)(struct damon_ctx *ctx);
	void (*teardown)(struct damon_ctx *ctx);
};

/**
 * struct damon_attrs - Monitoring attributes.
 * @sample_interval:	Microseconds between two access checks.
 * @aggr_interval:	Microseconds between two aggregations.
 * @ops_update_interval: Microseconds between two region refreshes by the
 *			operations set (&damon_operations.refresh).
 * @min_nr_regions:	Fewest regions, over all targets, to keep.
 * @max_nr_regions:	Most regions, over all targets, to keep.
 *
 * Intervals are counted in samples: an aggregation interval is
 * @aggr_interval / @sample_interval samples however long each sample
 * really takes.  damon_set_attrs() checks that 0 < @sample_interval <=
 * @aggr_interval, @ops_update_interval > 0, and 3 <= @min_nr_regions <=
 * @max_nr_regions.
 */
struct damon_attrs {
	unsigned long sample_interval, aggr_interval, ops_update_interval;
	unsigned long min_nr_regions, max_nr_regions;
};

/**
 * struct damon_call_control - A function for a kdamond to call.
 * @fn:		The function.  It runs in the kdamond, between two samples,
 *		and may read and change the context freely.
 * @data:	Its argument.
 * @ret:	What @fn returned, or -ECANCELED if the kdamond stopped first.
 * @done:	Completed once @ret is set.
 * @list:	Entry in the context's list of pending calls.
 *
 * See damon_call().
 */
struct damon_call_control {
	int (*fn)(struct damon_ctx *ctx, void *data);
	void *data;
	int ret;
	struct completion done;
	struct list_head list;
};

/**
 * struct damon_ctx - A monitoring context.
 * @attrs:	The monitoring attributes.  Set with damon_set_attrs().
 * @ops:	The operations set.  Set with damon_select_ops().
 * @targets:	The targets.
 * @kdamond:	The kdamond thread while it runs, else NULL.  Protected by
 *		@kdamond_lock.
 * @kdamond_id:	The N of the kdamond's name, "kdamond.N".
 * @kdamond_lock: Protects @kdamond.
 * @call_lock:	Protects @calls.
 * @calls:	Pending &struct damon_call_control, in order of arrival.
 * @passed_sample_intervals: Samples taken since the kdamond started.
 * @next_aggregation_sis: @passed_sample_intervals at the next aggregation.
 * @next_ops_update_sis: @passed_sample_intervals at the next ops update.
 * @last_nr_regions: Region count after the last split, to decide whether
 *		the next split should cut regions in three.
 *
 * While the kdamond runs, only it touches @attrs, @ops, @targets and the
 * sampling state; other code reaches them with damon_call().  Before it
 * starts and after it stops, the owner of the context may change anything.
 */
struct damon_ctx {
	struct damon_attrs attrs;
	struct damon_operations ops;
	struct list_head targets;

	struct task_struct *kdamond;
	int kdamond_id;
	struct mutex kdamond_lock;	/* protects @kdamond */
	struct mutex call_lock;		/* protects @calls */
	struct list_head calls;

	unsigned long passed_sample_intervals;
	unsigned long next_aggregation_sis;
	unsigned long next_ops_update_sis;
	unsigned int last_nr_regions;
};

/*
 * Iterators over the targets of a context @c and the regions (in address
 * order) of a target @t.  The _safe forms allow freeing the current entry;
 * @tmp is scratch.
 */
#define damon_for_each_target(t, c)	list_for_each_entry(t, &(c)->targets, list)
#define damon_for_each_target_safe(t, tmp, c)	\
	list_for_each_entry_safe(t, tmp, &(c)->targets, list)
#define damon_for_each_region(r, t)	list_for_each_entry(r, &(t)->regions, list)
#define damon_for_each_region_safe(r, tmp, t)	\
	list_for_each_entry_safe(r, tmp, &(t)->regions, list)

/**
 * damon_sz_region() - Size of a region.
 * @r:	The region.
 *
 * Context: Any context.
 * Return: The bytes @r covers.
 */
static inline unsigned long damon_sz_region(const struct damon_region *r)
{
	return r->ar.end - r->ar.start;
}

#ifdef CONFIG_DAMON

struct damon_region *damon_new_region(unsigned long start, unsigned long end);
void damon_add_region(struct damon_region *r, struct damon_target *t);
void damon_insert_region(struct damon_region *r, struct damon_region *prev,
			 struct damon_target *t);
void damon_destroy_region(struct damon_region *r, struct damon_target *t);
int damon_set_regions(struct damon_target *t,
		      const struct damon_addr_range *ranges,
		      unsigned int nr_ranges);
void damon_update_region_access_rate(struct damon_region *r, bool accessed,
				     const struct damon_attrs *attrs);
unsigned int damon_max_nr_accesses(const struct damon_attrs *attrs);

struct damon_target *damon_new_target(void);
void damon_add_target(struct damon_ctx *ctx, struct damon_target *t);
void damon_destroy_target(struct damon_target *t);
unsigned int damon_nr_targets(const struct damon_ctx *ctx);

struct damon_ctx *damon_new_ctx(void);
void damon_destroy_ctx(struct damon_ctx *ctx);
int damon_set_attrs(struct damon_ctx *ctx, const struct damon_attrs *attrs);
int damon_commit_ctx(struct damon_ctx *dst, const struct damon_ctx *src);
int damon_validate_attrs(const struct damon_attrs *attrs);

int damon_register_ops(const struct damon_operations *ops);
bool damon_is_registered_ops(enum damon_ops_id id);
int damon_select_ops(struct damon_ctx *ctx, enum damon_ops_id id);

int damon_start(struct damon_ctx **ctxs, int nr_ctxs, bool exclusive);
int damon_stop(struct damon_ctx **ctxs, int nr_ctxs);
bool damon_is_running(struct damon_ctx *ctx);
int damon_kdamond_pid(struct damon_ctx *ctx);
int damon_call(struct damon_ctx *ctx, struct damon_call_control *control);

#endif /* CONFIG_DAMON */

#endif /* _LINUX_DAMON_H */
