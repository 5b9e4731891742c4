/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two halves of the DAMON sysfs interface share: sysfs.c (kdamonds,
 * contexts, targets, and the helpers below) and sysfs-schemes.c (DAMOS).
 */

#ifndef _DAMON_SYSFS_COMMON_H
#define _DAMON_SYSFS_COMMON_H

#include <linux/damon.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>

/*
 * Serialises changes of the tree's shape and the kdamonds' state; see the
 * locking rules at the top of sysfs.c.
 */
extern struct mutex damon_sysfs_lock;

/* ---- numbered child directories ------------------------------------------ */

/**
 * struct damon_sysfs_list - A directory of numbered children, "0".."N-1",
 * and the "nr_<things>" file that sets N.
 * @kobj:	The directory.
 * @children:	The children's directories.
 * @nr:		Number of children.
 * @max_nr:	The largest N accepted: INT_MAX but for contexts (1).
 * @new_child:	Create child number @idx under @parent; returns its kobject
 *		or an ERR_PTR.
 * @rm_child:	Remove the directories below a child, before the child goes.
 *		NULL if the children have no directories of their own.
 *
 * Every write of N replaces all the children by N fresh ones, as in Linux
 * 6.12.  Protected by damon_sysfs_lock.
 */
struct damon_sysfs_list {
	struct kobject kobj;
	struct kobject **children;
	int nr;
	int max_nr;
	struct kobject *(*new_child)(struct kobject *parent, int idx);
	void (*rm_child)(struct kobject *child);
};

ssize_t damon_sysfs_nr_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf);
ssize_t damon_sysfs_nr_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count);
void damon_sysfs_list_release(struct kobject *kobj);

/*
 * The kobject type of a list whose children are called @name: its count
 * file is "nr_@name".
 */
#define DAMON_SYSFS_LIST_KTYPE(name)					\
static struct kobj_attribute damon_sysfs_nr_##name##_attr =		\
	__ATTR(nr_##name, 0600, damon_sysfs_nr_show, damon_sysfs_nr_store); \
static struct attribute *damon_sysfs_##name##_list_attrs[] = {		\
	&damon_sysfs_nr_##name##_attr.attr,				\
	NULL,								\
};									\
ATTRIBUTE_GROUPS(damon_sysfs_##name##_list);				\
static const struct kobj_type damon_sysfs_##name##_list_ktype = {	\
	.release = damon_sysfs_list_release,				\
	.sysfs_ops = &kobj_sysfs_ops,					\
	.default_groups = damon_sysfs_##name##_list_groups,		\
}

struct damon_sysfs_list *
damon_sysfs_list_add(struct kobject *parent, const char *name,
		     const struct kobj_type *ktype, int max_nr,
		     struct kobject *(*new_child)(struct kobject *, int),
		     void (*rm_child)(struct kobject *));
int damon_sysfs_list_init(struct damon_sysfs_list *list,
			  struct kobject *parent, const char *name,
			  const struct kobj_type *ktype, int max_nr,
			  struct kobject *(*new_child)(struct kobject *, int),
			  void (*rm_child)(struct kobject *));
int damon_sysfs_list_set_locked(struct damon_sysfs_list *list, int nr);
void damon_sysfs_list_rm(struct damon_sysfs_list *list);
struct kobject *damon_sysfs_list_child(struct damon_sysfs_list *list, int idx);

/* ---- plain directories and value files ----------------------------------- */

struct kobject *damon_sysfs_dir_add(struct kobject *parent, const char *name);
void damon_sysfs_kobj_rm(struct kobject *kobj);

/**
 * struct damon_sysfs_ulongs - A directory of value files.
 * @kobj:	The directory.
 * @vals:	The values, one per file; each file's attribute
 *		(&struct damon_sysfs_val_attr) knows its index.
 *
 * Directories that only hold values come from damon_sysfs_ulongs_add(),
 * which allocates @vals with them.  Directories with more state embed this
 * first and point @vals at an array of their own.  Every value is read and
 * written with READ_ONCE() and WRITE_ONCE(), without locks.
 */
struct damon_sysfs_ulongs {
	struct kobject kobj;
	unsigned long *vals;
};

