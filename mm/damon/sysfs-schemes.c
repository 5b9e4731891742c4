// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface, DAMOS part: .../contexts/<C>/schemes/ (the tree is
 * drawn at the top of sysfs.c).
 *
 * Like the rest of the interface, a scheme directory only holds values.
 * damon_sysfs_add_schemes() turns them into &struct damos when a context is
 * built for "on" or "commit".  The other scheme state keywords talk to the
 * running kdamond: stats and effective quotas are copied with damon_call(),
 * quota goals are pushed with damon_call(), and tried regions are collected
 * with damos_walk().  Schemes of the running context and scheme directories
 * are matched by index; the directories may have changed since the last
 * "on" or "commit", so only the indexes both have are matched.
 *
 * Locking is that of sysfs.c.  State writes, which hold damon_sysfs_lock,
 * are the only ones to create or remove tried_regions/<R>/ directories;
 * the kdamond never touches the tree.
 */

#define pr_fmt(fmt) "damon-sysfs: " fmt

#include <linux/cgroup.h>
#include <linux/damon.h>
#include <linux/kobject.h>
#include <linux/limits.h>
#include <linux/memcontrol.h>
#include <linux/numa.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "sysfs-common.h"

/* ---- keywords ------------------------------------------------------------ */

/* The action keywords, by &enum damos_action. */
const char * const damon_sysfs_action_names[NR_DAMOS_ACTIONS] = {
	[DAMOS_WILLNEED] = "willneed",
	[DAMOS_COLD] = "cold",
	[DAMOS_PAGEOUT] = "pageout",
	[DAMOS_HUGEPAGE] = "hugepage",
	[DAMOS_NOHUGEPAGE] = "nohugepage",
	[DAMOS_LRU_PRIO] = "lru_prio",
	[DAMOS_LRU_DEPRIO] = "lru_deprio",
	[DAMOS_MIGRATE_HOT] = "migrate_hot",
	[DAMOS_MIGRATE_COLD] = "migrate_cold",
	[DAMOS_STAT] = "stat",
};

static const char * const damon_sysfs_goal_metric_names[NR_DAMOS_GOAL_METRICS] = {
	[DAMOS_GOAL_USER_INPUT] = "user_input",
	[DAMOS_GOAL_SOME_MEM_PSI_US] = "some_mem_psi_us",
	[DAMOS_GOAL_NODE_MEM_USED_BP] = "node_mem_used_bp",
	[DAMOS_GOAL_NODE_MEM_FREE_BP] = "node_mem_free_bp",
	[DAMOS_GOAL_NODE_MEMCG_USED_BP] = "node_memcg_used_bp",
	[DAMOS_GOAL_NODE_MEMCG_FREE_BP] = "node_memcg_free_bp",
	[DAMOS_GOAL_ACTIVE_MEM_BP] = "active_mem_bp",
	[DAMOS_GOAL_INACTIVE_MEM_BP] = "inactive_mem_bp",
};

static const char * const damon_sysfs_wmark_metric_names[NR_DAMOS_WMARK_METRICS] = {
	[DAMOS_WMARK_NONE] = "none",
	[DAMOS_WMARK_FREE_MEM_RATE] = "free_mem_rate",
};

static const char * const damon_sysfs_filter_type_names[NR_DAMOS_FILTER_TYPES] = {
	[DAMOS_FILTER_ANON] = "anon",
	[DAMOS_FILTER_ACTIVE] = "active",
	[DAMOS_FILTER_MEMCG] = "memcg",
	[DAMOS_FILTER_YOUNG] = "young",
	[DAMOS_FILTER_HUGEPAGE_SIZE] = "hugepage_size",
	[DAMOS_FILTER_UNMAPPED] = "unmapped",
	[DAMOS_FILTER_ADDR] = "addr",
	[DAMOS_FILTER_TARGET] = "target",
};

/* ---- value directories --------------------------------------------------- */

static void damon_sysfs_ulongs_rm(struct damon_sysfs_ulongs *d)
{
	if (d)
		damon_sysfs_kobj_rm(&d->kobj);
}

/* access_pattern/{sz,nr_accesses,age}/ */
DAMON_SYSFS_VAL_ATTR(damon_sysfs_range_min_attr, min, DAMON_SYSFS_ULONG,
		     DS_RANGE_MIN);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_range_max_attr, max, DAMON_SYSFS_ULONG,
		     DS_RANGE_MAX);

static struct attribute *damon_sysfs_range_attrs[] = {
	&damon_sysfs_range_min_attr.attr.attr,
	&damon_sysfs_range_max_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(range);

/* quotas/ (upstream answers -EINVAL to any bad number there) */
DAMON_SYSFS_VAL_ATTR(damon_sysfs_quota_ms_attr, ms, DAMON_SYSFS_ULONG_EINVAL,
		     DS_QUOTA_MS);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_quota_bytes_attr, bytes,
		     DAMON_SYSFS_ULONG_EINVAL, DS_QUOTA_BYTES);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_quota_reset_attr, reset_interval_ms,
		     DAMON_SYSFS_ULONG_EINVAL, DS_QUOTA_RESET_INTERVAL);
DAMON_SYSFS_RO_ATTR(damon_sysfs_quota_effective_attr, effective_bytes,
		    DS_QUOTA_EFFECTIVE_BYTES);

static struct attribute *damon_sysfs_quotas_attrs[] = {
	&damon_sysfs_quota_ms_attr.attr.attr,
	&damon_sysfs_quota_bytes_attr.attr.attr,
	&damon_sysfs_quota_reset_attr.attr.attr,
	&damon_sysfs_quota_effective_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(quotas);

/* quotas/weights/ */
DAMON_SYSFS_VAL_ATTR(damon_sysfs_weight_sz_attr, sz_permil, DAMON_SYSFS_UINT,
		     DS_WEIGHT_SZ);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_weight_nr_accesses_attr, nr_accesses_permil,
		     DAMON_SYSFS_UINT, DS_WEIGHT_NR_ACCESSES);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_weight_age_attr, age_permil,
		     DAMON_SYSFS_UINT, DS_WEIGHT_AGE);

