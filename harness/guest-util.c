// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers for the test guest.
 *
 *   guest-util tlb-churn [usec]   one sleep loop (default 200 us) pinned
 *                                 to each online CPU, so that every
 *                                 wake-up is a context switch that
 *                                 flushes that CPU's TLB (with nopcid);
 *                                 killing this process ends them all
 *   guest-util poweroff           end the machine at once (a reboot,
 *                                 which QEMU's -no-reboot turns into an
 *                                 exit; no ACPI is needed for it)
 *
 * Under TCG the software TLB is huge and never turns over by itself, so
 * accessed bits that a monitor clears would not be set again by later
 * accesses.  Real hardware TLBs are small and turn over constantly; the
 * churn loop brings that behaviour back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/wait.h>

static void sleep_loop(long usec)
{
	struct timespec ts = {
		.tv_sec = usec / 1000000,
		.tv_nsec = (usec % 1000000) * 1000,
	};

	for (;;)
		nanosleep(&ts, NULL);
}

/*
 * A workload spinning on a CPU only has its TLB flushed by context switches
 * on that same CPU, hence one loop per CPU.
 */
static int tlb_churn(long usec)
{
	long cpu, nr = sysconf(_SC_NPROCESSORS_ONLN);

	for (cpu = 0; cpu < nr; cpu++) {
		pid_t pid = fork();
		cpu_set_t set;

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid)
			continue;
		/* The loops end with this process, however it ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(0);
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("sched_setaffinity");
		sleep_loop(usec);
	}
	while (wait(NULL) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "tlb-churn"))
		return tlb_churn(argc >= 3 ? atol(argv[2]) : 200);
	if (argc == 2 && !strcmp(argv[1], "poweroff")) {
		sync();
		reboot(RB_AUTOBOOT);
		fprintf(stderr, "poweroff: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "usage: %s tlb-churn [usec] | poweroff\n", argv[0]);
	return 2;
}