/**
 * enum damon_sysfs_val_kind - How a value file reads and parses its value.
 * @DAMON_SYSFS_ULONG:		"%lu"; kstrtoul(), whose error a bad write
 *				returns.
 * @DAMON_SYSFS_ULONG_EINVAL:	Like %DAMON_SYSFS_ULONG, but a bad write
 *				returns -EINVAL whatever the reason.
 * @DAMON_SYSFS_UINT:		"%u"; kstrtouint().
 * @DAMON_SYSFS_INT:		"%d"; kstrtoint().
 * @DAMON_SYSFS_BOOL:		"Y" or "N"; kstrtobool().
 * @DAMON_SYSFS_WORD:		A keyword from a table, stored as its index;
 *				anything else is -EINVAL.
 */
enum damon_sysfs_val_kind {
	DAMON_SYSFS_ULONG,
	DAMON_SYSFS_ULONG_EINVAL,
	DAMON_SYSFS_UINT,
	DAMON_SYSFS_INT,
	DAMON_SYSFS_BOOL,
	DAMON_SYSFS_WORD,
};

/**
 * struct damon_sysfs_val_attr - A value file of a &struct damon_sysfs_ulongs.
 * @attr:	The attribute; its callbacks are damon_sysfs_val_show() and
 *		damon_sysfs_val_store() (none for read-only files).
 * @kind:	How the value reads and parses.
 * @idx:	Index of the value in &damon_sysfs_ulongs.vals.
 * @words:	For %DAMON_SYSFS_WORD, the keywords by value.
 * @nr_words:	Number of @words.
 * @max:	If not zero, the largest value a write may set; a larger one
 *		is -EINVAL.
 */
struct damon_sysfs_val_attr {
	struct kobj_attribute attr;
	enum damon_sysfs_val_kind kind;
	unsigned int idx;
	const char * const *words;
	unsigned int nr_words;
	unsigned long max;
};

ssize_t damon_sysfs_val_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf);
ssize_t damon_sysfs_val_store(struct kobject *kobj, struct kobj_attribute *attr,
			      const char *buf, size_t count);

/* A 0600 value file "@file" of kind @kind, at index @i, as @var. */
#define DAMON_SYSFS_VAL_ATTR(var, file, kind_, i)			\
static struct damon_sysfs_val_attr var = {				\
	.attr = __ATTR(file, 0600, damon_sysfs_val_show,		\
		       damon_sysfs_val_store),				\
	.kind = kind_,							\
	.idx = i,							\
}

/* Like DAMON_SYSFS_VAL_ATTR(), refusing values above @max_. */
#define DAMON_SYSFS_MAX_ATTR(var, file, kind_, i, max_)			\
static struct damon_sysfs_val_attr var = {				\
	.attr = __ATTR(file, 0600, damon_sysfs_val_show,		\
		       damon_sysfs_val_store),				\
	.kind = kind_,							\
	.idx = i,							\
	.max = max_,							\
}

/* A 0400 unsigned long file "@file" at index @i, as @var. */
#define DAMON_SYSFS_RO_ATTR(var, file, i)				\
static struct damon_sysfs_val_attr var = {				\
	.attr = __ATTR(file, 0400, damon_sysfs_val_show, NULL),	\
	.kind = DAMON_SYSFS_ULONG,					\
	.idx = i,							\
}

/* A 0600 keyword file "@file" at index @i taking the @nr words of @table. */
#define DAMON_SYSFS_WORD_ATTR(var, file, i, table, nr)			\
static struct damon_sysfs_val_attr var = {				\
	.attr = __ATTR(file, 0600, damon_sysfs_val_show,		\
		       damon_sysfs_val_store),				\
	.kind = DAMON_SYSFS_WORD,					\
	.idx = i,							\
	.words = table,							\
	.nr_words = nr,							\
}

void damon_sysfs_ulongs_release(struct kobject *kobj);

/*
 * The kobject type of a directory of values made by damon_sysfs_ulongs_add(),
 * with the attributes listed in damon_sysfs_@name_attrs[].
 */
#define DAMON_SYSFS_ULONGS_KTYPE(name)					\
ATTRIBUTE_GROUPS(damon_sysfs_##name);					\
static const struct kobj_type damon_sysfs_##name##_ktype = {		\
	.release = damon_sysfs_ulongs_release,				\
	.sysfs_ops = &kobj_sysfs_ops,					\
	.default_groups = damon_sysfs_##name##_groups,			\
}

