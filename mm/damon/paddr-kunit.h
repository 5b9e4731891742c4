/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the physical address operations set, suite
 * "damon_paddr".  Included at the end of paddr.c.
 */

#ifndef _DAMON_PADDR_KUNIT_H
#define _DAMON_PADDR_KUNIT_H

#include <kunit/test.h>
#include <linux/shmem_fs.h>

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

	KUNIT_ASSERT_NOT_NULL(test, page);
	paddr = PFN_PHYS(page_to_pfn(page));
	/* Kernel pages are not on an LRU list: never seen as accessed. */
	KUNIT_EXPECT_NULL(test, damon_get_folio(page_to_pfn(page)));
	KUNIT_EXPECT_FALSE(test, damon_pa_sample(paddr, false));
	damon_pa_sample(paddr, true);
	KUNIT_EXPECT_FALSE(test, damon_pa_sample(paddr, false));
	__free_page(page);
}

static void damon_paddr_test_damos_caps(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, damon_pa_ops.apply_scheme == damon_pa_apply_scheme);
	KUNIT_EXPECT_EQ(test, damon_pa_ops.actions,
			BIT(DAMOS_PAGEOUT) | BIT(DAMOS_LRU_PRIO) |
			BIT(DAMOS_LRU_DEPRIO) | BIT(DAMOS_MIGRATE_HOT) |
			BIT(DAMOS_MIGRATE_COLD) | BIT(DAMOS_STAT));
	KUNIT_EXPECT_EQ(test, damon_pa_ops.filter_types,
			(unsigned long)DAMOS_OPS_FILTER_TYPES);
}

KUNIT_DEFINE_ACTION_WRAPPER(dpk_destroy_scheme, damon_destroy_scheme,
			    struct damos *);
KUNIT_DEFINE_ACTION_WRAPPER(dpk_folio_put, folio_put, struct folio *);
KUNIT_DEFINE_ACTION_WRAPPER(dpk_fput, fput, struct file *);

/* A scheme of @action, destroyed when the test ends. */
static struct damos *dpk_new_scheme(struct kunit *test,
				    enum damos_action action)
{
	struct damos *s = damos_new(action);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							dpk_destroy_scheme, s),
			0);
	return s;
}

/* Give @s a filter of @type and @matching. */
static struct damos_filter *dpk_add_filter(struct kunit *test, struct damos *s,
					   enum damos_filter_type type,
					   bool matching)
{
	struct damos_filter *f = damos_new_filter(type, matching);

	KUNIT_ASSERT_NOT_NULL(test, f);
	damos_add_filter(s, f);
	return f;
}

/* The filters on a kernel folio: not anonymous, charged to no cgroup. */
static void damon_paddr_test_filters(struct kunit *test)
{
	struct damos *s = dpk_new_scheme(test, DAMOS_STAT);
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct damos_filter *f;
	int matching;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dpk_folio_put,
							folio),
			0);
	KUNIT_EXPECT_FALSE(test, damos_folio_filtered_out(s, folio));

	for (matching = 0; matching < 2; matching++) {
		/* Address and target filters are left to the core. */
		f = dpk_add_filter(test, s, DAMOS_FILTER_ADDR, matching);
		f->addr_range.end = ULONG_MAX;
		KUNIT_EXPECT_FALSE(test, damos_folio_filtered_out(s, folio));
		damos_destroy_filter(f);
		f = dpk_add_filter(test, s, DAMOS_FILTER_TARGET, matching);
		KUNIT_EXPECT_FALSE(test, damos_folio_filtered_out(s, folio));
		damos_destroy_filter(f);

		/* Neither anonymous nor in a cgroup: only !matching excludes. */
		f = dpk_add_filter(test, s, DAMOS_FILTER_ANON, matching);
		KUNIT_EXPECT_EQ(test, damos_folio_filtered_out(s, folio),
				!matching);
		damos_destroy_filter(f);
		f = dpk_add_filter(test, s, DAMOS_FILTER_MEMCG, matching);
		f->memcg_id = 1;
		KUNIT_EXPECT_EQ(test, damos_folio_filtered_out(s, folio),
				!matching);
		damos_destroy_filter(f);
	}

	/* Nor active, nor mapped; one page: only !matching excludes. */
	for (matching = 0; matching < 2; matching++) {
		f = dpk_add_filter(test, s, DAMOS_FILTER_ACTIVE, matching);
		KUNIT_EXPECT_EQ(test, damos_folio_filtered_out(s, folio),
				!matching);
		damos_destroy_filter(f);
		f = dpk_add_filter(test, s, DAMOS_FILTER_UNMAPPED, !matching);
		KUNIT_EXPECT_EQ(test, damos_folio_filtered_out(s, folio),
				!matching);
		damos_destroy_filter(f);
	}

	/* The idle flag lives in page_ext on 32-bit, which may be off. */
	if (!IS_ENABLED(CONFIG_64BIT))
		return;
	/*
	 * A new folio is not idle: it counts as accessed, and the check makes
	 * it old.  Two young filters see the result of one check.
	 */
	dpk_add_filter(test, s, DAMOS_FILTER_YOUNG, false);
	dpk_add_filter(test, s, DAMOS_FILTER_YOUNG, false);
	KUNIT_EXPECT_FALSE(test, damos_folio_filtered_out(s, folio));
	KUNIT_EXPECT_TRUE(test, folio_test_idle(folio));
	KUNIT_EXPECT_TRUE(test, damos_folio_filtered_out(s, folio));
	folio_clear_idle(folio);
}

