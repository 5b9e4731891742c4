/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of DAMON, the data access monitor.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM damon

#if !defined(_TRACE_DAMON_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DAMON_H

#include <linux/damon.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

/*
 * The fields of the two events Linux 6.12 has keep its names, types and
 * order, since trace filters, trace-cmd, bpftrace and BPF programs name
 * them and read them by offset.
 */

/*
 * damon_aggregated - one region's result at the end of an aggregation
 * interval: the index of its target in the context, the target's region
 * count, the region's range, the samples that saw an access, and its age
 * in aggregation intervals.
 */
TRACE_EVENT(damon_aggregated,
	    TP_PROTO(unsigned int target_id, struct damon_region *r,
		     unsigned int nr_regions),
	    TP_ARGS(target_id, r, nr_regions),
	    TP_STRUCT__entry(__field(unsigned long, target_id)
			     __field(unsigned int, nr_regions)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned int, nr_accesses)
			     __field(unsigned int, age)),
	    TP_fast_assign(__entry->start = r->ar.start;
			   __entry->end = r->ar.end;
			   __entry->age = r->age;
			   __entry->nr_accesses = r->nr_accesses;
			   __entry->target_id = target_id;
			   __entry->nr_regions = nr_regions;),
	    TP_printk("target_id=%lu nr_regions=%u %lu-%lu: %u %u",
		      __entry->target_id, __entry->nr_regions, __entry->start,
		      __entry->end, __entry->nr_accesses, __entry->age)
);

/*
 * damos_before_apply - a scheme is about to act on a region: the scheme's
 * and the target's indices, the target's region count, and the region's
 * range, access frequency (accessed samples per aggregation interval) and
 * age.  The context index is always 0: a kdamond runs one context.
 */
TRACE_EVENT(damos_before_apply,
	    TP_PROTO(unsigned int scheme_idx, unsigned int target_idx,
		     struct damon_region *r, unsigned int nr_regions),
	    TP_ARGS(scheme_idx, target_idx, r, nr_regions),
	    TP_STRUCT__entry(__field(unsigned int, context_idx)
			     __field(unsigned int, scheme_idx)
			     __field(unsigned long, target_idx)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned int, nr_accesses)
			     __field(unsigned int, age)
			     __field(unsigned int, nr_regions)),
	    TP_fast_assign(__entry->context_idx = 0;
			   __entry->scheme_idx = scheme_idx;
			   __entry->target_idx = target_idx;
			   __entry->start = r->ar.start;
			   __entry->end = r->ar.end;
			   __entry->nr_accesses =
				r->nr_accesses_bp / DAMON_BP_PER_ACCESS;
			   __entry->age = r->age;
			   __entry->nr_regions = nr_regions;),
	    TP_printk("ctx_idx=%u scheme_idx=%u target_idx=%lu nr_regions=%u %lu-%lu: %u %u",
		      __entry->context_idx, __entry->scheme_idx,
		      __entry->target_idx, __entry->nr_regions,
		      __entry->start, __entry->end, __entry->nr_accesses,
		      __entry->age)
);

/*
 * damon_monitor_intervals_tune - the intervals auto-tuning took a step; the
 * sampling interval it chose, in microseconds (which may equal the last).
 */
TRACE_EVENT(damon_monitor_intervals_tune,
	    TP_PROTO(unsigned long sample_us),
	    TP_ARGS(sample_us),
	    TP_STRUCT__entry(__field(unsigned long, sample_us)),
	    TP_fast_assign(__entry->sample_us = sample_us;),
	    TP_printk("sample_us=%lu", __entry->sample_us)
);

#endif /* _TRACE_DAMON_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
