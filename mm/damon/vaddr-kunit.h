/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the virtual address operations sets, suite
 * "damon_vaddr".  Included at the end of vaddr.c.
 */

#ifndef _DAMON_VADDR_KUNIT_H
#define _DAMON_VADDR_KUNIT_H

#include <kunit/test.h>
#include <linux/swap.h>
#include <linux/uaccess.h>

#define DVK_MB(x)	((unsigned long)(x) << 20)

/* A usual layout: program and heap, libraries, then the stack far above. */
static const struct damon_addr_range dvk_layout[] = {
	{ DVK_MB(4), DVK_MB(8) },		/* text, data */
	{ DVK_MB(8), DVK_MB(12) },		/* heap, right after */
	{ DVK_MB(1024), DVK_MB(1030) },		/* a library */
	{ DVK_MB(1031), DVK_MB(1040) },		/* another, 1 MiB gap */
	{ DVK_MB(8192), DVK_MB(8200) },		/* the stack */
};

static void damon_vaddr_test_three_regions(struct kunit *test)
{
	struct damon_addr_range regions[3];

	int err = damon_va_three_regions_of(dvk_layout, ARRAY_SIZE(dvk_layout),
					    regions);

	KUNIT_ASSERT_EQ(test, err, 0);
	/* The 1 MiB gap between the libraries is not one of the two big. */
	KUNIT_EXPECT_EQ(test, regions[0].start, DVK_MB(4));
	KUNIT_EXPECT_EQ(test, regions[0].end, DVK_MB(12));
	KUNIT_EXPECT_EQ(test, regions[1].start, DVK_MB(1024));
	KUNIT_EXPECT_EQ(test, regions[1].end, DVK_MB(1040));
	KUNIT_EXPECT_EQ(test, regions[2].start, DVK_MB(8192));
	KUNIT_EXPECT_EQ(test, regions[2].end, DVK_MB(8200));
}

static void damon_vaddr_test_three_regions_gap_order(struct kunit *test)
{
	/* The bigger gap comes second in address order. */
	const struct damon_addr_range maps[] = {
		{ DVK_MB(1), DVK_MB(2) }, { DVK_MB(3), DVK_MB(4) },
		{ DVK_MB(10), DVK_MB(11) }, { DVK_MB(100), DVK_MB(101) },
	};
	struct damon_addr_range regions[3];

	KUNIT_ASSERT_EQ(test, damon_va_three_regions_of(maps, 4, regions), 0);
	KUNIT_EXPECT_EQ(test, regions[0].end, DVK_MB(4));
	KUNIT_EXPECT_EQ(test, regions[1].start, DVK_MB(10));
	KUNIT_EXPECT_EQ(test, regions[1].end, DVK_MB(11));
	KUNIT_EXPECT_EQ(test, regions[2].start, DVK_MB(100));
}

static void damon_vaddr_test_three_regions_too_few_gaps(struct kunit *test)
{
	const struct damon_addr_range one_gap[] = {
		{ DVK_MB(1), DVK_MB(2) }, { DVK_MB(2), DVK_MB(3) },
		{ DVK_MB(9), DVK_MB(10) },
	};
	struct damon_addr_range regions[3] = {};

	KUNIT_EXPECT_EQ(test, damon_va_three_regions_of(one_gap, 3, regions),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, damon_va_three_regions_of(one_gap, 1, regions),
			-EINVAL);
}

static void damon_vaddr_test_track_gap(struct kunit *test)
{
	struct damon_addr_range big[2] = {};

	damon_va_track_gap(big, 10, 10);	/* empty: ignored */
	KUNIT_EXPECT_EQ(test, big[0].end - big[0].start, 0UL);
	damon_va_track_gap(big, 0, 5);
	damon_va_track_gap(big, 10, 30);
	damon_va_track_gap(big, 40, 50);
	damon_va_track_gap(big, 60, 61);
	KUNIT_EXPECT_EQ(test, big[0].start, 10UL);
	KUNIT_EXPECT_EQ(test, big[1].start, 40UL);
}

