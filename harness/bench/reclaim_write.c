// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim_write: time one write to a cgroup's memory.reclaim, optionally
 * interrupted by a signal, for `make bench`.
 *
 *   reclaim_write FILE REQUEST [SIGNAL_AFTER_MS]
 *
 * Writes REQUEST (e.g. "1G") to FILE with a single write(2) and prints
 *
 *   start T_NS end T_NS rc RC errno NAME [signal T_NS]
 *
 * (CLOCK_MONOTONIC).  With SIGNAL_AFTER_MS, a second thread sends SIGUSR1
 * to the writing thread that long after the write began; the handler is
 * installed without SA_RESTART, so a kernel that honours signals ends the
 * write with EINTR.  "signal" is when the signal was sent: end - signal is
 * how long the kernel took to notice it.  If the write ended first, no
 * signal is sent and "signal" is left out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_t writer;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int write_over;
static uint64_t t_signal;
static struct timespec deadline;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void on_signal(int sig)
{
	(void)sig;
}

/* Wait for the deadline unless the write ends first, then signal. */
static void *signaller(void *arg)
{
	int rc = 0;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!write_over && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&cond, &lock, &deadline);
	if (!write_over) {
		t_signal = now_ns();
		pthread_kill(writer, SIGUSR1);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_condattr_t ca;
	struct sigaction sa;
	pthread_t thread;
	uint64_t t0, t1;
	long after_ms = 0;
	ssize_t rc;
	int fd, err;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s FILE REQUEST [SIGNAL_AFTER_MS]\n", argv[0]);
		return 2;
	}
	if (argc == 4)
		after_ms = strtol(argv[3], NULL, 0);
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	writer = pthread_self();

	t0 = now_ns();
	if (after_ms > 0) {
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&cond, &ca);
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += after_ms / 1000;
		deadline.tv_nsec += (after_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		if (pthread_create(&thread, NULL, signaller, NULL)) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	rc = write(fd, argv[2], strlen(argv[2]));
	err = rc < 0 ? errno : 0;
	t1 = now_ns();
	if (after_ms > 0) {
		pthread_mutex_lock(&lock);
		write_over = 1;
		pthread_cond_signal(&cond);
		pthread_mutex_unlock(&lock);
		pthread_join(thread, NULL);
	}
	printf("start %llu end %llu rc %zd errno %s", (unsigned long long)t0,
	       (unsigned long long)t1, rc, err ? strerrorname_np(err) : "0");
	if (t_signal)
		printf(" signal %llu", (unsigned long long)t_signal);
	printf("\n");
	close(fd);
	return 0;
}