static struct attribute *damon_sysfs_weights_attrs[] = {
	&damon_sysfs_weight_sz_attr.attr.attr,
	&damon_sysfs_weight_nr_accesses_attr.attr.attr,
	&damon_sysfs_weight_age_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(weights);

/* ---- memory cgroup paths ------------------------------------------------ */

/* Protects the memcg paths of filters and goals; held only briefly. */
static DEFINE_MUTEX(damon_sysfs_memcg_path_lock);

static ssize_t damon_sysfs_path_show(char **path, char *buf)
{
	ssize_t len;

	mutex_lock(&damon_sysfs_memcg_path_lock);
	len = sysfs_emit(buf, "%s\n", *path);
	mutex_unlock(&damon_sysfs_memcg_path_lock);
	return len;
}

/*
 * A path is taken as written, less one trailing newline, so that names
 * with blanks work (upstream keeps only the first word).  It is looked up
 * at "on" or "commit".
 */
static ssize_t damon_sysfs_path_store(char **path, const char *buf,
				      size_t count)
{
	size_t len = count;
	char *copy;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len >= PATH_MAX)
		return -EINVAL;
	copy = kmemdup_nul(buf, len, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	mutex_lock(&damon_sysfs_memcg_path_lock);
	swap(*path, copy);
	mutex_unlock(&damon_sysfs_memcg_path_lock);
	kfree(copy);
	return count;
}

/* quotas/goals/<G>/ */
DAMON_SYSFS_WORD_ATTR(damon_sysfs_goal_metric_attr, target_metric,
		      DS_GOAL_METRIC, damon_sysfs_goal_metric_names,
		      NR_DAMOS_GOAL_METRICS);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_goal_target_attr, target_value,
		     DAMON_SYSFS_ULONG, DS_GOAL_TARGET);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_goal_current_attr, current_value,
		     DAMON_SYSFS_ULONG, DS_GOAL_CURRENT);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_goal_nid_attr, nid, DAMON_SYSFS_INT,
		     DS_GOAL_NID);

static ssize_t path_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return damon_sysfs_path_show(&container_of(kobj,
			struct damon_sysfs_goal, dir.kobj)->path, buf);
}

static ssize_t path_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	return damon_sysfs_path_store(&container_of(kobj,
			struct damon_sysfs_goal, dir.kobj)->path, buf, count);
}

static struct kobj_attribute damon_sysfs_goal_path_attr =
	__ATTR(path, 0600, path_show, path_store);

static struct attribute *damon_sysfs_goal_attrs[] = {
	&damon_sysfs_goal_metric_attr.attr.attr,
	&damon_sysfs_goal_target_attr.attr.attr,
	&damon_sysfs_goal_current_attr.attr.attr,
	&damon_sysfs_goal_nid_attr.attr.attr,
	&damon_sysfs_goal_path_attr.attr,
	NULL,
};

ATTRIBUTE_GROUPS(damon_sysfs_goal);

static void damon_sysfs_goal_release(struct kobject *kobj)
{
	struct damon_sysfs_goal *g =
		container_of(kobj, struct damon_sysfs_goal, dir.kobj);

	kfree(g->path);
	kfree(g);
}

static const struct kobj_type damon_sysfs_goal_ktype = {
	.release = damon_sysfs_goal_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = damon_sysfs_goal_groups,
};

DAMON_SYSFS_LIST_KTYPE(goals);

static struct kobject *damon_sysfs_goal_new(struct kobject *parent, int idx)
{
	struct damon_sysfs_goal *g = kzalloc(sizeof(*g), GFP_KERNEL);

	if (!g)
		return ERR_PTR(-ENOMEM);
	g->path = kstrdup("", GFP_KERNEL);
	if (!g->path) {
		kfree(g);
		return ERR_PTR(-ENOMEM);
	}
	g->dir.vals = g->vals;
	if (kobject_init_and_add(&g->dir.kobj, &damon_sysfs_goal_ktype,
				 parent, "%d", idx)) {
		kobject_put(&g->dir.kobj);
		return ERR_PTR(-ENOMEM);
	}
	return &g->dir.kobj;
}

/* watermarks/ */
DAMON_SYSFS_WORD_ATTR(damon_sysfs_wmark_metric_attr, metric, DS_WMARK_METRIC,
		      damon_sysfs_wmark_metric_names, NR_DAMOS_WMARK_METRICS);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_wmark_interval_attr, interval_us,
		     DAMON_SYSFS_ULONG, DS_WMARK_INTERVAL);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_wmark_high_attr, high, DAMON_SYSFS_ULONG,
		     DS_WMARK_HIGH);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_wmark_mid_attr, mid, DAMON_SYSFS_ULONG,
		     DS_WMARK_MID);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_wmark_low_attr, low, DAMON_SYSFS_ULONG,
		     DS_WMARK_LOW);

static struct attribute *damon_sysfs_wmarks_attrs[] = {
	&damon_sysfs_wmark_metric_attr.attr.attr,
	&damon_sysfs_wmark_interval_attr.attr.attr,
	&damon_sysfs_wmark_high_attr.attr.attr,
	&damon_sysfs_wmark_mid_attr.attr.attr,
	&damon_sysfs_wmark_low_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(wmarks);

/* dests/<D>/ */
DAMON_SYSFS_VAL_ATTR(damon_sysfs_dest_id_attr, id, DAMON_SYSFS_UINT,
		     DS_DEST_ID);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_dest_weight_attr, weight, DAMON_SYSFS_UINT,
		     DS_DEST_WEIGHT);

static struct attribute *damon_sysfs_dest_attrs[] = {
	&damon_sysfs_dest_id_attr.attr.attr,
	&damon_sysfs_dest_weight_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(dest);

DAMON_SYSFS_LIST_KTYPE(dests);

static struct kobject *damon_sysfs_dest_new(struct kobject *parent, int idx)
{
	char name[12];
	struct damon_sysfs_ulongs *d;

	snprintf(name, sizeof(name), "%d", idx);
	d = damon_sysfs_ulongs_add(parent, name, &damon_sysfs_dest_ktype, NULL,
				   NR_DS_DEST_VALS);
	return IS_ERR(d) ? ERR_CAST(d) : &d->kobj;
}

/* stats/ */
DAMON_SYSFS_RO_ATTR(damon_sysfs_stat_nr_tried_attr, nr_tried,
		    DS_STAT_NR_TRIED);
DAMON_SYSFS_RO_ATTR(damon_sysfs_stat_sz_tried_attr, sz_tried,
		    DS_STAT_SZ_TRIED);
DAMON_SYSFS_RO_ATTR(damon_sysfs_stat_nr_applied_attr, nr_applied,
		    DS_STAT_NR_APPLIED);
DAMON_SYSFS_RO_ATTR(damon_sysfs_stat_sz_applied_attr, sz_applied,
		    DS_STAT_SZ_APPLIED);
DAMON_SYSFS_RO_ATTR(damon_sysfs_stat_sz_ops_filter_passed_attr,
		    sz_ops_filter_passed, DS_STAT_SZ_OPS_FILTER_PASSED);
DAMON_SYSFS_RO_ATTR(damon_sysfs_stat_qt_exceeds_attr, qt_exceeds,
		    DS_STAT_QT_EXCEEDS);

static struct attribute *damon_sysfs_stats_attrs[] = {
	&damon_sysfs_stat_nr_tried_attr.attr.attr,
	&damon_sysfs_stat_sz_tried_attr.attr.attr,
	&damon_sysfs_stat_nr_applied_attr.attr.attr,
	&damon_sysfs_stat_sz_applied_attr.attr.attr,
	&damon_sysfs_stat_sz_ops_filter_passed_attr.attr.attr,
	&damon_sysfs_stat_qt_exceeds_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(stats);

/* ---- filters ------------------------------------------------------------- */

static ssize_t memcg_path_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return damon_sysfs_path_show(&container_of(kobj,
			struct damon_sysfs_filter, dir.kobj)->memcg_path, buf);
}

static ssize_t memcg_path_store(struct kobject *kobj,
				struct kobj_attribute *attr, const char *buf,
				size_t count)
{
	return damon_sysfs_path_store(&container_of(kobj,
			struct damon_sysfs_filter, dir.kobj)->memcg_path, buf,
			count);
}

static struct kobj_attribute damon_sysfs_memcg_path_attr =
	__ATTR(memcg_path, 0600, memcg_path_show, memcg_path_store);

static ssize_t type_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct damon_sysfs_filter *f =
		container_of(kobj, struct damon_sysfs_filter, dir.kobj);
	unsigned long type = READ_ONCE(f->vals[DS_FILTER_TYPE]);

