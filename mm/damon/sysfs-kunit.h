/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the DAMON sysfs interface, suite "damon_sysfs".  Included
 * at the end of sysfs.c.
 */

#ifndef _DAMON_SYSFS_KUNIT_H
#define _DAMON_SYSFS_KUNIT_H

#include <kunit/test.h>
#include <linux/memcontrol.h>

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

	/* The scheme keywords follow "commit", in the ABI's order. */
	for (i = 0; i < NR_DAMON_SYSFS_CMDS; i++)
		KUNIT_ASSERT_NOT_NULL(test, damon_sysfs_cmd_names[i]);
	KUNIT_EXPECT_EQ(test, NR_DAMON_SYSFS_CMDS, 10);
	KUNIT_EXPECT_STREQ(test, damon_sysfs_cmd_names[3],
			   "commit_schemes_quota_goals");
	KUNIT_EXPECT_STREQ(test, damon_sysfs_cmd_names[8],
			   "update_schemes_effective_quotas");
	/* Then the one of later versions. */
	KUNIT_EXPECT_STREQ(test, damon_sysfs_cmd_names[9],
			   "update_tuned_intervals");
	i = DAMON_SYSFS_CMD_UPDATE_TRIED_REGIONS;
	KUNIT_EXPECT_EQ(test, (int)damon_sysfs_schemes_cmds[i],
			(int)DAMON_SYSFS_SCHEMES_UPDATE_TRIED_REGIONS);

	for (i = 0; i < NR_DAMOS_ACTIONS; i++) {
		KUNIT_ASSERT_NOT_NULL(test, damon_sysfs_action_names[i]);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ(test, damon_sysfs_action_names[i],
					    damon_sysfs_action_names[j]);
	}
	KUNIT_EXPECT_STREQ(test, damon_sysfs_action_names[DAMOS_PAGEOUT],
			   "pageout");
	KUNIT_EXPECT_EQ(test, sysfs_match_string(damon_sysfs_action_names,
						 "migrate_cold\n"),
			DAMOS_MIGRATE_COLD);
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
	damon_sysfs_context_rm_children(&c->kobj);
	mutex_unlock(&damon_sysfs_lock);
	damon_sysfs_kobj_rm(&c->kobj);
	kobject_put(scratch);
}

/* damon_sysfs_build_ctx() under damon_sysfs_lock, as its callers hold it. */
static struct damon_ctx *dsk_build(struct damon_sysfs_context *c)
{
	struct damon_ctx *ctx;

	mutex_lock(&damon_sysfs_lock);
	ctx = damon_sysfs_build_ctx(c);
	mutex_unlock(&damon_sysfs_lock);
	return ctx;
}

