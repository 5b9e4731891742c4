/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of DAMON's access reports: the rings (filling, reading,
 * overflow, producers on every CPU at once) and the folding of reports
 * into regions, in several contexts at once.
 */

#ifndef _DAMON_REPORT_KUNIT_H
#define _DAMON_REPORT_KUNIT_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>

/* The pid the test reports carry: no real process has it. */
#define DRK_PID		(-7)

/* A report_addr that takes the virtual address of DRK_PID's reports. */
static bool drk_report_addr(struct damon_target *t,
			    const struct damon_access_report *r,
			    unsigned long *addr)
{
	if (!(r->flags & DAMON_REPORT_VADDR) || r->pid != DRK_PID)
		return false;
	*addr = r->vaddr;
	return true;
}

/*
 * A context that takes reports, with one target of the regions
 * [@starts[i], @ends[i]).
 */
static struct damon_ctx *drk_ctx(struct kunit *test,
				 const unsigned long *starts,
				 const unsigned long *ends, unsigned int nr)
{
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_target *t;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->ops.report_addr = drk_report_addr;
	t = damon_new_target();
	KUNIT_ASSERT_NOT_NULL(test, t);
	damon_add_target(ctx, t);
	for (i = 0; i < nr; i++) {
		struct damon_region *r = damon_new_region(starts[i], ends[i]);

		KUNIT_ASSERT_NOT_NULL(test, r);
		damon_add_region(r, t);
	}
	KUNIT_ASSERT_EQ(test, damon_report_reader_start(ctx), 0);
	return ctx;
}

static void drk_destroy(struct damon_ctx *ctx)
{
	damon_report_reader_stop(ctx);
	damon_destroy_ctx(ctx);
}

static void drk_report(unsigned long addr, unsigned long size)
{
	damon_report_access(&(struct damon_access_report) {
		.vaddr = addr, .size = size, .pid = DRK_PID,
		.flags = DAMON_REPORT_VADDR,
	});
}

/* Which regions of @ctx's first target are marked, as a bitmap. */
static unsigned long drk_marked(struct damon_ctx *ctx)
{
	struct damon_target *t = list_first_entry(&ctx->targets,
						  struct damon_target, list);
	struct damon_region *r;
	unsigned long marked = 0;
	int i = 0;

	damon_for_each_region(r, t) {
		if (r->reported)
			marked |= BIT(i);
		r->reported = false;
		i++;
	}
	return marked;
}

/* Reports in, around and outside the regions, alone and in ranges. */
static void damon_report_test_fold(struct kunit *test)
{
	unsigned long starts[] = { 0, 10, 30 }, ends[] = { 10, 20, 40 };
	struct damon_ctx *ctx = drk_ctx(test, starts, ends, 3);
	struct damon_ctx *other = drk_ctx(test, starts, ends, 3);

	/* Nothing reported, nothing marked. */
	damon_report_fold(ctx);
	KUNIT_EXPECT_EQ(test, drk_marked(ctx), 0UL);

	drk_report(5, 1);
	damon_report_fold(ctx);
	KUNIT_EXPECT_EQ(test, drk_marked(ctx), BIT(0));
	/* Each end of a region, and the gap between two. */
	drk_report(10, 1);
	drk_report(9, 1);
	damon_report_fold(ctx);
	KUNIT_EXPECT_EQ(test, drk_marked(ctx), BIT(0) | BIT(1));
	drk_report(19, 1);
	drk_report(20, 1);
	drk_report(29, 1);
	drk_report(40, 1);
	damon_report_fold(ctx);
	KUNIT_EXPECT_EQ(test, drk_marked(ctx), BIT(1));
	/* A range from the gap into a region, and across all of them. */
	drk_report(25, 10);
	damon_report_fold(ctx);
	KUNIT_EXPECT_EQ(test, drk_marked(ctx), BIT(2));
	drk_report(8, 30);
	damon_report_fold(ctx);
	KUNIT_EXPECT_EQ(test, drk_marked(ctx), BIT(0) | BIT(1) | BIT(2));
	/* Size 0 counts as one byte; another process's reports are not ours. */
	drk_report(30, 0);
	damon_report_access(&(struct damon_access_report) {
		.vaddr = 0, .size = 40, .pid = DRK_PID + 1,
		.flags = DAMON_REPORT_VADDR,
	});
	damon_report_access(&(struct damon_access_report) {
		.paddr = 0, .size = 40, .flags = DAMON_REPORT_PADDR,
	});
	damon_report_fold(ctx);
	KUNIT_EXPECT_EQ(test, drk_marked(ctx), BIT(2));

	KUNIT_EXPECT_EQ(test, ctx->nr_reports_received, 12UL);
	KUNIT_EXPECT_EQ(test, ctx->nr_reports_applied, 7UL);
	KUNIT_EXPECT_EQ(test, ctx->nr_reports_dropped, 0UL);

	/* The other context saw all of them too, at once. */
	damon_report_fold(other);
	KUNIT_EXPECT_EQ(test, drk_marked(other), BIT(0) | BIT(1) | BIT(2));
	KUNIT_EXPECT_EQ(test, other->nr_reports_received, 12UL);
	KUNIT_EXPECT_EQ(test, other->nr_reports_applied, 7UL);
	drk_destroy(other);
	drk_destroy(ctx);
}

