// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON operations sets for virtual address spaces: "vaddr" and "fvaddr".
 *
 * A target is a process, held by its struct pid.  "vaddr" monitors the
 * mapped part of its address space: the span from the lowest to the
 * highest mapping, less the two biggest unmapped gaps inside it, which on
 * a usual process separate the heap, the mmap area and the stack.  The
 * regions follow the mappings as they change.  "fvaddr" monitors only the
 * ranges the user gave.
 *
 * Accesses are seen through the accessed bits of page table entries, of
 * PTE-mapped pages, PMD-mapped transparent huge pages and hugetlb pages.
 *
 * DAMOS actions are madvise() calls on the region, made on the process's
 * address space from the kdamond: willneed, cold, pageout, hugepage and
 * nohugepage; and migrate_hot and migrate_cold, which walk the region's
 * page tables and migrate the folios mapped there, after the ops-layer
 * filters, as paddr does.
 */

#define pr_fmt(fmt) "damon-va: " fmt

#include <linux/damon.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pagewalk.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "ops-common.h"

static struct mm_struct *damon_va_get_mm(struct damon_target *t)
{
	struct task_struct *task;
	struct mm_struct *mm;

	task = get_pid_task(t->pid, PIDTYPE_PID);
	if (!task)
		return NULL;
	mm = get_task_mm(task);
	put_task_struct(task);
	return mm;
}

/*
 * Remember @gap if it is one of the two biggest seen so far; @big[0] is the
 * biggest.
 */
static void damon_va_track_gap(struct damon_addr_range big[2],
			       unsigned long start, unsigned long end)
{
	struct damon_addr_range gap = { .start = start, .end = end };
	unsigned long sz = end - start;

	if (!sz)
		return;
	if (sz > big[0].end - big[0].start) {
		big[1] = big[0];
		big[0] = gap;
	} else if (sz > big[1].end - big[1].start) {
		big[1] = gap;
	}
}

/*
 * Cut the span [@first, @last) at the two gaps in @big, giving the three
 * regions between them in address order.
 */
static void damon_va_cut_span(unsigned long first, unsigned long last,
			      const struct damon_addr_range big[2],
			      struct damon_addr_range regions[3])
{
	bool ordered = big[0].start < big[1].start;
	const struct damon_addr_range *lo = ordered ? &big[0] : &big[1];
	const struct damon_addr_range *hi = ordered ? &big[1] : &big[0];

	regions[0].start = ALIGN_DOWN(first, DAMON_MIN_REGION);
	regions[0].end = ALIGN(lo->start, DAMON_MIN_REGION);
	regions[1].start = ALIGN_DOWN(lo->end, DAMON_MIN_REGION);
	regions[1].end = ALIGN(hi->start, DAMON_MIN_REGION);
	regions[2].start = ALIGN_DOWN(hi->end, DAMON_MIN_REGION);
	regions[2].end = ALIGN(last, DAMON_MIN_REGION);
}

/**
 * damon_va_three_regions_of() - Split a mapped span at its two biggest gaps.
 * @maps:	The mappings, sorted by address and disjoint.
 * @nr_maps:	Number of entries in @maps.
 * @regions:	Gets the three ranges.
 *
 * Context: Any context.
 * Return: 0 on success; -EINVAL if there are fewer than two gaps between
 * the mappings.
 */
static int damon_va_three_regions_of(const struct damon_addr_range *maps,
				     unsigned int nr_maps,
				     struct damon_addr_range regions[3])
{
	struct damon_addr_range big[2] = {};
	unsigned int i;

	for (i = 1; i < nr_maps; i++)
		damon_va_track_gap(big, maps[i - 1].end, maps[i].start);
	if (big[1].start == big[1].end)
		return -EINVAL;
	damon_va_cut_span(maps[0].start, maps[nr_maps - 1].end, big, regions);
	return 0;
}

/*
 * The three regions of @mm: the same as damon_va_three_regions_of() on its
 * VMAs, tracking the span and the biggest gaps during one walk.
 */
static int damon_va_three_regions(struct mm_struct *mm,
				  struct damon_addr_range regions[3])
{
	VMA_ITERATOR(vmi, mm, 0);
	struct damon_addr_range big[2] = {};
	struct vm_area_struct *vma;
	unsigned long first = 0, last = 0;
	bool any = false;

