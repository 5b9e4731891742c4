// SPDX-License-Identifier: GPL-2.0
/*
 * A workload with a known access pattern, for accuracy tests of DAMON.
 *
 *   access_phases SIZE_MIB HOT_MIB PHASE_MS NR_PHASES [thp|hugetlb]
 *
 * Maps SIZE_MIB of anonymous memory, touches all of it once, then runs
 * NR_PHASES phases of PHASE_MS each.  In phase i, the HOT_MIB starting at
 * offset (i * HOT_MIB) modulo SIZE_MIB is read and written continuously,
 * one access per page per pass; the rest is left alone.  The buffer is
 * made of small pages, or with "thp" of 2 MiB aligned transparent huge
 * pages (physically contiguous, for physical address monitoring; keep
 * HOT_MIB a multiple of 2 then), or with "hugetlb" of 2 MiB hugetlb pages
 * (reserved beforehand in /proc/sys/vm/nr_hugepages; HOT_MIB a multiple
 * of 2 too).  It prints the ground truth on stdout, flushed line by line:
 *
 *   buffer START END                 the mapping, once at start
 *   phase I T_NS HOT_START HOT_END   when a phase starts (CLOCK_MONOTONIC,
 *                                    which is the clock of the trace buffer)
 *   done T_NS
 *
 * After "done" it reads standard input to its end before exiting, so that
 * the caller can still look at its memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* A real memory access the compiler may not drop or merge. */
static inline void touch_byte(char *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long size, hot, phase_ns, nr_phases, i, off;
	const unsigned long huge = 2UL << 20;
	unsigned long long end;
	int thp, hugetlb;
	char *buf;

	thp = argc == 6 && !strcmp(argv[5], "thp");
	hugetlb = argc == 6 && !strcmp(argv[5], "hugetlb");
	if (argc != 5 && !thp && !hugetlb) {
		fprintf(stderr,
			"usage: %s SIZE_MIB HOT_MIB PHASE_MS NR_PHASES [thp|hugetlb]\n",
			argv[0]);
		return 2;
	}
	size = strtoul(argv[1], NULL, 0) << 20;
	hot = strtoul(argv[2], NULL, 0) << 20;
	phase_ns = strtoul(argv[3], NULL, 0) * 1000000UL;
	nr_phases = strtoul(argv[4], NULL, 0);
	if (!size || !hot || hot > size || !phase_ns) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	/*
	 * Room to align the buffer to a huge page, which a hugetlb mapping
	 * already is (and which would take one more reserved page).
	 */
	buf = mmap(NULL, hugetlb ? size : size + huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | (hugetlb ? MAP_HUGETLB : 0),
		   -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	buf = (char *)(((unsigned long)buf + huge - 1) & ~(huge - 1));
	/*
	 * Without "thp" or "hugetlb", small pages only: a huge page would
	 * make hot and cold share one.
	 */
	if (!hugetlb &&
	    madvise(buf, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) && thp) {
		perror("madvise");
		return 1;
	}
	memset(buf, 1, size);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("buffer %lu %lu\n", (unsigned long)buf, (unsigned long)buf + size);

	for (i = 0; i < nr_phases; i++) {
		unsigned long lo = (i * hot) % size;

		if (lo + hot > size)
			lo = 0;
		printf("phase %lu %llu %lu %lu\n", i, now_ns(),
		       (unsigned long)buf + lo, (unsigned long)buf + lo + hot);
		end = now_ns() + phase_ns;
		while (now_ns() < end) {
			for (off = lo; off < lo + hot; off += 4096)
				touch_byte(buf + off);
		}
	}
	printf("done %llu\n", now_ns());
	while (getchar() != EOF)
		;
	return 0;
}
