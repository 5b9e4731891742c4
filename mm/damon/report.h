/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kdamonds' side of DAMON access reports (see report.c).
 */

#ifndef _MM_DAMON_REPORT_H
#define _MM_DAMON_REPORT_H

#include <linux/damon.h>

/*
 * The most report hits (a report and a target it belongs to) a context
 * folds in a sample; the reports beyond are received but not applied.
 */
#define DAMON_REPORT_FOLD_MAX	4096

/**
 * struct damon_report_hit - A report, as an address range of a target.
 * @target:	The target's index in its context.
 * @start:	First address of the range.
 * @end:	First address after it.
 */
struct damon_report_hit {
	unsigned int target;
	unsigned long start;
	unsigned long end;
};

/**
 * struct damon_report_reader - A context's state for reading reports.
 * @cursors:	In each CPU's ring, the index of the next report to read.
 * @hits:	Room for DAMON_REPORT_FOLD_MAX hits of a sample.
 * @nr_hits:	Hits of the sample being folded.
 * @nr_received: Reports read in the sample being folded.
 * @nr_dropped:	Reports lost in it.
 *
 * Only the context's kdamond uses it.
 */
struct damon_report_reader {
	unsigned long __percpu *cursors;
	struct damon_report_hit *hits;
	unsigned int nr_hits;
	unsigned long nr_received;
	unsigned long nr_dropped;
};

int damon_report_reader_start(struct damon_ctx *ctx);
void damon_report_reader_stop(struct damon_ctx *ctx);
void damon_report_fold(struct damon_ctx *ctx);

#endif /* _MM_DAMON_REPORT_H */
