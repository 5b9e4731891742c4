// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON operations set for the physical address space: "paddr".
 *
 * The single target is physical memory, by default the biggest "System
 * RAM" resource.  An access to a sampled page frame is seen through the
 * accessed bits of every page table entry that maps its folio, found by
 * reverse mapping, or through the folio's idle flag for folios nobody maps
 * (page cache that is only read and written through system calls).
 *
 * DAMOS actions work folio by folio on the LRU folios of a region: pageout
 * reclaims them, lru_prio and lru_deprio move them between the active and
 * inactive LRU lists, and migrate_hot and migrate_cold move them to another
 * NUMA node.  The ops-layer filters (anon, active, memcg, young,
 * hugepage_size, unmapped) are evaluated per folio, and the part of each
 * folio inside the region that they let through is counted for
 * &damos_stat.sz_ops_filter_passed.
 */

#define pr_fmt(fmt) "damon-pa: " fmt

#include <linux/damon.h>
#include <linux/gfp.h>
#include <linux/ioport.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/nodemask.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/swap.h>

#include "../internal.h"
#include "ops-common.h"

/*
 * Sample the LRU folio at @paddr, if there is one: with @start, make it old
 * so that the next look sees only new accesses; without, tell whether it
 * was accessed since.  Frames without an LRU folio never count as accessed.
 */
static bool damon_pa_sample(unsigned long paddr, bool start)
{
	struct folio *folio = damon_get_folio(PHYS_PFN(paddr));
	bool accessed = false;

	if (folio) {
		if (start)
			damon_folio_mkold(folio);
		else
			accessed = damon_folio_young(folio);
		folio_put(folio);
	}
	return accessed;
}

/* Make the next access to the folio at @paddr fault, through any mapping. */
static void damon_pa_mkfault(unsigned long paddr)
{
#ifdef CONFIG_NUMA_BALANCING
	struct folio *folio = damon_get_folio(PHYS_PFN(paddr));

	if (folio) {
		damon_folio_mkfault(folio);
		folio_put(folio);
	}
#endif
}

static void damon_pa_prepare_sample(struct damon_ctx *ctx)
{
	unsigned long prims = damon_sample_primitives(&ctx->attrs);
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->sampling_addr = r->ar.start +
				get_random_u32_below(damon_sz_region(r));
			if (prims & DAMON_SAMPLE_PAGE_TABLE)
				damon_pa_sample(r->sampling_addr, true);
			if (prims & DAMON_SAMPLE_PAGE_FAULT)
				damon_pa_mkfault(r->sampling_addr);
		}
	}
}

/*
 * The &damon_operations.report_addr of paddr: a report of a physical
 * address.  A context of paddr has one target.
 */
static bool damon_pa_report_addr(struct damon_target *t,
				 const struct damon_access_report *r,
				 unsigned long *addr)
{
	if (!(r->flags & DAMON_REPORT_PADDR))
		return false;
	*addr = r->paddr;
	return true;
}

static unsigned int damon_pa_check_sample(struct damon_ctx *ctx)
{
	unsigned int max_nr_accesses = 0;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			bool young = damon_pa_sample(r->sampling_addr, false);

			damon_update_region_access_rate(r, young, &ctx->attrs);
			max_nr_accesses = max(max_nr_accesses, r->nr_accesses);
		}
	}
	return max_nr_accesses;
}

/* ---- DAMOS actions ------------------------------------------------------- */

/*
 * Folios an action isolates are handed on in batches of this many, so that
 * a big region does not keep a lot of memory off the LRU lists at once.
 */
#define DAMON_PA_BATCH	512

/*
 * Take a reference to the next LRU folio of [*@addr, @end), and advance
 * *@addr past it: a large folio is seen once, wherever the walk enters it.
 * Page frames that are offline or hold no LRU folio are skipped.  Returns
 * NULL at @end.
 */
static struct folio *damon_pa_next_folio(unsigned long *addr,
					 unsigned long end)
{
	struct folio *folio;

	for (; *addr < end; *addr += PAGE_SIZE) {
		folio = damon_get_folio(PHYS_PFN(*addr));
		if (folio) {
			*addr = PFN_PHYS(folio_pfn(folio)) + folio_size(folio);
			return folio;
		}
		cond_resched();
	}
	return NULL;
}

/*
 * The bytes of @folio inside @r: a large folio may begin before the region
 * or end after it, and only the part inside counts as the region's.
 */
static unsigned long damon_pa_folio_sz_in(struct folio *folio,
					  const struct damon_region *r)
{
	unsigned long start = PFN_PHYS(folio_pfn(folio));
	unsigned long end = start + folio_size(folio);

	return min(end, r->ar.end) - max(start, r->ar.start);
}

