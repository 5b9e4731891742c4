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

#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct damon_ctx;
struct damos;
struct damon_report_reader;
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
 * @reported:		Whether an access report (damon_report_access())
 *			touched the region in the current sample.  The core's.
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
	bool reported;
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

/* ---- DAMOS: data access monitoring-based operation schemes ------------- */

/**
 * enum damos_action - What a scheme does to the memory it matches.
 * @DAMOS_WILLNEED:	Read it in soon (MADV_WILLNEED).
 * @DAMOS_COLD:		Make it the first to reclaim (MADV_COLD).
 * @DAMOS_PAGEOUT:	Reclaim it now (MADV_PAGEOUT, or reclaim of the
 *			physical pages).
 * @DAMOS_HUGEPAGE:	Back it with huge pages (MADV_HUGEPAGE).
 * @DAMOS_NOHUGEPAGE:	Stop backing it with huge pages (MADV_NOHUGEPAGE).
 * @DAMOS_LRU_PRIO:	Move its pages to the head of the active LRU lists.
 * @DAMOS_LRU_DEPRIO:	Move its pages to the inactive LRU lists.
 * @DAMOS_MIGRATE_HOT:	Migrate it to &damos.target_nid, hottest first.
 * @DAMOS_MIGRATE_COLD:	Migrate it to &damos.target_nid, coldest first.
 * @DAMOS_STAT:		Do nothing; only count (and let damos_walk() see)
 *			the memory that matches.
 * @NR_DAMOS_ACTIONS:	How many there are.
 *
 * The order is the ABI's: sysfs names the actions in this order.
 */
enum damos_action {
	/* Hints about virtual address ranges, as madvise() gives them */
	DAMOS_WILLNEED, DAMOS_COLD, DAMOS_PAGEOUT,
	DAMOS_HUGEPAGE, DAMOS_NOHUGEPAGE,
	/* Page placement: LRU lists and NUMA nodes */
	DAMOS_LRU_PRIO, DAMOS_LRU_DEPRIO,
	DAMOS_MIGRATE_HOT, DAMOS_MIGRATE_COLD,
	/* Observation only */
	DAMOS_STAT,
	NR_DAMOS_ACTIONS
};

/* Quota priority scores range over [0, DAMOS_MAX_SCORE]. */
#define DAMOS_MAX_SCORE		99

/**
 * struct damos_pattern - The regions a scheme applies to.
 * @min_sz:		Smallest region size, in bytes.
 * @max_sz:		Largest region size, in bytes.
 * @min_nr_accesses:	Fewest accessed samples per aggregation interval
 *			(&damon_region.nr_accesses_bp / %DAMON_BP_PER_ACCESS).
 * @max_nr_accesses:	Most accessed samples per aggregation interval.
 * @min_age:		Lowest age, in aggregation intervals.
 * @max_age:		Highest age, in aggregation intervals.
 *
 * Every range is closed: a region matches if all three of its values lie
 * within [min, max].  A range with min > max matches nothing.
 */
struct damos_pattern {
	unsigned long min_sz, max_sz;
	unsigned int min_nr_accesses, max_nr_accesses;
	unsigned int min_age, max_age;
};

/**
 * enum damos_goal_metric - What a quota goal measures.
 * @DAMOS_GOAL_USER_INPUT:	A value user space feeds in
 *				(&damos_quota_goal.current_value).
 * @DAMOS_GOAL_SOME_MEM_PSI_US:	Microseconds in which some task stalled
 *				on memory (system-wide "some" memory PSI)
 *				during the last quota reset interval.
 * @DAMOS_GOAL_NODE_MEM_USED_BP: Used memory of NUMA node
 *				&damos_quota_goal.nid, in 1/10000 of its
 *				memory.
 * @DAMOS_GOAL_NODE_MEM_FREE_BP: Free memory of that node, likewise.
 * @DAMOS_GOAL_NODE_MEMCG_USED_BP: Memory of node &damos_quota_goal.nid on
 *				the LRU lists of memory cgroup
 *				&damos_quota_goal.memcg_id, in 1/10000 of
 *				the node's memory.
 * @DAMOS_GOAL_NODE_MEMCG_FREE_BP: The rest of that node's memory, likewise.
 * @DAMOS_GOAL_ACTIVE_MEM_BP:	Memory on the active LRU lists, in 1/10000
 *				of the memory on any LRU list.
 * @DAMOS_GOAL_INACTIVE_MEM_BP:	Memory on the inactive LRU lists, likewise.
 * @NR_DAMOS_GOAL_METRICS:	How many there are.
 *
 * All but %DAMOS_GOAL_USER_INPUT are measured by the core, once per
 * quota reset interval.
 */
