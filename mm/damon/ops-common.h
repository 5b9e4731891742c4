/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by DAMON's operations sets.
 */

#ifndef _MM_DAMON_OPS_COMMON_H
#define _MM_DAMON_OPS_COMMON_H

#include <linux/damon.h>

struct folio;
struct vm_area_struct;

struct folio *damon_get_folio(unsigned long pfn);
void damon_ptep_mkold(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr);
void damon_pmdp_mkold(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr);
void damon_folio_mkold(struct folio *folio);
bool damon_folio_young(struct folio *folio);
bool damon_folio_accessed(struct folio *folio);
bool damos_has_ops_filter(const struct damos *s);
bool damos_folio_filtered_out(const struct damos *s, struct folio *folio);
int damos_folio_migrate_nid(const struct damos *s, struct folio *folio);
struct list_head *damon_new_node_lists(void);
unsigned long damon_migrate_node_lists(struct list_head *lists);

#endif /* _MM_DAMON_OPS_COMMON_H */
