// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by DAMON's operations sets: finding the folio behind a
 * page frame, making its mappings "old" so that the next access to it can
 * be told apart, telling whether it was accessed since, evaluating the
 * DAMOS filters that look at folios, and migrating folios to the nodes
 * DAMOS schemes send them to.
 */

#include <linux/memcontrol.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/rmap.h>
#include <linux/slab.h>

#include "../internal.h"
#include "ops-common.h"

/**
 * damon_get_folio() - Take a reference to the LRU folio of a page frame.
 * @pfn:	The page frame number.
 *
 * Only online pages of folios on an LRU list are of interest: other
 * memory (free pages, kernel memory) has no access bits DAMON can use.
 *
 * Context: Any context that may take folio references.
 * Return: The folio with a reference held, or NULL.
 */
struct folio *damon_get_folio(unsigned long pfn)
{
	struct page *page = pfn_to_online_page(pfn);
	struct folio *folio = page ? page_folio(page) : NULL;

	if (!folio || !folio_test_lru(folio) || !folio_try_get(folio))
		return NULL;
	/*
	 * The folio may have been freed, and the page reused, between the
	 * first look and taking the reference: look again.
	 */
	if (likely(page_folio(page) == folio && folio_test_lru(folio)))
		return folio;
	folio_put(folio);
	return NULL;
}

/**
 * damon_mapped_folio() - The LRU folio of a page frame that a locked
 * present page table entry maps.
 * @pfn:	The page frame number the entry maps.
 *
 * While the entry is present and its lock held, the folio can neither be
 * freed nor split (both first unmap it, under that lock), so no reference
 * is taken: sampling looks at many folios, and a reference is two atomic
 * operations on a cache line the folio's users write too.
 *
 * Context: The lock of a present PTE or PMD entry that maps @pfn is held.
 * Return: The folio, or NULL if the frame is not online memory or not on
 * an LRU list (the zero page, kernel pages mapped to user space).
 */
struct folio *damon_mapped_folio(unsigned long pfn)
{
	struct page *page = pfn_to_online_page(pfn);
	struct folio *folio;

	if (!page)
		return NULL;
	folio = page_folio(page);
	return folio_test_lru(folio) ? folio : NULL;
}

/*
 * A young bit we clear may be the only trace of an access that reclaim
 * would otherwise have seen; keep it for reclaim in the folio's young flag,
 * and mark the folio idle so the next check can see a new access from any
 * other user of the accessed bits too.
 */
static void damon_folio_note_old(struct folio *folio, bool was_young)
{
	if (was_young)
		folio_set_young(folio);
	folio_set_idle(folio);
}

/**
 * damon_ptep_mkold() - Clear the accessed bit of a PTE-mapped page.
 * @pte:	The page table entry, locked by the caller.
 * @vma:	Its VMA.
 * @addr:	The address it maps.
 *
 * Secondary MMUs are told too.
 *
 * Context: The PTE lock is held.
 */
void damon_ptep_mkold(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr)
{
	pte_t entry = ptep_get(pte);
	struct folio *folio;

	if (!pte_present(entry))
		return;
	folio = damon_mapped_folio(pte_pfn(entry));
	if (folio)
		damon_folio_note_old(folio,
				     ptep_clear_young_notify(vma, addr, pte));
}

/**
 * damon_pmdp_mkold() - Clear the accessed bit of a PMD-mapped huge page.
 * @pmd:	The page middle directory entry, locked by the caller.
 * @vma:	Its VMA.
 * @addr:	The address it maps.
 *
 * Context: The PMD lock is held.
 */
void damon_pmdp_mkold(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	pmd_t entry = pmdp_get(pmd);
	struct folio *folio;

	if (!pmd_present(entry))
		return;
	folio = damon_mapped_folio(pmd_pfn(entry));
	if (folio)
		damon_folio_note_old(folio,
				     pmdp_clear_young_notify(vma, addr, pmd));
#endif
}

#ifdef CONFIG_NUMA_BALANCING
/*
 * Whether the mappings of @vma may be made to fault on access: as NUMA
 * balancing's hinting faults, an accessible VMA of normal pages.
 */
static bool damon_vma_can_fault(struct vm_area_struct *vma)
{
	return vma_is_accessible(vma) && !is_vm_hugetlb_page(vma) &&
	       !(vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP | VM_IO));
}

