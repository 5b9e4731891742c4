// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers for the test guest.
 *
 *   guest-util tlb-churn [usec]   sleep-loop forever (default 200 us), so
 *                                 that every wake-up is a context switch
 *                                 that flushes the TLB (with nopcid)
 *   guest-util poweroff           end the machine at once (a reboot,
 *                                 which QEMU's -no-reboot turns into an
 *                                 exit; no ACPI is needed for it)
 *
 * Under TCG the software TLB is huge and never turns over by itself, so
 * accessed bits that a monitor clears would not be set again by later
 * accesses.  Real hardware TLBs are small and turn over constantly; the
 * churn loop brings that behaviour back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/reboot.h>

static int tlb_churn(long usec)
{
	struct timespec ts = {
		.tv_sec = usec / 1000000,
		.tv_nsec = (usec % 1000000) * 1000,
	};

	for (;;)
		nanosleep(&ts, NULL);
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