enum damos_goal_metric {
	DAMOS_GOAL_USER_INPUT,
	DAMOS_GOAL_SOME_MEM_PSI_US,
	DAMOS_GOAL_NODE_MEM_USED_BP,
	DAMOS_GOAL_NODE_MEM_FREE_BP,
	DAMOS_GOAL_NODE_MEMCG_USED_BP,
	DAMOS_GOAL_NODE_MEMCG_FREE_BP,
	DAMOS_GOAL_ACTIVE_MEM_BP,
	DAMOS_GOAL_INACTIVE_MEM_BP,
	NR_DAMOS_GOAL_METRICS,
};

/**
 * struct damos_quota_goal - A value the effective size quota steers to.
 * @metric:		What is measured.
 * @target_value:	The value to reach; never 0.
 * @current_value:	The last measured (or, for %DAMOS_GOAL_USER_INPUT,
 *			fed in) value.
 * @nid:		For the node metrics, the NUMA node.  A node that is
 *			not online measures 0.
 * @memcg_id:		For the node memcg metrics, the memory cgroup's id.
 *			A cgroup that is gone measures as one that has no
 *			memory.
 * @last_psi_total:	For %DAMOS_GOAL_SOME_MEM_PSI_US, the PSI total at
 *			the previous measurement.  Private to the core.
 * @list:		Entry in &damos_quota.goals.
 */
struct damos_quota_goal {
	enum damos_goal_metric metric;
	unsigned long target_value;
	unsigned long current_value;
	int nid;
	unsigned short memcg_id;
	u64 last_psi_total;
	struct list_head list;
};

/**
 * struct damos_quota - How much a scheme may do per reset interval.
 * @ms:			Time quota: milliseconds of applying the action per
 *			@reset_interval.  0 means none.
 * @sz:			Size quota: bytes to apply the action to per
 *			@reset_interval.  0 means none.
 * @reset_interval:	Milliseconds of one charge window.
 * @weight_sz:		Priority weight of region size, in permil.
 * @weight_nr_accesses:	Priority weight of access frequency, in permil.
 * @weight_age:		Priority weight of age, in permil.
 * @goals:		&struct damos_quota_goal entries.  With goals, a
 *			feedback loop sets the size the scheme may apply to
 *			per window, capped by @sz and @ms if those are set.
 * @stop_at_goal:	When the goals are met, cut the size they ask for
 *			to a page at once, rather than shrink it by the share
 *			by which they are exceeded: the action all but stops
 *			within a window of reaching them, and grows again from
 *			a page when they are missed.  For in-kernel users that
 *			must not overshoot (DAMON_TIER); the sysfs interface
 *			leaves it false, as Linux 6.12 behaves.
 * @esz:		Effective size quota of the current window, in bytes:
 *			the tightest of @sz, what @ms allows at the measured
 *			speed, and the goals' size.  0 means unlimited.
 * @charged_sz:		Bytes charged in the current window.
 * @charged_from:	Jiffies at which the current window began.
 * @charge_target_from:	Index of the target where the last window ran
 *			out, or -1: the next window resumes from there.
 * @charge_addr_from:	Address where the last window ran out.
 * @total_charged_sz:	Bytes charged over all past windows.
 * @total_charged_ns:	Nanoseconds spent applying over all past windows.
 * @goal_sz:		The goals' feedback state: the size quota, in bytes,
 *			they ask for.
 * @min_score:		Lowest priority score applied to in this pass.
 *
 * The fields from @esz on are the core's; the owner sets the rest.  When a
 * window has no limit (@esz is 0) every matching region is applied to;
 * otherwise regions are taken in order of priority (see the design
 * documentation) until @esz bytes are charged.
 */
struct damos_quota {
	unsigned long ms;
	unsigned long sz;
	unsigned long reset_interval;
	unsigned int weight_sz;
	unsigned int weight_nr_accesses;
	unsigned int weight_age;
	struct list_head goals;
	bool stop_at_goal;

