/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by DAMON's operations sets.
 */

#ifndef _MM_DAMON_OPS_COMMON_H
#define _MM_DAMON_OPS_COMMON_H

#include <linux/damon.h>
#include <linux/hash.h>

struct folio;
struct vm_area_struct;

struct folio *damon_get_folio(unsigned long pfn);
struct folio *damon_mapped_folio(unsigned long pfn);
void damon_ptep_mkold(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr);
void damon_pmdp_mkold(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr);
void damon_folio_mkold(struct folio *folio);
#ifdef CONFIG_NUMA_BALANCING
void damon_ptep_mkfault(pte_t *pte, struct vm_area_struct *vma,
			unsigned long addr);
void damon_pmdp_mkfault(pmd_t *pmd, struct vm_area_struct *vma,
			unsigned long addr);
void damon_folio_mkfault(struct folio *folio);
#endif
bool damon_folio_young(struct folio *folio);
bool damon_folio_accessed(struct folio *folio);
bool damos_has_ops_filter(const struct damos *s);
bool damos_folio_filtered_out(const struct damos *s, struct folio *folio);
int damos_folio_migrate_nid(const struct damos *s, struct folio *folio);
struct list_head *damon_new_node_lists(void);
unsigned long damon_migrate_node_lists(struct list_head *lists);

/**
 * damos_folio_dest_key() - The key that chooses a folio's destination.
 * @mapping:	The folio's &folio.mapping (an address space, or an anon_vma
 *		with flag bits).
 * @index:	The folio's &folio.index.
 * @order:	The folio's order.
 *
 * The folio's index in its mapping in units of its size, so that the
 * folios of one mapping interleave over the destinations, offset by a
 * hash of the mapping, so that the many small files whose folios all
 * have small indices spread over them too.  Migration keeps the mapping
 * and the index, so a folio keeps its key wherever it lies.
 *
 * Context: Any.
 * Return: The key, for damos_dest_nid().
 */
static inline unsigned long damos_folio_dest_key(const void *mapping,
						 pgoff_t index,
						 unsigned int order)
{
	return (index >> order) + hash_ptr(mapping, 32);
}

#endif /* _MM_DAMON_OPS_COMMON_H */