	return sysfs_emit(buf, "%s\n", type < NR_DAMOS_FILTER_TYPES ?
			  damon_sysfs_filter_type_names[type] : "");
}

/*
 * core_filters/ takes only the core layer's types and ops_filters/ only
 * the ops layer's: another type there is -EINVAL, as an unknown one is.
 */
static ssize_t type_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct damon_sysfs_filter *f =
		container_of(kobj, struct damon_sysfs_filter, dir.kobj);
	int type = sysfs_match_string(damon_sysfs_filter_type_names, buf);
	bool ops_dir = f->layer == DAMON_SYSFS_FILTERS_OPS;

	if (type < 0)
		return -EINVAL;
	if (f->layer != DAMON_SYSFS_FILTERS_ANY &&
	    damos_filter_is_ops(type) != ops_dir)
		return -EINVAL;
	WRITE_ONCE(f->vals[DS_FILTER_TYPE], type);
	return count;
}

static struct kobj_attribute damon_sysfs_filter_type_attr =
	__ATTR(type, 0600, type_show, type_store);

DAMON_SYSFS_VAL_ATTR(damon_sysfs_filter_matching_attr, matching,
		     DAMON_SYSFS_BOOL, DS_FILTER_MATCHING);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_filter_allow_attr, allow,
		     DAMON_SYSFS_BOOL, DS_FILTER_ALLOW);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_filter_sz_min_attr, min,
		     DAMON_SYSFS_ULONG, DS_FILTER_SZ_MIN);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_filter_sz_max_attr, max,
		     DAMON_SYSFS_ULONG, DS_FILTER_SZ_MAX);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_filter_addr_start_attr, addr_start,
		     DAMON_SYSFS_ULONG, DS_FILTER_ADDR_START);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_filter_addr_end_attr, addr_end,
		     DAMON_SYSFS_ULONG, DS_FILTER_ADDR_END);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_filter_target_idx_attr, damon_target_idx,
		     DAMON_SYSFS_INT, DS_FILTER_TARGET_IDX);

static struct attribute *damon_sysfs_filter_attrs[] = {
	&damon_sysfs_filter_type_attr.attr,
	&damon_sysfs_filter_matching_attr.attr.attr,
	&damon_sysfs_filter_allow_attr.attr.attr,
	&damon_sysfs_memcg_path_attr.attr,
	&damon_sysfs_filter_addr_start_attr.attr.attr,
	&damon_sysfs_filter_addr_end_attr.attr.attr,
	&damon_sysfs_filter_target_idx_attr.attr.attr,
	&damon_sysfs_filter_sz_min_attr.attr.attr,
	&damon_sysfs_filter_sz_max_attr.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(damon_sysfs_filter);

static void damon_sysfs_filter_release(struct kobject *kobj)
{
	struct damon_sysfs_filter *f =
		container_of(kobj, struct damon_sysfs_filter, dir.kobj);

	kfree(f->memcg_path);
	kfree(f);
}

static const struct kobj_type damon_sysfs_filter_ktype = {
	.release = damon_sysfs_filter_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = damon_sysfs_filter_groups,
};

DAMON_SYSFS_LIST_KTYPE(filters);

/*
 * A new filter directory of @layer.  Its type is "anon" whatever the
 * directory, as upstream's: tools write the type first.
 */
static struct kobject *damon_sysfs_filter_add(struct kobject *parent, int idx,
					      enum damon_sysfs_filter_layer layer)
{
	struct damon_sysfs_filter *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return ERR_PTR(-ENOMEM);
	f->memcg_path = kstrdup("", GFP_KERNEL);
	if (!f->memcg_path) {
		kfree(f);
		return ERR_PTR(-ENOMEM);
	}
	f->dir.vals = f->vals;
	f->layer = layer;
	f->vals[DS_FILTER_TYPE] = DAMOS_FILTER_ANON;
	if (kobject_init_and_add(&f->dir.kobj, &damon_sysfs_filter_ktype,
				 parent, "%d", idx)) {
		kobject_put(&f->dir.kobj);
		return ERR_PTR(-ENOMEM);
	}
	return &f->dir.kobj;
}

static struct kobject *damon_sysfs_filter_new(struct kobject *parent, int idx)
{
	return damon_sysfs_filter_add(parent, idx, DAMON_SYSFS_FILTERS_ANY);
}

static struct kobject *damon_sysfs_core_filter_new(struct kobject *parent,
						   int idx)
{
	return damon_sysfs_filter_add(parent, idx, DAMON_SYSFS_FILTERS_CORE);
}

static struct kobject *damon_sysfs_ops_filter_new(struct kobject *parent,
						  int idx)
{
	return damon_sysfs_filter_add(parent, idx, DAMON_SYSFS_FILTERS_OPS);
}

/* ---- tried regions ------------------------------------------------------- */

/* tried_regions/<R>/ */
DAMON_SYSFS_RO_ATTR(damon_sysfs_tried_start_attr, start, DS_TRIED_START);
DAMON_SYSFS_RO_ATTR(damon_sysfs_tried_end_attr, end, DS_TRIED_END);
DAMON_SYSFS_RO_ATTR(damon_sysfs_tried_nr_accesses_attr, nr_accesses,
		    DS_TRIED_NR_ACCESSES);
DAMON_SYSFS_RO_ATTR(damon_sysfs_tried_age_attr, age, DS_TRIED_AGE);
DAMON_SYSFS_RO_ATTR(damon_sysfs_tried_sz_filter_passed_attr, sz_filter_passed,
		    DS_TRIED_SZ_FILTER_PASSED);

static struct attribute *damon_sysfs_tried_region_attrs[] = {
	&damon_sysfs_tried_start_attr.attr.attr,
	&damon_sysfs_tried_end_attr.attr.attr,
	&damon_sysfs_tried_nr_accesses_attr.attr.attr,
	&damon_sysfs_tried_age_attr.attr.attr,
	&damon_sysfs_tried_sz_filter_passed_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(tried_region);

static struct kobject *damon_sysfs_tried_region_new(struct kobject *parent,
						    int idx)
{
	char name[12];
	struct damon_sysfs_ulongs *d;

	snprintf(name, sizeof(name), "%d", idx);
	d = damon_sysfs_ulongs_add(parent, name, &damon_sysfs_tried_region_ktype,
				   NULL, NR_DS_TRIED_VALS);
	return IS_ERR(d) ? ERR_CAST(d) : &d->kobj;
}

static ssize_t total_bytes_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct damon_sysfs_tried *tried =
		container_of(kobj, struct damon_sysfs_tried, list.kobj);