static bool damos_has_filter_type(const struct damos *s,
				  enum damos_filter_type type)
{
	struct damos_filter *f;

	damos_for_each_filter(f, s) {
		if (f->type == type)
			return true;
	}
	return false;
}

/*
 * Reclaim the folios of @r.  Unless the scheme has a young filter of its
 * own, folios accessed since the last check are left alone, as if its ops
 * layer ended with one that rejects them: reclaiming memory in use would
 * only fault it back in.  Returns the bytes reclaim freed; adds the bytes
 * of the folios that passed the filters to *@passed.
 */
static unsigned long damon_pa_pageout(struct damon_region *r,
				      const struct damos *s,
				      unsigned long *passed)
{
	bool skip_accessed = !damos_has_filter_type(s, DAMOS_FILTER_YOUNG);
	unsigned long addr = r->ar.start, nr_reclaimed = 0;
	unsigned int nr_isolated = 0;
	struct folio *folio;
	LIST_HEAD(folios);

	while ((folio = damon_pa_next_folio(&addr, r->ar.end))) {
		if (damos_folio_filtered_out(s, folio) ||
		    (skip_accessed && damon_folio_accessed(folio)))
			goto put;
		*passed += damon_pa_folio_sz_in(folio, r);
		if (!folio_isolate_lru(folio))
			goto put;
		if (folio_test_unevictable(folio)) {
			folio_putback_lru(folio);
			goto put;
		}
		/* The list holds the reference isolation took. */
		list_add(&folio->lru, &folios);
		nr_isolated++;
put:
		folio_put(folio);
		if (nr_isolated >= DAMON_PA_BATCH) {
			nr_reclaimed += reclaim_pages(&folios);
			nr_isolated = 0;
		}
		cond_resched();
	}
	/* reclaim_pages() puts back what it could not reclaim. */
	nr_reclaimed += reclaim_pages(&folios);
	return nr_reclaimed * PAGE_SIZE;
}

/*
 * Whether folio_activate() (@prio) or folio_deactivate() would move @folio.
 * The multi-gen LRU keeps no active flag on listed folios and moves them
 * either way; unevictable folios have no other list to go to.  The
 * filters are evaluated only for folios the action would move.
 */
static bool damon_pa_lru_would_move(struct folio *folio, bool prio)
{
	if (folio_test_unevictable(folio))
		return false;
	return lru_gen_enabled() || folio_test_active(folio) != prio;
}

/*
 * Move the folios of @r to the active LRU lists (@prio) or to the inactive
 * ones.  Activating does not mark the folios accessed, so the next access
 * check does not mistake the action for an access.  Returns the bytes of
 * the folios moved (the move itself may wait in a per-CPU batch).
 */
static unsigned long damon_pa_lru_move(struct damon_region *r,
				       const struct damos *s, bool prio,
				       unsigned long *passed)
{
	unsigned long addr = r->ar.start, applied = 0;
	struct folio *folio;

	while ((folio = damon_pa_next_folio(&addr, r->ar.end))) {
		if (damon_pa_lru_would_move(folio, prio) &&
		    !damos_folio_filtered_out(s, folio)) {
			*passed += damon_pa_folio_sz_in(folio, r);
			if (prio)
				folio_activate(folio);
			else
				folio_deactivate(folio);
			applied += folio_size(folio);
		}
		folio_put(folio);
		cond_resched();
	}
	return applied;
}

/*
 * Migrate the folios of @r to the scheme's destination, or with
 * &damos.dests to each folio's share of them (damos_dest_nid(), keyed by
 * damos_folio_dest_key(), which migration keeps).  Folios
 * already where they should be are not counted, nor filtered.  A node
 * that is not (or no longer) a memory node gets nothing.  Returns the
 * bytes migrated.
 */
static unsigned long damon_pa_migrate(struct damon_region *r,
				      const struct damos *s,
				      unsigned long *passed)
{
	unsigned long addr = r->ar.start, applied = 0;
	unsigned int nr_isolated = 0;
	struct list_head *lists;
	struct folio *folio;
	int nid;

	lists = damon_new_node_lists();
	if (!lists)
		return 0;
	while ((folio = damon_pa_next_folio(&addr, r->ar.end))) {
		nid = damos_folio_migrate_nid(s, folio);
		if (nid != NUMA_NO_NODE && !damos_folio_filtered_out(s, folio)) {
			*passed += damon_pa_folio_sz_in(folio, r);
			/* Isolation accounts it as isolated for migration. */
			if (isolate_folio_to_list(folio, &lists[nid]))
				nr_isolated++;
		}
		folio_put(folio);
		if (nr_isolated >= DAMON_PA_BATCH) {
			applied += damon_migrate_node_lists(lists);
			nr_isolated = 0;
		}
		cond_resched();
	}
	applied += damon_migrate_node_lists(lists);
	kfree(lists);
	return applied;
}