/* A hugepage_size range matches the sizes it holds, its ends included. */
static void damon_paddr_test_hugepage_size_filter(struct kunit *test)
{
	struct damos *s = dpk_new_scheme(test, DAMOS_STAT);
	struct folio *folio = folio_alloc(GFP_KERNEL, 2);
	const unsigned long sz = PAGE_SIZE << 2;
	const struct damon_size_range in[] = {
		{ sz, sz }, { 0, sz }, { sz, ULONG_MAX }, { 1, sz + 1 },
	}, out[] = {
		{ sz + 1, ULONG_MAX }, { 0, sz - 1 }, { 0, 0 },
		{ PAGE_SIZE, PAGE_SIZE },
	};
	struct damos_filter *f;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dpk_folio_put,
							folio),
			0);
	f = dpk_add_filter(test, s, DAMOS_FILTER_HUGEPAGE_SIZE, true);
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		f->sz_range = in[i];
		KUNIT_EXPECT_TRUE(test, damos_folio_filtered_out(s, folio));
		f->allow = true;
		KUNIT_EXPECT_FALSE(test, damos_folio_filtered_out(s, folio));
		f->allow = false;
	}
	for (i = 0; i < ARRAY_SIZE(out); i++) {
		f->sz_range = out[i];
		KUNIT_EXPECT_FALSE(test, damos_folio_filtered_out(s, folio));
		/* Not allowed, and an allow filter last rejects the rest. */
		f->allow = true;
		KUNIT_EXPECT_TRUE(test, damos_folio_filtered_out(s, folio));
		f->allow = false;
	}
}

/*
 * The ops layer's decisions on a kernel folio (not anonymous, not active),
 * for every order of an allow and a reject filter: the first filter about
 * the folio decides, and a folio none is about is rejected only if the
 * last filter allows.  Core filters in between change nothing.
 */
static void damon_paddr_test_filter_order(struct kunit *test)
{
	struct damos *s = dpk_new_scheme(test, DAMOS_STAT);
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct damos_filter *about, *other, *core;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dpk_folio_put,
							folio),
			0);
	/* "about" matches the folio (not anon), "other" does not (active). */
	about = dpk_add_filter(test, s, DAMOS_FILTER_ANON, false);
	core = dpk_add_filter(test, s, DAMOS_FILTER_TARGET, true);
	other = dpk_add_filter(test, s, DAMOS_FILTER_ACTIVE, true);
	for (i = 0; i < 8; i++) {
		about->allow = i & 1;
		other->allow = i & 2;
		core->allow = i & 4;
		KUNIT_EXPECT_EQ(test, damos_folio_filtered_out(s, folio),
				!about->allow);
	}
	/* Nobody's folio: the last ops filter (other) sets the default. */
	about->matching = true;
	for (i = 0; i < 8; i++) {
		about->allow = i & 1;
		other->allow = i & 2;
		core->allow = i & 4;
		KUNIT_EXPECT_EQ(test, damos_folio_filtered_out(s, folio),
				other->allow);
	}
}

/*
 * Apply @action to @r with a scheme of target node @nid and, unless @type
 * is %NR_DAMOS_FILTER_TYPES, a filter of @type and @matching.
 */