	return sysfs_emit(buf, "%lu\n", READ_ONCE(tried->total_bytes));
}

static struct kobj_attribute damon_sysfs_total_bytes_attr =
	__ATTR_RO_MODE(total_bytes, 0400);

static struct attribute *damon_sysfs_tried_attrs[] = {
	&damon_sysfs_total_bytes_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(damon_sysfs_tried);

static void damon_sysfs_tried_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct damon_sysfs_tried, list.kobj));
}

static const struct kobj_type damon_sysfs_tried_ktype = {
	.release = damon_sysfs_tried_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = damon_sysfs_tried_groups,
};

static struct damon_sysfs_tried *damon_sysfs_tried_add(struct kobject *parent)
{
	struct damon_sysfs_tried *tried = kzalloc(sizeof(*tried), GFP_KERNEL);
	int err;

	if (!tried)
		return ERR_PTR(-ENOMEM);
	/* No count file: only state writes make the region directories. */
	err = damon_sysfs_list_init(&tried->list, parent, "tried_regions",
				    &damon_sysfs_tried_ktype, INT_MAX,
				    damon_sysfs_tried_region_new, NULL);
	return err ? ERR_PTR(err) : tried;
}

/* ---- schemes ------------------------------------------------------------- */

DAMON_SYSFS_WORD_ATTR(damon_sysfs_scheme_action_attr, action,
		      DS_SCHEME_ACTION, damon_sysfs_action_names, NR_DAMOS_ACTIONS);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_scheme_target_nid_attr, target_nid,
		     DAMON_SYSFS_INT, DS_SCHEME_TARGET_NID);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_scheme_apply_interval_attr,
		     apply_interval_us, DAMON_SYSFS_ULONG,
		     DS_SCHEME_APPLY_INTERVAL);

static struct attribute *damon_sysfs_scheme_attrs[] = {
	&damon_sysfs_scheme_action_attr.attr.attr,
	&damon_sysfs_scheme_target_nid_attr.attr.attr,
	&damon_sysfs_scheme_apply_interval_attr.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(damon_sysfs_scheme);

static void damon_sysfs_scheme_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct damon_sysfs_scheme, dir.kobj));
}

static const struct kobj_type damon_sysfs_scheme_ktype = {
	.release = damon_sysfs_scheme_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = damon_sysfs_scheme_groups,
};

/**
 * damon_sysfs_scheme_rm_children() - Remove the directories of a scheme
 * directory.
 * @kobj:	The kobject of the &struct damon_sysfs_scheme.
 *
 * The &damon_sysfs_list.rm_child of schemes/.  Also undoes a partly made
 * scheme directory: only the directories that exist go.
 *
 * Context: Process context, holding damon_sysfs_lock.
 * Return: Nothing.
 */
void damon_sysfs_scheme_rm_children(struct kobject *kobj)
{
	struct damon_sysfs_scheme *ss =
		container_of(kobj, struct damon_sysfs_scheme, dir.kobj);

	if (ss->tried)
		damon_sysfs_list_rm(&ss->tried->list);
	ss->tried = NULL;
	damon_sysfs_ulongs_rm(ss->stats);
	ss->stats = NULL;
	damon_sysfs_list_rm(ss->filters);
	ss->filters = NULL;
	damon_sysfs_list_rm(ss->ops_filters);
	ss->ops_filters = NULL;
	damon_sysfs_list_rm(ss->core_filters);
	ss->core_filters = NULL;
	damon_sysfs_list_rm(ss->dests);
	ss->dests = NULL;
	damon_sysfs_ulongs_rm(ss->wmarks);
	ss->wmarks = NULL;
	damon_sysfs_list_rm(ss->goals);
	ss->goals = NULL;
	damon_sysfs_ulongs_rm(ss->weights);
	ss->weights = NULL;
	damon_sysfs_ulongs_rm(ss->quotas);
	ss->quotas = NULL;
	damon_sysfs_ulongs_rm(ss->age);
	ss->age = NULL;
	damon_sysfs_ulongs_rm(ss->nr_accesses);
	ss->nr_accesses = NULL;
	damon_sysfs_ulongs_rm(ss->sz);
	ss->sz = NULL;
	damon_sysfs_kobj_rm(ss->pattern);
	ss->pattern = NULL;
}

/* Make the directories of a new scheme directory; on failure, some. */
static int damon_sysfs_scheme_add_dirs(struct damon_sysfs_scheme *ss)
{
	const unsigned long wmarks[NR_DS_WMARK_VALS] = {
		[DS_WMARK_METRIC] = DAMOS_WMARK_NONE,
	};
	struct damon_sysfs_ulongs *d;
	struct damon_sysfs_list *list;
	struct damon_sysfs_tried *tried;
	struct kobject *kobj;

	kobj = damon_sysfs_dir_add(&ss->dir.kobj, "access_pattern");
	if (IS_ERR(kobj))
		return PTR_ERR(kobj);
	ss->pattern = kobj;
	d = damon_sysfs_ulongs_add(ss->pattern, "sz", &damon_sysfs_range_ktype,
				   NULL, NR_DS_RANGE_VALS);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ss->sz = d;
	d = damon_sysfs_ulongs_add(ss->pattern, "nr_accesses",
				   &damon_sysfs_range_ktype, NULL,
				   NR_DS_RANGE_VALS);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ss->nr_accesses = d;
	d = damon_sysfs_ulongs_add(ss->pattern, "age", &damon_sysfs_range_ktype,
				   NULL, NR_DS_RANGE_VALS);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ss->age = d;

	d = damon_sysfs_ulongs_add(&ss->dir.kobj, "quotas",
				   &damon_sysfs_quotas_ktype, NULL,
				   NR_DS_QUOTA_VALS);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ss->quotas = d;
	d = damon_sysfs_ulongs_add(&ss->quotas->kobj, "weights",
				   &damon_sysfs_weights_ktype, NULL,
				   NR_DS_WEIGHTS);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ss->weights = d;
	list = damon_sysfs_list_add(&ss->quotas->kobj, "goals",
				    &damon_sysfs_goals_list_ktype,
				    INT_MAX,
				    damon_sysfs_goal_new, NULL);
	if (IS_ERR(list))
		return PTR_ERR(list);
	ss->goals = list;

	d = damon_sysfs_ulongs_add(&ss->dir.kobj, "watermarks",
				   &damon_sysfs_wmarks_ktype, wmarks,
				   NR_DS_WMARK_VALS);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ss->wmarks = d;
	list = damon_sysfs_list_add(&ss->dir.kobj, "dests",
				    &damon_sysfs_dests_list_ktype, INT_MAX,
				    damon_sysfs_dest_new, NULL);
	if (IS_ERR(list))
		return PTR_ERR(list);
	ss->dests = list;
	list = damon_sysfs_list_add(&ss->dir.kobj, "core_filters",
				    &damon_sysfs_filters_list_ktype,
				    INT_MAX,
				    damon_sysfs_core_filter_new, NULL);
	if (IS_ERR(list))
		return PTR_ERR(list);
	ss->core_filters = list;
	list = damon_sysfs_list_add(&ss->dir.kobj, "ops_filters",
				    &damon_sysfs_filters_list_ktype,
				    INT_MAX,
				    damon_sysfs_ops_filter_new, NULL);
	if (IS_ERR(list))
		return PTR_ERR(list);
	ss->ops_filters = list;
	list = damon_sysfs_list_add(&ss->dir.kobj, "filters",
				    &damon_sysfs_filters_list_ktype,
				    INT_MAX,
				    damon_sysfs_filter_new, NULL);
	if (IS_ERR(list))
		return PTR_ERR(list);
	ss->filters = list;
	d = damon_sysfs_ulongs_add(&ss->dir.kobj, "stats",
				   &damon_sysfs_stats_ktype, NULL, NR_DS_STATS);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ss->stats = d;
	tried = damon_sysfs_tried_add(&ss->dir.kobj);
	if (IS_ERR(tried))
		return PTR_ERR(tried);
	ss->tried = tried;
	return 0;
}