/**
 * damon_ptep_mkfault() - Make the next access to a PTE-mapped page fault.
 * @pte:	The page table entry, locked by the caller.
 * @vma:	Its VMA.
 * @addr:	The address it maps.
 *
 * Makes the entry a NUMA hinting one (protnone), as NUMA balancing does,
 * so that the next access faults and the fault reports it to DAMON
 * (damon_report_fault()) before it restores the entry.  Entries that
 * hinting faults do not handle (the zero page, KSM pages, device memory,
 * special mappings) are left alone.
 *
 * Context: The PTE lock is held.
 */
void damon_ptep_mkfault(pte_t *pte, struct vm_area_struct *vma,
			unsigned long addr)
{
	pte_t entry = ptep_get(pte);
	struct folio *folio;

	if (!pte_present(entry) || pte_protnone(entry) ||
	    !damon_vma_can_fault(vma))
		return;
	folio = vm_normal_folio(vma, addr, entry);
	if (!folio || folio_is_zone_device(folio) || folio_test_ksm(folio))
		return;
	entry = ptep_modify_prot_start(vma, addr, pte);
	ptep_modify_prot_commit(vma, addr, pte, entry,
				pte_modify(entry, PAGE_NONE));
	flush_tlb_page(vma, addr);
}

/**
 * damon_pmdp_mkfault() - Make the next access to a PMD-mapped huge page
 * fault.
 * @pmd:	The page middle directory entry, locked by the caller.
 * @vma:	Its VMA.
 * @addr:	An address it maps.
 *
 * As damon_ptep_mkfault(), for the whole huge page: no split.  The entry
 * is invalidated with a TLB flush (pmdp_invalidate(); x86's
 * pmdp_invalidate_ad() leaves the flush to its caller), or a CPU that
 * keeps the old translation would never take the fault.
 *
 * Context: The PMD lock is held.
 */
void damon_pmdp_mkfault(pmd_t *pmd, struct vm_area_struct *vma,
			unsigned long addr)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	unsigned long haddr = addr & HPAGE_PMD_MASK;
	pmd_t entry = pmdp_get(pmd);

	if (!pmd_present(entry) || pmd_protnone(entry) || pmd_devmap(entry) ||
	    is_huge_zero_pmd(entry) || !damon_vma_can_fault(vma))
		return;
	entry = pmdp_invalidate(vma, haddr, pmd);
	set_pmd_at(vma->vm_mm, haddr, pmd, pmd_modify(entry, PAGE_NONE));
#endif
}
#endif /* CONFIG_NUMA_BALANCING */

/* ---- folios, through their reverse mappings -------------------------------- */

