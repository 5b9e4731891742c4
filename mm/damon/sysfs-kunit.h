/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the DAMON sysfs interface, suite "damon_sysfs".  Included
 * at the end of sysfs.c.
 */

#ifndef _DAMON_SYSFS_KUNIT_H
#define _DAMON_SYSFS_KUNIT_H

#include <kunit/test.h>

static void damon_sysfs_test_names(struct kunit *test)
{
	int i, j;

	for (i = 0; i < NR_DAMON_OPS; i++) {
		KUNIT_ASSERT_NOT_NULL(test, damon_sysfs_ops_names[i]);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ(test, damon_sysfs_ops_names[i],
					    damon_sysfs_ops_names[j]);
	}
	KUNIT_EXPECT_EQ(test, sysfs_match_string(damon_sysfs_ops_names,
						 "paddr\n"), DAMON_OPS_PADDR);
	KUNIT_EXPECT_LT(test, sysfs_match_string(damon_sysfs_ops_names,
						 "paddr "), 0);
	KUNIT_EXPECT_EQ(test, sysfs_match_string(damon_sysfs_cmd_names,
						 "commit"), DAMON_SYSFS_CMD_COMMIT);
	KUNIT_EXPECT_LT(test, sysfs_match_string(damon_sysfs_cmd_names, "On"), 0);
}

/* A context directory under a scratch kobject, with @nr_regions regions. */
static struct damon_sysfs_context *dsk_context(struct kunit *test,
					       struct kobject **scratch)
{
	struct kobject *kobj;

	*scratch = kobject_create_and_add("damon_sysfs_kunit", NULL);
	KUNIT_ASSERT_NOT_NULL(test, *scratch);
	kobj = damon_sysfs_context_new(*scratch, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kobj));
	return container_of(kobj, struct damon_sysfs_context, kobj);
}

static void dsk_context_rm(struct damon_sysfs_context *c,
			   struct kobject *scratch)
{
	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_rm_child_lists(&c->kobj);
	mutex_unlock(&damon_sysfs_lock);
	damon_sysfs_kobj_rm(&c->kobj);
	kobject_put(scratch);
}

static void damon_sysfs_test_list_resize_keeps(struct kunit *test)
{
	struct kobject *scratch;
	struct damon_sysfs_context *c = dsk_context(test, &scratch);
	struct damon_sysfs_target *t;
	struct damon_sysfs_ulongs *r;

	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_resize_locked(c->targets, 2);
	KUNIT_EXPECT_EQ(test, c->targets->nr, 2);
	t = container_of(damon_sysfs_list_child(c->targets, 0),
			 struct damon_sysfs_target, kobj);
	t->pid = 1234;
	damon_sysfs_list_resize_locked(t->regions, 3);
	KUNIT_EXPECT_EQ(test, t->regions->nr, 3);
	r = container_of(damon_sysfs_list_child(t->regions, 1),
			 struct damon_sysfs_ulongs, kobj);
	r->vals[REGION_START] = 4096;

	/* Shrinking and growing again keeps what is below the new count. */
	damon_sysfs_list_resize_locked(t->regions, 2);
	damon_sysfs_list_resize_locked(t->regions, 5);
	KUNIT_EXPECT_EQ(test, t->regions->nr, 5);
	r = container_of(damon_sysfs_list_child(t->regions, 1),
			 struct damon_sysfs_ulongs, kobj);
	KUNIT_EXPECT_EQ(test, r->vals[REGION_START], 4096UL);
	damon_sysfs_list_resize_locked(c->targets, 1);
	KUNIT_EXPECT_EQ(test, t->pid, 1234);
	KUNIT_EXPECT_NULL(test, damon_sysfs_list_child(c->targets, 1));
	mutex_unlock(&damon_sysfs_lock);
	dsk_context_rm(c, scratch);
}

static void damon_sysfs_test_build_ctx(struct kunit *test)
{
	struct kobject *scratch;
	struct damon_sysfs_context *c = dsk_context(test, &scratch);
	struct damon_sysfs_ulongs *r;
	struct damon_sysfs_target *t;
	struct damon_ctx *ctx;

	c->ops_id = DAMON_OPS_PADDR;
	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_resize_locked(c->targets, 1);
	t = container_of(damon_sysfs_list_child(c->targets, 0),
			 struct damon_sysfs_target, kobj);
	damon_sysfs_list_resize_locked(t->regions, 1);
	mutex_unlock(&damon_sysfs_lock);
	r = container_of(damon_sysfs_list_child(t->regions, 0),
			 struct damon_sysfs_ulongs, kobj);
	r->vals[REGION_START] = 1 << 20;
	r->vals[REGION_END] = 2 << 20;

	ctx = damon_sysfs_build_ctx(c);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, ctx->ops.id, DAMON_OPS_PADDR);
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 5000UL);
	KUNIT_EXPECT_EQ(test, damon_nr_targets(ctx), 1U);
	damon_destroy_ctx(ctx);

	/* Inverted region, bad attributes, two paddr targets: all refused. */
	r->vals[REGION_END] = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR(damon_sysfs_build_ctx(c)), -EINVAL);
	r->vals[REGION_END] = 2 << 20;
	c->nr_regions->vals[NR_REGIONS_MIN] = 2000;
	KUNIT_EXPECT_EQ(test, PTR_ERR(damon_sysfs_build_ctx(c)), -EINVAL);
	c->nr_regions->vals[NR_REGIONS_MIN] = 10;
	c->intervals->vals[INTERVAL_SAMPLE] = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR(damon_sysfs_build_ctx(c)), -EINVAL);
	c->intervals->vals[INTERVAL_SAMPLE] = 5000;
	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_resize_locked(c->targets, 2);
	mutex_unlock(&damon_sysfs_lock);
	KUNIT_EXPECT_EQ(test, PTR_ERR(damon_sysfs_build_ctx(c)), -EINVAL);
	dsk_context_rm(c, scratch);
}

static void damon_sysfs_test_vaddr_needs_pid(struct kunit *test)
{
	struct kobject *scratch;
	struct damon_sysfs_context *c = dsk_context(test, &scratch);
	struct damon_sysfs_target *t;

	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_resize_locked(c->targets, 1);
	mutex_unlock(&damon_sysfs_lock);
	t = container_of(damon_sysfs_list_child(c->targets, 0),
			 struct damon_sysfs_target, kobj);
	t->pid = -5;
	if (damon_is_registered_ops(DAMON_OPS_VADDR))
		KUNIT_EXPECT_EQ(test, PTR_ERR(damon_sysfs_build_ctx(c)), -EINVAL);
	dsk_context_rm(c, scratch);
	if (!damon_is_registered_ops(DAMON_OPS_VADDR))
		kunit_skip(test, "the kernel has no vaddr operations set");
}

static struct kunit_case damon_sysfs_test_cases[] = {
	KUNIT_CASE(damon_sysfs_test_names),
	KUNIT_CASE(damon_sysfs_test_list_resize_keeps),
	KUNIT_CASE(damon_sysfs_test_build_ctx),
	KUNIT_CASE(damon_sysfs_test_vaddr_needs_pid),
	{}
};

static struct kunit_suite damon_sysfs_test_suite = {
	.name = "damon_sysfs",
	.test_cases = damon_sysfs_test_cases,
};

kunit_test_suite(damon_sysfs_test_suite);

#endif /* _DAMON_SYSFS_KUNIT_H */