	mmap_read_lock(mm);
	for_each_vma(vmi, vma) {
		if (!any)
			first = vma->vm_start;
		else
			damon_va_track_gap(big, last, vma->vm_start);
		last = vma->vm_end;
		any = true;
	}
	mmap_read_unlock(mm);
	if (!any || big[1].start == big[1].end)
		return -EINVAL;
	damon_va_cut_span(first, last, big, regions);
	return 0;
}

static void damon_va_set_three_regions(struct damon_target *t)
{
	struct damon_addr_range regions[3];
	struct mm_struct *mm = damon_va_get_mm(t);
	int err;

	if (!mm)
		return;
	err = damon_va_three_regions(mm, regions);
	mmput(mm);
	if (err)
		return;
	if (damon_set_regions(t, regions, 3))
		pr_debug("cannot set the regions of a target\n");
}

static void damon_va_setup(struct damon_ctx *ctx)
{
	struct damon_target *t;

	damon_for_each_target(t, ctx) {
		/* Regions the user gave stay until the first update. */
		if (!t->nr_regions)
			damon_va_set_three_regions(t);
	}
}

static void damon_va_refresh(struct damon_ctx *ctx)
{
	struct damon_target *t;

	damon_for_each_target(t, ctx)
		damon_va_set_three_regions(t);
}

static bool damon_va_folio_young(struct folio *folio, bool pt_young,
				 struct mm_struct *mm, unsigned long addr)
{
	return pt_young || !folio_test_idle(folio) ||
	       mmu_notifier_test_young(mm, addr);
}

#ifdef CONFIG_HUGETLB_PAGE
/*
 * The hugetlb entry of both walks: with a NULL walk->private it makes the
 * entry old, otherwise it tells through that bool whether the page was
 * accessed.
 */
static int damon_va_hugetlb_entry(pte_t *pte, unsigned long hmask,
				  unsigned long addr, unsigned long end,
				  struct mm_walk *walk)
{
	struct hstate *h = hstate_vma(walk->vma);
	spinlock_t *ptl = huge_pte_lock(h, walk->mm, pte);
	pte_t entry = huge_ptep_get(walk->mm, addr, pte);
	bool *young = walk->private;
	struct folio *folio;

	if (!pte_present(entry))
		goto out;
	folio = pfn_folio(pte_pfn(entry));
	folio_get(folio);
	if (young) {
		*young = damon_va_folio_young(folio, pte_young(entry), walk->mm,
					      addr);
		goto put;
	}
	if (pte_young(entry)) {
		set_huge_pte_at(walk->mm, addr, pte, pte_mkold(entry),
				huge_page_size(h));
		folio_set_young(folio);
	}
#ifdef CONFIG_MMU_NOTIFIER
	if (mmu_notifier_clear_young(walk->mm, addr, addr + huge_page_size(h)))
		folio_set_young(folio);
#endif
	folio_set_idle(folio);
put:
	folio_put(folio);
out:
	spin_unlock(ptl);
	return 0;
}
#else
#define damon_va_hugetlb_entry NULL
#endif

/* ---- finding the entry that maps a sampled address ----------------------- */

/**
 * struct damon_va_cursor - Where the sampling of one target stands.
 * @mm:		The target's address space, its mmap lock held for reading.
 * @vma:	The VMA of the last address looked up, or NULL.
 *
 * A target's regions are sorted by address and most of them lie in the
 * same VMA as the one before: keeping the last VMA spares a VMA tree lookup
 * per region, and looking the page tables up directly spares the page
 * walker's per-call setup, together most of what sampling an address cost.
 * @vma is only valid while the lock is held without a break: see
 * damon_va_yield_mmap_lock().
 */
struct damon_va_cursor {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
};

static struct vm_area_struct *damon_va_vma(struct damon_va_cursor *c,
					   unsigned long addr)
{
	struct vm_area_struct *vma = c->vma;

	mmap_assert_locked(c->mm);
	if (!vma || addr < vma->vm_start || addr >= vma->vm_end) {
		vma = vma_lookup(c->mm, addr);
		c->vma = vma;
	}
	return vma;
}

