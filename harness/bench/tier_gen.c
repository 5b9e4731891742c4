// SPDX-License-Identifier: GPL-2.0
/*
 * tier_gen: a hot and a cold area on the slow node, for `make bench`'s
 * tiering figure.
 *
 *   tier_gen [-H HOT_MIB] [-C COLD_MIB] [-n NODE] [-r REPORT_MS]
 *
 * Maps HOT_MIB and COLD_MIB of anonymous memory as two mappings with
 * inaccessible pages around them, so that they stay two VMAs (and two
 * lines of /proc/PID/numa_maps), both in small pages (MADV_NOHUGEPAGE).
 * Both are bound to NODE (default 1) with mbind(MPOL_BIND) and written
 * page by page, so that every page is allocated there; then the binding
 * is dropped (MPOL_DEFAULT, without MPOL_MF_MOVE), which leaves the pages
 * where they are but lets NUMA balancing or DAMON move them.
 *
 * Then it writes one byte of every hot page, pass after pass, as fast as
 * it can, until SIGTERM or SIGINT; the cold area is never touched again.
 * It runs wherever it is started: the caller pins it to a CPU.
 *
 * Output on stdout, one line each, flushed:
 *
 *   ready HOT_START HOT_END COLD_START COLD_END   both areas allocated
 *   progress T_NS PAGES     every REPORT_MS (default 250): hot pages
 *                           written so far, CLOCK_MONOTONIC time
 *   done T_NS
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MIB (1UL << 20)
#define PAGE 4096UL

/* From <linux/mempolicy.h>, so that no libnuma headers are needed. */
#define TIER_MPOL_DEFAULT 0
#define TIER_MPOL_BIND 2

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-H HOT_MIB] [-C COLD_MIB] [-n NODE] [-r REPORT_MS]\n",
		prog);
	exit(2);
}

static int set_policy(char *addr, unsigned long len, int mode, int node)
{
	unsigned long mask = 1UL << node;

	if (mode == TIER_MPOL_DEFAULT)
		return syscall(SYS_mbind, addr, len, mode, NULL, 0UL, 0U);
	/* maxnode counts one bit more than the kernel reads. */
	return syscall(SYS_mbind, addr, len, mode, &mask,
		       (unsigned long)(8 * sizeof(mask)), 0U);
}

/* Bind [addr, addr + len) to node, allocate every page there, unbind. */
static int fill_on(char *addr, unsigned long len, int node, const char *what)
{
	unsigned long p;

	if (madvise(addr, len, MADV_NOHUGEPAGE)) {
		fprintf(stderr, "madvise %s: %s\n", what, strerror(errno));
		return -1;
	}
	if (set_policy(addr, len, TIER_MPOL_BIND, node)) {
		fprintf(stderr, "mbind %s to node %d: %s\n", what, node,
			strerror(errno));
		return -1;
	}
	/* Not zero: a page written with zero could still be shared. */
	for (p = 0; p < len; p += PAGE)
		*(uint64_t *)(addr + p) = p | 1;
	if (set_policy(addr, len, TIER_MPOL_DEFAULT, 0)) {
		fprintf(stderr, "mbind %s back to default: %s\n", what,
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long hot = 256 * MIB, cold = 512 * MIB, report_ms = 250;
	unsigned long p, done = 0;
	uint64_t t, t_report;
	struct sigaction sa;
	char *area, *hot_buf, *cold_buf;
	int node = 1, opt;

	while ((opt = getopt(argc, argv, "H:C:n:r:")) != -1) {
		switch (opt) {
		case 'H':
			hot = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'C':
			cold = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'n':
			node = atoi(optarg);
			break;
		case 'r':
			report_ms = strtoul(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || !hot || !cold || !report_ms || node < 0 ||
	    node >= (int)(8 * sizeof(unsigned long)))
		usage(argv[0]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/*
	 * One reservation, then the two areas in it with a PROT_NONE page
	 * before, between and after them: an anonymous mapping next to
	 * another with the same flags would be merged with it into one VMA.
	 * The cold one is also MADV_DONTDUMP, which sets it apart by its
	 * flags as well.
	 */
	area = mmap(NULL, PAGE + hot + PAGE + cold + PAGE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	hot_buf = mmap(area + PAGE, hot, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	cold_buf = mmap(area + PAGE + hot + PAGE, cold, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (hot_buf == MAP_FAILED || cold_buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(cold_buf, cold, MADV_DONTDUMP);
	if (fill_on(hot_buf, hot, node, "hot") ||
	    fill_on(cold_buf, cold, node, "cold"))
		return 1;
	printf("ready %lu %lu %lu %lu\n", (unsigned long)hot_buf,
	       (unsigned long)hot_buf + hot, (unsigned long)cold_buf,
	       (unsigned long)cold_buf + cold);

	t_report = now_ns() + report_ms * 1000000ULL;
	while (!stop) {
		/* One pass: a byte of every hot page. */
		for (p = 0; p < hot && !stop; p += PAGE) {
			__atomic_fetch_add(hot_buf + p, 1, __ATOMIC_RELAXED);
			done++;
			if ((p & (64 * PAGE - 1)) == 0) {
				t = now_ns();
				if (t >= t_report) {
					printf("progress %llu %lu\n",
					       (unsigned long long)t, done);
					t_report += report_ms * 1000000ULL;
					if (t_report < t)
						t_report = t;
				}
			}
		}
	}
	t = now_ns();
	printf("progress %llu %lu\n", (unsigned long long)t, done);
	printf("done %llu\n", (unsigned long long)t);
	return 0;
}
