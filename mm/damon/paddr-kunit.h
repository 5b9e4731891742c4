/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the physical address operations set, suite
 * "damon_paddr".  Included at the end of paddr.c.
 */

#ifndef _DAMON_PADDR_KUNIT_H
#define _DAMON_PADDR_KUNIT_H

#include <kunit/test.h>

static void damon_paddr_test_registered(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, damon_is_registered_ops(DAMON_OPS_PADDR));
}

static void damon_paddr_test_biggest_ram(struct kunit *test)
{
	struct damon_addr_range ram;

	KUNIT_ASSERT_EQ(test, damon_pa_biggest_system_ram(&ram), 0);
	KUNIT_EXPECT_LT(test, ram.start, ram.end);
	/* The biggest range holds most of the memory on any sane machine. */
	KUNIT_EXPECT_GE(test, (ram.end - ram.start) >> PAGE_SHIFT,
			totalram_pages() / 2);
}

static void damon_paddr_test_default_region(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_target *t = damon_new_target();
	struct damon_addr_range ram;
	struct damon_region *r;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, t);
	damon_add_target(ctx, t);
	damon_pa_setup(ctx);
	KUNIT_ASSERT_EQ(test, t->nr_regions, 1U);
	KUNIT_ASSERT_EQ(test, damon_pa_biggest_system_ram(&ram), 0);
	r = list_first_entry(&t->regions, struct damon_region, list);
	KUNIT_EXPECT_EQ(test, r->ar.start, ALIGN_DOWN(ram.start, DAMON_MIN_REGION));
	KUNIT_EXPECT_EQ(test, r->ar.end, ALIGN(ram.end, DAMON_MIN_REGION));

	/* A target that has regions keeps them. */
	r->ar.end = r->ar.start + DAMON_MIN_REGION;
	damon_pa_setup(ctx);
	KUNIT_EXPECT_EQ(test, t->nr_regions, 1U);
	KUNIT_EXPECT_EQ(test, damon_sz_region(r), DAMON_MIN_REGION);
	damon_destroy_ctx(ctx);
}

static void damon_paddr_test_not_lru(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	unsigned long paddr;
	bool young = false;

	KUNIT_ASSERT_NOT_NULL(test, page);
	paddr = PFN_PHYS(page_to_pfn(page));
	/* Kernel pages are not on an LRU list: never seen as accessed. */
	KUNIT_EXPECT_NULL(test, damon_get_folio(page_to_pfn(page)));
	KUNIT_EXPECT_FALSE(test, damon_pa_walk(paddr, damon_pa_young_one,
					       &young, false));
	KUNIT_EXPECT_FALSE(test, young);
	__free_page(page);
}

static struct kunit_case damon_paddr_test_cases[] = {
	KUNIT_CASE(damon_paddr_test_registered),
	KUNIT_CASE(damon_paddr_test_biggest_ram),
	KUNIT_CASE(damon_paddr_test_default_region),
	KUNIT_CASE(damon_paddr_test_not_lru),
	{}
};

static struct kunit_suite damon_paddr_test_suite = {
	.name = "damon_paddr",
	.test_cases = damon_paddr_test_cases,
};

kunit_test_suite(damon_paddr_test_suite);

#endif /* _DAMON_PADDR_KUNIT_H */