/*
 * The PMD entry on the way to @addr, or NULL where no page table reaches it
 * or a PUD-sized leaf maps it (device memory, which is not sampled).
 */
static pmd_t *damon_va_pmd(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;
	pud_t pudv;

	if (!pgd_present(pgdp_get(pgd)))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (!p4d_present(p4dp_get(p4d)))
		return NULL;
	pud = pud_offset(p4d, addr);
	pudv = pudp_get(pud);
	if (!pud_present(pudv) || pud_leaf(pudv))
		return NULL;
	return pmd_offset(pud, addr);
}

/*
 * Let a waiting mmap lock writer (mmap(), munmap(), a page fault that
 * needs the write lock) in between two regions, so that sampling a target
 * of many regions under one read lock does not hold the process up.  The
 * VMA that @c kept does not outlive the break.
 */
static void damon_va_yield_mmap_lock(struct damon_va_cursor *c)
{
	if (!mmap_lock_is_contended(c->mm))
		return;
	mmap_read_unlock(c->mm);
	c->vma = NULL;
	cond_resched();
	mmap_read_lock(c->mm);
}

/*
 * hugetlb pages go through the page walker, which knows their page table
 * layout and takes the hugetlb VMA lock: see damon_va_hugetlb_entry().
 */
static const struct mm_walk_ops damon_va_hugetlb_ops = {
	.walk_lock = PGWALK_RDLOCK,
	.hugetlb_entry = damon_va_hugetlb_entry,
};

/*
 * The VMA of @addr if it has pages to sample: VM_PFNMAP mappings have no
 * struct pages to track (the page walker skips them too).
 */
static struct vm_area_struct *damon_va_sampled_vma(struct damon_va_cursor *c,
						   unsigned long addr)
{
	struct vm_area_struct *vma = damon_va_vma(c, addr);

	return vma && !(vma->vm_flags & VM_PFNMAP) ? vma : NULL;
}

/* ---- sampling an address ------------------------------------------------ */

/* What sampling does at a sampled address. */
enum damon_va_sample_op {
	DAMON_VA_MKOLD,		/* clear its accessed bit (page_table) */
	DAMON_VA_MKFAULT,	/* make the next access fault (page_fault) */
	DAMON_VA_YOUNG,		/* tell whether it was accessed */
};

/*
 * Whether the page at @pfn, mapped by a present entry whose lock is held,
 * was accessed.
 */
static bool damon_va_mapped_young(unsigned long pfn, bool pt_young,
				  struct mm_struct *mm, unsigned long addr)
{
	struct folio *folio = damon_mapped_folio(pfn);

	return folio && damon_va_folio_young(folio, pt_young, mm, addr);
}

/* @op on the PMD of a transparent huge page, locked. */
static bool damon_va_pmd_op(pmd_t *pmd, struct vm_area_struct *vma,
			    unsigned long addr, enum damon_va_sample_op op)
{
	pmd_t entry;

	switch (op) {
	case DAMON_VA_MKOLD:
		damon_pmdp_mkold(pmd, vma, addr);
		return false;
	case DAMON_VA_MKFAULT:
#ifdef CONFIG_NUMA_BALANCING
		damon_pmdp_mkfault(pmd, vma, addr);
#endif
		return false;
	default:
		entry = pmdp_get(pmd);
		return pmd_present(entry) &&
		       damon_va_mapped_young(pmd_pfn(entry), pmd_young(entry),
					     vma->vm_mm, addr);
	}
}

/* @op on a PTE, locked. */
static bool damon_va_pte_op(pte_t *pte, struct vm_area_struct *vma,
			    unsigned long addr, enum damon_va_sample_op op)
{
	pte_t entry;

	switch (op) {
	case DAMON_VA_MKOLD:
		damon_ptep_mkold(pte, vma, addr);
		return false;
	case DAMON_VA_MKFAULT:
#ifdef CONFIG_NUMA_BALANCING
		damon_ptep_mkfault(pte, vma, addr);
#endif
		return false;
	default:
		entry = ptep_get(pte);
		return pte_present(entry) &&
		       damon_va_mapped_young(pte_pfn(entry), pte_young(entry),
					     vma->vm_mm, addr);
	}
}

