// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON access reports: accesses seen by other sources than DAMON's own
 * page table checks (page faults, hardware access samplers), handed to
 * the kdamonds.
 *
 * A source calls damon_report_access() from any context, NMI included.
 * The report goes to a ring of the reporting CPU: its slot is reserved by
 * a CPU-local atomic increment of the ring's head, which an interrupt or
 * an NMI nesting on the same CPU cannot tear, then filled, then published
 * by the slot's sequence number.  Nothing waits, nothing is allocated, and
 * when a ring is full the oldest reports are overwritten.
 *
 * Each kdamond whose context takes reports keeps its own cursor in every
 * ring and reads on from it once per sample (damon_report_fold()), so
 * that every such context sees every report.  Reports overwritten before
 * it read them, or while it read them, are counted as dropped.  The rings
 * are allocated when the first context takes reports, and kept.
 */

#define pr_fmt(fmt) "damon-report: " fmt

#include <linux/damon.h>
#include <linux/debugfs.h>
#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <asm/local.h>

#include "report.h"

/* Reports each CPU's ring holds. */
#define DAMON_REPORT_RING_SIZE	512

/*
 * A published report.  @seq is 2 * (the report's index in its ring) + 2
 * once it is written, odd while it is being written.
 */
struct damon_report_slot {
	unsigned long seq;
	struct damon_access_report report;
};

/* A CPU's ring; @head counts the reports ever reserved in it. */
struct damon_report_ring {
	local_t head;
	struct damon_report_slot slots[DAMON_REPORT_RING_SIZE];
};

/* Set once, under damon_report_lock, and never freed. */
static struct damon_report_ring __percpu *damon_report_rings;
/* Whether any context takes reports: sources do nothing otherwise. */
static DEFINE_STATIC_KEY_FALSE(damon_report_wanted);
/* Serialises the rings' allocation and the key's changes. */
static DEFINE_MUTEX(damon_report_lock);

/**
 * damon_report_access() - Report an access that DAMON's own checks may not
 * see.
 * @r:	The access.  Its flags say which of its addresses are valid.
 *
 * The report reaches every running context that takes reports
 * (&damon_ctx.sample_primitives has %DAMON_SAMPLE_REPORTS) and has a
 * target the address belongs to, as an access in the sample under way.
 * While no context takes reports, this returns at once.
 *
 * Context: Any, NMI included: it takes no lock, allocates nothing and runs
 * in bounded time.  A report may be lost, if the reporting CPU's ring is
 * overwritten before a kdamond reads it; the kdamond counts it then.
 */
void damon_report_access(const struct damon_access_report *r)
{
	struct damon_report_ring __percpu *rings;
	struct damon_report_ring *ring;
	struct damon_report_slot *slot;
	unsigned long idx;

	if (!static_branch_unlikely(&damon_report_wanted))
		return;
	rings = READ_ONCE(damon_report_rings);
	if (!rings)
		return;
	preempt_disable_notrace();
	ring = this_cpu_ptr(rings);
	idx = local_inc_return(&ring->head) - 1;
	slot = &ring->slots[idx % DAMON_REPORT_RING_SIZE];
	/*
	 * Odd while writing: a reader seeing the odd value, or the even one
	 * of an older index, leaves the slot.
	 */
	WRITE_ONCE(slot->seq, 2 * idx + 1);
	/* The odd @seq before the report: pairs with the reader's smp_rmb(). */
	smp_wmb();
	slot->report = *r;
	/* The report before the even @seq: pairs with its acquire of @seq. */
	smp_wmb();
	WRITE_ONCE(slot->seq, 2 * idx + 2);
	preempt_enable_notrace();
}

/**
 * damon_report_fault() - Report the access of a page fault.
 * @vaddr:	The address of the fault, in the current task's address space.
 * @pfn:	The page frame it maps (the first of a huge page).
 * @size:	Bytes of the page.
 *
 * For the hinting faults of DAMON's page fault sample primitive
 * (%DAMON_SAMPLE_PAGE_FAULT): reports an access of the current task at
 * @vaddr, and of physical memory at @pfn, if any context takes reports.
 *
 * Context: Any in which a page fault is handled; the page table lock may
 * be held.
 */
void damon_report_fault(unsigned long vaddr, unsigned long pfn,
			unsigned long size)
{
	struct damon_access_report r;

	if (!static_branch_unlikely(&damon_report_wanted))
		return;
	r = (struct damon_access_report) {
		.vaddr = vaddr,
		.paddr = PFN_PHYS(pfn),
		.size = size,
		.pid = task_tgid_nr(current),
		.cpu = raw_smp_processor_id(),
		.nid = numa_node_id(),
		.flags = DAMON_REPORT_VADDR | DAMON_REPORT_PADDR,
	};
	damon_report_access(&r);
}