static bool damon_folio_mkold_one(struct folio *folio,
				  struct vm_area_struct *vma,
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

static bool damon_folio_young_one(struct folio *folio,
				  struct vm_area_struct *vma,
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

/* Whether the mappings of @folio, if any, can be walked to find its PTEs. */
static bool damon_folio_has_rmap(struct folio *folio)
{
	return folio_mapped(folio) && folio_raw_mapping(folio);
}

/*
 * Walk the mappings of @folio with @rmap_one and @arg.  File and KSM folios
 * need their lock for a stable walk; if it is contended the walk is skipped
 * and false returned.
 */
static bool damon_folio_walk_rmap(struct folio *folio,
				  bool (*rmap_one)(struct folio *,
						   struct vm_area_struct *,
						   unsigned long, void *),
				  void *arg)
{
	struct rmap_walk_control rwc = {
		.rmap_one = rmap_one,
		.arg = arg,
		.anon_lock = folio_lock_anon_vma_read,
	};
	bool need_lock = !folio_test_anon(folio) || folio_test_ksm(folio);

	if (need_lock && !folio_trylock(folio))
		return false;
	rmap_walk(folio, &rwc);
	if (need_lock)
		folio_unlock(folio);
	return true;
}

/**
 * damon_folio_mkold() - Start watching a folio for a new access.
 * @folio:	The folio, with a reference held by the caller.
 *
 * Makes every mapping of @folio old (see damon_ptep_mkold()) and marks it
 * idle; a folio nothing maps is only marked idle.  If the lock of a mapped
 * file or KSM folio is contended, nothing is done this time.
 *
 * Context: Process context; may sleep.  The folio must not be locked by the
 * caller.
 */
void damon_folio_mkold(struct folio *folio)
{
	if (!damon_folio_has_rmap(folio)) {
		folio_set_idle(folio);
		return;
	}
	damon_folio_walk_rmap(folio, damon_folio_mkold_one, NULL);
}

#ifdef CONFIG_NUMA_BALANCING
static bool damon_folio_mkfault_one(struct folio *folio,
				    struct vm_area_struct *vma,
				    unsigned long addr, void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);

	while (page_vma_mapped_walk(&pvmw)) {
		if (pvmw.pte)
			damon_ptep_mkfault(pvmw.pte, vma, pvmw.address);
		else
			damon_pmdp_mkfault(pvmw.pmd, vma, pvmw.address);
	}
	return true;
}

/**
 * damon_folio_mkfault() - Make the next access to a folio fault, through
 * every mapping of it.
 * @folio:	The folio, with a reference held by the caller.
 *
 * See damon_ptep_mkfault().  A folio nothing maps is left alone (its
 * accesses take no page fault), and so is a mapped file or KSM folio
 * whose lock is contended.
 *
 * Context: Process context; may sleep.  The folio must not be locked by the
 * caller.
 */
void damon_folio_mkfault(struct folio *folio)
{
	if (damon_folio_has_rmap(folio))
		damon_folio_walk_rmap(folio, damon_folio_mkfault_one, NULL);
}
#endif /* CONFIG_NUMA_BALANCING */

/**
 * damon_folio_young() - Whether a folio was accessed since it was made old.
 * @folio:	The folio, with a reference held by the caller.
 *
 * A mapped folio was accessed if a mapping of it is young, it lost its idle
 * flag, or a secondary MMU saw an access; a folio nothing maps, if it lost
 * its idle flag.  The accessed state is left as it is.
 *
 * Context: Process context; may sleep.  The folio must not be locked by the
 * caller.
 * Return: true if @folio was accessed; false if not, or if the lock of a
 * mapped file or KSM folio is contended and it cannot be told.
 */
bool damon_folio_young(struct folio *folio)
{
	bool young = false;

	/*
	 * Lost its idle flag: accessed (through read() or write(), say), and
	 * no mapping need be walked to tell.
	 */
	if (!folio_test_idle(folio))
		return true;
	if (!damon_folio_has_rmap(folio))
		return false;
	damon_folio_walk_rmap(folio, damon_folio_young_one, &young);
	return young;
}

/**
 * damon_folio_accessed() - Check a folio for an access, and start anew.
 * @folio:	The folio, with a reference held by the caller.
 *
 * Tells whether @folio was accessed since the last check, as
 * damon_folio_young() does, and if it was, makes it old again with
 * damon_folio_mkold() so that the next check sees only newer accesses.
 *
 * Context: Process context; may sleep.  The folio must not be locked by the
 * caller.
 * Return: true if @folio was accessed since the last check.
 */
bool damon_folio_accessed(struct folio *folio)
{
	if (!damon_folio_young(folio))
		return false;
	damon_folio_mkold(folio);
	return true;
}

/* ---- DAMOS filters on folios ----------------------------------------------- */

/* Whether @folio is charged to the memory cgroup of id @memcg_id. */
static bool damos_folio_in_memcg(struct folio *folio, unsigned short memcg_id)
{
	struct mem_cgroup *memcg;
	bool in;

	/*
	 * Without the folio lock or isolation the folio may be moved to
	 * another cgroup meanwhile, which only makes the answer a bit stale;
	 * RCU keeps the memcg we look at from being freed under us.
	 */
	rcu_read_lock();
	memcg = folio_memcg_check(folio);
	in = memcg && mem_cgroup_id(memcg) == memcg_id;
	rcu_read_unlock();
	return in;
}

/**
 * damos_has_ops_filter() - Whether a scheme has ops-layer filters.
 * @s:		The scheme.
 *
 * Context: The kdamond of the scheme's context.
 * Return: true if a filter of @s is of a type in &DAMOS_OPS_FILTER_TYPES.
 */
bool damos_has_ops_filter(const struct damos *s)
{
	struct damos_filter *f;

	damos_for_each_filter(f, s) {
		if (damos_filter_is_ops(f->type))
			return true;
	}
	return false;
}

/**
 * damos_folio_filtered_out() - Whether a scheme's filters reject a folio.
 * @s:		The scheme.
 * @folio:	The folio, with a reference held by the caller.
 *
 * Evaluates the ops layer of the filters of @s (see &struct damos_filter
 * for the rules): an anon filter matches an anonymous folio, an active
 * filter one on an active LRU list, a memcg filter one charged to the
 * filter's cgroup, a hugepage_size filter one whose size lies in the
 * filter's range, an unmapped filter one no page table maps, and a young
 * filter one accessed since the last check (see damon_folio_accessed();
 * checking starts a new check, so it is done at most once per call).
 * Address and target filters are the core's, which applied them to the
 * whole region already: they are skipped here.
 *
 * Context: Process context; may sleep (a young filter walks the reverse
 * mappings).  The folio must not be locked by the caller.
 * Return: true if the filters reject @folio.
 */
bool damos_folio_filtered_out(const struct damos *s, struct folio *folio)
{
	bool last_allow = false;
	struct damos_filter *f;
	int young = -1;		/* not checked yet */
	bool matched;

	damos_for_each_filter(f, s) {
		switch (f->type) {
		case DAMOS_FILTER_ANON:
			matched = folio_test_anon(folio);
			break;
		case DAMOS_FILTER_ACTIVE:
			matched = folio_test_active(folio);
			break;
		case DAMOS_FILTER_MEMCG:
			matched = damos_folio_in_memcg(folio, f->memcg_id);
			break;
		case DAMOS_FILTER_YOUNG:
			if (young < 0)
				young = damon_folio_accessed(folio);
			matched = young;
			break;
		case DAMOS_FILTER_HUGEPAGE_SIZE:
			matched = f->sz_range.min <= folio_size(folio) &&
				  folio_size(folio) <= f->sz_range.max;
			break;
		case DAMOS_FILTER_UNMAPPED:
			matched = !folio_mapped(folio);
			break;
		default:
			continue;
		}
		if (matched == f->matching)
			return !f->allow;
		last_allow = f->allow;
	}
	/* No filter is about @folio: the default of the layer. */
	return last_allow;
}

/* ---- migration ------------------------------------------------------------- */

/**
 * damos_folio_migrate_nid() - Where a migrate action sends a folio.
 * @s:		The scheme.
 * @folio:	The folio, with a reference held by the caller.
 *
 * The node damos_dest_nid() picks for the folio, keyed by
 * damos_folio_dest_key(): migration keeps the key, so the choice stays
 * the same for a folio wherever it lies.
 *
 * Context: Any.
 * Return: The node, or %NUMA_NO_NODE if the folio is there already or the
 * node is not (or no longer) a memory node.
 */
int damos_folio_migrate_nid(const struct damos *s, struct folio *folio)
{
	int nid = damos_dest_nid(s, damos_folio_dest_key(READ_ONCE(folio->mapping),
							folio->index,
							folio_order(folio)));

	if (nid < 0 || nid >= nr_node_ids || !node_state(nid, N_MEMORY) ||
	    folio_nid(folio) == nid)
		return NUMA_NO_NODE;
	return nid;
}

/**
 * damon_new_node_lists() - Allocate one empty folio list per node.
 *
 * Context: Process context; may sleep.
 * Return: The nr_node_ids lists, to be freed with kfree(), or NULL.
 */
struct list_head *damon_new_node_lists(void)
{
	struct list_head *lists;
	int nid;

	lists = kmalloc_array(nr_node_ids, sizeof(*lists),
			      GFP_KERNEL | __GFP_NOWARN);
	if (!lists)
		return NULL;
	for (nid = 0; nid < nr_node_ids; nid++)
		INIT_LIST_HEAD(&lists[nid]);
	return lists;
}

/*
 * The new_folio_t of damon_migrate_node_lists(): a folio like @src on
 * node @nid, only if one is free there now.  Migration is a hint: it must
 * not make the destination reclaim, nor fall back to other nodes.
 */
static struct folio *damon_migration_dst(struct folio *src, unsigned long nid)
{
	gfp_t gfp = (GFP_HIGHUSER_MOVABLE & ~__GFP_RECLAIM) | __GFP_THISNODE |
		    __GFP_NOWARN | __GFP_NOMEMALLOC;

	return __folio_alloc(gfp, folio_order(src), nid, NULL);
}

/**
 * damon_migrate_node_lists() - Migrate isolated folios to their nodes.
 * @lists:	From damon_new_node_lists(): list N holds folios isolated
 *		(isolate_folio_to_list()) for node N.
 *
 * Migrates without blocking and puts back the folios that did not move;
 * the lists are empty afterwards.
 *
 * Context: Process context; may sleep.
 * Return: The bytes migrated.
 */
unsigned long damon_migrate_node_lists(struct list_head *lists)
{
	unsigned long applied = 0;
	unsigned int nr_succeeded;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		if (list_empty(&lists[nid]))
			continue;
		nr_succeeded = 0;
		migrate_pages(&lists[nid], damon_migration_dst, NULL, nid,
			      MIGRATE_ASYNC, MR_DAMON, &nr_succeeded);
		putback_movable_pages(&lists[nid]);
		applied += (unsigned long)nr_succeeded * PAGE_SIZE;
	}
	return applied;
}