/*
 * "stat": add the bytes of the folios of @r that the ops-layer filters of
 * @s let through to *@passed, so that a stat scheme tells how much of the
 * memory of an access pattern is of a kind.  Without such filters there is
 * nothing to count and no folio is looked at.
 */
static void damon_pa_stat(struct damon_region *r, const struct damos *s,
			  unsigned long *passed)
{
	unsigned long addr = r->ar.start;
	struct folio *folio;

	if (!damos_has_ops_filter(s))
		return;
	while ((folio = damon_pa_next_folio(&addr, r->ar.end))) {
		if (!damos_folio_filtered_out(s, folio))
			*passed += damon_pa_folio_sz_in(folio, r);
		folio_put(folio);
		cond_resched();
	}
}

/* The apply_scheme of "paddr": see damon_pa_ops for the actions. */
static unsigned long damon_pa_apply_scheme(struct damon_ctx *ctx,
					   struct damon_target *t,
					   struct damon_region *r,
					   struct damos *s,
					   unsigned long *passed)
{
	switch (s->action) {
	case DAMOS_PAGEOUT:
		return damon_pa_pageout(r, s, passed);
	case DAMOS_LRU_PRIO:
		return damon_pa_lru_move(r, s, true, passed);
	case DAMOS_LRU_DEPRIO:
		return damon_pa_lru_move(r, s, false, passed);
	case DAMOS_MIGRATE_HOT:
	case DAMOS_MIGRATE_COLD:
		/* They differ in which regions a quota lets the core pick. */
		return damon_pa_migrate(r, s, passed);
	case DAMOS_STAT:
		damon_pa_stat(r, s, passed);
		return 0;
	default:
		/* Actions damon_pa_ops does not take. */
		return 0;
	}
}

static int damon_pa_biggest_ram_fn(struct resource *res, void *arg)
{
	struct damon_addr_range *biggest = arg;

	if (resource_size(res) > biggest->end - biggest->start) {
		biggest->start = res->start;
		biggest->end = res->end + 1;
	}
	return 0;
}

/**
 * damon_pa_biggest_system_ram() - Find the biggest System RAM resource.
 * @range:	Gets its range.
 *
 * Context: Process context.
 * Return: 0 on success, -ENOENT if there is no System RAM resource.
 */
static int damon_pa_biggest_system_ram(struct damon_addr_range *range)
{
	struct damon_addr_range biggest = {};

	walk_system_ram_res(0, ULONG_MAX, &biggest, damon_pa_biggest_ram_fn);
	if (biggest.end <= biggest.start)
		return -ENOENT;
	*range = biggest;
	return 0;
}

/* Targets without regions monitor the biggest System RAM resource. */
static void damon_pa_setup(struct damon_ctx *ctx)
{
	struct damon_addr_range ram;
	struct damon_target *t;

	damon_for_each_target(t, ctx) {
		if (t->nr_regions || damon_pa_biggest_system_ram(&ram))
			continue;
		if (damon_set_regions(t, &ram, 1))
			pr_debug("cannot set the default region\n");
	}
}

static const struct damon_operations damon_pa_ops = {
	.id = DAMON_OPS_PADDR,
	.setup = damon_pa_setup,
	.prepare_sample = damon_pa_prepare_sample,
	.check_sample = damon_pa_check_sample,
	.apply_scheme = damon_pa_apply_scheme,
	.actions = BIT(DAMOS_PAGEOUT) | BIT(DAMOS_LRU_PRIO) |
		   BIT(DAMOS_LRU_DEPRIO) | BIT(DAMOS_MIGRATE_HOT) |
		   BIT(DAMOS_MIGRATE_COLD) | BIT(DAMOS_STAT),
	.filter_types = DAMOS_OPS_FILTER_TYPES,
	.filter_actions = BIT(DAMOS_PAGEOUT) | BIT(DAMOS_LRU_PRIO) |
			  BIT(DAMOS_LRU_DEPRIO) | BIT(DAMOS_MIGRATE_HOT) |
			  BIT(DAMOS_MIGRATE_COLD) | BIT(DAMOS_STAT),
	.report_addr = damon_pa_report_addr,
	.sample_primitives = DAMON_SAMPLE_PAGE_TABLE |
		(IS_ENABLED(CONFIG_NUMA_BALANCING) ? DAMON_SAMPLE_PAGE_FAULT : 0),
};

static int __init damon_pa_initcall(void)
{
	return damon_register_ops(&damon_pa_ops);
}
subsys_initcall(damon_pa_initcall);

#ifdef CONFIG_DAMON_PADDR_KUNIT_TEST
#include "paddr-kunit.h"
#endif
