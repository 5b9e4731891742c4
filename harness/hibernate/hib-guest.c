// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the hibernation guest, exec()ed from tmpfs by
 * harness/hibernate/guest-init.sh: fills a share of memory with a
 * pseudo-random pattern, runs the idle-phase command (which may reclaim)
 * and waits for it, hibernates, and after resume checks the pattern.  Each
 * step goes to /dev/kmsg (the console) as "hib: EVENT VALUE", then it
 * restarts the machine, which ends QEMU (-no-reboot).
 *
 * After hibernating it touches no file of the 9p root: the 9p transport
 * does not survive QEMU's restart.  Anything it needs lives in tmpfs or
 * anonymous memory, which the image and the swap disk bring back.
 *
 *   hib-guest PERCENT [CMD]   fill PERCENT of MemTotal, run CMD, hibernate
 *   hib-guest off             restart at once
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int kmsg = -1;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n, m;

	n = snprintf(buf, sizeof(buf), "hib: ");
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	/* An output error leaves the prefix alone. */
	if (m > 0)
		n += m;
	/* vsnprintf() returns what it would have written: keep the end. */
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	buf[n++] = '\n';
	if (kmsg >= 0 && write(kmsg, buf, n) < 0)
		kmsg = -1;
}

static uint64_t checksum(const uint64_t *p, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s = s * 31 + p[i];
	return s;
}

static long mem_total_kib(void)
{
	char line[128];
	long kib = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void restart(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	_exit(1);
}

int main(int argc, char **argv)
{
	uint64_t *buf, sum, x = 88172645463325252ULL;
	size_t bytes, n, i;
	double t0;
	int fd, st, ok;

	kmsg = open("/dev/kmsg", O_WRONLY);
	if (argc < 2 || !strcmp(argv[1], "off"))
		restart();
	bytes = (size_t)(mem_total_kib() * atol(argv[1]) / 100) << 10;
	n = bytes / sizeof(*buf);
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!n || buf == MAP_FAILED) {
		say("error cannot map %zu bytes", bytes);
		restart();
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = x;
	}
	sum = checksum(buf, n);
	say("filled %zu MiB in %.2f s", bytes >> 20, now() - t0);
	if (argc > 2) {
		pid_t pid = fork();

		if (!pid) {
			execl("/bin/bash", "bash", "-c", argv[2], (char *)NULL);
			_exit(127);
		}
		t0 = now();
		st = 0;
		waitpid(pid, &st, 0);
		say("idle-phase %.2f s, exit %d", now() - t0,
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	sync();
	say("hibernating");
	fd = open("/sys/power/state", O_WRONLY);
	if (fd < 0 || write(fd, "disk", 4) != 4) {
		say("error hibernation failed");
		restart();
	}
	close(fd);
	/* Back from the image (CLOCK_MONOTONIC stopped meanwhile). */
	say("resumed");
	t0 = now();
	ok = checksum(buf, n) == sum;
	say("checksum %s in %.2f s", ok ? "ok" : "BAD", now() - t0);
	restart();
	return 0;
}
