// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by DAMON's operations sets: finding the folio behind a
 * page frame, and making a mapping "old" so that the next access to it
 * can be told apart.
 */

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pgtable.h>

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

/*
 * A young bit we clear may be the only trace of an access that reclaim
 * would otherwise have seen; keep it for reclaim in the folio's young flag,
 * and mark the folio idle so the next check can see a new access from any
 * other user of the accessed bits too.
 */
static void damon_folio_mkold(struct folio *folio, bool was_young)
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
	folio = damon_get_folio(pte_pfn(entry));
	if (!folio)
		return;
	damon_folio_mkold(folio, ptep_clear_young_notify(vma, addr, pte));
	folio_put(folio);
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
	folio = damon_get_folio(pmd_pfn(entry));
	if (!folio)
		return;
	damon_folio_mkold(folio, pmdp_clear_young_notify(vma, addr, pmd));
	folio_put(folio);
#endif
}