/**
 * damon_sysfs_scheme_new() - Make a scheme directory with default values.
 * @parent:	The schemes/ directory.
 * @idx:	The scheme's number.
 *
 * The &damon_sysfs_list.new_child of schemes/.  The defaults are those of
 * upstream: action "stat", target_nid -1, and zero everywhere else, so
 * that the access pattern matches nothing until it is set.
 *
 * Context: Process context, holding damon_sysfs_lock.
 * Return: The kobject of the new &struct damon_sysfs_scheme, or an ERR_PTR.
 */
struct kobject *damon_sysfs_scheme_new(struct kobject *parent, int idx)
{
	struct damon_sysfs_scheme *ss = kzalloc(sizeof(*ss), GFP_KERNEL);
	int err;

	if (!ss)
		return ERR_PTR(-ENOMEM);
	ss->dir.vals = ss->vals;
	ss->vals[DS_SCHEME_ACTION] = DAMOS_STAT;
	ss->vals[DS_SCHEME_TARGET_NID] = (long)NUMA_NO_NODE;
	err = kobject_init_and_add(&ss->dir.kobj, &damon_sysfs_scheme_ktype,
				   parent, "%d", idx);
	if (err) {
		kobject_put(&ss->dir.kobj);
		return ERR_PTR(err);
	}
	err = damon_sysfs_scheme_add_dirs(ss);
	if (err)
		goto rm_scheme;
	return &ss->dir.kobj;

rm_scheme:
	damon_sysfs_scheme_rm_children(&ss->dir.kobj);
	damon_sysfs_kobj_rm(&ss->dir.kobj);
	return ERR_PTR(err);
}

static struct damon_sysfs_scheme *
damon_sysfs_scheme_at(struct damon_sysfs_list *schemes, int idx)
{
	struct kobject *kobj = damon_sysfs_list_child(schemes, idx);

	return container_of(kobj, struct damon_sysfs_scheme, dir.kobj);
}

/* ---- building schemes ---------------------------------------------------- */

/*
 * The pattern files take unsigned longs but the core counts accesses and
 * age in unsigned ints.  Clamp rather than truncate (as upstream does), so
 * that writing the largest unsigned long still means "no upper bound".
 */
static unsigned int damon_sysfs_uint_val(struct damon_sysfs_ulongs *d, int i)
{
	return min_t(unsigned long, READ_ONCE(d->vals[i]), UINT_MAX);
}

/*
 * Add the goals of goals/ to @quota.  A goal with no target value is left
 * out, as in Linux 6.12: it has nothing to aim at (and the feedback loop
 * divides by it).
 */
static int damon_sysfs_memcg_id(const char *path, unsigned short *id);

static int damon_sysfs_add_goals(struct damos_quota *quota,
				 struct damon_sysfs_list *goals)
{
	int i, err;

	for (i = 0; i < goals->nr; i++) {
		struct kobject *kobj = damon_sysfs_list_child(goals, i);
		struct damon_sysfs_goal *sg =
			container_of(kobj, struct damon_sysfs_goal, dir.kobj);
		unsigned long target = READ_ONCE(sg->vals[DS_GOAL_TARGET]);
		struct damos_quota_goal *g;

		if (!target)
			continue;
		g = damos_new_quota_goal(READ_ONCE(sg->vals[DS_GOAL_METRIC]),
					 target);
		if (!g)
			return -ENOMEM;
		g->current_value = READ_ONCE(sg->vals[DS_GOAL_CURRENT]);
		g->nid = (long)READ_ONCE(sg->vals[DS_GOAL_NID]);
		damos_add_quota_goal(quota, g);
		if (g->metric != DAMOS_GOAL_NODE_MEMCG_USED_BP &&
		    g->metric != DAMOS_GOAL_NODE_MEMCG_FREE_BP)
			continue;
		mutex_lock(&damon_sysfs_memcg_path_lock);
		err = damon_sysfs_memcg_id(sg->path, &g->memcg_id);
		mutex_unlock(&damon_sysfs_memcg_path_lock);
		if (err)
			return err;
	}
	return 0;
}

#ifdef CONFIG_MEMCG
/*
 * The id of the online memory cgroup at @path, as cgroup_path() writes it
 * (from the root of the cgroup hierarchy, such as "/a/b").  Not found, or
 * an empty path, is -ENOENT; upstream reports every failure to build a
 * scheme, this one included, as -ENOMEM.
 */
static int damon_sysfs_memcg_id(const char *path, unsigned short *id)
{
	struct mem_cgroup *memcg;
	char *buf;
	int err = -ENOENT;

	if (!*path)
		return -ENOENT;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (memcg = mem_cgroup_iter(NULL, NULL, NULL); memcg;
	     memcg = mem_cgroup_iter(NULL, memcg, NULL)) {
		if (!mem_cgroup_online(memcg))
			continue;
		if (cgroup_path(memcg->css.cgroup, buf, PATH_MAX) < 0)
			continue;
		if (!strcmp(buf, path)) {
			*id = mem_cgroup_id(memcg);
			mem_cgroup_iter_break(NULL, memcg);
			err = 0;
			break;
		}
	}
	kfree(buf);
	return err;
}
#else
static int damon_sysfs_memcg_id(const char *path, unsigned short *id)
{
	return -ENOENT;
}
#endif

static int damon_sysfs_set_filter_arg(struct damos_filter *f,
				      struct damon_sysfs_filter *sf)
{
	unsigned long start, end;
	int err;

