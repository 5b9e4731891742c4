// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON operations set for the physical address space: "paddr".
 *
 * The single target is physical memory, by default the biggest "System
 * RAM" resource.  An access to a sampled page frame is seen through the
 * accessed bits of every page table entry that maps its folio, found by
 * reverse mapping, or through the folio's idle flag for folios nobody maps
 * (page cache that is only read and written through system calls).
 */

#define pr_fmt(fmt) "damon-pa: " fmt

#include <linux/damon.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pagemap.h>
#include <linux/random.h>
#include <linux/rmap.h>

#include "../internal.h"
#include "ops-common.h"

static bool damon_pa_mkold_one(struct folio *folio, struct vm_area_struct *vma,
			       unsigned long addr, void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);

	while (page_vma_mapped_walk(&pvmw)) {
		if (pvmw.pte)
			damon_ptep_mkold(pvmw.pte, vma, pvmw.address);
		else
			damon_pmdp_mkold(pvmw.pmd, vma, pvmw.address);
	}
	return true;
}

static bool damon_pa_young_one(struct folio *folio, struct vm_area_struct *vma,
			       unsigned long addr, void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);
	bool *young = arg;

	while (page_vma_mapped_walk(&pvmw)) {
		bool pt_young = false;

		if (pvmw.pte)
			pt_young = pte_young(ptep_get(pvmw.pte));
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
		else
			pt_young = pmd_young(pmdp_get(pvmw.pmd));
#endif
		*young = pt_young || !folio_test_idle(folio) ||
			 mmu_notifier_test_young(vma->vm_mm, pvmw.address);
		if (*young) {
			page_vma_mapped_walk_done(&pvmw);
			break;
		}
	}
	/* Keep walking the mappings until one shows an access. */
	return !*young;
}

/*
 * Walk the mappings of the LRU folio at @paddr with @rmap_one and @arg.  A
 * folio nobody maps is only marked idle (@mkold) or checked for being
 * accessed since it was (the return value); a folio whose lock is taken is
 * skipped this time.
 */
static bool damon_pa_walk(unsigned long paddr,
			  bool (*rmap_one)(struct folio *, struct vm_area_struct *,
					   unsigned long, void *),
			  void *arg, bool mkold)
{
	struct folio *folio = damon_get_folio(PHYS_PFN(paddr));
	struct rmap_walk_control rwc = {
		.rmap_one = rmap_one,
		.arg = arg,
		.anon_lock = folio_lock_anon_vma_read,
	};
	bool need_lock, young = false;

	if (!folio)
		return false;
	if (!folio_mapped(folio) || !folio_raw_mapping(folio)) {
		if (mkold)
			folio_set_idle(folio);
		else
			young = !folio_test_idle(folio);
		goto out;
	}
	/* File and KSM folios need their lock for a stable rmap walk. */
	need_lock = !folio_test_anon(folio) || folio_test_ksm(folio);
	if (need_lock && !folio_trylock(folio))
		goto out;
	rmap_walk(folio, &rwc);
	if (need_lock)
		folio_unlock(folio);
out:
	folio_put(folio);
	return young;
}

static void damon_pa_prepare_sample(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->sampling_addr = r->ar.start +
				get_random_u32_below(damon_sz_region(r));
			damon_pa_walk(r->sampling_addr, damon_pa_mkold_one, NULL,
				      true);
		}
	}
}

static unsigned int damon_pa_check_sample(struct damon_ctx *ctx)
{
	unsigned int max_nr_accesses = 0;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			bool mapped_young = false, young;

			young = damon_pa_walk(r->sampling_addr,
					      damon_pa_young_one, &mapped_young,
					      false);
			young |= mapped_young;
			damon_update_region_access_rate(r, young, &ctx->attrs);
			max_nr_accesses = max(max_nr_accesses, r->nr_accesses);
		}
	}
	return max_nr_accesses;
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

static int __init damon_pa_initcall(void)
{
	const struct damon_operations ops = {
		.id = DAMON_OPS_PADDR,
		.setup = damon_pa_setup,
		.prepare_sample = damon_pa_prepare_sample,
		.check_sample = damon_pa_check_sample,
	};

	return damon_register_ops(&ops);
}
subsys_initcall(damon_pa_initcall);

#ifdef CONFIG_DAMON_PADDR_KUNIT_TEST
#include "paddr-kunit.h"
#endif