static void damon_sysfs_test_list_set_replaces(struct kunit *test)
{
	struct kobject *scratch;
	struct damon_sysfs_context *c = dsk_context(test, &scratch);
	struct damon_sysfs_target *t;
	struct damon_sysfs_ulongs *r;

	mutex_lock(&damon_sysfs_lock);
	KUNIT_EXPECT_EQ(test, damon_sysfs_list_set_locked(c->targets, 2), 0);
	KUNIT_EXPECT_EQ(test, c->targets->nr, 2);
	t = container_of(damon_sysfs_list_child(c->targets, 0),
			 struct damon_sysfs_target, kobj);
	t->pid = 1234;
	KUNIT_EXPECT_EQ(test, damon_sysfs_list_set_locked(t->regions, 3), 0);
	KUNIT_EXPECT_EQ(test, t->regions->nr, 3);
	r = container_of(damon_sysfs_list_child(t->regions, 1),
			 struct damon_sysfs_ulongs, kobj);
	r->vals[REGION_START] = 4096;

	/* The same count again: fresh children with default values. */
	KUNIT_EXPECT_EQ(test, damon_sysfs_list_set_locked(t->regions, 3), 0);
	KUNIT_EXPECT_EQ(test, t->regions->nr, 3);
	r = container_of(damon_sysfs_list_child(t->regions, 1),
			 struct damon_sysfs_ulongs, kobj);
	KUNIT_EXPECT_EQ(test, r->vals[REGION_START], 0UL);

	/* A count whose array cannot be had changes nothing. */
	r->vals[REGION_START] = 8192;
	KUNIT_EXPECT_EQ(test, damon_sysfs_list_set_locked(t->regions, INT_MAX),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, t->regions->nr, 3);
	KUNIT_EXPECT_PTR_EQ(test, damon_sysfs_list_child(t->regions, 1),
			    &r->kobj);
	KUNIT_EXPECT_EQ(test, r->vals[REGION_START], 8192UL);

	KUNIT_EXPECT_EQ(test, damon_sysfs_list_set_locked(c->targets, 2), 0);
	t = container_of(damon_sysfs_list_child(c->targets, 0),
			 struct damon_sysfs_target, kobj);
	KUNIT_EXPECT_EQ(test, t->pid, 0);
	KUNIT_EXPECT_EQ(test, t->regions->nr, 0);
	KUNIT_EXPECT_EQ(test, damon_sysfs_list_set_locked(c->targets, 0), 0);
	KUNIT_EXPECT_NULL(test, damon_sysfs_list_child(c->targets, 0));
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
	damon_sysfs_list_set_locked(c->targets, 1);
	t = container_of(damon_sysfs_list_child(c->targets, 0),
			 struct damon_sysfs_target, kobj);
	damon_sysfs_list_set_locked(t->regions, 1);
	mutex_unlock(&damon_sysfs_lock);
	r = container_of(damon_sysfs_list_child(t->regions, 0),
			 struct damon_sysfs_ulongs, kobj);
	r->vals[REGION_START] = 1 << 20;
	r->vals[REGION_END] = 2 << 20;

	ctx = dsk_build(c);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, ctx->ops.id, DAMON_OPS_PADDR);
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 5000UL);
	KUNIT_EXPECT_EQ(test, damon_nr_targets(ctx), 1U);
	damon_destroy_ctx(ctx);

	/* Inverted region, bad attributes, two paddr targets: all refused. */
	r->vals[REGION_END] = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR(dsk_build(c)), -EINVAL);
	r->vals[REGION_END] = 2 << 20;
	c->nr_regions->vals[NR_REGIONS_MIN] = 2000;
	KUNIT_EXPECT_EQ(test, PTR_ERR(dsk_build(c)), -EINVAL);
	c->nr_regions->vals[NR_REGIONS_MIN] = 10;
	/* A zero sampling interval is taken, as in 6.12. */
	c->intervals->vals[INTERVAL_SAMPLE] = 0;
	ctx = dsk_build(c);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, ctx->attrs.sample_interval, 0UL);
	damon_destroy_ctx(ctx);
	c->intervals->vals[INTERVAL_SAMPLE] = 5000;
	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_set_locked(c->targets, 2);
	mutex_unlock(&damon_sysfs_lock);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dsk_build(c)), -EINVAL);
	dsk_context_rm(c, scratch);
}

static void damon_sysfs_test_vaddr_needs_pid(struct kunit *test)
{
	struct kobject *scratch;
	struct damon_sysfs_context *c = dsk_context(test, &scratch);
	struct damon_sysfs_target *t;

	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_set_locked(c->targets, 1);
	mutex_unlock(&damon_sysfs_lock);
	t = container_of(damon_sysfs_list_child(c->targets, 0),
			 struct damon_sysfs_target, kobj);
	t->pid = -5;
	if (damon_is_registered_ops(DAMON_OPS_VADDR))
		KUNIT_EXPECT_EQ(test, PTR_ERR(dsk_build(c)), -EINVAL);
	dsk_context_rm(c, scratch);
	if (!damon_is_registered_ops(DAMON_OPS_VADDR))
		kunit_skip(test, "the kernel has no vaddr operations set");
}

/* The attribute of file @name of directory @kobj, as sysfs would find it. */
static struct kobj_attribute *dsk_attr(struct kunit *test,
				       struct kobject *kobj, const char *name)
{
	const struct attribute_group **groups = kobj->ktype->default_groups;
	struct attribute **attrs;