/*
 * Do @op at @addr, through the entry that maps it: the PMD of a
 * transparent huge page, else the PTE, under its lock.  hugetlb pages go
 * through the page walker (they are not made to fault: NUMA hinting does
 * not cover them).  Where nothing maps @addr, or the PMD changes under the
 * lookup (a collapse or a split racing with it), nothing is done and the
 * address counts as not accessed: a missed sample, as a later look would
 * miss it.  Returns whether the address was accessed, for DAMON_VA_YOUNG.
 */
static bool damon_va_sample_addr(struct damon_va_cursor *c, unsigned long addr,
				 enum damon_va_sample_op op)
{
	struct vm_area_struct *vma = damon_va_sampled_vma(c, addr);
	spinlock_t *ptl;	/* the PMD lock, then the PTE lock */
	bool young = false;
	pmd_t *pmd, entry;
	pte_t *pte;

	if (!vma)
		return false;
	if (is_vm_hugetlb_page(vma)) {
		if (op != DAMON_VA_MKFAULT)
			walk_page_range(c->mm, addr, addr + 1,
					&damon_va_hugetlb_ops,
					op == DAMON_VA_YOUNG ? &young : NULL);
		return young;
	}
	pmd = damon_va_pmd(c->mm, addr);
	if (!pmd)
		return false;
	entry = pmdp_get_lockless(pmd);
	if (pmd_none(entry))
		return false;
	if (pmd_trans_huge(entry)) {
		ptl = pmd_lock(c->mm, pmd);
		if (pmd_trans_huge(pmdp_get(pmd))) {
			young = damon_va_pmd_op(pmd, vma, addr, op);
			spin_unlock(ptl);
			return young;
		}
		/* Split meanwhile: the PTEs then. */
		spin_unlock(ptl);
	}
	pte = pte_offset_map_lock(c->mm, pmd, addr, &ptl);
	if (!pte)
		return false;
	young = damon_va_pte_op(pte, vma, addr, op);
	pte_unmap_unlock(pte, ptl);
	return young;
}

static void damon_va_prepare_sample(struct damon_ctx *ctx)
{
	unsigned long prims = damon_sample_primitives(&ctx->attrs);
	struct damon_va_cursor c;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		c.mm = damon_va_get_mm(t);
		if (!c.mm)
			continue;
		c.vma = NULL;
		mmap_read_lock(c.mm);
		damon_for_each_region(r, t) {
			r->sampling_addr = r->ar.start +
				get_random_u32_below(damon_sz_region(r));
			if (prims & DAMON_SAMPLE_PAGE_TABLE)
				damon_va_sample_addr(&c, r->sampling_addr,
						     DAMON_VA_MKOLD);
			if (prims & DAMON_SAMPLE_PAGE_FAULT)
				damon_va_sample_addr(&c, r->sampling_addr,
						     DAMON_VA_MKFAULT);
			damon_va_yield_mmap_lock(&c);
		}
		mmap_read_unlock(c.mm);
		mmput(c.mm);
	}
}

/*
 * The &damon_operations.report_addr of vaddr and fvaddr: a report of a
 * virtual address in the target's process.
 */
static bool damon_va_report_addr(struct damon_target *t,
				 const struct damon_access_report *r,
				 unsigned long *addr)
{
	if (!(r->flags & DAMON_REPORT_VADDR) || r->pid != pid_nr(t->pid))
		return false;
	*addr = r->vaddr;
	return true;
}

/* ---- checking a sampled address ------------------------------------------ */

static unsigned int damon_va_check_sample(struct damon_ctx *ctx)
{
	unsigned int max_nr_accesses = 0;
	struct damon_va_cursor c;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		c.mm = damon_va_get_mm(t);
		c.vma = NULL;
		if (c.mm)
			mmap_read_lock(c.mm);
		damon_for_each_region(r, t) {
			bool young = c.mm &&
				damon_va_sample_addr(&c, r->sampling_addr,
						     DAMON_VA_YOUNG);

			damon_update_region_access_rate(r, young, &ctx->attrs);
			max_nr_accesses = max(max_nr_accesses, r->nr_accesses);
			if (c.mm)
				damon_va_yield_mmap_lock(&c);
		}
		if (c.mm) {
			mmap_read_unlock(c.mm);
			mmput(c.mm);
		}
	}
	return max_nr_accesses;
}