/* A ring that overflows keeps the newest reports and counts the rest. */
static void damon_report_test_overflow(struct kunit *test)
{
	unsigned long starts[] = { 0, 100 }, ends[] = { 100, 200 };
	struct damon_ctx *ctx;
	int i;

	/* The reports of one CPU, in order. */
	migrate_disable();
	ctx = drk_ctx(test, starts, ends, 2);
	for (i = 0; i < DAMON_REPORT_RING_SIZE + 10; i++)
		drk_report(i < 10 ? 50 : 150, 1);
	damon_report_fold(ctx);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, ctx->nr_reports_received,
			(unsigned long)DAMON_REPORT_RING_SIZE);
	KUNIT_EXPECT_EQ(test, ctx->nr_reports_dropped, 10UL);
	/* The ten dropped were the oldest: those of the first region. */
	KUNIT_EXPECT_EQ(test, drk_marked(ctx), BIT(1));
	/* Reports made before a context started are not its. */
	drk_destroy(ctx);
	ctx = drk_ctx(test, starts, ends, 2);
	damon_report_fold(ctx);
	KUNIT_EXPECT_EQ(test, ctx->nr_reports_received, 0UL);
	KUNIT_EXPECT_EQ(test, drk_marked(ctx), 0UL);
	drk_destroy(ctx);
}

/* Reports of producers that run on every CPU at once. */
struct drk_producer {
	struct completion done;
	unsigned long nr;
};

static int drk_produce(void *data)
{
	struct drk_producer *p = data;
	unsigned long i;

	for (i = 0; i < p->nr; i++) {
		drk_report(i % 100, 1);
		if (!(i % 64))
			cond_resched();
	}
	complete(&p->done);
	return 0;
}

static void damon_report_test_producers(struct kunit *test)
{
	unsigned long starts[] = { 0 }, ends[] = { 100 };
	struct damon_ctx *ctx = drk_ctx(test, starts, ends, 1);
	unsigned long total = 0;
	struct drk_producer *ps;
	int cpu, n = 0;

	ps = kunit_kcalloc(test, nr_cpu_ids, sizeof(*ps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ps);
	for_each_online_cpu(cpu) {
		struct task_struct *task;

		init_completion(&ps[cpu].done);
		ps[cpu].nr = 20000;
		task = kthread_create_on_cpu(drk_produce, &ps[cpu], cpu,
					     "damon_report_test/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
		wake_up_process(task);
		total += ps[cpu].nr;
		n++;
	}
	/* Read while they write: nothing torn, nothing counted twice. */
	for_each_online_cpu(cpu) {
		while (!wait_for_completion_timeout(&ps[cpu].done, 1)) {
			damon_report_fold(ctx);
			drk_marked(ctx);
		}
	}
	damon_report_fold(ctx);
	kunit_info(test, "%d producers, %lu reports: %lu read, %lu dropped\n",
		   n, total, ctx->nr_reports_received,
		   ctx->nr_reports_dropped);
	KUNIT_EXPECT_EQ(test, ctx->nr_reports_received +
			ctx->nr_reports_dropped, total);
	KUNIT_EXPECT_EQ(test, ctx->nr_reports_applied,
			ctx->nr_reports_received);
	KUNIT_EXPECT_GT(test, ctx->nr_reports_received, 0UL);
	drk_destroy(ctx);
}

/* Reports while no context reads, and those of page faults. */
static void damon_report_test_no_reader(struct kunit *test)
{
	unsigned long starts[] = { 0 }, ends[] = { 100 };
	struct damon_ctx *ctx;

	/* With no context reading, a report costs nothing and stays nowhere. */
	KUNIT_EXPECT_FALSE(test, static_branch_unlikely(&damon_report_wanted));
	drk_report(5, 1);
	damon_report_fault(5, 0, PAGE_SIZE);
	ctx = drk_ctx(test, starts, ends, 1);
	KUNIT_EXPECT_TRUE(test, static_branch_unlikely(&damon_report_wanted));
	damon_report_fold(ctx);
	KUNIT_EXPECT_EQ(test, ctx->nr_reports_received, 0UL);
	/* A fault reports both addresses, of the current task. */
	damon_report_fault(5, 0, PAGE_SIZE);
	damon_report_fold(ctx);
	KUNIT_EXPECT_EQ(test, ctx->nr_reports_received, 1UL);
	KUNIT_EXPECT_EQ(test, ctx->nr_reports_applied, 0UL);
	drk_destroy(ctx);
	KUNIT_EXPECT_FALSE(test, static_branch_unlikely(&damon_report_wanted));
}

static struct kunit_case damon_report_test_cases[] = {
	KUNIT_CASE(damon_report_test_fold),
	KUNIT_CASE(damon_report_test_overflow),
	KUNIT_CASE(damon_report_test_producers),
	KUNIT_CASE(damon_report_test_no_reader),
	{}
};

static struct kunit_suite damon_report_test_suite = {
	.name = "damon_report",
	.test_cases = damon_report_test_cases,
};

kunit_test_suite(damon_report_test_suite);

#endif /* _DAMON_REPORT_KUNIT_H */