struct damon_sysfs_ulongs *
damon_sysfs_ulongs_add(struct kobject *parent, const char *name,
		       const struct kobj_type *ktype,
		       const unsigned long *defaults, unsigned int nr);

/* ---- schemes (sysfs-schemes.c) ------------------------------------------- */

/*
 * Indexes of the values of the scheme directories (DS_: DAMON sysfs), in
 * &damon_sysfs_ulongs.vals.
 */
enum { DS_SCHEME_ACTION, DS_SCHEME_TARGET_NID, DS_SCHEME_APPLY_INTERVAL,
	NR_DS_SCHEME_VALS };
enum { DS_RANGE_MIN, DS_RANGE_MAX, NR_DS_RANGE_VALS };
enum { DS_QUOTA_MS, DS_QUOTA_BYTES, DS_QUOTA_RESET_INTERVAL,
	DS_QUOTA_EFFECTIVE_BYTES, NR_DS_QUOTA_VALS };
enum { DS_WEIGHT_SZ, DS_WEIGHT_NR_ACCESSES, DS_WEIGHT_AGE, NR_DS_WEIGHTS };
enum { DS_GOAL_METRIC, DS_GOAL_TARGET, DS_GOAL_CURRENT, DS_GOAL_NID,
	NR_DS_GOAL_VALS };
enum { DS_DEST_ID, DS_DEST_WEIGHT, NR_DS_DEST_VALS };
enum { DS_WMARK_METRIC, DS_WMARK_INTERVAL, DS_WMARK_HIGH, DS_WMARK_MID,
	DS_WMARK_LOW, NR_DS_WMARK_VALS };
enum { DS_FILTER_TYPE, DS_FILTER_MATCHING, DS_FILTER_ALLOW,
	DS_FILTER_ADDR_START, DS_FILTER_ADDR_END, DS_FILTER_TARGET_IDX,
	DS_FILTER_SZ_MIN, DS_FILTER_SZ_MAX, NR_DS_FILTER_VALS };
enum { DS_STAT_NR_TRIED, DS_STAT_SZ_TRIED, DS_STAT_NR_APPLIED,
	DS_STAT_SZ_APPLIED, DS_STAT_SZ_OPS_FILTER_PASSED, DS_STAT_QT_EXCEEDS,
	NR_DS_STATS };
enum { DS_TRIED_START, DS_TRIED_END, DS_TRIED_NR_ACCESSES, DS_TRIED_AGE,
	DS_TRIED_SZ_FILTER_PASSED, NR_DS_TRIED_VALS };

/**
 * struct damon_sysfs_tried - tried_regions/: the regions a scheme was last
 * seen trying, one numbered directory each, and their total size.
 * @list:	The directory and its region directories.
 * @total_bytes: total_bytes.
 *
 * Only state writes (under damon_sysfs_lock) fill it.
 */
struct damon_sysfs_tried {
	struct damon_sysfs_list list;
	unsigned long total_bytes;
};

/**
 * enum damon_sysfs_filter_layer - The filter types a filters directory takes.
 * @DAMON_SYSFS_FILTERS_ANY:	filters/: every type.
 * @DAMON_SYSFS_FILTERS_CORE:	core_filters/: the core layer's (addr,
 *				target).
 * @DAMON_SYSFS_FILTERS_OPS:	ops_filters/: the ops layer's
 *				(&DAMOS_OPS_FILTER_TYPES).
 */
enum damon_sysfs_filter_layer {
	DAMON_SYSFS_FILTERS_ANY,
	DAMON_SYSFS_FILTERS_CORE,
	DAMON_SYSFS_FILTERS_OPS,
};

/**
 * struct damon_sysfs_filter - {core_,ops_,}filters/<F>/.
 * @dir:	The directory, with @vals as its values.
 * @vals:	type, matching, allow, addr_start, addr_end, damon_target_idx,
 *		min, max.
 * @memcg_path:	memcg_path, never NULL.  Protected by
 *		damon_sysfs_memcg_path_lock (sysfs-schemes.c).
 * @layer:	The types its directory takes; set at creation.
 */
struct damon_sysfs_filter {
	struct damon_sysfs_ulongs dir;
	unsigned long vals[NR_DS_FILTER_VALS];
	char *memcg_path;
	enum damon_sysfs_filter_layer layer;
};