	switch (f->type) {
	case DAMOS_FILTER_MEMCG:
		mutex_lock(&damon_sysfs_memcg_path_lock);
		err = damon_sysfs_memcg_id(sf->memcg_path, &f->memcg_id);
		mutex_unlock(&damon_sysfs_memcg_path_lock);
		return err;
	case DAMOS_FILTER_ADDR:
		/* damon_start() and damon_commit_ctx() refuse end < start. */
		start = READ_ONCE(sf->vals[DS_FILTER_ADDR_START]);
		end = READ_ONCE(sf->vals[DS_FILTER_ADDR_END]);
		f->addr_range.start = ALIGN_DOWN(start, PAGE_SIZE);
		f->addr_range.end = ALIGN_DOWN(end, PAGE_SIZE);
		return 0;
	case DAMOS_FILTER_TARGET:
		f->target_idx = (long)READ_ONCE(sf->vals[DS_FILTER_TARGET_IDX]);
		return 0;
	case DAMOS_FILTER_HUGEPAGE_SIZE:
		/* damon_start() and damon_commit_ctx() refuse max < min. */
		f->sz_range.min = READ_ONCE(sf->vals[DS_FILTER_SZ_MIN]);
		f->sz_range.max = READ_ONCE(sf->vals[DS_FILTER_SZ_MAX]);
		return 0;
	default:
		return 0;
	}
}

static int damon_sysfs_add_filters(struct damos *s,
				   struct damon_sysfs_list *filters)
{
	int i, err;

	for (i = 0; i < filters->nr; i++) {
		struct kobject *kobj = damon_sysfs_list_child(filters, i);
		struct damon_sysfs_filter *sf =
			container_of(kobj, struct damon_sysfs_filter, dir.kobj);
		struct damos_filter *f;

		f = damos_new_filter(READ_ONCE(sf->vals[DS_FILTER_TYPE]),
				     READ_ONCE(sf->vals[DS_FILTER_MATCHING]));
		if (!f)
			return -ENOMEM;
		f->allow = READ_ONCE(sf->vals[DS_FILTER_ALLOW]);
		damos_add_filter(s, f);
		err = damon_sysfs_set_filter_arg(f, sf);
		if (err)
			return err;
	}
	return 0;
}

/* Give @s the destinations of dests/. */
static int damon_sysfs_set_dests(struct damos *s, struct damon_sysfs_list *dests)
{
	struct damos_dest *arr;
	int i, err;

	if (!dests->nr)
		return 0;
	arr = kmalloc_array(dests->nr, sizeof(*arr), GFP_KERNEL | __GFP_NOWARN);
	if (!arr)
		return -ENOMEM;
	for (i = 0; i < dests->nr; i++) {
		struct kobject *kobj = damon_sysfs_list_child(dests, i);
		struct damon_sysfs_ulongs *sd =
			container_of(kobj, struct damon_sysfs_ulongs, kobj);

		/* Past INT_MAX, no node either. */
		arr[i].nid = min_t(unsigned long, READ_ONCE(sd->vals[DS_DEST_ID]),
				   INT_MAX);
		arr[i].weight = READ_ONCE(sd->vals[DS_DEST_WEIGHT]);
	}
	err = damos_set_dests(s, arr, dests->nr);
	kfree(arr);
	return err;
}

/* A new scheme holding the values of @ss, or an ERR_PTR. */
static struct damos *damon_sysfs_build_scheme(struct damon_sysfs_scheme *ss)
{
	struct damos *s = damos_new(READ_ONCE(ss->vals[DS_SCHEME_ACTION]));
	int err;

	if (!s)
		return ERR_PTR(-ENOMEM);
	s->pattern = (struct damos_pattern) {
		.min_sz = READ_ONCE(ss->sz->vals[DS_RANGE_MIN]),
		.max_sz = READ_ONCE(ss->sz->vals[DS_RANGE_MAX]),
		.min_nr_accesses = damon_sysfs_uint_val(ss->nr_accesses,
							DS_RANGE_MIN),
		.max_nr_accesses = damon_sysfs_uint_val(ss->nr_accesses,
							DS_RANGE_MAX),
		.min_age = damon_sysfs_uint_val(ss->age, DS_RANGE_MIN),
		.max_age = damon_sysfs_uint_val(ss->age, DS_RANGE_MAX),
	};
	s->target_nid = (long)READ_ONCE(ss->vals[DS_SCHEME_TARGET_NID]);
	s->apply_interval_us = READ_ONCE(ss->vals[DS_SCHEME_APPLY_INTERVAL]);
	err = damon_sysfs_set_dests(s, ss->dests);
	if (err)
		goto destroy;

	s->quota.ms = READ_ONCE(ss->quotas->vals[DS_QUOTA_MS]);
	s->quota.sz = READ_ONCE(ss->quotas->vals[DS_QUOTA_BYTES]);
	s->quota.reset_interval =
		READ_ONCE(ss->quotas->vals[DS_QUOTA_RESET_INTERVAL]);
	s->quota.weight_sz = READ_ONCE(ss->weights->vals[DS_WEIGHT_SZ]);
	s->quota.weight_nr_accesses =
		READ_ONCE(ss->weights->vals[DS_WEIGHT_NR_ACCESSES]);
	s->quota.weight_age = READ_ONCE(ss->weights->vals[DS_WEIGHT_AGE]);
	err = damon_sysfs_add_goals(&s->quota, ss->goals);
	if (err)
		goto destroy;

	s->wmarks.metric = READ_ONCE(ss->wmarks->vals[DS_WMARK_METRIC]);
	s->wmarks.interval = READ_ONCE(ss->wmarks->vals[DS_WMARK_INTERVAL]);
	s->wmarks.high = READ_ONCE(ss->wmarks->vals[DS_WMARK_HIGH]);
	s->wmarks.mid = READ_ONCE(ss->wmarks->vals[DS_WMARK_MID]);
	s->wmarks.low = READ_ONCE(ss->wmarks->vals[DS_WMARK_LOW]);

	/* core_filters/ and ops_filters/ go before filters/, as upstream. */
	err = damon_sysfs_add_filters(s, ss->core_filters);
	if (!err)
		err = damon_sysfs_add_filters(s, ss->ops_filters);
	if (!err)
		err = damon_sysfs_add_filters(s, ss->filters);
	if (err)
		goto destroy;
	return s;

destroy:
	damon_destroy_scheme(s);
	return ERR_PTR(err);
}

/**
 * damon_sysfs_add_schemes() - Add the schemes of schemes/ to a context.
 * @ctx:	A context being built, not running.
 * @schemes:	The schemes/ directory.
 *
 * Values are translated as they are, but for quota goals without a target
 * value, which are left out; damon_start() and damon_commit_ctx() check
 * what the translation does not (address filter ranges).
 *
 * Context: Process context, holding damon_sysfs_lock.
 * Return: 0 on success; -ENOENT for a memcg filter whose memcg_path names no memory cgroup;
 * -ENOMEM on allocation failure.  On failure @ctx may hold some of the
 * schemes; the caller destroys it.
 */
int damon_sysfs_add_schemes(struct damon_ctx *ctx,
			    struct damon_sysfs_list *schemes)
{
	int i;

	lockdep_assert_held(&damon_sysfs_lock);
	for (i = 0; i < schemes->nr; i++) {
		struct damos *s =
			damon_sysfs_build_scheme(damon_sysfs_scheme_at(schemes, i));

		if (IS_ERR(s))
			return PTR_ERR(s);
		damon_add_scheme(ctx, s);
	}
	return 0;
}