/*
 * A target stays valid while its task exists, as in Linux 6.12: a zombie
 * that its parent has not reaped yet, or a kernel thread, keeps the
 * kdamond running, though it has no address space to sample.
 */
static bool damon_va_target_alive(struct damon_target *t)
{
	struct task_struct *task = get_pid_task(t->pid, PIDTYPE_PID);

	if (!task)
		return false;
	put_task_struct(task);
	return true;
}

/* ---- DAMOS actions ------------------------------------------------------- */

/* Bytes of [@start, @end) that VMAs of @mm map. */
static unsigned long damon_va_mapped_bytes(struct mm_struct *mm,
					   unsigned long start,
					   unsigned long end)
{
	VMA_ITERATOR(vmi, mm, start);
	struct vm_area_struct *vma;
	unsigned long sz = 0;

	mmap_read_lock(mm);
	for_each_vma_range(vmi, vma, end)
		sz += min(vma->vm_end, end) - max(vma->vm_start, start);
	mmap_read_unlock(mm);
	return sz;
}

/*
 * Apply madvise() @behavior to the pages of @r in the address space of
 * @t.  Returns the bytes madvise() worked on: all of @r on success; where
 * @r has holes, madvise() still works on the mapped parts but fails with
 * -ENOMEM, and those parts are counted; any other error counts nothing.
 */
static unsigned long damon_va_madvise(struct damon_target *t,
				      struct damon_region *r, int behavior)
{
	unsigned long start = PAGE_ALIGN(r->ar.start);
	unsigned long end = PAGE_ALIGN_DOWN(r->ar.end);
	unsigned long applied = 0;
	struct mm_struct *mm;
	int err;

	/* Regions are page aligned; this only guards against overflow. */
	if (start < r->ar.start || end <= start)
		return 0;
	/* A process that exited has nothing left to apply to. */
	mm = damon_va_get_mm(t);
	if (!mm)
		return 0;
	err = do_madvise(mm, start, end - start, behavior);
	if (!err)
		applied = end - start;
	else if (err == -ENOMEM)
		applied = damon_va_mapped_bytes(mm, start, end);
	mmput(mm);
	return applied;
}

/* What migrating a region collects as its page table walk goes. */
struct damon_va_migrate {
	const struct damos *s;
	struct list_head *lists;	/* per node, damon_new_node_lists() */
	struct folio **batch;		/* the folios of one PMD */
	unsigned long *where;		/* where the walk met each */
	unsigned int nr_batch;
	unsigned int nr_isolated;
	unsigned long start, end;	/* the region */
	unsigned long passed, applied;
};

/* The folios a migration isolates are handed on in batches of this many. */
#define DAMON_VA_MIGRATE_BATCH	512

/* The bytes of @folio, mapped at @addr, inside [@w->start, @w->end). */
static unsigned long damon_va_folio_sz_in(struct damon_va_migrate *w,
					  struct folio *folio,
					  unsigned long addr)
{
	unsigned long start = ALIGN_DOWN(addr, folio_size(folio));
	unsigned long end = start + folio_size(folio);

	return min(end, w->end) - max(start, w->start);
}

/*
 * Filter and isolate the folios gathered under the page table lock, now
 * that it is dropped: the filters may sleep.  Each holds a reference.
 */
static void damon_va_migrate_batch(struct damon_va_migrate *w)
{
	unsigned int i;
	int nid;

	for (i = 0; i < w->nr_batch; i++) {
		struct folio *folio = w->batch[i];

		nid = damos_folio_migrate_nid(w->s, folio);
		if (nid != NUMA_NO_NODE &&
		    !damos_folio_filtered_out(w->s, folio)) {
			w->passed += damon_va_folio_sz_in(w, folio, w->where[i]);
			if (isolate_folio_to_list(folio, &w->lists[nid]))
				w->nr_isolated++;
		}
		folio_put(folio);
	}
	w->nr_batch = 0;
	if (w->nr_isolated >= DAMON_VA_MIGRATE_BATCH) {
		w->applied += damon_migrate_node_lists(w->lists);
		w->nr_isolated = 0;
	}
}