/**
 * damon_report_reader_start() - Make a context take reports.
 * @ctx:	The context, whose kdamond calls this.
 *
 * Allocates the rings if no context did yet, and @ctx's cursors, which
 * start at each ring's head: reports made before are not its.
 *
 * Context: The kdamond of @ctx; may sleep.
 * Return: 0, or -ENOMEM.
 */
int damon_report_reader_start(struct damon_ctx *ctx)
{
	struct damon_report_ring __percpu *rings;
	struct damon_report_reader *rd;
	int cpu, err = -ENOMEM;

	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	if (!rd)
		return -ENOMEM;
	rd->cursors = alloc_percpu(unsigned long);
	if (!rd->cursors)
		goto free_reader;
	rd->hits = kvmalloc_array(DAMON_REPORT_FOLD_MAX, sizeof(*rd->hits),
				  GFP_KERNEL);
	if (!rd->hits)
		goto free_cursors;

	mutex_lock(&damon_report_lock);
	rings = damon_report_rings;
	if (!rings) {
		rings = alloc_percpu(struct damon_report_ring);
		if (!rings) {
			mutex_unlock(&damon_report_lock);
			goto free_hits;
		}
		/* The sources read the pointer without the lock. */
		smp_store_release(&damon_report_rings, rings);
	}
	for_each_possible_cpu(cpu) {
		unsigned long *cursor = per_cpu_ptr(rd->cursors, cpu);

		*cursor = local_read(&per_cpu_ptr(rings, cpu)->head);
	}
	static_branch_inc(&damon_report_wanted);
	mutex_unlock(&damon_report_lock);
	ctx->report_reader = rd;
	return 0;

free_hits:
	kvfree(rd->hits);
free_cursors:
	free_percpu(rd->cursors);
free_reader:
	kfree(rd);
	return err;
}

/**
 * damon_report_reader_stop() - Make a context take reports no more.
 * @ctx:	The context, whose kdamond calls this, or whose owner does once
 *		the kdamond ended.
 *
 * Context: Process context; may sleep.
 */
void damon_report_reader_stop(struct damon_ctx *ctx)
{
	struct damon_report_reader *rd = ctx->report_reader;

	if (!rd)
		return;
	mutex_lock(&damon_report_lock);
	static_branch_dec(&damon_report_wanted);
	mutex_unlock(&damon_report_lock);
	kvfree(rd->hits);
	free_percpu(rd->cursors);
	kfree(rd);
	ctx->report_reader = NULL;
}

/*
 * Read the reports of @ring from *@cursor on into @rd's hits, for the
 * targets of @ctx they belong to; leave *@cursor after the last report
 * read.  A report still being written stops the reading there, for the
 * next sample to take up.
 */
static void damon_report_read_ring(struct damon_ctx *ctx,
				   struct damon_report_reader *rd,
				   struct damon_report_ring *ring,
				   unsigned long *cursor)
{
	unsigned long head = local_read(&ring->head), i = *cursor;
	struct damon_access_report rep;
	struct damon_target *t;
	unsigned int ti;

	/* Overwritten before this reader came to them. */
	if (head - i > DAMON_REPORT_RING_SIZE) {
		rd->nr_dropped += head - i - DAMON_REPORT_RING_SIZE;
		i = head - DAMON_REPORT_RING_SIZE;
	}
	for (; i != head; i++) {
		struct damon_report_slot *slot =
			&ring->slots[i % DAMON_REPORT_RING_SIZE];
		/* Pairs with the writer's second smp_wmb(). */
		unsigned long seq = smp_load_acquire(&slot->seq);

		if (seq != 2 * i + 2) {
			/* Not written yet: read it next time. */
			if ((long)(seq - (2 * i + 2)) < 0)
				break;
			rd->nr_dropped++;
			continue;
		}
		rep = slot->report;
		/* Pairs with the writer's smp_wmb() after its odd @seq. */
		smp_rmb();
		if (READ_ONCE(slot->seq) != seq) {
			rd->nr_dropped++;
			continue;
		}
		rd->nr_received++;
		ti = 0;
		damon_for_each_target(t, ctx) {
			unsigned long addr;

			if (ctx->ops.report_addr &&
			    ctx->ops.report_addr(t, &rep, &addr) &&
			    rd->nr_hits < DAMON_REPORT_FOLD_MAX) {
				struct damon_report_hit *h =
					&rd->hits[rd->nr_hits++];

				h->target = ti;
				h->start = addr;
				if (check_add_overflow(addr, max(rep.size, 1UL),
						       &h->end))
					h->end = ULONG_MAX;
			}
			ti++;
		}
	}
	*cursor = i;
}

static int damon_report_hit_cmp(const void *a, const void *b)
{
	const struct damon_report_hit *l = a, *r = b;

	if (l->target != r->target)
		return l->target < r->target ? -1 : 1;
	if (l->start != r->start)
		return l->start < r->start ? -1 : 1;
	return 0;
}