	KUNIT_ASSERT_NOT_NULL(test, groups);
	for (; *groups; groups++) {
		for (attrs = (*groups)->attrs; *attrs; attrs++) {
			if (!strcmp((*attrs)->name, name))
				return container_of(*attrs,
						    struct kobj_attribute, attr);
		}
	}
	KUNIT_FAIL_AND_ABORT(test, "no file %s", name);
	return NULL;
}

/* Write @val to file @name of @kobj as sysfs would; the store's return. */
static ssize_t dsk_write(struct kunit *test, struct kobject *kobj,
			 const char *name, const char *val)
{
	struct kobj_attribute *attr = dsk_attr(test, kobj, name);

	KUNIT_ASSERT_NOT_NULL(test, attr->store);
	return attr->store(kobj, attr, val, strlen(val));
}

/* Read file @name of @kobj into @buf (a page) as sysfs would. */
static const char *dsk_read(struct kunit *test, struct kobject *kobj,
			    const char *name, char *buf)
{
	struct kobj_attribute *attr = dsk_attr(test, kobj, name);
	ssize_t len = attr->show(kobj, attr, buf);

	KUNIT_ASSERT_GE(test, len, 0);
	buf[len] = '\0';
	return buf;
}

static struct damon_sysfs_scheme *dsk_scheme(struct damon_sysfs_context *c,
					     int idx)
{
	return container_of(damon_sysfs_list_child(c->schemes, idx),
			    struct damon_sysfs_scheme, dir.kobj);
}

/* A context holding the schemes of @c, or an ERR_PTR. */
static struct damon_ctx *dsk_build_schemes(struct damon_sysfs_context *c)
{
	struct damon_ctx *ctx = damon_new_ctx();
	int err;

	if (!ctx)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&damon_sysfs_lock);
	err = damon_sysfs_add_schemes(ctx, c->schemes);
	mutex_unlock(&damon_sysfs_lock);
	if (err) {
		damon_destroy_ctx(ctx);
		return ERR_PTR(err);
	}
	return ctx;
}

/* A context directory with @nr scheme directories. */
static struct damon_sysfs_context *dsk_schemes(struct kunit *test,
					       struct kobject **scratch,
					       int nr)
{
	struct damon_sysfs_context *c = dsk_context(test, scratch);

	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_set_locked(c->schemes, nr);
	mutex_unlock(&damon_sysfs_lock);
	KUNIT_EXPECT_EQ(test, c->schemes->nr, nr);
	return c;
}