/* ---- talking to the running kdamond -------------------------------------- */

/* What damon_sysfs_snapshot_fn() copies of one running scheme. */
struct damon_sysfs_snapshot {
	struct damos_stat stat;
	unsigned long esz;
};

/* The schemes' results, for the first @nr schemes; @nr becomes the count. */
struct damon_sysfs_snapshots {
	struct damon_sysfs_snapshot *snaps;
	int nr;
};

static int damon_sysfs_snapshot_fn(struct damon_ctx *ctx, void *data)
{
	struct damon_sysfs_snapshots *ss = data;
	struct damos *s;
	int i = 0;

	damon_for_each_scheme(s, ctx) {
		if (i == ss->nr)
			break;
		ss->snaps[i].stat = s->stat;
		ss->snaps[i].esz = s->quota.esz;
		i++;
	}
	ss->nr = i;
	return 0;
}

/* Write @st and @esz to the files of @sc. */
static void damon_sysfs_scheme_set_results(struct damon_sysfs_scheme *sc,
					   const struct damos_stat *st,
					   unsigned long esz, bool stats,
					   bool quotas)
{
	unsigned long *vals = sc->stats->vals;

	if (quotas)
		WRITE_ONCE(sc->quotas->vals[DS_QUOTA_EFFECTIVE_BYTES], esz);
	if (!stats)
		return;
	WRITE_ONCE(vals[DS_STAT_NR_TRIED], st->nr_tried);
	WRITE_ONCE(vals[DS_STAT_SZ_TRIED], st->sz_tried);
	WRITE_ONCE(vals[DS_STAT_NR_APPLIED], st->nr_applied);
	WRITE_ONCE(vals[DS_STAT_SZ_APPLIED], st->sz_applied);
	WRITE_ONCE(vals[DS_STAT_SZ_OPS_FILTER_PASSED], st->sz_ops_filter_passed);
	WRITE_ONCE(vals[DS_STAT_QT_EXCEEDS], st->qt_exceeds);
}

/**
 * damon_sysfs_schemes_refresh() - Copy the running schemes' stats and
 * effective quotas into the tree, from the kdamond.
 * @ctx:	The running context, whose kdamond calls this.
 * @schemes:	The schemes/ directory of its context directory.
 *
 * Schemes and directories are matched by index, up to the smaller count.
 *
 * Context: The kdamond of @ctx (a repeated damon_call()), holding
 * damon_sysfs_lock.
 */
void damon_sysfs_schemes_refresh(struct damon_ctx *ctx,
				 struct damon_sysfs_list *schemes)
{
	struct damos *s;
	int i = 0;

	lockdep_assert_held(&damon_sysfs_lock);
	damon_for_each_scheme(s, ctx) {
		if (i == schemes->nr)
			break;
		damon_sysfs_scheme_set_results(damon_sysfs_scheme_at(schemes, i),
					       &s->stat, s->quota.esz, true,
					       true);
		i++;
	}
}

/* Copy the stats and/or the effective quotas of the running schemes. */
static int damon_sysfs_update_results(struct damon_ctx *ctx,
				      struct damon_sysfs_list *schemes,
				      bool stats, bool quotas)
{
	struct damon_sysfs_snapshots ss = { .nr = schemes->nr };
	struct damon_call_control call = {
		.fn = damon_sysfs_snapshot_fn,
		.data = &ss,
	};
	int i, err;

	if (!ss.nr)
		return 0;
	ss.snaps = kcalloc(ss.nr, sizeof(*ss.snaps), GFP_KERNEL);
	if (!ss.snaps)
		return -ENOMEM;
	err = damon_call(ctx, &call);
	if (err)
		goto free_snaps;
	/* Directories without a running scheme keep their values. */
	for (i = 0; i < ss.nr; i++)
		damon_sysfs_scheme_set_results(damon_sysfs_scheme_at(schemes, i),
					       &ss.snaps[i].stat,
					       ss.snaps[i].esz, stats, quotas);
free_snaps:
	kfree(ss.snaps);
	return err;
}

/* Quota goals read from the tree, one &struct damos_quota per scheme. */
struct damon_sysfs_goals {
	struct damos_quota *quotas;
	int nr;
};

static int damon_sysfs_commit_goals_fn(struct damon_ctx *ctx, void *data)
{
	struct damon_sysfs_goals *goals = data;
	struct damos *s;
	int i = 0, err;

	damon_for_each_scheme(s, ctx) {
		if (i == goals->nr)
			break;
		err = damos_commit_quota_goals(&s->quota, &goals->quotas[i]);
		if (err)
			return err;
		i++;
	}
	return 0;
}

/*
 * Give the running schemes the quota goals of the tree, current values
 * included.  Every goal is checked first; only an allocation failure in
 * the kdamond can leave the first schemes updated and the others not.
 */
static int damon_sysfs_commit_goals(struct damon_ctx *ctx,
				    struct damon_sysfs_list *schemes)
{
	struct damon_sysfs_goals goals = { .nr = schemes->nr };
	struct damon_call_control call = {
		.fn = damon_sysfs_commit_goals_fn,
		.data = &goals,
	};
	struct damos_quota_goal *g, *next;
	int i, err = 0;

	if (!goals.nr)
		return 0;
	goals.quotas = kcalloc(goals.nr, sizeof(*goals.quotas), GFP_KERNEL);
	if (!goals.quotas)
		return -ENOMEM;
	for (i = 0; i < goals.nr; i++)
		INIT_LIST_HEAD(&goals.quotas[i].goals);
	for (i = 0; i < goals.nr && !err; i++)
		err = damon_sysfs_add_goals(&goals.quotas[i],
					    damon_sysfs_scheme_at(schemes, i)->goals);
	if (!err) {
		err = damon_call(ctx, &call);
		if (!err)
			err = call.ret;
	}
	for (i = 0; i < goals.nr; i++)
		damos_for_each_quota_goal_safe(g, next, &goals.quotas[i])
			damos_destroy_quota_goal(g);
	kfree(goals.quotas);
	return err;
}

/* One tried region, as damon_sysfs_walk_fn() saw it. */
struct damon_sysfs_tried_rec {
	struct list_head list;
	unsigned long start, end;
	unsigned int nr_accesses, age;
	unsigned long sz_filter_passed;
};

/* What damon_sysfs_walk_fn() collects for one scheme. */
struct damon_sysfs_walk_scheme {
	struct list_head recs;
	int nr_recs;
	unsigned long bytes;
};

/**
 * struct damon_sysfs_walk - What a walk collects, for the first @nr schemes.
 * @schemes:	Per scheme, by index.
 * @nr:		Number of @schemes.
 * @regions:	Record the regions, not only their total size.
 * @nomem:	A record could not be allocated.
 */
struct damon_sysfs_walk {
	struct damon_sysfs_walk_scheme *schemes;
	int nr;
	bool regions;
	bool nomem;
};