	unsigned long esz;
	unsigned long charged_sz;
	unsigned long charged_from;
	int charge_target_from;
	unsigned long charge_addr_from;
	unsigned long total_charged_sz;
	u64 total_charged_ns;
	u64 goal_sz;
	unsigned int min_score;
};

/**
 * enum damos_wmark_metric - What watermarks compare.
 * @DAMOS_WMARK_NONE:		Nothing: the scheme is always active.
 * @DAMOS_WMARK_FREE_MEM_RATE:	Free memory, in permil of all memory.
 * @NR_DAMOS_WMARK_METRICS:	How many there are.
 */
enum damos_wmark_metric {
	DAMOS_WMARK_NONE, DAMOS_WMARK_FREE_MEM_RATE, NR_DAMOS_WMARK_METRICS
};

/**
 * struct damos_watermarks - When a scheme is active.
 * @metric:	What is measured.
 * @high:	Above this the scheme turns inactive.
 * @mid:	An inactive scheme turns active again below this.
 * @low:	Below this the scheme turns inactive.
 * @interval:	Microseconds between two measurements.
 * @activated:	Whether the scheme is active.  The core's.
 * @next_check: Jiffies of the next measurement.  The core's.
 *
 * A scheme is active while the metric is in [@low, @high]; once it left
 * that range, the metric must come back below @mid (and stay at or above
 * @low) before the scheme works again.  damon_commit_ctx() requires
 * @low <= @mid <= @high unless @metric is %DAMOS_WMARK_NONE.  While every
 * scheme of a context is inactive, its kdamond stops sampling and only
 * measures, every @interval.
 */
struct damos_watermarks {
	enum damos_wmark_metric metric;
	unsigned long high, mid, low;
	unsigned long interval;

	bool activated;
	unsigned long next_check;
};

/**
 * enum damos_filter_type - What a DAMOS filter looks at.
 * @DAMOS_FILTER_ANON:		Whether a page is anonymous.
 * @DAMOS_FILTER_ACTIVE:	Whether a page is on an active LRU list.
 * @DAMOS_FILTER_MEMCG:		Whether a page is charged to a memory cgroup.
 * @DAMOS_FILTER_YOUNG:		Whether a page was accessed since last checked
 *				(checking it clears the accessed state).
 * @DAMOS_FILTER_HUGEPAGE_SIZE:	Whether the folio a page belongs to has a
 *				size in &damos_filter.sz_range.
 * @DAMOS_FILTER_UNMAPPED:	Whether no page table maps a page.
 * @DAMOS_FILTER_ADDR:		Whether memory lies in an address range.
 * @DAMOS_FILTER_TARGET:	Whether memory belongs to a target, by index.
 * @NR_DAMOS_FILTER_TYPES:	How many there are.
 *
 * The core evaluates the address and target filters (the core layer) for
 * whole regions; the operations set evaluates the others (the ops layer,
 * &DAMOS_OPS_FILTER_TYPES) page by page.
 */
enum damos_filter_type {
	/* Page properties, evaluated by the operations set */
	DAMOS_FILTER_ANON, DAMOS_FILTER_ACTIVE, DAMOS_FILTER_MEMCG,
	DAMOS_FILTER_YOUNG, DAMOS_FILTER_HUGEPAGE_SIZE, DAMOS_FILTER_UNMAPPED,
	/* Region properties, evaluated by the core */
	DAMOS_FILTER_ADDR, DAMOS_FILTER_TARGET,
	NR_DAMOS_FILTER_TYPES
};

/* The filter types that operations sets, not the core, evaluate. */
#define DAMOS_OPS_FILTER_TYPES	(BIT(DAMOS_FILTER_ANON) |		\
				 BIT(DAMOS_FILTER_ACTIVE) |		\
				 BIT(DAMOS_FILTER_MEMCG) |		\
				 BIT(DAMOS_FILTER_YOUNG) |		\
				 BIT(DAMOS_FILTER_HUGEPAGE_SIZE) |	\
				 BIT(DAMOS_FILTER_UNMAPPED))

/**
 * damos_filter_is_ops() - Whether the operations set evaluates a filter type.
 * @type:	The filter type.
 *
 * Context: Any.
 * Return: true for the ops-layer types (&DAMOS_OPS_FILTER_TYPES).
 */