/**
 * struct damon_sysfs_goal - quotas/goals/<G>/.
 * @dir:	The directory, with @vals as its values.
 * @vals:	target_metric, target_value, current_value, nid.
 * @path:	path, never NULL.  Protected by damon_sysfs_memcg_path_lock
 *		(sysfs-schemes.c).
 */
struct damon_sysfs_goal {
	struct damon_sysfs_ulongs dir;
	unsigned long vals[NR_DS_GOAL_VALS];
	char *path;
};

/**
 * struct damon_sysfs_scheme - schemes/<S>/.
 * @dir:	The directory, with @vals as its values.
 * @vals:	action, target_nid, apply_interval_us.
 * @pattern:	access_pattern/.
 * @sz:		access_pattern/sz/.
 * @nr_accesses: access_pattern/nr_accesses/.
 * @age:	access_pattern/age/.
 * @quotas:	quotas/.
 * @weights:	quotas/weights/.
 * @goals:	quotas/goals/.
 * @wmarks:	watermarks/.
 * @dests:	dests/.
 * @core_filters: core_filters/.
 * @ops_filters: ops_filters/.
 * @filters:	filters/.
 * @stats:	stats/.
 * @tried:	tried_regions/.
 */
struct damon_sysfs_scheme {
	struct damon_sysfs_ulongs dir;
	unsigned long vals[NR_DS_SCHEME_VALS];
	struct kobject *pattern;
	struct damon_sysfs_ulongs *sz;
	struct damon_sysfs_ulongs *nr_accesses;
	struct damon_sysfs_ulongs *age;
	struct damon_sysfs_ulongs *quotas;
	struct damon_sysfs_ulongs *weights;
	struct damon_sysfs_list *goals;
	struct damon_sysfs_ulongs *wmarks;
	struct damon_sysfs_list *dests;
	struct damon_sysfs_list *core_filters;
	struct damon_sysfs_list *ops_filters;
	struct damon_sysfs_list *filters;
	struct damon_sysfs_ulongs *stats;
	struct damon_sysfs_tried *tried;
};

extern const char * const damon_sysfs_action_names[NR_DAMOS_ACTIONS];

struct kobject *damon_sysfs_scheme_new(struct kobject *parent, int idx);
void damon_sysfs_scheme_rm_children(struct kobject *kobj);
int damon_sysfs_add_schemes(struct damon_ctx *ctx,
			    struct damon_sysfs_list *schemes);

/**
 * enum damon_sysfs_schemes_cmd - State commands about schemes.
 * @DAMON_SYSFS_SCHEMES_COMMIT_GOALS:	Commit the quota goals.
 * @DAMON_SYSFS_SCHEMES_UPDATE_STATS:	Refresh stats/.
 * @DAMON_SYSFS_SCHEMES_UPDATE_TRIED_BYTES: Refresh tried_regions/total_bytes.
 * @DAMON_SYSFS_SCHEMES_UPDATE_TRIED_REGIONS: Refresh tried_regions/.
 * @DAMON_SYSFS_SCHEMES_CLEAR_TRIED_REGIONS: Empty tried_regions/.
 * @DAMON_SYSFS_SCHEMES_UPDATE_EFFECTIVE_QUOTAS: Refresh
 *					quotas/effective_bytes.
 */
enum damon_sysfs_schemes_cmd {
	DAMON_SYSFS_SCHEMES_COMMIT_GOALS,
	DAMON_SYSFS_SCHEMES_UPDATE_STATS,
	DAMON_SYSFS_SCHEMES_UPDATE_TRIED_BYTES,
	DAMON_SYSFS_SCHEMES_UPDATE_TRIED_REGIONS,
	DAMON_SYSFS_SCHEMES_CLEAR_TRIED_REGIONS,
	DAMON_SYSFS_SCHEMES_UPDATE_EFFECTIVE_QUOTAS,
};

int damon_sysfs_schemes_cmd(struct damon_ctx *ctx,
			    struct damon_sysfs_list *schemes,
			    enum damon_sysfs_schemes_cmd cmd);
void damon_sysfs_schemes_refresh(struct damon_ctx *ctx,
				 struct damon_sysfs_list *schemes);

#endif /* _DAMON_SYSFS_COMMON_H */
