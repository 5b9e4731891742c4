// SPDX-License-Identifier: GPL-2.0
/*
 * A workload with a known access pattern, for accuracy tests of DAMON.
 *
 *   access_phases SIZE_MIB HOT_MIB PHASE_MS NR_PHASES
 *
 * Maps SIZE_MIB of anonymous memory, touches all of it once, then runs
 * NR_PHASES phases of PHASE_MS each.  In phase i, the HOT_MIB starting at
 * offset (i * HOT_MIB) modulo SIZE_MIB is read and written continuously,
 * one access per page per pass; the rest is left alone.  It prints the
 * ground truth on stdout, flushed line by line:
 *
 *   buffer START END                 the mapping, once at start
 *   phase I T_NS HOT_START HOT_END   when a phase starts (CLOCK_MONOTONIC,
 *                                    which is the clock of the trace buffer)
 *   done T_NS
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
	unsigned long long end;
	char *buf;

	if (argc != 5) {
		fprintf(stderr, "usage: %s SIZE_MIB HOT_MIB PHASE_MS NR_PHASES\n",
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
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* Small pages only: a huge page would make hot and cold share one. */
	madvise(buf, size, MADV_NOHUGEPAGE);
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
	return 0;
}