static unsigned long dpk_apply(struct kunit *test, struct damon_region *r,
			       enum damos_action action, int nid,
			       enum damos_filter_type type, bool matching)
{
	struct damos *s = damos_new(action);
	unsigned long applied, passed = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->target_nid = nid;
	if (type != NR_DAMOS_FILTER_TYPES) {
		struct damos_filter *f = damos_new_filter(type, matching);

		if (!f) {
			damon_destroy_scheme(s);
			KUNIT_FAIL_AND_ABORT(test, "cannot allocate a filter");
		}
		damos_add_filter(s, f);
	}
	applied = damon_pa_apply_scheme(NULL, NULL, r, s, &passed);
	damon_destroy_scheme(s);
	return applied;
}

/* Memory outside the LRU lists is never acted on. */
static void damon_paddr_test_apply_not_lru(struct kunit *test)
{
	struct page *pages = alloc_pages(GFP_KERNEL, 2);
	struct damon_region r = {};
	enum damos_action action;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	r.ar.start = PFN_PHYS(page_to_pfn(pages));
	r.ar.end = r.ar.start + (PAGE_SIZE << 2);
	for (action = 0; action < NR_DAMOS_ACTIONS; action++)
		KUNIT_EXPECT_EQ(test, dpk_apply(test, &r, action,
						numa_node_id(),
						NR_DAMOS_FILTER_TYPES, false),
				0UL);
	__free_pages(pages, 2);
}

/*
 * The actions on an LRU folio: a page of a kernel-internal shmem file,
 * which is not anonymous and which nothing maps.
 */
static void damon_paddr_test_apply_lru(struct kunit *test)
{
	const enum damos_filter_type none = NR_DAMOS_FILTER_TYPES;
	struct damon_region r = {};
	struct folio *folio;
	struct file *file;
	unsigned long sz;

	if (!IS_ENABLED(CONFIG_SHMEM) || !IS_ENABLED(CONFIG_64BIT))
		kunit_skip(test, "needs shmem and the idle page flag");
	file = shmem_kernel_file_setup("damon_paddr_test", PAGE_SIZE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dpk_fput, file),
			0);
	folio = shmem_read_folio(file->f_mapping, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dpk_folio_put,
							folio),
			0);
	/* The folio may wait in a per-CPU batch to be put on its LRU list. */
	lru_add_drain_all();
	if (!folio_test_lru(folio))
		kunit_skip(test, "the folio is not on an LRU list");

	sz = folio_size(folio);
	r.ar.start = PFN_PHYS(folio_pfn(folio));
	r.ar.end = r.ar.start + sz;

	/*
	 * A new folio is inactive: prio moves it, and deprio moves it back.
	 * Each move waits in a per-CPU batch, off the LRU, until drained.
	 */
	KUNIT_EXPECT_EQ(test, dpk_apply(test, &r, DAMOS_LRU_PRIO, NUMA_NO_NODE,
					none, false), sz);
	lru_add_drain_all();
	KUNIT_EXPECT_EQ(test, dpk_apply(test, &r, DAMOS_LRU_DEPRIO,
					NUMA_NO_NODE, none, false), sz);
	lru_add_drain_all();
	/* A filter that leaves out what is not anonymous, and its opposite. */
	KUNIT_EXPECT_EQ(test, dpk_apply(test, &r, DAMOS_LRU_PRIO, NUMA_NO_NODE,
					DAMOS_FILTER_ANON, false), 0UL);
	KUNIT_EXPECT_EQ(test, dpk_apply(test, &r, DAMOS_LRU_PRIO, NUMA_NO_NODE,
					DAMOS_FILTER_ANON, true), sz);
	lru_add_drain_all();
	KUNIT_EXPECT_TRUE(test, folio_test_lru(folio));

	/* Migration to where the folio is, or to no node, moves nothing. */
	KUNIT_EXPECT_EQ(test, dpk_apply(test, &r, DAMOS_MIGRATE_HOT,
					folio_nid(folio), none, false), 0UL);
	KUNIT_EXPECT_EQ(test, dpk_apply(test, &r, DAMOS_MIGRATE_COLD,
					NUMA_NO_NODE, none, false), 0UL);

	/*
	 * The folio was just read in, so it is not idle: pageout leaves it
	 * alone as accessed, and makes it old.  Then the scheme's own young
	 * filter, leaving out what is not young, decides instead.
	 */
	folio_clear_idle(folio);
	KUNIT_EXPECT_EQ(test, dpk_apply(test, &r, DAMOS_PAGEOUT, NUMA_NO_NODE,
					none, false), 0UL);
	KUNIT_EXPECT_TRUE(test, folio_test_idle(folio));
	KUNIT_EXPECT_EQ(test, dpk_apply(test, &r, DAMOS_PAGEOUT, NUMA_NO_NODE,
					DAMOS_FILTER_YOUNG, false), 0UL);
	KUNIT_EXPECT_TRUE(test, folio_test_lru(folio));
	KUNIT_EXPECT_EQ(test, dpk_apply(test, &r, DAMOS_STAT, NUMA_NO_NODE,
					none, false), 0UL);
}

