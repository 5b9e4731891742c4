// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of memory.reclaim, the proactive reclaim file of cgroup v2.
 *
 * Each test makes a child cgroup, fills it with page cache (a file on a
 * real, block-backed file system: $RECLAIM_TEST_DIR, /mnt/scratch by
 * default) or anonymous memory (which needs swap), asks memory.reclaim for
 * some of it and checks what memory.current, memory.stat and the file's
 * own read-back say.  Tests skip when the kernel has no memory.reclaim or
 * the system lacks what a test needs (swap, a scratch directory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"

#define MiB	(1024L * 1024)
/*
 * Charges move between the page counter and per-CPU stocks in batches,
 * so memory.current can differ from the pages a cgroup really holds by
 * this much.
 */
#define SLACK	(2 * MiB)

static char cgroup_root[256];

static int find_cgroup_root(void)
{
	char dev[256], dir[PATH_MAX], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fscanf(f, "%255s %4095s %63s %*s %*d %*d", dev, dir, type) == 3) {
		if (!strcmp(type, "cgroup2") && strlen(dir) < sizeof(cgroup_root)) {
			memcpy(cgroup_root, dir, strlen(dir) + 1);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static long read_long(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* A "key value" line of memory.stat. */
static long read_stat(const char *dir, const char *key)
{
	char path[PATH_MAX], k[64];
	long v, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", k, &v) == 2) {
		if (!strcmp(k, key)) {
			ret = v;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* Write @text to memory.reclaim: 0 or a negative errno. */
static int request_reclaim(const char *cg, const char *text)
{
	return write_file(cg, "memory.reclaim", text);
}

static int have_swap(void)
{
	char line[256];
	int lines = 0;
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	return lines > 1;
}

static const char *scratch_dir(void)
{
	const char *dir = getenv("RECLAIM_TEST_DIR");
	struct statfs sfs;

	if (!dir)
		dir = "/mnt/scratch";
	/* Page cache of tmpfs is swap-backed: not what the file tests want. */
	if (access(dir, W_OK) || statfs(dir, &sfs) || sfs.f_type == 0x01021994)
		return NULL;
	return dir;
}

enum fill { FILL_FILE = 1, FILL_ANON = 2 };

/*
 * Start a process in @cg that charges @file_bytes of clean page cache and
 * @anon_bytes of anonymous memory to it, then sleeps until killed.
 */
static pid_t spawn_filler(const char *cg, const char *dir, long file_bytes,
			  long anon_bytes)
{
	int pipefd[2];
	pid_t pid;
	char c;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		static char chunk[1 << 20];
		char path[PATH_MAX];
		long done;
		char *anon;
		int fd;

		close(pipefd[0]);
		if (write_file(cg, "cgroup.procs", "0"))
			_exit(1);
		if (file_bytes) {
			snprintf(path, sizeof(path), "%s/reclaim-test.%d", dir,
				 getpid());
			fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
			if (fd < 0)
				_exit(1);
			unlink(path);
			memset(chunk, 0x5a, sizeof(chunk));
			for (done = 0; done < file_bytes; done += sizeof(chunk))
				if (write(fd, chunk, sizeof(chunk)) != sizeof(chunk))
					_exit(1);
			/* Clean pages, so reclaim can drop them at once. */
			fsync(fd);
		}
		if (anon_bytes) {
			anon = mmap(NULL, anon_bytes, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (anon == MAP_FAILED)
				_exit(1);
			/* Distinct contents, so zram cannot share pages. */
			for (done = 0; done < anon_bytes; done += 4096)
				*(long *)(anon + done) = done + 1;
		}
		if (write(pipefd[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1) {
		close(pipefd[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(pipefd[0]);
	return pid;
}

FIXTURE(memcg) {
	char cg[PATH_MAX];
	pid_t filler;
	const char *dir;
};

FIXTURE_SETUP(memcg)
{
	char path[PATH_MAX];

	self->filler = 0;
	self->dir = scratch_dir();
	if (!find_cgroup_root())
		SKIP(return, "no cgroup2 mount");
	snprintf(path, sizeof(path), "%s/memory.reclaim", cgroup_root);
	if (access(path, F_OK))
		SKIP(return, "the kernel has no memory.reclaim");
	/* May fail if already enabled or delegated elsewhere: harmless. */
	write_file(cgroup_root, "cgroup.subtree_control", "+memory");
	snprintf(self->cg, sizeof(self->cg), "%s/reclaim_test.%d", cgroup_root,
		 getpid());
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	ASSERT_EQ(0, access(self->cg, F_OK));
}

FIXTURE_TEARDOWN(memcg)
{
	if (self->filler > 0) {
		kill(self->filler, SIGKILL);
		waitpid(self->filler, NULL, 0);
	}
	if (self->cg[0])
		rmdir(self->cg);
}

/*
 * Page cache: memory.current falls by the request, and the read-back
 * matches the page cache that left the cgroup.  It is compared with the
 * "file" counter rather than memory.current, which also drops by the
 * buffer heads and page cache index nodes freed with the pages.
 */
TEST_F_TIMEOUT(memcg, page_cache, 600)
{
	long before, after, file_before, file_after, got;

	if (!self->dir)
		SKIP(return, "no block-backed scratch directory");
	self->filler = spawn_filler(self->cg, self->dir, 32 * MiB, 0);
	ASSERT_GT(self->filler, 0);
	before = read_long(self->cg, "memory.current");
	file_before = read_stat(self->cg, "file");
	ASSERT_GE(file_before, 32 * MiB - SLACK);

	ASSERT_EQ(0, request_reclaim(self->cg, "16M"));
	after = read_long(self->cg, "memory.current");
	file_after = read_stat(self->cg, "file");
	got = read_long(self->cg, "memory.reclaim");
	TH_LOG("memory.current %ld -> %ld, file %ld -> %ld, read-back %ld",
	       before, after, file_before, file_after, got);
	EXPECT_GE(before - after, 16 * MiB - SLACK);
	EXPECT_GE(got, 16 * MiB);
	EXPECT_LE(labs((file_before - file_after) - got), SLACK);
}

/* Anonymous memory goes to swap; memory.current falls by the request. */
TEST_F_TIMEOUT(memcg, anon_to_swap, 600)
{
	long before, after, got, swapped;

	if (!have_swap())
		SKIP(return, "no swap");
	self->filler = spawn_filler(self->cg, NULL, 0, 32 * MiB);
	ASSERT_GT(self->filler, 0);
	before = read_long(self->cg, "memory.current");
	ASSERT_GE(before, 32 * MiB);

	ASSERT_EQ(0, request_reclaim(self->cg, "16M"));
	after = read_long(self->cg, "memory.current");
	got = read_long(self->cg, "memory.reclaim");
	swapped = read_long(self->cg, "memory.swap.current");
	TH_LOG("memory.current %ld -> %ld, read-back %ld, swap %ld", before,
	       after, got, swapped);
	EXPECT_GE(before - after, 16 * MiB - SLACK);
	EXPECT_GE(got, 16 * MiB);
	EXPECT_GE(swapped, 16 * MiB - SLACK);
}

/* "max" reclaims everything reclaimable, and succeeds. */
TEST_F_TIMEOUT(memcg, max, 600)
{
	long before, after, got;

	if (!self->dir)
		SKIP(return, "no block-backed scratch directory");
	self->filler = spawn_filler(self->cg, self->dir, 24 * MiB,
				    have_swap() ? 8 * MiB : 0);
	ASSERT_GT(self->filler, 0);
	before = read_long(self->cg, "memory.current");

	ASSERT_EQ(0, request_reclaim(self->cg, "max"));
	after = read_long(self->cg, "memory.current");
	got = read_long(self->cg, "memory.reclaim");
	TH_LOG("memory.current %ld -> %ld, read-back %ld", before, after, got);
	/* What stays is the filler's page tables, stack and kernel memory. */
	EXPECT_LT(after, 8 * MiB);
	EXPECT_GE(got, 20 * MiB);
}

/* swappiness=0 reclaims file pages and leaves anonymous memory alone. */
TEST_F_TIMEOUT(memcg, swappiness_zero, 600)
{
	long anon_before, anon_after, swap_after;

	if (!self->dir)
		SKIP(return, "no block-backed scratch directory");
	if (!have_swap())
		SKIP(return, "no swap");
	self->filler = spawn_filler(self->cg, self->dir, 8 * MiB, 16 * MiB);
	ASSERT_GT(self->filler, 0);
	anon_before = read_stat(self->cg, "anon");
	ASSERT_GE(anon_before, 16 * MiB);

	ASSERT_EQ(0, request_reclaim(self->cg, "4M swappiness=0"));
	/* Asking for more than the file pages cannot succeed. */
	EXPECT_EQ(-EAGAIN, request_reclaim(self->cg, "20M swappiness=0"));
	anon_after = read_stat(self->cg, "anon");
	swap_after = read_long(self->cg, "memory.swap.current");
	TH_LOG("anon %ld -> %ld, swap %ld", anon_before, anon_after, swap_after);
	EXPECT_GE(anon_after, anon_before - SLACK);
	EXPECT_LE(swap_after, SLACK);
	EXPECT_LE(read_stat(self->cg, "file"), SLACK);
}

/* Nothing reclaimable: -EAGAIN, and the read-back says nothing was done. */
TEST_F_TIMEOUT(memcg, nothing_reclaimable, 600)
{
	EXPECT_EQ(-EAGAIN, request_reclaim(self->cg, "1M"));
	EXPECT_EQ(0, read_long(self->cg, "memory.reclaim"));
	/* Zero is trivially reached. */
	EXPECT_EQ(0, request_reclaim(self->cg, "0"));
}

static void on_signal(int sig)
{
}

/* A signal during a long request ends it with -EINTR. */
TEST_F_TIMEOUT(memcg, interrupted, 600)
{
	struct sigaction sa = { .sa_handler = on_signal };
	pid_t pinger, me = getpid();
	long got;
	int err;

	if (!have_swap())
		SKIP(return, "no swap");
	self->filler = spawn_filler(self->cg, NULL, 0, 64 * MiB);
	ASSERT_GT(self->filler, 0);

	/* No SA_RESTART: the write must come back with the signal. */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	pinger = fork();
	ASSERT_GE(pinger, 0);
	if (pinger == 0) {
		for (;;) {
			kill(me, SIGUSR1);
			usleep(20 * 1000);
		}
	}
	/* Far more than there is: only a signal can end it early. */
	err = request_reclaim(self->cg, "1T");
	kill(pinger, SIGKILL);
	waitpid(pinger, NULL, 0);
	got = read_long(self->cg, "memory.reclaim");
	TH_LOG("write returned %d after reclaiming %ld bytes", err, got);
	EXPECT_EQ(-EINTR, err);
	EXPECT_LT(got, 64 * MiB);
}

/*
 * What Linux 6.12 accepts is accepted, with its meaning: sizes in C
 * notation (memparse()), rounded down to pages, so that less than a page
 * is a no-op that succeeds; the last of repeated swappiness keys wins;
 * swappiness in C notation.
 */
TEST_F_TIMEOUT(memcg, linux_6_12_forms, 600)
{
	static const struct {
		const char *text;
		long min_bytes, max_bytes;
	} ok[] = {
		{ "0x100000", 1 * MiB, 1 * MiB + SLACK },
		{ "0400000", 128 * 1024, 128 * 1024 + SLACK },
		{ "100", 0, 0 },
		{ "4095", 0, 0 },
		{ "0x1000", 4096, 4096 + SLACK },
		{ "1M swappiness=10 swappiness=20", 1 * MiB, 1 * MiB + SLACK },
		{ "1M swappiness=0x10", 1 * MiB, 1 * MiB + SLACK },
		{ "1M swappiness=010", 1 * MiB, 1 * MiB + SLACK },
		{ " 512K\tswappiness=60 ", 512 * 1024, 512 * 1024 + SLACK },
		{ "512Kswappiness=60", 512 * 1024, 512 * 1024 + SLACK },
	};
	size_t i;

	if (!self->dir)
		SKIP(return, "no block-backed scratch directory");
	self->filler = spawn_filler(self->cg, self->dir, 16 * MiB, 0);
	ASSERT_GT(self->filler, 0);
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		long got;

		EXPECT_EQ(0, request_reclaim(self->cg, ok[i].text))
			TH_LOG("input '%s'", ok[i].text);
		got = read_long(self->cg, "memory.reclaim");
		EXPECT_GE(got, ok[i].min_bytes) TH_LOG("input '%s'", ok[i].text);
		EXPECT_LE(got, ok[i].max_bytes) TH_LOG("input '%s'", ok[i].text);
	}
}

/* Malformed requests: -EINVAL, nothing reclaimed, read-back unchanged. */
TEST_F_TIMEOUT(memcg, malformed, 600)
{
	static const char * const bad[] = {
		"", "\n", " ", "-1", "-4096", "+1M", "1x", "1GB", "1 G", "G",
		"0x", "08", "maximum", "1M foo=1", "1M swappiness",
		"1M swappiness=", "1M swappiness=201", "1M swappiness=-1",
		"1M swappiness=+5", "1M swappiness=1x",
		"1M swappiness=1\tswappiness=2", "1M swappiness=1 swappiness=300",
		"swappiness=10",
		/* 6.12 wraps these around; we refuse them (documented). */
		"16E", "18446744073709551616", "99999999999999999999999",
	};
	long before, after, readback;
	size_t i;

	if (!self->dir)
		SKIP(return, "no block-backed scratch directory");
	self->filler = spawn_filler(self->cg, self->dir, 16 * MiB, 0);
	ASSERT_GT(self->filler, 0);
	ASSERT_EQ(0, request_reclaim(self->cg, "1M"));
	readback = read_long(self->cg, "memory.reclaim");
	before = read_long(self->cg, "memory.current");

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = request_reclaim(self->cg, bad[i]);

		/* An empty write never reaches the file's handler. */
		if (!bad[i][0] && err == 0)
			continue;
		EXPECT_EQ(-EINVAL, err) TH_LOG("input '%s'", bad[i]);
	}
	after = read_long(self->cg, "memory.current");
	EXPECT_LE(before - after, SLACK);
	EXPECT_EQ(readback, read_long(self->cg, "memory.reclaim"));
}

/* The root cgroup has the file too, and it works there. */
TEST_F_TIMEOUT(memcg, root, 600)
{
	pid_t filler;
	long got;

	if (!self->dir)
		SKIP(return, "no block-backed scratch directory");
	/* The filler moves itself to the root, so its pages are charged there. */
	filler = spawn_filler(cgroup_root, self->dir, 16 * MiB, 0);
	ASSERT_GT(filler, 0);
	EXPECT_EQ(0, request_reclaim(cgroup_root, "4M"));
	got = read_long(cgroup_root, "memory.reclaim");
	kill(filler, SIGKILL);
	waitpid(filler, NULL, 0);
	EXPECT_GE(got, 4 * MiB);
	EXPECT_EQ(-EINVAL, request_reclaim(cgroup_root, "lots"));
}

TEST_HARNESS_MAIN