static inline bool damos_filter_is_ops(enum damos_filter_type type)
{
	return type < NR_DAMOS_FILTER_TYPES &&
	       (BIT(type) & DAMOS_OPS_FILTER_TYPES);
}

/**
 * struct damon_size_range - A closed range of sizes.
 * @min:	The smallest size in the range.
 * @max:	The largest size in the range.
 */
struct damon_size_range {
	unsigned long min, max;
};

/**
 * struct damos_filter - Memory a scheme may or must not act on.
 * @list:	Entry in &damos.filters.
 * @type:	What the filter looks at.
 * @matching:	Whether the filter is about the memory its type test
 *		matches (true) or the memory it does not match (false).
 * @allow:	Whether the filter lets the action work on the memory it is
 *		about (true) or keeps the action off it (false).
 * @addr_range:	For %DAMOS_FILTER_ADDR, the range, page aligned.
 * @target_idx:	For %DAMOS_FILTER_TARGET, the target's index in the
 *		context.
 * @memcg_id:	For %DAMOS_FILTER_MEMCG, the cgroup's memcg id.
 * @sz_range:	For %DAMOS_FILTER_HUGEPAGE_SIZE, the folio sizes in bytes.
 *
 * A filter is about some memory when whether its type test matches equals
 * @matching.  Each layer (core, then ops) tries its filters in the order
 * of &damos.filters, and the first one that is about a piece of memory
 * decides for it, by @allow.  Memory no filter of a layer is about is
 * rejected if the layer's last filter is an allow filter (a list of
 * allow filters names all that may be acted on), and allowed otherwise;
 * the core layer allows it whenever the scheme has ops-layer filters, so
 * that those decide.  Rejected memory is not counted as applied; memory a
 * core filter rejects is not counted as tried either.
 */
struct damos_filter {
	struct list_head list;
	enum damos_filter_type type;
	bool matching;
	bool allow;
	union {
		struct damon_addr_range addr_range;
		int target_idx;
		unsigned short memcg_id;
		struct damon_size_range sz_range;
	};
};

/**
 * struct damos_stat - What a scheme did, since it was created.
 * @nr_tried:	Regions the action was tried on.
 * @sz_tried:	Bytes of those regions.
 * @nr_applied:	Regions the action was applied to (at least in part).
 * @sz_applied:	Bytes the action was applied to.
 * @sz_ops_filter_passed: Bytes the operations set considered for the
 *		action that its filters let through (see
 *		&damon_operations.apply_scheme).
 * @qt_exceeds:	Charge windows that ran out of quota.
 */
struct damos_stat {
	unsigned long nr_tried, sz_tried;
	unsigned long nr_applied, sz_applied;
	unsigned long sz_ops_filter_passed;
	unsigned long qt_exceeds;
};

/**
 * struct damos_dest - A destination of the migrate actions.
 * @nid:	The NUMA node.
 * @weight:	Its share of the folios, relative to the weights of the
 *		scheme's other destinations; 0 sends it nothing.
 */
struct damos_dest {
	int nid;
	unsigned int weight;
};

/**
 * struct damos - A data access monitoring-based operation scheme.
 * @pattern:		The regions it applies to.
 * @action:		What it does to them.
 * @target_nid:		For the migrate actions without @dests, the
 *			destination node.
 * @dests:		For the migrate actions, the destination nodes, each
 *			getting a share of the folios by its weight (see
 *			damos_dest_nid()); set with damos_set_dests().
 * @nr_dests:		Number of @dests; 0 means @target_nid.
 * @apply_interval_us:	Microseconds between two applications; 0 means
 *			every aggregation interval.
 * @quota:		How much it may do.
 * @wmarks:		When it is active.
 * @filters:		&struct damos_filter entries, evaluated in order.
 * @stat:		What it did.
 * @list:		Entry in &damon_ctx.schemes.
 * @next_apply_sis:	&damon_ctx.passed_sample_intervals at the next
 *			application.  The core's.
 * @walked:		Whether the current damos_walk() saw an application
 *			of this scheme.  The core's.
 * @age_aggr_us:	The aggregation interval, in microseconds, that
 *			@given_min_age and @given_max_age count in; 0 until
 *			the intervals tuning or a commit first needs them.
 * @given_min_age:	&damos_pattern.min_age as given, in aggregations of
 *			@age_aggr_us: when the aggregation interval changes
 *			under the intervals tuning, @pattern's age bounds are
 *			recomputed from these, so that they keep the time
 *			they mean (rounded up to whole aggregations).
 * @given_max_age:	&damos_pattern.max_age as given, likewise.
 *
 * Create one with damos_new() and give it to a context with
 * damon_add_scheme(), or commit it to a running context with
 * damon_commit_ctx().
 */