static void damon_sysfs_test_scheme_files(struct kunit *test)
{
	struct kobject *scratch;
	struct damon_sysfs_context *c = dsk_schemes(test, &scratch, 1);
	struct damon_sysfs_scheme *ss = dsk_scheme(c, 0);
	struct kobject *kobj = &ss->dir.kobj;
	struct kobj_attribute *attr;
	struct damon_sysfs_filter *sf;
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* Defaults. */
	KUNIT_EXPECT_STREQ(test, dsk_read(test, kobj, "action", buf), "stat\n");
	KUNIT_EXPECT_STREQ(test, dsk_read(test, kobj, "target_nid", buf), "-1\n");
	KUNIT_EXPECT_STREQ(test, dsk_read(test, &ss->wmarks->kobj, "metric", buf),
			   "none\n");

	/* Keywords: exact words only, and a bad one changes nothing. */
	KUNIT_EXPECT_EQ(test, dsk_write(test, kobj, "action", "pageout\n"), 8);
	KUNIT_EXPECT_EQ(test, dsk_write(test, kobj, "action", "Pageout"),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, dsk_read(test, kobj, "action", buf),
			   "pageout\n");
	KUNIT_EXPECT_EQ(test, dsk_write(test, kobj, "target_nid", "-3"), 2);
	KUNIT_EXPECT_STREQ(test, dsk_read(test, kobj, "target_nid", buf), "-3\n");

	/* Numbers: base 0; quotas answer -EINVAL to any bad number. */
	KUNIT_EXPECT_EQ(test, dsk_write(test, &ss->sz->kobj, "min", "0x10"), 4);
	KUNIT_EXPECT_EQ(test, ss->sz->vals[DS_RANGE_MIN], 16UL);
	KUNIT_EXPECT_EQ(test, dsk_write(test, &ss->sz->kobj, "max", "x"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dsk_write(test, &ss->quotas->kobj, "ms",
					"99999999999999999999999"), -EINVAL);
	KUNIT_EXPECT_EQ(test, dsk_write(test, &ss->weights->kobj, "age_permil",
					"4294967296"), -ERANGE);
	KUNIT_EXPECT_EQ(test, ss->weights->vals[DS_WEIGHT_AGE], 0UL);

	/* Results are read-only, even for root. */
	attr = dsk_attr(test, &ss->quotas->kobj, "effective_bytes");
	KUNIT_EXPECT_NULL(test, attr->store);
	KUNIT_EXPECT_EQ(test, attr->attr.mode, (umode_t)0400);
	attr = dsk_attr(test, &ss->stats->kobj, "qt_exceeds");
	KUNIT_EXPECT_NULL(test, attr->store);
	attr = dsk_attr(test, &ss->tried->list.kobj, "total_bytes");
	KUNIT_EXPECT_NULL(test, attr->store);

	/* Filters: Y/N, paths kept whole, damon_target_idx. */
	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_set_locked(ss->filters, 1);
	mutex_unlock(&damon_sysfs_lock);
	sf = container_of(damon_sysfs_list_child(ss->filters, 0),
			  struct damon_sysfs_filter, dir.kobj);
	kobj = &sf->dir.kobj;
	KUNIT_EXPECT_STREQ(test, dsk_read(test, kobj, "type", buf), "anon\n");
	KUNIT_EXPECT_STREQ(test, dsk_read(test, kobj, "matching", buf), "N\n");
	KUNIT_EXPECT_EQ(test, dsk_write(test, kobj, "matching", "y"), 1);
	KUNIT_EXPECT_STREQ(test, dsk_read(test, kobj, "matching", buf), "Y\n");
	KUNIT_EXPECT_EQ(test, dsk_write(test, kobj, "matching", "maybe"),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, dsk_read(test, kobj, "memcg_path", buf), "\n");
	KUNIT_EXPECT_EQ(test, dsk_write(test, kobj, "memcg_path", "/a b\n"), 5);
	KUNIT_EXPECT_STREQ(test, dsk_read(test, kobj, "memcg_path", buf),
			   "/a b\n");
	KUNIT_EXPECT_EQ(test, dsk_write(test, kobj, "type", "target"), 6);
	KUNIT_EXPECT_NOT_NULL(test, dsk_attr(test, kobj, "damon_target_idx"));
	dsk_context_rm(c, scratch);
}

static void damon_sysfs_test_build_schemes(struct kunit *test)
{
	struct kobject *scratch;
	struct damon_sysfs_context *c = dsk_schemes(test, &scratch, 2);
	struct damon_sysfs_scheme *ss = dsk_scheme(c, 0);
	struct damon_sysfs_ulongs *goal;
	struct damon_sysfs_filter *sf;
	struct damos_quota_goal *g;
	struct damos_filter *f;
	struct damon_ctx *ctx;
	struct damos *s;

	ss->vals[DS_SCHEME_ACTION] = DAMOS_PAGEOUT;
	ss->vals[DS_SCHEME_TARGET_NID] = 1;
	ss->vals[DS_SCHEME_APPLY_INTERVAL] = 20000;
	ss->sz->vals[DS_RANGE_MIN] = 4096;
	ss->sz->vals[DS_RANGE_MAX] = ULONG_MAX;
	ss->nr_accesses->vals[DS_RANGE_MAX] = ULONG_MAX;
	ss->age->vals[DS_RANGE_MIN] = 3;
	ss->age->vals[DS_RANGE_MAX] = (1UL << 32) + 5;
	ss->quotas->vals[DS_QUOTA_MS] = 10;
	ss->quotas->vals[DS_QUOTA_BYTES] = 1 << 20;
	ss->quotas->vals[DS_QUOTA_RESET_INTERVAL] = 1000;
	ss->weights->vals[DS_WEIGHT_SZ] = 1;
	ss->weights->vals[DS_WEIGHT_NR_ACCESSES] = 2;
	ss->weights->vals[DS_WEIGHT_AGE] = 3;
	ss->wmarks->vals[DS_WMARK_METRIC] = DAMOS_WMARK_FREE_MEM_RATE;
	ss->wmarks->vals[DS_WMARK_INTERVAL] = 5000;
	ss->wmarks->vals[DS_WMARK_HIGH] = 800;
	ss->wmarks->vals[DS_WMARK_MID] = 500;
	ss->wmarks->vals[DS_WMARK_LOW] = 200;
	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_set_locked(ss->goals, 1);
	damon_sysfs_list_set_locked(ss->filters, 1);
	goal = container_of(damon_sysfs_list_child(ss->goals, 0),
			    struct damon_sysfs_ulongs, kobj);
	goal->vals[DS_GOAL_METRIC] = DAMOS_GOAL_SOME_MEM_PSI_US;
	goal->vals[DS_GOAL_TARGET] = 100;
	goal->vals[DS_GOAL_CURRENT] = 5;
	sf = container_of(damon_sysfs_list_child(ss->filters, 0),
			  struct damon_sysfs_filter, dir.kobj);
	sf->vals[DS_FILTER_TYPE] = DAMOS_FILTER_ADDR;
	sf->vals[DS_FILTER_MATCHING] = true;
	sf->vals[DS_FILTER_ADDR_START] = PAGE_SIZE + 1;
	sf->vals[DS_FILTER_ADDR_END] = 3 * PAGE_SIZE + 1;
	mutex_unlock(&damon_sysfs_lock);

	ctx = dsk_build_schemes(c);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));

	s = list_first_entry(&ctx->schemes, struct damos, list);
	KUNIT_EXPECT_EQ(test, s->action, DAMOS_PAGEOUT);
	KUNIT_EXPECT_EQ(test, s->target_nid, 1);
	KUNIT_EXPECT_EQ(test, s->apply_interval_us, 20000UL);
	KUNIT_EXPECT_EQ(test, s->pattern.min_sz, 4096UL);
	KUNIT_EXPECT_EQ(test, s->pattern.max_sz, ULONG_MAX);
	/* Too large for the core's unsigned ints: clamped, not truncated. */
	KUNIT_EXPECT_EQ(test, s->pattern.min_nr_accesses, 0U);
	KUNIT_EXPECT_EQ(test, s->pattern.max_nr_accesses, UINT_MAX);
	KUNIT_EXPECT_EQ(test, s->pattern.min_age, 3U);
	KUNIT_EXPECT_EQ(test, s->pattern.max_age, UINT_MAX);
	KUNIT_EXPECT_EQ(test, s->quota.ms, 10UL);
	KUNIT_EXPECT_EQ(test, s->quota.sz, 1UL << 20);
	KUNIT_EXPECT_EQ(test, s->quota.reset_interval, 1000UL);
	KUNIT_EXPECT_EQ(test, s->quota.weight_sz, 1U);
	KUNIT_EXPECT_EQ(test, s->quota.weight_nr_accesses, 2U);
	KUNIT_EXPECT_EQ(test, s->quota.weight_age, 3U);
	g = list_first_entry_or_null(&s->quota.goals, struct damos_quota_goal,
				     list);
	KUNIT_ASSERT_NOT_NULL(test, g);
	KUNIT_EXPECT_EQ(test, g->metric, DAMOS_GOAL_SOME_MEM_PSI_US);
	KUNIT_EXPECT_EQ(test, g->target_value, 100UL);
	KUNIT_EXPECT_EQ(test, g->current_value, 5UL);
	KUNIT_EXPECT_EQ(test, s->wmarks.metric, DAMOS_WMARK_FREE_MEM_RATE);
	KUNIT_EXPECT_EQ(test, s->wmarks.interval, 5000UL);
	KUNIT_EXPECT_EQ(test, s->wmarks.high, 800UL);
	KUNIT_EXPECT_EQ(test, s->wmarks.mid, 500UL);
	KUNIT_EXPECT_EQ(test, s->wmarks.low, 200UL);
	f = list_first_entry_or_null(&s->filters, struct damos_filter, list);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_EQ(test, f->type, DAMOS_FILTER_ADDR);
	KUNIT_EXPECT_TRUE(test, f->matching);
	KUNIT_EXPECT_EQ(test, f->addr_range.start, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, f->addr_range.end, 3 * PAGE_SIZE);

	/* The second directory has the defaults: stat, matching nothing. */
	s = list_next_entry(s, list);
	KUNIT_EXPECT_EQ(test, s->action, DAMOS_STAT);
	KUNIT_EXPECT_EQ(test, s->target_nid, NUMA_NO_NODE);
	KUNIT_EXPECT_EQ(test, s->pattern.max_sz, 0UL);
	KUNIT_EXPECT_EQ(test, s->wmarks.metric, DAMOS_WMARK_NONE);
	KUNIT_EXPECT_TRUE(test, list_empty(&s->quota.goals));
	KUNIT_EXPECT_TRUE(test, list_empty(&s->filters));
	damon_destroy_ctx(ctx);
	dsk_context_rm(c, scratch);
}

