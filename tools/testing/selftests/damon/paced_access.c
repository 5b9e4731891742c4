// SPDX-License-Identifier: GPL-2.0
/*
 * A workload of known access rate, for DAMON_STAT's estimates.
 *
 *   paced_access HOT_MIB WARM_MIB IDLE_MIB PERIOD_MS [NODE...]
 *
 * With NODEs, its memory comes from those NUMA nodes only (MPOL_BIND).
 * Maps HOT_MIB + WARM_MIB + IDLE_MIB of anonymous memory in transparent
 * huge pages (physically contiguous 2 MiB, for physical address
 * monitoring), in that order, faults all of it in, idle part first, and
 * prints "ready START", START the address of the hot part.
 * Then, every PERIOD_MS, it writes one byte of each page of the hot part,
 * and every fourth period one byte of each page of the warm part too,
 * sleeping out the rest of the period; the idle part is never touched
 * again.  So each hot page is accessed once per period, each warm page
 * once per four, and the rate of accessed memory is
 * (HOT + WARM / 4) / PERIOD bytes per second, if the machine keeps up.
 * What it really did is printed once a second, flushed:
 *
 *   swept T_NS BYTES LATE    CLOCK_MONOTONIC time, the bytes of pages
 *                            touched since "ready", and how many periods
 *                            overran
 *
 * It runs until killed.
 */
#include <linux/mempolicy.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_until(unsigned long long t_ns)
{
	struct timespec ts = {
		.tv_sec = t_ns / 1000000000ULL,
		.tv_nsec = t_ns % 1000000000ULL,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

/* One write per page of [p, p + len): the compiler may not drop them. */
static unsigned long sweep(char *p, unsigned long len)
{
	unsigned long off;

	for (off = 0; off < len; off += 4096)
		__atomic_fetch_add(p + off, 1, __ATOMIC_RELAXED);
	return len;
}

int main(int argc, char **argv)
{
	unsigned long hot, warm, idle, size, period_ns, late = 0, i;
	unsigned long long bytes = 0, next, report;
	const unsigned long huge = 2UL << 20;
	char *buf;

	if (argc < 5) {
		fprintf(stderr,
			"usage: %s HOT_MIB WARM_MIB IDLE_MIB PERIOD_MS [NODE...]\n",
			argv[0]);
		return 2;
	}
	if (argc > 5) {
		unsigned long nodes = 0, node;
		int n;

		/* The kernel reads one bit less than maxnode says. */
		for (n = 5; n < argc; n++) {
			node = strtoul(argv[n], NULL, 0);
			if (node >= 8 * sizeof(nodes) - 1) {
				fprintf(stderr, "node %lu: too big\n", node);
				return 2;
			}
			nodes |= 1UL << node;
		}
		if (syscall(SYS_set_mempolicy, MPOL_BIND, &nodes,
			    8 * sizeof(nodes))) {
			perror("set_mempolicy");
			return 1;
		}
	}
	hot = strtoul(argv[1], NULL, 0) << 20;
	warm = strtoul(argv[2], NULL, 0) << 20;
	idle = strtoul(argv[3], NULL, 0) << 20;
	period_ns = strtoul(argv[4], NULL, 0) * 1000000UL;
	size = hot + warm + idle;
	if (!hot || !period_ns) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	buf = mmap(NULL, size + huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	buf = (char *)(((unsigned long)buf + huge - 1) & ~(huge - 1));
	if (madvise(buf, size, MADV_HUGEPAGE)) {
		perror("madvise");
		return 1;
	}
	sweep(buf + hot + warm, idle);
	sweep(buf + hot, warm);
	sweep(buf, hot);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %lu\n", (unsigned long)buf);

	next = now_ns();
	report = next + 1000000000ULL;
	for (i = 0; ; i++) {
		bytes += sweep(buf, hot);
		if (!(i % 4))
			bytes += sweep(buf + hot, warm);
		next += period_ns;
		if (now_ns() > next) {
			late++;
			next = now_ns();
		}
		if (next >= report) {
			printf("swept %llu %llu %lu\n", now_ns(), bytes, late);
			report += 1000000000ULL;
		}
		sleep_until(next);
	}
	return 0;
}