struct damos {
	struct damos_pattern pattern;
	enum damos_action action;
	int target_nid;
	struct damos_dest *dests;
	unsigned int nr_dests;
	unsigned long apply_interval_us;
	struct damos_quota quota;
	struct damos_watermarks wmarks;
	struct list_head filters;
	struct damos_stat stat;
	struct list_head list;

	unsigned long next_apply_sis;
	bool walked;
	unsigned long age_aggr_us;
	unsigned int given_min_age, given_max_age;
};

/**
 * struct damos_walk_control - A look at the regions schemes are tried on.
 * @walk_fn:	Called in the kdamond for every region a scheme is tried on
 *		(the region matched, quota and core filters allowed it), just
 *		after the action, with the bytes of the region the ops-layer
 *		filters let through (see &damos_stat.sz_ops_filter_passed).
 *		It must not sleep for long nor change the region.
 * @data:	Its first argument.
 * @canceled:	Set if the kdamond stopped before every scheme was seen.
 * @done:	Completed once every scheme has had one application (or is
 *		inactive), or the kdamond stopped.
 * @started:	Whether the kdamond has begun the walk.  The core's.
 *
 * See damos_walk().
 */
struct damos_walk_control {
	void (*walk_fn)(void *data, struct damon_ctx *ctx,
			struct damon_target *t, struct damon_region *r,
			struct damos *s, unsigned long sz_filter_passed);
	void *data;
	bool canceled;
	struct completion done;
	bool started;
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

/* Which addresses of a &struct damon_access_report are valid. */
#define DAMON_REPORT_VADDR	BIT(0)
#define DAMON_REPORT_PADDR	BIT(1)

/**
 * struct damon_access_report - An access that a source other than DAMON's
 * own page table checks saw.
 * @vaddr:	With %DAMON_REPORT_VADDR, the virtual address accessed, in
 *		the address space of @pid.
 * @paddr:	With %DAMON_REPORT_PADDR, the physical address accessed.
 * @size:	Bytes accessed from the address on; 0 counts as 1.
 * @pid:	With %DAMON_REPORT_VADDR, the thread group id of the process
 *		that accessed, in the initial pid namespace.
 * @cpu:	The CPU that accessed.
 * @nid:	The NUMA node of that CPU.
 * @flags:	%DAMON_REPORT_VADDR, %DAMON_REPORT_PADDR, or both.
 *
 * See damon_report_access().
 */
struct damon_access_report {
	unsigned long vaddr;
	unsigned long paddr;
	unsigned long size;
	pid_t pid;
	int cpu;
	int nid;
	unsigned int flags;
};

/**
 * struct damon_operations - What the core needs from an address space.
 * @id:			Which operations set this is.
 * @check_sample:	Tell, for each region, whether its sampling address
 *			was accessed since @prepare_sample, and account it
 *			with damon_update_region_access_rate().  Returns the
 *			highest &damon_region.nr_accesses of any region.
 *			Called only with %DAMON_SAMPLE_PAGE_TABLE.
 * @prepare_sample:	Pick a new sampling address in every region and,
 *			for the context's &damon_attrs.sample_primitives,
 *			clear its accessed state so that the next check sees
 *			only new accesses (%DAMON_SAMPLE_PAGE_TABLE), and
 *			make its next access fault and be reported
 *			(%DAMON_SAMPLE_PAGE_FAULT).
 * @report_addr:	Whether an access report belongs to a target, and at
 *			which of its addresses: what the core marks in the
 *			target's regions.  Needed for %DAMON_SAMPLE_PAGE_FAULT.
 * @target_alive:	Whether a target can still be monitored, for example
 *			whether its process still exists.  The kdamond ends
 *			when no target is alive.  Without it, targets never
 *			die and the kdamond runs even with no target.
 * @refresh:		Bring the targets' regions up to date with their
 *			memory layout.  Optional.
 * @setup:		Give targets without regions their initial regions.
 *			Called when the kdamond starts and after a commit.
 *			Optional.
 * @teardown:		Undo what @setup took when the kdamond ends.
 *			Optional.
 * @apply_scheme:	Apply the action of a DAMOS scheme to a region of a
 *			target, skipping the memory that the scheme's
 *			ops-layer filters (&DAMOS_OPS_FILTER_TYPES) reject,
 *			and add to its last argument the bytes of the memory
 *			it considered that those filters let through (for
 *			%DAMOS_STAT, only if the scheme has ops-layer
 *			filters).  Returns the bytes the action was applied
 *			to.  Needed for any action but %DAMOS_STAT.
 * @actions:		The DAMOS actions this set can apply, a mask of
 *			BIT(&enum damos_action).  damon_commit_ctx() refuses
 *			schemes with others.
 * @filter_types:	The ops-handled filter types (see
 *			&DAMOS_OPS_FILTER_TYPES) this set evaluates, a mask of
 *			BIT(&enum damos_filter_type).
 * @filter_actions:	The actions for which it evaluates them, a mask of
 *			BIT(&enum damos_action).
 * @sample_primitives:	The sample primitives it supports (see
 *			%DAMON_SAMPLE_PRIMITIVES; 0 means
 *			%DAMON_SAMPLE_PAGE_TABLE alone); damon_commit_ctx()
 *			and damon_start() refuse contexts that ask for others.
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
	unsigned long (*apply_scheme)(struct damon_ctx *ctx,
				      struct damon_target *t,
				      struct damon_region *r, struct damos *s,
				      unsigned long *sz_filter_passed);
	unsigned long actions;
	bool (*report_addr)(struct damon_target *t,
			    const struct damon_access_report *r,
			    unsigned long *addr);
	unsigned long filter_types;
	unsigned long filter_actions;
	unsigned long sample_primitives;
};

/**
 * struct damon_intervals_goal - What the sampling interval is tuned for.
 * @access_bp:	The share, in 1/10000, of the access events DAMON could
 *		observe (every byte of every region, once per sample) that it
 *		should observe.
 * @aggrs:	Aggregation intervals per tuning step: the share is measured
 *		over that many aggregations, then the intervals move.
 * @min_sample_us: The shortest sampling interval the tuning may set.
 * @max_sample_us: The longest sampling interval the tuning may set.
 *
 * The tuning is on when @access_bp and @aggrs are both non-zero.  Each
 * step scales the sampling interval by the goal over the observed share,
 * at most doubling or halving it, within [@min_sample_us, @max_sample_us],
 * and scales the aggregation interval along, so that an aggregation keeps
 * its number of samples.  See kdamond_tune_intervals().
 */
struct damon_intervals_goal {
	unsigned long access_bp;
	unsigned long aggrs;
	unsigned long min_sample_us;
	unsigned long max_sample_us;
};

/*
 * What a sample checks for accesses (&damon_attrs.sample_primitives):
 *
 * DAMON_SAMPLE_PAGE_TABLE	the accessed bits of the page table entries
 *				that map the sampled page
 * DAMON_SAMPLE_PAGE_FAULT	the sampled page is made to fault at its next
 *				access, and the fault reports it; the context
 *				also takes the reports of every other source
 *				(damon_report_access())
 */
#define DAMON_SAMPLE_PAGE_TABLE		BIT(0)
#define DAMON_SAMPLE_PAGE_FAULT		BIT(1)
#define DAMON_SAMPLE_PRIMITIVES		(DAMON_SAMPLE_PAGE_TABLE |	\
					 DAMON_SAMPLE_PAGE_FAULT)