/* Gather the folio of a PMD-mapped THP at @addr, if that is what it is. */
static bool damon_va_migrate_thp(pmd_t *pmd, unsigned long addr,
				 struct mm_walk *walk)
{
	struct damon_va_migrate *w = walk->private;
	spinlock_t *ptl;	/* the PMD lock */
	struct folio *folio;

	if (!pmd_trans_huge(pmdp_get(pmd)))
		return false;
	ptl = pmd_lock(walk->mm, pmd);
	/* It may have been split meanwhile: then the PTEs are walked. */
	if (!pmd_trans_huge(pmdp_get(pmd))) {
		spin_unlock(ptl);
		return false;
	}
	folio = vm_normal_folio_pmd(walk->vma, addr, pmdp_get(pmd));
	if (folio && folio_try_get(folio)) {
		w->where[w->nr_batch] = addr;
		w->batch[w->nr_batch++] = folio;
	}
	spin_unlock(ptl);
	return true;
}

/*
 * Called without the page table lock before each PMD: first hand on what
 * the PTEs of the last one gathered, then take a THP here whole; other
 * PMDs are walked PTE by PTE.
 */
static int damon_va_migrate_pmd(pmd_t *pmd, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	struct damon_va_migrate *w = walk->private;

	damon_va_migrate_batch(w);
	cond_resched();
	if (damon_va_migrate_thp(pmd, addr, walk)) {
		damon_va_migrate_batch(w);
		walk->action = ACTION_CONTINUE;
	}
	return 0;
}

/* Called under the PTE lock: gather each mapped folio once. */
static int damon_va_migrate_pte(pte_t *pte, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	struct damon_va_migrate *w = walk->private;
	pte_t ptent = ptep_get(pte);
	struct folio *folio;

	if (!pte_present(ptent) || w->nr_batch >= PTRS_PER_PTE)
		return 0;
	folio = vm_normal_folio(walk->vma, addr, ptent);
	/* A large folio is taken once, where the walk meets it. */
	if (!folio || (w->nr_batch && w->batch[w->nr_batch - 1] == folio) ||
	    !folio_try_get(folio))
		return 0;
	w->where[w->nr_batch] = addr;
	w->batch[w->nr_batch++] = folio;
	return 0;
}

static const struct mm_walk_ops damon_va_migrate_ops = {
	.walk_lock = PGWALK_RDLOCK,
	.pmd_entry = damon_va_migrate_pmd,
	.pte_entry = damon_va_migrate_pte,
};

/*
 * migrate_hot and migrate_cold: migrate the folios mapped in @r to the
 * nodes damos_folio_migrate_nid() picks, skipping those the ops-layer
 * filters reject.  hugetlb mappings are left alone.  Returns the bytes
 * migrated; adds those that passed the filters to *@passed.
 */
static unsigned long damon_va_migrate(struct damon_target *t,
				      struct damon_region *r,
				      const struct damos *s,
				      unsigned long *passed)
{
	struct damon_va_migrate w = {
		.s = s, .start = r->ar.start, .end = r->ar.end,
	};
	struct mm_struct *mm;

	mm = damon_va_get_mm(t);
	if (!mm)
		return 0;
	w.lists = damon_new_node_lists();
	/* One PMD's folios, and their addresses after them. */
	w.batch = kmalloc_array(PTRS_PER_PTE,
				sizeof(*w.batch) + sizeof(*w.where),
				GFP_KERNEL | __GFP_NOWARN);
	if (!w.lists || !w.batch)
		goto free;
	w.where = (unsigned long *)(w.batch + PTRS_PER_PTE);
	mmap_read_lock(mm);
	walk_page_range(mm, r->ar.start, r->ar.end, &damon_va_migrate_ops, &w);
	/* What the PTEs of the last PMD gathered. */
	damon_va_migrate_batch(&w);
	mmap_read_unlock(mm);
	w.applied += damon_migrate_node_lists(w.lists);
	*passed += w.passed;
free:
	kfree(w.batch);
	kfree(w.lists);
	mmput(mm);
	return w.applied;
}

