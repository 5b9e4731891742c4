// SPDX-License-Identifier: GPL-2.0
/*
 * access_gen: a configurable access-pattern generator for `make bench`.
 *
 *   access_gen [-s SIZE_MIB] [-H HOT_MIB] [-k CHUNKS] [-p PHASE_MS]
 *              [-n PHASES] [-l shift|random|fixed] [-S SEED] [-c WORK]
 *              [-r REPORT_MS] [-t TRUTH_FILE] [-g]
 *
 * Maps SIZE_MIB of anonymous memory in small pages, writes every page once
 * (a few words per page, so that zram has something to compress), then
 * runs PHASES timed phases of PHASE_MS each (0 phases: until SIGTERM or
 * SIGINT).  In each phase HOT_MIB of the mapping is hot, split into CHUNKS
 * equal chunks placed by the layout:
 *
 *   shift    the chunks sit side by side and move by the hot size each phase
 *   random   each chunk at a random chunk-aligned slot, fresh each phase
 *            (seeded with SEED, so runs repeat)
 *   fixed    the same place in every phase (the start of the mapping)
 *
 * Hot memory is touched page by page in turns, one byte per page and pass
 * (a read-modify-write that the compiler keeps); the rest of the mapping
 * is never touched again.  With -c WORK every touched page also costs WORK
 * rounds of arithmetic on its data, which makes the program compute-bound:
 * its progress (pages done) measures how much CPU time it really got.
 *
 * With -g the phases begin only once a line arrives on stdin (so that a
 * monitor can be started on the filled mapping first).
 *
 * Output on stdout, one line each, flushed:
 *
 *   ready START END               mapping filled, phases begin
 *   progress T_NS PAGES           every REPORT_MS (default 250): pages done
 *                                 so far, CLOCK_MONOTONIC time
 *   done T_NS
 *
 * The ground truth goes to TRUTH_FILE (default: none), flushed per line:
 *
 *   buffer START END
 *   phase I T_NS LO HI [LO HI...]  phase I starts at T_NS; [LO, HI) are hot
 *   done T_NS
 *
 * Times are CLOCK_MONOTONIC nanoseconds, the clock of the trace buffer's
 * "mono" trace_clock, so the truth lines up with damon_aggregated events.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1UL << 20)
#define MAX_CHUNKS 64

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

/* xorshift64: a small, seeded, repeatable random source. */
static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

struct config {
	unsigned long size, hot, phase_ms, nr_phases, report_ms, work;
	unsigned int chunks;
	int go;
	const char *layout, *truth;
};

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-s SIZE_MIB] [-H HOT_MIB] [-k CHUNKS] [-p PHASE_MS]\n"
		"       [-n PHASES] [-l shift|random|fixed] [-S SEED] [-c WORK]\n"
		"       [-r REPORT_MS] [-t TRUTH_FILE] [-g]\n", prog);
	exit(2);
}

/* Chunk offsets of phase i, in the order they are touched. */
static void place_chunks(const struct config *c, unsigned long i,
			 unsigned long *off)
{
	unsigned long chunk = c->hot / c->chunks;
	unsigned long slots = c->size / chunk;
	unsigned long taken[MAX_CHUNKS];
	unsigned int j, k;

	for (j = 0; j < c->chunks; j++) {
		if (!strcmp(c->layout, "fixed")) {
			off[j] = j * chunk;
		} else if (!strcmp(c->layout, "shift")) {
			off[j] = ((i * c->chunks + j) % slots) * chunk;
		} else {
			unsigned long s;
			int dup;

			do {
				s = rnd() % slots;
				dup = 0;
				for (k = 0; k < j; k++)
					dup |= taken[k] == s;
			} while (dup);
			taken[j] = s;
			off[j] = s * chunk;
		}
	}
}

/* One page of work: touch it, and with work > 0 compute on its data. */
static inline uint64_t do_page(char *page, unsigned long work, uint64_t acc)
{
	uint64_t *w = (uint64_t *)page;
	unsigned long r;

	__atomic_fetch_add(page, 1, __ATOMIC_RELAXED);
	if (!work)
		return acc;
	acc ^= w[acc & 7];
	for (r = 0; r < work; r++) {
		acc ^= acc << 13;
		acc ^= acc >> 7;
		acc ^= acc << 17;
		acc += r;
	}
	w[1] = acc;
	return acc;
}