/**
 * struct damon_attrs - Monitoring attributes.
 * @sample_interval:	Microseconds between two access checks.
 * @aggr_interval:	Microseconds between two aggregations.
 * @ops_update_interval: Microseconds between two region refreshes by the
 *			operations set (&damon_operations.refresh).
 * @min_nr_regions:	Fewest regions, over all targets, to keep.
 * @max_nr_regions:	Most regions, over all targets, to keep.
 * @intervals_goal:	The goal of the intervals auto-tuning, which changes
 *			@sample_interval and @aggr_interval while the kdamond
 *			runs.
 * @sample_primitives:	What a sample checks: %DAMON_SAMPLE_PAGE_TABLE,
 *			%DAMON_SAMPLE_PAGE_FAULT or both; 0 means
 *			%DAMON_SAMPLE_PAGE_TABLE alone, as Linux 6.12 samples
 *			(see damon_sample_primitives()).
 *
 * Intervals are counted in samples: an aggregation interval is
 * @aggr_interval / @sample_interval samples however long each sample
 * really takes.  damon_set_attrs() checks, as Linux 6.12 does, that
 * @sample_interval <= @aggr_interval and 3 <= @min_nr_regions <=
 * @max_nr_regions; a zero @sample_interval counts as 1 (damon_sample_us()),
 * and zero @aggr_interval or @ops_update_interval mean every sample.
 */