/*
 * The apply_scheme of "vaddr" and "fvaddr": madvise() on the region, or
 * for the migrations a walk of its page tables.  Only the migrations look
 * at folios and count what passes the ops-layer filters.
 */
static unsigned long damon_va_apply_scheme(struct damon_ctx *ctx,
					   struct damon_target *t,
					   struct damon_region *r,
					   struct damos *s,
					   unsigned long *sz_filter_passed)
{
	switch (s->action) {
	case DAMOS_WILLNEED:
		return damon_va_madvise(t, r, MADV_WILLNEED);
	case DAMOS_COLD:
		return damon_va_madvise(t, r, MADV_COLD);
	case DAMOS_PAGEOUT:
		return damon_va_madvise(t, r, MADV_PAGEOUT);
	case DAMOS_HUGEPAGE:
		return damon_va_madvise(t, r, MADV_HUGEPAGE);
	case DAMOS_NOHUGEPAGE:
		return damon_va_madvise(t, r, MADV_NOHUGEPAGE);
	case DAMOS_MIGRATE_HOT:
	case DAMOS_MIGRATE_COLD:
		return damon_va_migrate(t, r, s, sz_filter_passed);
	default:
		/* DAMOS_STAT, and actions damon_va_ops do not take. */
		return 0;
	}
}

#define DAMON_VA_ACTIONS	(BIT(DAMOS_WILLNEED) | BIT(DAMOS_COLD) |	\
				 BIT(DAMOS_PAGEOUT) | BIT(DAMOS_HUGEPAGE) |	\
				 BIT(DAMOS_NOHUGEPAGE) | BIT(DAMOS_MIGRATE_HOT) | \
				 BIT(DAMOS_MIGRATE_COLD) | BIT(DAMOS_STAT))
#define DAMON_VA_FILTER_ACTIONS	(BIT(DAMOS_MIGRATE_HOT) | BIT(DAMOS_MIGRATE_COLD))

/*
 * "fvaddr" is "vaddr" without a layout of its own: only the user's ranges.
 * Both evaluate the ops-layer filters for the migrations only: madvise()
 * works on whole ranges, so for the other actions, as in Linux 6.12,
 * schemes that have them are accepted and those filters leave nothing
 * out.
 */
/* The sample primitives of vaddr and fvaddr. */
#define DAMON_VA_PRIMITIVES	(DAMON_SAMPLE_PAGE_TABLE |		\
				 (IS_ENABLED(CONFIG_NUMA_BALANCING) ?	\
				  DAMON_SAMPLE_PAGE_FAULT : 0))

static const struct damon_operations damon_va_ops[] = {
	{
		.id = DAMON_OPS_VADDR,
		.check_sample = damon_va_check_sample,
		.prepare_sample = damon_va_prepare_sample,
		.target_alive = damon_va_target_alive,
		.refresh = damon_va_refresh,
		.setup = damon_va_setup,
		.apply_scheme = damon_va_apply_scheme,
		.actions = DAMON_VA_ACTIONS,
		.filter_types = DAMOS_OPS_FILTER_TYPES,
		.filter_actions = DAMON_VA_FILTER_ACTIONS,
		.report_addr = damon_va_report_addr,
		.sample_primitives = DAMON_VA_PRIMITIVES,
	},
	{
		.id = DAMON_OPS_FVADDR,
		.check_sample = damon_va_check_sample,
		.prepare_sample = damon_va_prepare_sample,
		.target_alive = damon_va_target_alive,
		.apply_scheme = damon_va_apply_scheme,
		.actions = DAMON_VA_ACTIONS,
		.filter_types = DAMOS_OPS_FILTER_TYPES,
		.filter_actions = DAMON_VA_FILTER_ACTIONS,
		.report_addr = damon_va_report_addr,
		.sample_primitives = DAMON_VA_PRIMITIVES,
	},
};

static int __init damon_va_initcall(void)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(damon_va_ops) && !err; i++)
		err = damon_register_ops(&damon_va_ops[i]);
	return err;
}
subsys_initcall(damon_va_initcall);

#ifdef CONFIG_DAMON_VADDR_KUNIT_TEST
#include "vaddr-kunit.h"
#endif