/*
 * The destinations' shares by damos_folio_dest_key(): exact over the
 * folios of one mapping, within 5 points over many small files.
 */
static void damon_paddr_test_dest_keys(struct kunit *test)
{
	const struct damos_dest dests[] = {
		{ .nid = 1, .weight = 3 }, { .nid = 0, .weight = 1 },
	};
	struct damos *s = damos_new(DAMOS_MIGRATE_COLD);
	unsigned int nr[2] = {}, i, j;
	u64 *files;
	int nid;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, damos_set_dests(s, dests, ARRAY_SIZE(dests)), 0);
	files = kunit_kcalloc(test, 1000, sizeof(*files), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, files);

	/* 1000 small folios, then 1000 huge ones, of one mapping. */
	for (i = 0; i < 1000; i++)
		nr[damos_dest_nid(s, damos_folio_dest_key(files, i, 0))]++;
	KUNIT_EXPECT_EQ(test, nr[1], 750U);
	KUNIT_EXPECT_EQ(test, nr[0], 250U);
	memset(nr, 0, sizeof(nr));
	for (i = 0; i < 1000; i++)
		nr[damos_dest_nid(s, damos_folio_dest_key(files, i << 9, 9))]++;
	KUNIT_EXPECT_EQ(test, nr[1], 750U);
	KUNIT_EXPECT_EQ(test, nr[0], 250U);

	/* 1000 files of three folios each. */
	memset(nr, 0, sizeof(nr));
	for (i = 0; i < 1000; i++)
		for (j = 0; j < 3; j++)
			nr[damos_dest_nid(s, damos_folio_dest_key(&files[i], j,
								  0))]++;
	KUNIT_EXPECT_GE(test, nr[1], 3000U * 70 / 100);
	KUNIT_EXPECT_LE(test, nr[1], 3000U * 80 / 100);
	/* ... and of one folio each. */
	memset(nr, 0, sizeof(nr));
	for (i = 0; i < 1000; i++)
		nr[damos_dest_nid(s, damos_folio_dest_key(&files[i], 0, 0))]++;
	KUNIT_EXPECT_GE(test, nr[1], 700U);
	KUNIT_EXPECT_LE(test, nr[1], 800U);

	/* The same mapping and index, the same destination. */
	nid = damos_dest_nid(s, damos_folio_dest_key(&files[7], 5, 0));
	KUNIT_EXPECT_EQ(test, damos_dest_nid(s, damos_folio_dest_key(&files[7],
								     5, 0)),
			nid);
	damon_destroy_scheme(s);
}

static struct kunit_case damon_paddr_test_cases[] = {
	KUNIT_CASE(damon_paddr_test_registered),
	KUNIT_CASE(damon_paddr_test_biggest_ram),
	KUNIT_CASE(damon_paddr_test_default_region),
	KUNIT_CASE(damon_paddr_test_not_lru),
	KUNIT_CASE(damon_paddr_test_damos_caps),
	KUNIT_CASE(damon_paddr_test_filters),
	KUNIT_CASE(damon_paddr_test_hugepage_size_filter),
	KUNIT_CASE(damon_paddr_test_filter_order),
	KUNIT_CASE(damon_paddr_test_apply_not_lru),
	KUNIT_CASE(damon_paddr_test_apply_lru),
	KUNIT_CASE(damon_paddr_test_dest_keys),
	{}
};

static struct kunit_suite damon_paddr_test_suite = {
	.name = "damon_paddr",
	.test_cases = damon_paddr_test_cases,
};

kunit_test_suite(damon_paddr_test_suite);

#endif /* _DAMON_PADDR_KUNIT_H */