struct damon_attrs {
	unsigned long sample_interval, aggr_interval, ops_update_interval;
	unsigned long min_nr_regions, max_nr_regions;
	struct damon_intervals_goal intervals_goal;
	unsigned long sample_primitives;
};

/**
 * struct damon_call_control - A function for a kdamond to call.
 * @fn:		The function.  It runs in the kdamond, between two samples,
 *		and may read and change the context freely.
 * @data:	Its argument.
 * @ret:	What @fn returned, or -ECANCELED if the kdamond stopped first.
 * @done:	Completed once @ret is set (for @repeat, once the kdamond
 *		ended).
 * @list:	Entry in the context's list of pending calls.
 * @repeat:	Call @fn between every two samples until the kdamond ends,
 *		instead of once; damon_call() returns as soon as it is queued.
 *		@fn must then be cheap, and the control must live until @done.
 *
 * See damon_call().
 */
struct damon_call_control {
	int (*fn)(struct damon_ctx *ctx, void *data);
	void *data;
	int ret;
	struct completion done;
	struct list_head list;
	bool repeat;
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
 * @repeat_calls: The &struct damon_call_control.repeat ones.
 * @passed_sample_intervals: Samples taken since the kdamond started.
 * @next_aggregation_sis: @passed_sample_intervals at the next aggregation.
 * @next_ops_update_sis: @passed_sample_intervals at the next ops update.
 * @last_nr_regions: Region count before the last split, to decide whether
 *		the next split should cut regions in three.
 * @user_sample_interval: The sampling interval last set by
 *		damon_set_attrs(), where the intervals auto-tuning started.
 * @user_aggr_interval: The aggregation interval set along with it.
 * @tune_aggrs:	Aggregations measured in the current tuning step.
 * @tune_access_bp: The sum of their observed access-event shares.
 * @schemes:	The DAMOS schemes (&struct damos), applied in order.
 * @walk:	The pending damos_walk(), or NULL.  Protected by @call_lock.
 * @report_reader: While the context takes access reports
 *		(%DAMON_SAMPLE_PAGE_FAULT), the kdamond's state for reading
 *		them.  The kdamond's.
 * @nr_reports_received: Access reports the kdamond read.
 * @nr_reports_dropped: Access reports lost before the kdamond read them.
 * @nr_reports_applied: Access reports that touched a region.
 *
 * While the kdamond runs, only it touches @attrs, @ops, @targets, @schemes
 * and the sampling state; other code reaches them with damon_call().  Before it
 * starts and after it stops, the owner of the context may change anything.
 */
struct damon_ctx {
	struct damon_attrs attrs;
	struct damon_operations ops;
	struct list_head targets;

	struct task_struct *kdamond;
	int kdamond_id;
	struct mutex kdamond_lock;	/* protects @kdamond */
	struct mutex call_lock;		/* protects @calls, @repeat_calls */
	struct list_head calls;
	struct list_head repeat_calls;

	unsigned long passed_sample_intervals;
	unsigned long next_aggregation_sis;
	unsigned long next_ops_update_sis;
	unsigned int last_nr_regions;
	unsigned long user_sample_interval;
	unsigned long user_aggr_interval;
	unsigned long tune_aggrs;
	u64 tune_access_bp;

	struct list_head schemes;
	struct damos_walk_control *walk;	/* protected by @call_lock */