/* The mappings changed: regions follow, keeping what still overlaps. */
static void damon_vaddr_test_update_follows_mappings(struct kunit *test)
{
	struct damon_target *t = damon_new_target();
	struct damon_addr_range before[3], after[3];
	struct damon_addr_range grown[ARRAY_SIZE(dvk_layout)];
	unsigned int nr = ARRAY_SIZE(dvk_layout);
	struct damon_region *r;
	unsigned long covered = 0;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, damon_va_three_regions_of(dvk_layout, nr, before),
			0);
	KUNIT_ASSERT_EQ(test, damon_set_regions(t, before, 3), 0);
	damon_for_each_region(r, t)
		r->nr_accesses = 5;

	/* The heap grew by 4 MiB and the stack by 8 MiB downwards. */
	memcpy(grown, dvk_layout, sizeof(grown));
	grown[1].end += DVK_MB(4);
	grown[4].start -= DVK_MB(8);
	KUNIT_ASSERT_EQ(test, damon_va_three_regions_of(grown, nr, after), 0);
	KUNIT_ASSERT_EQ(test, damon_set_regions(t, after, 3), 0);
	damon_for_each_region(r, t) {
		covered += damon_sz_region(r);
		/* Old parts keep their counts; new parts start at zero. */
		if (r->ar.start >= before[0].end && r->ar.end <= after[0].end)
			KUNIT_EXPECT_EQ(test, r->nr_accesses, 0U);
		if (r->ar.start >= before[2].start)
			KUNIT_EXPECT_EQ(test, r->nr_accesses, 5U);
	}
	KUNIT_EXPECT_EQ(test, covered, DVK_MB(12) + DVK_MB(16) + DVK_MB(16));
	damon_destroy_target(t);
}

static void damon_vaddr_test_registered(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, damon_is_registered_ops(DAMON_OPS_VADDR));
	KUNIT_EXPECT_TRUE(test, damon_is_registered_ops(DAMON_OPS_FVADDR));
}

static void damon_vaddr_test_damos_caps(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(damon_va_ops); i++) {
		const struct damon_operations *ops = &damon_va_ops[i];

		KUNIT_EXPECT_TRUE(test, ops->apply_scheme == damon_va_apply_scheme);
		KUNIT_EXPECT_EQ(test, ops->actions,
				BIT(DAMOS_WILLNEED) | BIT(DAMOS_COLD) |
				BIT(DAMOS_PAGEOUT) | BIT(DAMOS_HUGEPAGE) |
				BIT(DAMOS_NOHUGEPAGE) | BIT(DAMOS_MIGRATE_HOT) |
				BIT(DAMOS_MIGRATE_COLD) | BIT(DAMOS_STAT));
		/*
		 * madvise() cannot tell pages apart: per-page filters only
		 * for the migrations, which walk the pages.
		 */
		KUNIT_EXPECT_EQ(test, ops->filter_types,
				(unsigned long)DAMOS_OPS_FILTER_TYPES);
		KUNIT_EXPECT_EQ(test, ops->filter_actions,
				BIT(DAMOS_MIGRATE_HOT) | BIT(DAMOS_MIGRATE_COLD));
	}
}

/* Every action of @t's region applies nothing. */
static void dvk_expect_nothing_applied(struct kunit *test,
				       struct damon_target *t)
{
	struct damon_region *r = list_first_entry(&t->regions,
						  struct damon_region, list);
	enum damos_action action;
	unsigned long passed = 0;

	for (action = 0; action < NR_DAMOS_ACTIONS; action++) {
		struct damos *s = damos_new(action);

		KUNIT_ASSERT_NOT_NULL(test, s);
		KUNIT_EXPECT_EQ(test, damon_va_apply_scheme(NULL, t, r, s,
							    &passed), 0UL);
		damon_destroy_scheme(s);
	}
	KUNIT_EXPECT_EQ(test, passed, 0UL);
}