static void damon_sysfs_test_build_bad_schemes(struct kunit *test)
{
	struct kobject *scratch;
	struct damon_sysfs_context *c = dsk_schemes(test, &scratch, 1);
	struct damon_sysfs_scheme *ss = dsk_scheme(c, 0);
	struct damon_sysfs_filter *sf;
	struct damon_ctx *ctx;

	/* A goal without a target value is left out, as in 6.12. */
	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_set_locked(ss->goals, 1);
	mutex_unlock(&damon_sysfs_lock);
	ctx = dsk_build_schemes(c);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_TRUE(test, list_empty(&list_first_entry(&ctx->schemes,
							     struct damos,
							     list)->quota.goals));
	damon_destroy_ctx(ctx);

	/* A memcg filter without a path, or with one naming nothing. */
	mutex_lock(&damon_sysfs_lock);
	damon_sysfs_list_set_locked(ss->goals, 0);
	damon_sysfs_list_set_locked(ss->filters, 1);
	mutex_unlock(&damon_sysfs_lock);
	sf = container_of(damon_sysfs_list_child(ss->filters, 0),
			  struct damon_sysfs_filter, dir.kobj);
	sf->vals[DS_FILTER_TYPE] = DAMOS_FILTER_MEMCG;
	KUNIT_EXPECT_EQ(test, PTR_ERR(dsk_build_schemes(c)), -ENOENT);
	KUNIT_EXPECT_EQ(test, dsk_write(test, &sf->dir.kobj, "memcg_path",
					"/damon-kunit-none"), 17);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dsk_build_schemes(c)), -ENOENT);

	/* The root memory cgroup is "/". */
	if (IS_ENABLED(CONFIG_MEMCG) && !mem_cgroup_disabled()) {
		dsk_write(test, &sf->dir.kobj, "memcg_path", "/");
		ctx = dsk_build_schemes(c);
		KUNIT_EXPECT_FALSE(test, IS_ERR(ctx));
		if (!IS_ERR(ctx))
			damon_destroy_ctx(ctx);
	}
	dsk_context_rm(c, scratch);
}

static struct kunit_case damon_sysfs_test_cases[] = {
	KUNIT_CASE(damon_sysfs_test_names),
	KUNIT_CASE(damon_sysfs_test_list_set_replaces),
	KUNIT_CASE(damon_sysfs_test_build_ctx),
	KUNIT_CASE(damon_sysfs_test_vaddr_needs_pid),
	KUNIT_CASE(damon_sysfs_test_scheme_files),
	KUNIT_CASE(damon_sysfs_test_build_schemes),
	KUNIT_CASE(damon_sysfs_test_build_bad_schemes),
	{}
};

static struct kunit_suite damon_sysfs_test_suite = {
	.name = "damon_sysfs",
	.test_cases = damon_sysfs_test_cases,
};

kunit_test_suite(damon_sysfs_test_suite);

#endif /* _DAMON_SYSFS_KUNIT_H */