int main(int argc, char **argv)
{
	struct config c = {
		.size = 256 * MIB, .hot = 32 * MIB, .phase_ms = 5000,
		.nr_phases = 1, .report_ms = 250, .work = 0, .chunks = 1,
		.layout = "shift", .truth = NULL,
	};
	unsigned long off[MAX_CHUNKS], chunk, i, p, pg, done = 0;
	uint64_t t_end, t_report, t, acc = 1;
	struct sigaction sa;
	FILE *truth = NULL;
	char *buf;
	int opt;

	while ((opt = getopt(argc, argv, "s:H:k:p:n:l:S:c:r:t:g")) != -1) {
		switch (opt) {
		case 's':
			c.size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'H':
			c.hot = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'k':
			c.chunks = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			c.phase_ms = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			c.nr_phases = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			c.layout = optarg;
			break;
		case 'S':
			rnd_state = strtoull(optarg, NULL, 0) | 1;
			break;
		case 'c':
			c.work = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			c.report_ms = strtoul(optarg, NULL, 0);
			break;
		case 't':
			c.truth = optarg;
			break;
		case 'g':
			c.go = 1;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || !c.size || !c.hot || c.hot > c.size ||
	    !c.chunks || c.chunks > MAX_CHUNKS || !c.phase_ms || !c.report_ms ||
	    (c.hot / c.chunks) % 4096 || !(c.hot / c.chunks) ||
	    (strcmp(c.layout, "shift") && strcmp(c.layout, "random") &&
	     strcmp(c.layout, "fixed")))
		usage(argv[0]);
	chunk = c.hot / c.chunks;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (c.truth) {
		truth = fopen(c.truth, "w");
		if (!truth) {
			perror(c.truth);
			return 1;
		}
		setvbuf(truth, NULL, _IOLBF, 0);
	}

	buf = mmap(NULL, c.size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* Small pages only: a huge page would make hot and cold share one. */
	madvise(buf, c.size, MADV_NOHUGEPAGE);
	for (p = 0; p < c.size; p += 4096) {
		uint64_t *w = (uint64_t *)(buf + p);
		unsigned int k;

		for (k = 0; k < 4096 / 8; k += 32)
			w[k] = rnd();
	}
	printf("ready %lu %lu\n", (unsigned long)buf,
	       (unsigned long)buf + c.size);
	if (truth)
		fprintf(truth, "buffer %lu %lu\n", (unsigned long)buf,
			(unsigned long)buf + c.size);

	if (c.go) {
		char line[64];

		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	t_report = now_ns() + c.report_ms * 1000000ULL;
	for (i = 0; !stop && (!c.nr_phases || i < c.nr_phases); i++) {
		unsigned int j;

		place_chunks(&c, i, off);
		t = now_ns();
		if (truth) {
			fprintf(truth, "phase %lu %llu", i, (unsigned long long)t);
			for (j = 0; j < c.chunks; j++)
				fprintf(truth, " %lu %lu",
					(unsigned long)buf + off[j],
					(unsigned long)buf + off[j] + chunk);
			fprintf(truth, "\n");
		}
		t_end = t + c.phase_ms * 1000000ULL;
		while (!stop && t < t_end) {
			/* One pass: the chunks' pages in turns. */
			for (pg = 0; pg < chunk && !stop; pg += 4096) {
				for (j = 0; j < c.chunks; j++)
					acc = do_page(buf + off[j] + pg, c.work, acc);
				done += c.chunks;
				if ((pg & (64 * 4096 - 1)) == 0) {
					t = now_ns();
					if (t >= t_report) {
						printf("progress %llu %lu\n",
						       (unsigned long long)t, done);
						t_report += c.report_ms * 1000000ULL;
						if (t_report < t)
							t_report = t;
					}
					if (t >= t_end)
						break;
				}
			}
			t = now_ns();
		}
	}
	t = now_ns();
	printf("progress %llu %lu\n", (unsigned long long)t, done);
	printf("done %llu\n", (unsigned long long)t);
	if (truth) {
		fprintf(truth, "done %llu\n", (unsigned long long)t);
		fclose(truth);
	}
	/* Keep the result alive so that the work cannot be optimised out. */
	return acc == 42 ? 3 : 0;
}