/* A target without an address space applies nothing, and does not crash. */
static void damon_vaddr_test_apply_no_mm(struct kunit *test)
{
	struct damon_target *t = damon_new_target();
	struct damon_region *r = damon_new_region(DVK_MB(4), DVK_MB(8));

	KUNIT_ASSERT_NOT_NULL(test, t);
	if (!r) {
		damon_destroy_target(t);
		KUNIT_FAIL_AND_ABORT(test, "cannot allocate a region");
	}
	damon_add_region(r, t);

	/* No process at all, as after the pid was released. */
	dvk_expect_nothing_applied(test, t);

	/* A kernel thread (KUnit runs the test in one) has no mm. */
	t->pid = get_task_pid(current, PIDTYPE_PID);
	if (!current->mm)
		dvk_expect_nothing_applied(test, t);
	damon_destroy_target(t);
}

static bool dvk_young(struct damon_va_cursor *c, unsigned long addr)
{
	return damon_va_sample_addr(c, addr, DAMON_VA_YOUNG);
}

/*
 * The direct page table lookups of sampling, on a real address space (the
 * test thread's own, from kunit_vm_mmap()): the VMA the cursor keeps, the
 * entries of touched and untouched pages, and an access cleared.
 */
static void damon_vaddr_test_sample_entries(struct kunit *test)
{
	unsigned long a, b;
	struct damon_va_cursor c;
	struct vm_area_struct *vma_a;

	a = kunit_vm_mmap(test, NULL, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_ANONYMOUS | MAP_PRIVATE, 0);
	b = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ,
			  MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(a) || !a || IS_ERR_VALUE(b) || !b)
		kunit_skip(test, "no address space for the test thread");
	/* Pages 0 and 2 of a are written, 1 and 3 never. */
	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)a), 0);
	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)(a + 2 * PAGE_SIZE)),
			0);
	/* New folios reach the LRU lists in per-CPU batches. */
	lru_add_drain_all();

	c.mm = current->mm;
	c.vma = NULL;
	mmap_read_lock(c.mm);
	KUNIT_EXPECT_TRUE(test, dvk_young(&c, a));
	vma_a = c.vma;
	KUNIT_EXPECT_NOT_NULL(test, vma_a);
	KUNIT_EXPECT_FALSE(test, dvk_young(&c, a + PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, dvk_young(&c, a + 2 * PAGE_SIZE + 8));
	/* Inside one VMA, the cursor keeps it. */
	KUNIT_EXPECT_PTR_EQ(test, c.vma, vma_a);

	/* Made old, a written page is not young until accessed again. */
	damon_va_sample_addr(&c, a + 100, DAMON_VA_MKOLD);
	KUNIT_EXPECT_FALSE(test, dvk_young(&c, a));
	KUNIT_EXPECT_TRUE(test, dvk_young(&c, a + 2 * PAGE_SIZE));

	/* Another VMA; a mapped but never touched page has no entry. */
	KUNIT_EXPECT_FALSE(test, dvk_young(&c, b));
	KUNIT_EXPECT_TRUE(test, c.vma && c.vma != vma_a);
	damon_va_sample_addr(&c, b, DAMON_VA_MKOLD);

	/* An address no VMA covers. */
	KUNIT_EXPECT_FALSE(test, dvk_young(&c, PAGE_SIZE));
	KUNIT_EXPECT_NULL(test, c.vma);
	damon_va_sample_addr(&c, PAGE_SIZE, DAMON_VA_MKOLD);
	mmap_read_unlock(c.mm);
}

static struct kunit_case damon_vaddr_test_cases[] = {
	KUNIT_CASE(damon_vaddr_test_three_regions),
	KUNIT_CASE(damon_vaddr_test_three_regions_gap_order),
	KUNIT_CASE(damon_vaddr_test_three_regions_too_few_gaps),
	KUNIT_CASE(damon_vaddr_test_track_gap),
	KUNIT_CASE(damon_vaddr_test_update_follows_mappings),
	KUNIT_CASE(damon_vaddr_test_registered),
	KUNIT_CASE(damon_vaddr_test_damos_caps),
	KUNIT_CASE(damon_vaddr_test_apply_no_mm),
	KUNIT_CASE(damon_vaddr_test_sample_entries),
	{}
};

static struct kunit_suite damon_vaddr_test_suite = {
	.name = "damon_vaddr",
	.test_cases = damon_vaddr_test_cases,
};

kunit_test_suite(damon_vaddr_test_suite);

#endif /* _DAMON_VADDR_KUNIT_H */