	struct damon_report_reader *report_reader;
	unsigned long nr_reports_received;
	unsigned long nr_reports_dropped;
	unsigned long nr_reports_applied;
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
#define damon_for_each_scheme(s, c)	list_for_each_entry(s, &(c)->schemes, list)
#define damon_for_each_scheme_safe(s, tmp, c)	\
	list_for_each_entry_safe(s, tmp, &(c)->schemes, list)
#define damos_for_each_filter(f, s)	list_for_each_entry(f, &(s)->filters, list)
#define damos_for_each_filter_safe(f, tmp, s)	\
	list_for_each_entry_safe(f, tmp, &(s)->filters, list)
#define damos_for_each_quota_goal(g, q)	list_for_each_entry(g, &(q)->goals, list)
#define damos_for_each_quota_goal_safe(g, tmp, q)	\
	list_for_each_entry_safe(g, tmp, &(q)->goals, list)

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

/**
 * damon_sample_us() - The sampling interval to compute with.
 * @attrs:	The monitoring attributes.
 *
 * A zero &damon_attrs.sample_interval is allowed, as in Linux 6.12, and
 * counts as one microsecond.
 *
 * Context: Any context.
 * Return: The sampling interval in microseconds, at least 1.
 */
static inline unsigned long damon_sample_us(const struct damon_attrs *attrs)
{
	return attrs->sample_interval ? attrs->sample_interval : 1;
}

/**
 * damon_mul_div_sat() - @a * @b / @c, saturating.
 * @a:	A factor.
 * @b:	The other factor.
 * @c:	The divisor.
 *
 * mul_u64_u64_div_u64() with a 128-bit product, but U64_MAX instead of a
 * divide error (x86) or a truncated result where the quotient does not fit
 * in 64 bits or @c is 0.
 *
 * Context: Any context.
 * Return: The quotient, at most U64_MAX.
 */
static inline u64 damon_mul_div_sat(u64 a, u64 b, u64 c)
{
	if (!c || mul_u64_u64_shr(a, b, 64) >= c)
		return U64_MAX;
	return mul_u64_u64_div_u64(a, b, c);
}

/**
 * damon_intervals_tuning() - Whether the intervals auto-tuning is on.
 * @attrs:	The monitoring attributes.
 *
 * Context: Any context.
 * Return: True if &damon_attrs.intervals_goal asks for tuning: a non-zero
 * access share and number of aggregations per step.
 */
static inline bool damon_intervals_tuning(const struct damon_attrs *attrs)
{
	return attrs->intervals_goal.access_bp && attrs->intervals_goal.aggrs;
}

/**
 * damon_sample_primitives() - What the samples of a context check.
 * @attrs:	The context's monitoring attributes.
 *
 * Context: Any.
 * Return: &damon_attrs.sample_primitives, or %DAMON_SAMPLE_PAGE_TABLE if
 * it is 0.
 */
static inline unsigned long
damon_sample_primitives(const struct damon_attrs *attrs)
{
	return attrs->sample_primitives ? : DAMON_SAMPLE_PAGE_TABLE;
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

struct damos *damos_new(enum damos_action action);
void damon_add_scheme(struct damon_ctx *ctx, struct damos *s);
void damon_destroy_scheme(struct damos *s);
struct damos_filter *damos_new_filter(enum damos_filter_type type,
				      bool matching);
void damos_add_filter(struct damos *s, struct damos_filter *f);
int damos_set_dests(struct damos *s, const struct damos_dest *dests,
		    unsigned int nr);
int damos_dest_nid(const struct damos *s, unsigned long key);
void damos_destroy_filter(struct damos_filter *f);
struct damos_quota_goal *damos_new_quota_goal(enum damos_goal_metric metric,
					      unsigned long target_value);
void damos_add_quota_goal(struct damos_quota *q, struct damos_quota_goal *g);
void damos_destroy_quota_goal(struct damos_quota_goal *g);
int damos_commit_quota_goals(struct damos_quota *dst,
			     const struct damos_quota *src);
unsigned int damos_report_noops(const struct damon_ctx *ctx, const char *name);
int damos_walk(struct damon_ctx *ctx, struct damos_walk_control *control);

void damon_report_access(const struct damon_access_report *r);
void damon_report_fault(unsigned long vaddr, unsigned long pfn,
			unsigned long size);

#else /* CONFIG_DAMON */

static inline void damon_report_access(const struct damon_access_report *r)
{
}

static inline void damon_report_fault(unsigned long vaddr, unsigned long pfn,
				      unsigned long size)
{
}

#endif /* CONFIG_DAMON */

#endif /* _LINUX_DAMON_H */
