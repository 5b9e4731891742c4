// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the parser of memory.reclaim requests.
 */

#include <kunit/test.h>
#include <linux/memcontrol.h>
#include <linux/swap.h>

#include "internal.h"

struct reclaim_case {
	const char *text;
	int err;
	unsigned long nr_pages;
	int swappiness;
};

static void check_cases(struct kunit *test, const struct reclaim_case *cases,
			size_t n)
{
	const struct memcg_reclaim_request poison = {
		.nr_pages = 12345, .swappiness = 77,
	};
	size_t i;

	for (i = 0; i < n; i++) {
		struct memcg_reclaim_request req = poison;
		char buf[64];
		int err;

		strscpy(buf, cases[i].text, sizeof(buf));
		err = memcg_parse_reclaim_request(buf, &req);
		KUNIT_EXPECT_EQ_MSG(test, err, cases[i].err, "text '%s'",
				    cases[i].text);
		if (err) {
			/* A failed parse must not touch the request. */
			KUNIT_EXPECT_EQ_MSG(test, req.nr_pages, poison.nr_pages,
					    "text '%s'", cases[i].text);
			KUNIT_EXPECT_EQ_MSG(test, req.swappiness,
					    poison.swappiness, "text '%s'",
					    cases[i].text);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, req.nr_pages, cases[i].nr_pages,
				    "text '%s'", cases[i].text);
		KUNIT_EXPECT_EQ_MSG(test, req.swappiness, cases[i].swappiness,
				    "text '%s'", cases[i].text);
	}
}

#define PAGES(bytes)	((unsigned long)((bytes) >> PAGE_SHIFT))

static void memcg_reclaim_sizes(struct kunit *test)
{
	const struct reclaim_case cases[] = {
		{ "0", 0, 0, -1 },
		/* Rounded down to pages, as in 6.12: below one, nothing. */
		{ "1", 0, 0, -1 },
		{ "4096", 0, PAGES(4096ULL), -1 },
		{ "4097", 0, PAGES(4096ULL), -1 },
		{ "1k", 0, PAGES(1024ULL), -1 },
		{ "8K", 0, PAGES(8192ULL), -1 },
		/* C notation, as memparse() reads it. */
		{ "0x100000", 0, PAGES(1ULL << 20), -1 },
		{ "0X2000", 0, PAGES(8192ULL), -1 },
		{ "0400000", 0, PAGES(1ULL << 17), -1 },
		{ "0x10k", 0, PAGES(16ULL << 10), -1 },
		{ "010M", 0, PAGES(8ULL << 20), -1 },
		{ "100M", 0, PAGES(100ULL << 20), -1 },
		{ "1g", 0, PAGES(1ULL << 30), -1 },
		{ "2G\n", 0, PAGES(2ULL << 30), -1 },
		{ "  3T  ", 0, PAGES(3ULL << 40), -1 },
		{ "max", 0, ULONG_MAX, -1 },
		{ "max\n", 0, ULONG_MAX, -1 },
	};

	check_cases(test, cases, ARRAY_SIZE(cases));
}

static void memcg_reclaim_swappiness(struct kunit *test)
{
	const struct reclaim_case cases[] = {
		{ "1M swappiness=0", 0, PAGES(1ULL << 20), 0 },
		{ "1M swappiness=60", 0, PAGES(1ULL << 20), 60 },
		{ "1M\tswappiness=200\n", 0, PAGES(1ULL << 20), 200 },
		{ "max swappiness=100", 0, ULONG_MAX, 100 },
		/* The last one wins; C notation; no blank needed after M. */
		{ "1M swappiness=10 swappiness=20", 0, PAGES(1ULL << 20), 20 },
		{ "1M  swappiness=0x10", 0, PAGES(1ULL << 20), 16 },
		{ "1M swappiness=010", 0, PAGES(1ULL << 20), 8 },
		{ "1M swappiness=-0", 0, PAGES(1ULL << 20), 0 },
		{ "1Mswappiness=5", 0, PAGES(1ULL << 20), 5 },
		{ "1M swappiness=201", -EINVAL },
		{ "1M swappiness=-1", -EINVAL },
		{ "1M swappiness=+5", -EINVAL },
		{ "1M swappiness=", -EINVAL },
		{ "1M swappiness=abc", -EINVAL },
		{ "1M swappiness=10x", -EINVAL },
		{ "1M swappiness=10 swappiness=201", -EINVAL },
		{ "1M swappiness=5\tswappiness=6", -EINVAL },
		{ "1M swappiness", -EINVAL },
	};

	check_cases(test, cases, ARRAY_SIZE(cases));
}

static void memcg_reclaim_malformed(struct kunit *test)
{
	const struct reclaim_case cases[] = {
		{ "", -EINVAL },
		{ "\t", -EINVAL },
		{ "-1", -EINVAL },
		{ "-1G", -EINVAL },
		{ "+1", -EINVAL },
		{ "G", -EINVAL },
		{ "1x", -EINVAL },
		{ "1GB", -EINVAL },
		{ "1 G", -EINVAL },
		{ "0x", -EINVAL },
		{ "08", -EINVAL },
		{ "0xg", -EINVAL },
		{ "maximum", -EINVAL },
		{ "maxswappiness=1", -EINVAL },
		{ "1M foo=1", -EINVAL },
		{ "swappiness=10", -EINVAL },
		/* 6.12 wraps these around; we refuse them. */
		{ "16E", -EINVAL },
		{ "18446744073709551616", -EINVAL },
		{ "0x10000000000000000", -EINVAL },
		{ "99999999999999999999999", -EINVAL },
	};

	check_cases(test, cases, ARRAY_SIZE(cases));
}

static struct kunit_case memcg_reclaim_cases[] = {
	KUNIT_CASE(memcg_reclaim_sizes),
	KUNIT_CASE(memcg_reclaim_swappiness),
	KUNIT_CASE(memcg_reclaim_malformed),
	{}
};

static struct kunit_suite memcg_reclaim_suite = {
	.name = "memcg_reclaim",
	.test_cases = memcg_reclaim_cases,
};

kunit_test_suite(memcg_reclaim_suite);

MODULE_DESCRIPTION("KUnit tests for memory.reclaim request parsing");
MODULE_LICENSE("GPL");