/* The region after @r in @t, or NULL. */
static struct damon_region *damon_report_next(struct damon_target *t,
					      struct damon_region *r)
{
	return list_is_last(&r->list, &t->regions) ? NULL :
		list_next_entry(r, list);
}

/*
 * Mark the regions of @t that the hits @hits (@nr of them, sorted by
 * start) touch.  Returns how many hits touched a region.
 */
static unsigned int damon_report_mark(struct damon_target *t,
				      const struct damon_report_hit *hits,
				      unsigned int nr)
{
	struct damon_region *r, *q;
	unsigned int i = 0, applied = 0;

	/* The hits start in order: a region a hit starts past is done. */
	r = list_first_entry_or_null(&t->regions, struct damon_region, list);
	while (r && i < nr) {
		if (hits[i].start >= r->ar.end) {
			r = damon_report_next(t, r);
			continue;
		}
		if (hits[i].end > r->ar.start) {
			for (q = r; q && q->ar.start < hits[i].end;
			     q = damon_report_next(t, q))
				q->reported = true;
			applied++;
		}
		i++;
	}
	return applied;
}

/**
 * damon_report_fold() - Fold the reports made since the last call into the
 * regions of a context.
 * @ctx:	The context, which takes reports.
 *
 * Marks each region that a report touched as accessed in this sample
 * (&damon_region.reported), and counts the reports received, dropped and
 * applied (those that touched a region).
 *
 * Context: The kdamond of @ctx.
 */
void damon_report_fold(struct damon_ctx *ctx)
{
	struct damon_report_reader *rd = ctx->report_reader;
	struct damon_report_ring __percpu *rings;
	unsigned int ti = 0, i = 0, j;
	unsigned long applied = 0;
	struct damon_target *t;
	int cpu;

	rings = READ_ONCE(damon_report_rings);
	if (!rd || !rings)
		return;
	rd->nr_hits = 0;
	rd->nr_received = 0;
	rd->nr_dropped = 0;
	for_each_possible_cpu(cpu)
		damon_report_read_ring(ctx, rd, per_cpu_ptr(rings, cpu),
				       per_cpu_ptr(rd->cursors, cpu));
	sort(rd->hits, rd->nr_hits, sizeof(*rd->hits), damon_report_hit_cmp,
	     NULL);
	damon_for_each_target(t, ctx) {
		for (j = i; j < rd->nr_hits && rd->hits[j].target == ti; j++)
			;
		applied += damon_report_mark(t, &rd->hits[i], j - i);
		i = j;
		ti++;
	}
	/* Read by the sysfs interface while the kdamond runs. */
	WRITE_ONCE(ctx->nr_reports_received,
		   ctx->nr_reports_received + rd->nr_received);
	WRITE_ONCE(ctx->nr_reports_dropped,
		   ctx->nr_reports_dropped + rd->nr_dropped);
	WRITE_ONCE(ctx->nr_reports_applied,
		   ctx->nr_reports_applied + applied);
}

#ifdef CONFIG_DAMON_REPORT_INJECT
/*
 * /sys/kernel/debug/damon_report/inject, for tests: each line written is
 * reported from the writer's CPU as an access, "v PID ADDR SIZE" in the
 * address space of process PID, or "p ADDR SIZE" in physical memory.
 */
static ssize_t damon_report_inject_write(struct file *file,
					 const char __user *ubuf, size_t len,
					 loff_t *ppos)
{
	struct damon_access_report r = { .flags = 0 };
	char buf[96], kind;
	int n;

	if (len >= sizeof(buf))
		return -E2BIG;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, " %c%n", &kind, &n) != 1)
		return -EINVAL;
	if (kind == 'v') {
		if (sscanf(buf + n, "%d %lu %lu", &r.pid, &r.vaddr, &r.size) != 3)
			return -EINVAL;
		r.flags = DAMON_REPORT_VADDR;
	} else if (kind == 'p') {
		if (sscanf(buf + n, "%lu %lu", &r.paddr, &r.size) != 2)
			return -EINVAL;
		r.flags = DAMON_REPORT_PADDR;
	} else {
		return -EINVAL;
	}
	r.cpu = raw_smp_processor_id();
	r.nid = cpu_to_node(r.cpu);
	damon_report_access(&r);
	return len;
}

static const struct file_operations damon_report_inject_fops = {
	.write = damon_report_inject_write,
};

static int __init damon_report_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("damon_report", NULL);

	debugfs_create_file("inject", 0200, dir, NULL,
			    &damon_report_inject_fops);
	return 0;
}
late_initcall(damon_report_debugfs_init);
#endif /* CONFIG_DAMON_REPORT_INJECT */

#ifdef CONFIG_DAMON_KUNIT_TEST
#include "report-kunit.h"
#endif