/* Runs in the kdamond: record, never touch the tree. */
static void damon_sysfs_walk_fn(void *data, struct damon_ctx *ctx,
				struct damon_target *t, struct damon_region *r,
				struct damos *s, unsigned long sz_filter_passed)
{
	struct damon_sysfs_walk *walk = data;
	struct damon_sysfs_walk_scheme *ws;
	struct damon_sysfs_tried_rec *rec;
	struct damos *pos;
	int i = 0;

	damon_for_each_scheme(pos, ctx) {
		if (pos == s)
			break;
		i++;
	}
	if (i >= walk->nr)
		return;
	ws = &walk->schemes[i];
	ws->bytes += damon_sz_region(r);
	if (!walk->regions || walk->nomem)
		return;
	if (ws->nr_recs == INT_MAX) {
		walk->nomem = true;
		return;
	}
	rec = kmalloc(sizeof(*rec), GFP_KERNEL | __GFP_NOWARN);
	if (!rec) {
		walk->nomem = true;
		return;
	}
	rec->start = r->ar.start;
	rec->end = r->ar.end;
	rec->nr_accesses = r->nr_accesses_bp / DAMON_BP_PER_ACCESS;
	rec->age = r->age;
	rec->sz_filter_passed = sz_filter_passed;
	list_add_tail(&rec->list, &ws->recs);
	ws->nr_recs++;
}

/* Replace tried_regions/<R>/ of @tried by the records of @ws. */
static int damon_sysfs_tried_fill(struct damon_sysfs_tried *tried,
				  struct damon_sysfs_walk_scheme *ws)
{
	struct damon_sysfs_tried_rec *rec;
	int i = 0, err;

	err = damon_sysfs_list_set_locked(&tried->list, ws->nr_recs);
	list_for_each_entry(rec, &ws->recs, list) {
		struct damon_sysfs_ulongs *d;

		if (i == tried->list.nr)
			break;
		d = container_of(damon_sysfs_list_child(&tried->list, i),
				 struct damon_sysfs_ulongs, kobj);
		WRITE_ONCE(d->vals[DS_TRIED_START], rec->start);
		WRITE_ONCE(d->vals[DS_TRIED_END], rec->end);
		WRITE_ONCE(d->vals[DS_TRIED_NR_ACCESSES], rec->nr_accesses);
		WRITE_ONCE(d->vals[DS_TRIED_AGE], rec->age);
		WRITE_ONCE(d->vals[DS_TRIED_SZ_FILTER_PASSED],
			   rec->sz_filter_passed);
		i++;
	}
	return err;
}

/*
 * Collect what the running schemes try during their next application, and
 * put it in tried_regions/ (@regions) or only in total_bytes, removing the
 * region directories of an earlier update then, as 6.12 does, so that no
 * reader mixes two snapshots.  Directories
 * without a running scheme get an empty result: nothing was tried for
 * them.  Region directories are numbered from 0 for each scheme (upstream
 * goes on counting across the schemes of one update).
 */
static int damon_sysfs_update_tried(struct damon_ctx *ctx,
				    struct damon_sysfs_list *schemes,
				    bool regions)
{
	struct damon_sysfs_walk walk = {
		.nr = schemes->nr,
		.regions = regions,
	};
	struct damos_walk_control control = {
		.walk_fn = damon_sysfs_walk_fn,
		.data = &walk,
	};
	struct damon_sysfs_tried_rec *rec, *next;
	int i, err, fill_err;

	if (!walk.nr)
		return 0;
	walk.schemes = kcalloc(walk.nr, sizeof(*walk.schemes), GFP_KERNEL);
	if (!walk.schemes)
		return -ENOMEM;
	for (i = 0; i < walk.nr; i++)
		INIT_LIST_HEAD(&walk.schemes[i].recs);
	err = damos_walk(ctx, &control);
	if (!err && control.canceled)
		err = -ECANCELED;
	if (!err && walk.nomem)
		err = -ENOMEM;
	if (err)
		goto free_recs;
	for (i = 0; i < walk.nr; i++) {
		struct damon_sysfs_tried *tried =
			damon_sysfs_scheme_at(schemes, i)->tried;

		WRITE_ONCE(tried->total_bytes, walk.schemes[i].bytes);
		if (regions)
			fill_err = damon_sysfs_tried_fill(tried,
							  &walk.schemes[i]);
		else
			fill_err = damon_sysfs_list_set_locked(&tried->list, 0);
		if (fill_err)
			err = fill_err;
	}
free_recs:
	for (i = 0; i < walk.nr; i++) {
		list_for_each_entry_safe(rec, next, &walk.schemes[i].recs, list)
			kfree(rec);
	}
	kfree(walk.schemes);
	return err;
}

static void damon_sysfs_clear_tried(struct damon_sysfs_list *schemes)
{
	int i;

	for (i = 0; i < schemes->nr; i++) {
		struct damon_sysfs_tried *tried =
			damon_sysfs_scheme_at(schemes, i)->tried;

		damon_sysfs_list_set_locked(&tried->list, 0);
		WRITE_ONCE(tried->total_bytes, 0);
	}
}

/**
 * damon_sysfs_schemes_cmd() - Carry out a scheme state keyword.
 * @ctx:	The running context started from the kdamond directory.
 * @schemes:	The schemes/ directory of its context directory.
 * @cmd:	What to do.
 *
 * Schemes and directories are matched by index, up to the smaller count.
 * Results of schemes the directories lack are dropped; stats and effective
 * quotas of directories without a running scheme stay as they were.
 *
 * Context: Process context, holding damon_sysfs_lock.  Sleeps until the
 * kdamond answered; for the tried regions, until every scheme was applied
 * once (up to its apply interval, or longer while watermarks hold it).
 * Return: 0 on success; -EINVAL if the kdamond is not running or, for
 * goals, if one has no target value; -ECANCELED if it stopped meanwhile;
 * -EBUSY if another damos_walk() is pending; -ENOMEM on allocation failure.
 */
int damon_sysfs_schemes_cmd(struct damon_ctx *ctx,
			    struct damon_sysfs_list *schemes,
			    enum damon_sysfs_schemes_cmd cmd)
{
	lockdep_assert_held(&damon_sysfs_lock);
	switch (cmd) {
	case DAMON_SYSFS_SCHEMES_COMMIT_GOALS:
		return damon_sysfs_commit_goals(ctx, schemes);
	case DAMON_SYSFS_SCHEMES_UPDATE_STATS:
		return damon_sysfs_update_results(ctx, schemes, true, false);
	case DAMON_SYSFS_SCHEMES_UPDATE_EFFECTIVE_QUOTAS:
		return damon_sysfs_update_results(ctx, schemes, false, true);
	case DAMON_SYSFS_SCHEMES_UPDATE_TRIED_BYTES:
		return damon_sysfs_update_tried(ctx, schemes, false);
	case DAMON_SYSFS_SCHEMES_UPDATE_TRIED_REGIONS:
		return damon_sysfs_update_tried(ctx, schemes, true);
	case DAMON_SYSFS_SCHEMES_CLEAR_TRIED_REGIONS:
		damon_sysfs_clear_tried(schemes);
		return 0;
	}
	return -EINVAL;
}
