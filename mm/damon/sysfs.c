// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: /sys/kernel/mm/damon/admin/.
 *
 * The tree only holds what the user wrote.  Writing "on" to a kdamond's
 * "state" builds a &struct damon_ctx from the values and starts it; "commit"
 * builds another and hands it to the running kdamond with damon_call().  A
 * running kdamond never looks at the tree, so directories can come and go
 * while it runs.  The other state keywords copy results of the running
 * kdamond (scheme stats, effective quotas, tried regions) into the tree, or
 * push the quota goals to it.
 *
 *   admin/kdamonds/nr_kdamonds
 *   admin/kdamonds/<K>/{state,pid,refresh_ms}
 *   admin/kdamonds/<K>/{nr_reports_received,nr_reports_dropped,
 *                       nr_reports_applied}
 *   admin/kdamonds/<K>/contexts/nr_contexts
 *   .../contexts/<C>/{avail_operations,operations}
 *   .../contexts/<C>/monitoring_attrs/intervals/{sample_us,aggr_us,update_us}
 *   .../intervals/intervals_goal/{access_bp,aggrs,min_sample_us,
 *                                 max_sample_us}
 *   .../contexts/<C>/monitoring_attrs/nr_regions/{min,max}
 *   .../monitoring_attrs/sample/primitives/{page_table,page_fault}
 *   .../contexts/<C>/targets/nr_targets
 *   .../targets/<T>/pid_target
 *   .../targets/<T>/regions/nr_regions
 *   .../regions/<R>/{start,end}
 *   .../contexts/<C>/schemes/nr_schemes              (sysfs-schemes.c)
 *   .../schemes/<S>/{action,target_nid,apply_interval_us}
 *   .../schemes/<S>/access_pattern/{sz,nr_accesses,age}/{min,max}
 *   .../schemes/<S>/quotas/{ms,bytes,reset_interval_ms,effective_bytes}
 *   .../quotas/weights/{sz_permil,nr_accesses_permil,age_permil}
 *   .../quotas/goals/nr_goals
 *   .../goals/<G>/{target_metric,target_value,current_value,nid}
 *   .../schemes/<S>/watermarks/{metric,interval_us,high,mid,low}
 *   .../schemes/<S>/dests/nr_dests
 *   .../dests/<D>/{id,weight}
 *   .../schemes/<S>/{core_filters,ops_filters,filters}/nr_filters
 *   .../filters/<F>/{type,matching,allow,memcg_path,addr_start,addr_end,
 *                    damon_target_idx,min,max}
 *   .../schemes/<S>/stats/{nr_tried,sz_tried,nr_applied,sz_applied,
 *                          sz_ops_filter_passed,qt_exceeds}
 *   .../schemes/<S>/tried_regions/total_bytes
 *   .../tried_regions/<R>/{start,end,nr_accesses,age,sz_filter_passed}
 *
 * Locking: damon_sysfs_lock serialises changes of the tree's shape (the
 * nr_* files, and the tried_regions/<R> directories that state writes
 * create) and the kdamonds' state.  Those writers only try the lock and
 * return -EBUSY, because removing a directory waits for the readers and
 * writers of its files, which must therefore never wait for the lock.  Files
 * holding a single value need no lock.  The refresh_ms refreshes run in
 * the kdamond (a repeated damon_call()) and only try the lock too, so that
 * a writer holding it can wait for the kdamond.
 */

#define pr_fmt(fmt) "damon-sysfs: " fmt

#include <linux/damon.h>
#include <linux/kobject.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/jiffies.h>
#include <linux/sysfs.h>

#include "sysfs-common.h"

/* Shape of the tree and state of the kdamonds: see "Locking" above. */
DEFINE_MUTEX(damon_sysfs_lock);

/* ---- numbered child directories ------------------------------------------ */

/**
 * damon_sysfs_list_release() - Free a &struct damon_sysfs_list.
 * @kobj:	Its kobject.
 *
 * The release callback of list kobject types.
 *
 * Context: Any context where kfree() is allowed.
 * Return: Nothing.
 */
void damon_sysfs_list_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct damon_sysfs_list, kobj));
}

/**
 * damon_sysfs_nr_show() - Read the "nr_<things>" file of a list.
 * @kobj:	The list's kobject.
 * @attr:	The file.
 * @buf:	Where the number goes.
 *
 * Context: A sysfs read.
 * Return: The length of the text.
 */
ssize_t damon_sysfs_nr_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct damon_sysfs_list *list =
		container_of(kobj, struct damon_sysfs_list, kobj);

	return sysfs_emit(buf, "%d\n", READ_ONCE(list->nr));
}

/* Extra rules of a list: may the children change now?  Returns an errno. */
static int damon_sysfs_list_may_resize(struct damon_sysfs_list *list);

/**
 * damon_sysfs_nr_store() - Write the "nr_<things>" file of a list.
 * @kobj:	The list's kobject.
 * @attr:	The file.
 * @buf:	The new number of children.
 * @count:	Length of @buf.
 *
 * As in Linux 6.12, every write replaces all the children with @buf fresh
 * ones holding default values, even when the number does not change:
 * writing the same number resets a directory.
 *
 * Context: A sysfs write; only tries damon_sysfs_lock.
 * Return: @count on success; -EINVAL for a negative number or one above
 * &damon_sysfs_list.max_nr, or the error of kstrtoint(); -EBUSY if the
 * lock is taken or the list may not change now; -ENOMEM if the children
 * could not all be made (see damon_sysfs_list_set_locked()).
 */
ssize_t damon_sysfs_nr_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	struct damon_sysfs_list *list =
		container_of(kobj, struct damon_sysfs_list, kobj);
	int nr, err;

	err = kstrtoint(buf, 0, &nr);
	if (err)
		return err;
	if (nr < 0 || nr > list->max_nr)
		return -EINVAL;
	if (!mutex_trylock(&damon_sysfs_lock))
		return -EBUSY;
	err = damon_sysfs_list_may_resize(list);
	if (!err)
		err = damon_sysfs_list_set_locked(list, nr);
	mutex_unlock(&damon_sysfs_lock);
	return err ? err : count;
}

DAMON_SYSFS_LIST_KTYPE(kdamonds);
DAMON_SYSFS_LIST_KTYPE(contexts);
DAMON_SYSFS_LIST_KTYPE(targets);
DAMON_SYSFS_LIST_KTYPE(regions);
DAMON_SYSFS_LIST_KTYPE(schemes);

/* Remove every child of @list, with the directories below them. */
static void damon_sysfs_list_clear(struct damon_sysfs_list *list)
{
	lockdep_assert_held(&damon_sysfs_lock);
	while (list->nr) {
		struct kobject *child = list->children[list->nr - 1];

		WRITE_ONCE(list->nr, list->nr - 1);
		if (list->rm_child)
			list->rm_child(child);
		kobject_del(child);
		kobject_put(child);
		cond_resched();
	}
	kfree(list->children);
	list->children = NULL;
}

/**
 * damon_sysfs_list_set_locked() - Replace the children of a list.
 * @list:	The list.
 * @nr:		How many fresh children it should have.
 *
 * The children there were go, with the directories below them, and @nr
 * new ones made by &damon_sysfs_list.new_child take their place.  There is
 * no limit but memory: the array of children is allocated first, without
 * a warning, and if that fails nothing changes.  (A kmalloc() array, as
 * in 6.12: a count too big for one is refused rather than allowed to eat
 * the memory of the whole machine in directories.)  A failure while making
 * the children leaves those made so far.  So does a fatal signal: each
 * child costs a few kernfs nodes, and a writer killed in the middle of a
 * count of millions stops at once rather than holding damon_sysfs_lock
 * until the last one is made.
 *
 * Context: Process context, holding damon_sysfs_lock.
 * Return: 0 on success; -ENOMEM if the array could not be allocated (the
 * list is unchanged) or not every child could be made, or -EINTR if a
 * fatal signal stopped the making (in both cases &damon_sysfs_list.nr
 * tells how many were made).
 */
int damon_sysfs_list_set_locked(struct damon_sysfs_list *list, int nr)
{
	struct kobject **children = NULL;

	lockdep_assert_held(&damon_sysfs_lock);
	if (nr) {
		children = kmalloc_array(nr, sizeof(*children),
					 GFP_KERNEL | __GFP_NOWARN);
		if (!children)
			return -ENOMEM;
	}
	damon_sysfs_list_clear(list);
	list->children = children;
	while (list->nr < nr) {
		struct kobject *child;

		if (fatal_signal_pending(current))
			return -EINTR;
		child = list->new_child(&list->kobj, list->nr);
		if (IS_ERR(child))
			return -ENOMEM;
		list->children[list->nr] = child;
		WRITE_ONCE(list->nr, list->nr + 1);
		cond_resched();
	}
	return 0;
}

/**
 * damon_sysfs_list_init() - Add an empty list directory embedded in a
 * bigger structure.
 * @list:	The list, zeroed.
 * @parent:	The directory to add it to.
 * @name:	Its name.
 * @ktype:	Its kobject type, whose release frees the bigger structure.
 * @max_nr:	The largest number of children its count file accepts:
 *		INT_MAX (only memory limits it) but for "contexts" (1).
 * @new_child:	See &damon_sysfs_list.new_child.
 * @rm_child:	See &damon_sysfs_list.rm_child.
 *
 * Context: Process context.
 * Return: 0 on success; an errno after which the kobject of @list was put.
 */
int damon_sysfs_list_init(struct damon_sysfs_list *list,
			  struct kobject *parent, const char *name,
			  const struct kobj_type *ktype, int max_nr,
			  struct kobject *(*new_child)(struct kobject *, int),
			  void (*rm_child)(struct kobject *))
{
	int err;

	list->max_nr = max_nr;
	list->new_child = new_child;
	list->rm_child = rm_child;
	err = kobject_init_and_add(&list->kobj, ktype, parent, "%s", name);
	if (err)
		kobject_put(&list->kobj);
	return err;
}

/**
 * damon_sysfs_list_add() - Add an empty list directory.
 * @parent:	The directory to add it to.
 * @name:	Its name.
 * @ktype:	Its kobject type, made with DAMON_SYSFS_LIST_KTYPE().
 * @max_nr:	The largest number of children its count file accepts:
 *		INT_MAX (only memory limits it) but for "contexts" (1).
 * @new_child:	See &damon_sysfs_list.new_child.
 * @rm_child:	See &damon_sysfs_list.rm_child.
 *
 * Context: Process context.
 * Return: The list, or an ERR_PTR.
 */
struct damon_sysfs_list *
damon_sysfs_list_add(struct kobject *parent, const char *name,
		     const struct kobj_type *ktype, int max_nr,
		     struct kobject *(*new_child)(struct kobject *, int),
		     void (*rm_child)(struct kobject *))
{
	struct damon_sysfs_list *list = kzalloc(sizeof(*list), GFP_KERNEL);
	int err;

	if (!list)
		return ERR_PTR(-ENOMEM);
	err = damon_sysfs_list_init(list, parent, name, ktype, max_nr,
				    new_child, rm_child);
	return err ? ERR_PTR(err) : list;
}

/**
 * damon_sysfs_list_rm() - Remove a list directory and all its children.
 * @list:	The list, or NULL.
 *
 * Context: Process context, holding damon_sysfs_lock.
 * Return: Nothing.
 */
void damon_sysfs_list_rm(struct damon_sysfs_list *list)
{
	if (!list)
		return;
	damon_sysfs_list_set_locked(list, 0);
	kobject_del(&list->kobj);
	kobject_put(&list->kobj);
}

/**
 * damon_sysfs_list_child() - A child of a list.
 * @list:	The list.
 * @idx:	The child's number.
 *
 * Context: Holding damon_sysfs_lock, or owning the list otherwise.
 * Return: The child's kobject, or NULL if there is no child @idx.
 */
struct kobject *damon_sysfs_list_child(struct damon_sysfs_list *list, int idx)
{
	return idx < list->nr ? list->children[idx] : NULL;
}

/* ---- plain directories and value files ----------------------------------- */

static void damon_sysfs_dir_release(struct kobject *kobj)
{
	kfree(kobj);
}

static const struct kobj_type damon_sysfs_dir_ktype = {
	.release = damon_sysfs_dir_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

/**
 * damon_sysfs_dir_add() - Add a directory with no files of its own, such as
 * "monitoring_attrs".
 * @parent:	The directory to add it to.
 * @name:	Its name.
 *
 * Context: Process context.
 * Return: Its kobject, or an ERR_PTR.
 */
struct kobject *damon_sysfs_dir_add(struct kobject *parent, const char *name)
{
	struct kobject *kobj = kzalloc(sizeof(*kobj), GFP_KERNEL);

	if (!kobj)
		return ERR_PTR(-ENOMEM);
	if (kobject_init_and_add(kobj, &damon_sysfs_dir_ktype, parent, "%s",
				 name)) {
		kobject_put(kobj);
		return ERR_PTR(-ENOMEM);
	}
	return kobj;
}

/**
 * damon_sysfs_kobj_rm() - Remove a directory and drop its reference.
 * @kobj:	Its kobject; NULL or an ERR_PTR is ignored.
 *
 * Context: Process context.
 * Return: Nothing.
 */
void damon_sysfs_kobj_rm(struct kobject *kobj)
{
	if (IS_ERR_OR_NULL(kobj))
		return;
	kobject_del(kobj);
	kobject_put(kobj);
}

/**
 * damon_sysfs_val_show() - Read a value file.
 * @kobj:	The kobject of its &struct damon_sysfs_ulongs.
 * @attr:	The &damon_sysfs_val_attr.attr of the file.
 * @buf:	Where the value goes.
 *
 * Context: A sysfs read.
 * Return: The length of the text.
 */
ssize_t damon_sysfs_val_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	struct damon_sysfs_ulongs *d =
		container_of(kobj, struct damon_sysfs_ulongs, kobj);
	const struct damon_sysfs_val_attr *va =
		container_of(attr, struct damon_sysfs_val_attr, attr);
	unsigned long v = READ_ONCE(d->vals[va->idx]);

	switch (va->kind) {
	case DAMON_SYSFS_UINT:
		return sysfs_emit(buf, "%u\n", (unsigned int)v);
	case DAMON_SYSFS_INT:
		return sysfs_emit(buf, "%d\n", (int)(long)v);
	case DAMON_SYSFS_BOOL:
		return sysfs_emit(buf, "%c\n", v ? 'Y' : 'N');
	case DAMON_SYSFS_WORD:
		return sysfs_emit(buf, "%s\n",
				  v < va->nr_words ? va->words[v] : "");
	default:
		return sysfs_emit(buf, "%lu\n", v);
	}
}

/**
 * damon_sysfs_val_store() - Write a value file.
 * @kobj:	The kobject of its &struct damon_sysfs_ulongs.
 * @attr:	The &damon_sysfs_val_attr.attr of the file.
 * @buf:	The new value, as text.
 * @count:	Length of @buf.
 *
 * A bad value changes nothing.
 *
 * Context: A sysfs write.
 * Return: @count on success; -EINVAL for an unknown keyword, a value that
 * does not parse or one above &damon_sysfs_val_attr.max; -ERANGE for a
 * number out of range of an unsigned long, unsigned int or int file.
 */
ssize_t damon_sysfs_val_store(struct kobject *kobj, struct kobj_attribute *attr,
			      const char *buf, size_t count)
{
	struct damon_sysfs_ulongs *d =
		container_of(kobj, struct damon_sysfs_ulongs, kobj);
	const struct damon_sysfs_val_attr *va =
		container_of(attr, struct damon_sysfs_val_attr, attr);
	unsigned long v;
	unsigned int u;
	bool b;
	int i, err;

	switch (va->kind) {
	case DAMON_SYSFS_UINT:
		err = kstrtouint(buf, 0, &u);
		v = u;
		break;
	case DAMON_SYSFS_INT:
		err = kstrtoint(buf, 0, &i);
		v = (long)i;
		break;
	case DAMON_SYSFS_BOOL:
		err = kstrtobool(buf, &b);
		v = b;
		break;
	case DAMON_SYSFS_WORD:
		i = __sysfs_match_string(va->words, va->nr_words, buf);
		err = i < 0 ? -EINVAL : 0;
		v = i;
		break;
	case DAMON_SYSFS_ULONG_EINVAL:
		err = kstrtoul(buf, 0, &v) ? -EINVAL : 0;
		break;
	default:
		err = kstrtoul(buf, 0, &v);
		break;
	}
	if (err)
		return err;
	if (va->max && v > va->max)
		return -EINVAL;
	WRITE_ONCE(d->vals[va->idx], v);
	return count;
}

/* A &struct damon_sysfs_ulongs and its values, in one allocation. */
struct damon_sysfs_ulongs_mem {
	struct damon_sysfs_ulongs d;
	unsigned long vals[];
};

/**
 * damon_sysfs_ulongs_release() - Free a directory of values made by
 * damon_sysfs_ulongs_add().
 * @kobj:	Its kobject.
 *
 * Context: Any context where kfree() is allowed.
 * Return: Nothing.
 */
void damon_sysfs_ulongs_release(struct kobject *kobj)
{
	struct damon_sysfs_ulongs *d =
		container_of(kobj, struct damon_sysfs_ulongs, kobj);

	kfree(container_of(d, struct damon_sysfs_ulongs_mem, d));
}

/**
 * damon_sysfs_ulongs_add() - Add a directory of value files.
 * @parent:	The directory to add it to.
 * @name:	Its name.
 * @ktype:	Its kobject type, made with DAMON_SYSFS_ULONGS_KTYPE().
 * @defaults:	The @nr initial values, or NULL for zeroes.
 * @nr:		Number of values.
 *
 * Context: Process context.
 * Return: The directory, or an ERR_PTR.
 */
struct damon_sysfs_ulongs *
damon_sysfs_ulongs_add(struct kobject *parent, const char *name,
		       const struct kobj_type *ktype,
		       const unsigned long *defaults, unsigned int nr)
{
	struct damon_sysfs_ulongs_mem *m;

	m = kzalloc(struct_size(m, vals, nr), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->d.vals = m->vals;
	if (defaults)
		memcpy(m->vals, defaults, nr * sizeof(*defaults));
	if (kobject_init_and_add(&m->d.kobj, ktype, parent, "%s", name)) {
		kobject_put(&m->d.kobj);
		return ERR_PTR(-ENOMEM);
	}
	return &m->d;
}

/* monitoring_attrs/intervals/ */
enum { INTERVAL_SAMPLE, INTERVAL_AGGR, INTERVAL_UPDATE, NR_INTERVALS };
DAMON_SYSFS_VAL_ATTR(damon_sysfs_sample_us_attr, sample_us, DAMON_SYSFS_ULONG,
		     INTERVAL_SAMPLE);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_aggr_us_attr, aggr_us, DAMON_SYSFS_ULONG,
		     INTERVAL_AGGR);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_update_us_attr, update_us, DAMON_SYSFS_ULONG,
		     INTERVAL_UPDATE);

static struct attribute *damon_sysfs_intervals_attrs[] = {
	&damon_sysfs_sample_us_attr.attr.attr,
	&damon_sysfs_aggr_us_attr.attr.attr,
	&damon_sysfs_update_us_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(intervals);

/* monitoring_attrs/intervals/intervals_goal/ */
enum {
	INTERVALS_GOAL_ACCESS_BP,
	INTERVALS_GOAL_AGGRS,
	INTERVALS_GOAL_MIN_SAMPLE,
	INTERVALS_GOAL_MAX_SAMPLE,
	NR_INTERVALS_GOAL,
};

/* A share above 100% could never be reached. */
DAMON_SYSFS_MAX_ATTR(damon_sysfs_goal_access_bp_attr, access_bp,
		     DAMON_SYSFS_ULONG, INTERVALS_GOAL_ACCESS_BP, 10000);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_goal_aggrs_attr, aggrs, DAMON_SYSFS_ULONG,
		     INTERVALS_GOAL_AGGRS);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_goal_min_sample_us_attr, min_sample_us,
		     DAMON_SYSFS_ULONG, INTERVALS_GOAL_MIN_SAMPLE);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_goal_max_sample_us_attr, max_sample_us,
		     DAMON_SYSFS_ULONG, INTERVALS_GOAL_MAX_SAMPLE);

static struct attribute *damon_sysfs_intervals_goal_attrs[] = {
	&damon_sysfs_goal_access_bp_attr.attr.attr,
	&damon_sysfs_goal_aggrs_attr.attr.attr,
	&damon_sysfs_goal_min_sample_us_attr.attr.attr,
	&damon_sysfs_goal_max_sample_us_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(intervals_goal);

/* monitoring_attrs/nr_regions/ */
enum { NR_REGIONS_MIN, NR_REGIONS_MAX, NR_NR_REGIONS };
DAMON_SYSFS_VAL_ATTR(damon_sysfs_nr_regions_min_attr, min, DAMON_SYSFS_ULONG,
		     NR_REGIONS_MIN);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_nr_regions_max_attr, max, DAMON_SYSFS_ULONG,
		     NR_REGIONS_MAX);

static struct attribute *damon_sysfs_nr_regions_attrs[] = {
	&damon_sysfs_nr_regions_min_attr.attr.attr,
	&damon_sysfs_nr_regions_max_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(nr_regions);

/* monitoring_attrs/sample/primitives/ */
enum { PRIMITIVE_PAGE_TABLE, PRIMITIVE_PAGE_FAULT, NR_PRIMITIVES };
DAMON_SYSFS_VAL_ATTR(damon_sysfs_page_table_attr, page_table,
		     DAMON_SYSFS_BOOL, PRIMITIVE_PAGE_TABLE);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_page_fault_attr, page_fault,
		     DAMON_SYSFS_BOOL, PRIMITIVE_PAGE_FAULT);

static struct attribute *damon_sysfs_primitives_attrs[] = {
	&damon_sysfs_page_table_attr.attr.attr,
	&damon_sysfs_page_fault_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(primitives);

/* regions/<R>/ */
enum { REGION_START, REGION_END, NR_REGION_VALS };
DAMON_SYSFS_VAL_ATTR(damon_sysfs_region_start_attr, start, DAMON_SYSFS_ULONG,
		     REGION_START);
DAMON_SYSFS_VAL_ATTR(damon_sysfs_region_end_attr, end, DAMON_SYSFS_ULONG,
		     REGION_END);

static struct attribute *damon_sysfs_region_attrs[] = {
	&damon_sysfs_region_start_attr.attr.attr,
	&damon_sysfs_region_end_attr.attr.attr,
	NULL,
};

DAMON_SYSFS_ULONGS_KTYPE(region);

static struct kobject *damon_sysfs_region_new(struct kobject *parent, int idx)
{
	char name[12];
	struct damon_sysfs_ulongs *d;

	snprintf(name, sizeof(name), "%d", idx);
	d = damon_sysfs_ulongs_add(parent, name, &damon_sysfs_region_ktype,
				   NULL, NR_REGION_VALS);
	return IS_ERR(d) ? ERR_CAST(d) : &d->kobj;
}

/* ---- targets ------------------------------------------------------------- */

/**
 * struct damon_sysfs_target - targets/<T>/.
 * @kobj:	The directory.
 * @pid:	pid_target.
 * @regions:	regions/.
 */
struct damon_sysfs_target {
	struct kobject kobj;
	int pid;
	struct damon_sysfs_list *regions;
};

static ssize_t pid_target_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct damon_sysfs_target *t =
		container_of(kobj, struct damon_sysfs_target, kobj);

	return sysfs_emit(buf, "%d\n", READ_ONCE(t->pid));
}

static ssize_t pid_target_store(struct kobject *kobj,
				struct kobj_attribute *attr, const char *buf,
				size_t count)
{
	struct damon_sysfs_target *t =
		container_of(kobj, struct damon_sysfs_target, kobj);
	int pid, err;

	err = kstrtoint(buf, 0, &pid);
	if (err)
		return -EINVAL;
	WRITE_ONCE(t->pid, pid);
	return count;
}

static struct kobj_attribute damon_sysfs_target_pid_attr =
	__ATTR(pid_target, 0600, pid_target_show, pid_target_store);

static struct attribute *damon_sysfs_target_attrs[] = {
	&damon_sysfs_target_pid_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(damon_sysfs_target);

static void damon_sysfs_target_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct damon_sysfs_target, kobj));
}

static const struct kobj_type damon_sysfs_target_ktype = {
	.release = damon_sysfs_target_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = damon_sysfs_target_groups,
};

/* A directory's own child directories go before it does. */
static void damon_sysfs_target_rm_children(struct kobject *kobj)
{
	struct damon_sysfs_target *t =
		container_of(kobj, struct damon_sysfs_target, kobj);

	damon_sysfs_list_rm(t->regions);
	t->regions = NULL;
}

static struct kobject *damon_sysfs_target_new(struct kobject *parent, int idx)
{
	struct damon_sysfs_target *t = kzalloc(sizeof(*t), GFP_KERNEL);
	struct damon_sysfs_list *regions;

	if (!t)
		return ERR_PTR(-ENOMEM);
	if (kobject_init_and_add(&t->kobj, &damon_sysfs_target_ktype, parent,
				 "%d", idx)) {
		kobject_put(&t->kobj);
		return ERR_PTR(-ENOMEM);
	}
	regions = damon_sysfs_list_add(&t->kobj, "regions",
				       &damon_sysfs_regions_list_ktype,
				       INT_MAX,
				       damon_sysfs_region_new, NULL);
	if (IS_ERR(regions)) {
		damon_sysfs_kobj_rm(&t->kobj);
		return ERR_CAST(regions);
	}
	t->regions = regions;
	return &t->kobj;
}

/* ---- contexts ------------------------------------------------------------ */

static const char * const damon_sysfs_ops_names[NR_DAMON_OPS] = {
	[DAMON_OPS_VADDR] = "vaddr",
	[DAMON_OPS_FVADDR] = "fvaddr",
	[DAMON_OPS_PADDR] = "paddr",
};

/**
 * struct damon_sysfs_context - contexts/<C>/.
 * @kobj:		The directory.
 * @ops_id:		operations.
 * @attrs_dir:		monitoring_attrs/.
 * @intervals:		monitoring_attrs/intervals/.
 * @intervals_goal:	monitoring_attrs/intervals/intervals_goal/.
 * @nr_regions:		monitoring_attrs/nr_regions/.
 * @sample_dir:		monitoring_attrs/sample/.
 * @primitives:		monitoring_attrs/sample/primitives/.
 * @targets:		targets/.
 * @schemes:		schemes/.
 */
struct damon_sysfs_context {
	struct kobject kobj;
	enum damon_ops_id ops_id;
	struct kobject *attrs_dir;
	struct damon_sysfs_ulongs *intervals;
	struct damon_sysfs_ulongs *intervals_goal;
	struct damon_sysfs_ulongs *nr_regions;
	struct kobject *sample_dir;
	struct damon_sysfs_ulongs *primitives;
	struct damon_sysfs_list *targets;
	struct damon_sysfs_list *schemes;
};

static ssize_t avail_operations_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	int id, len = 0;

	for (id = 0; id < NR_DAMON_OPS; id++) {
		if (damon_is_registered_ops(id))
			len += sysfs_emit_at(buf, len, "%s\n",
					     damon_sysfs_ops_names[id]);
	}
	return len;
}

static ssize_t operations_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct damon_sysfs_context *c =
		container_of(kobj, struct damon_sysfs_context, kobj);

	return sysfs_emit(buf, "%s\n",
			  damon_sysfs_ops_names[READ_ONCE(c->ops_id)]);
}

/*
 * Any known name is accepted, registered or not, as upstream does; starting
 * with an operations set the kernel lacks fails at "on" or "commit".
 */
static ssize_t operations_store(struct kobject *kobj,
				struct kobj_attribute *attr, const char *buf,
				size_t count)
{
	struct damon_sysfs_context *c =
		container_of(kobj, struct damon_sysfs_context, kobj);
	int id = sysfs_match_string(damon_sysfs_ops_names, buf);

	if (id < 0)
		return -EINVAL;
	WRITE_ONCE(c->ops_id, id);
	return count;
}

static struct kobj_attribute damon_sysfs_avail_ops_attr =
	__ATTR_RO_MODE(avail_operations, 0400);
static struct kobj_attribute damon_sysfs_operations_attr =
	__ATTR(operations, 0600, operations_show, operations_store);

static struct attribute *damon_sysfs_context_attrs[] = {
	&damon_sysfs_avail_ops_attr.attr,
	&damon_sysfs_operations_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(damon_sysfs_context);

static void damon_sysfs_context_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct damon_sysfs_context, kobj));
}

static const struct kobj_type damon_sysfs_context_ktype = {
	.release = damon_sysfs_context_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = damon_sysfs_context_groups,
};

static void damon_sysfs_context_rm_children(struct kobject *kobj)
{
	struct damon_sysfs_context *c =
		container_of(kobj, struct damon_sysfs_context, kobj);

	damon_sysfs_list_rm(c->schemes);
	damon_sysfs_list_rm(c->targets);
	damon_sysfs_kobj_rm(&c->primitives->kobj);
	damon_sysfs_kobj_rm(c->sample_dir);
	damon_sysfs_kobj_rm(&c->nr_regions->kobj);
	damon_sysfs_kobj_rm(&c->intervals_goal->kobj);
	damon_sysfs_kobj_rm(&c->intervals->kobj);
	damon_sysfs_kobj_rm(c->attrs_dir);
}

static struct kobject *damon_sysfs_context_new(struct kobject *parent, int idx)
{
	const unsigned long intervals[NR_INTERVALS] = {
		[INTERVAL_SAMPLE] = 5000,
		[INTERVAL_AGGR] = 100000,
		[INTERVAL_UPDATE] = 60000000,
	};
	const unsigned long nr_regions[NR_NR_REGIONS] = {
		[NR_REGIONS_MIN] = 10,
		[NR_REGIONS_MAX] = 1000,
	};
	/* The page tables only, as Linux 6.12 samples. */
	const unsigned long primitives[NR_PRIMITIVES] = {
		[PRIMITIVE_PAGE_TABLE] = 1,
	};
	struct damon_sysfs_context *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return ERR_PTR(-ENOMEM);
	c->ops_id = DAMON_OPS_VADDR;
	if (kobject_init_and_add(&c->kobj, &damon_sysfs_context_ktype, parent,
				 "%d", idx)) {
		kobject_put(&c->kobj);
		return ERR_PTR(-ENOMEM);
	}
	c->attrs_dir = damon_sysfs_dir_add(&c->kobj, "monitoring_attrs");
	if (IS_ERR(c->attrs_dir))
		goto rm_context;
	c->intervals = damon_sysfs_ulongs_add(c->attrs_dir, "intervals",
					      &damon_sysfs_intervals_ktype,
					      intervals, NR_INTERVALS);
	if (IS_ERR(c->intervals))
		goto rm_attrs_dir;
	/* All zero: the tuning is off. */
	c->intervals_goal = damon_sysfs_ulongs_add(&c->intervals->kobj,
						   "intervals_goal",
						   &damon_sysfs_intervals_goal_ktype,
						   NULL, NR_INTERVALS_GOAL);
	if (IS_ERR(c->intervals_goal))
		goto rm_intervals;
	c->nr_regions = damon_sysfs_ulongs_add(c->attrs_dir, "nr_regions",
					       &damon_sysfs_nr_regions_ktype,
					       nr_regions, NR_NR_REGIONS);
	if (IS_ERR(c->nr_regions))
		goto rm_intervals_goal;
	c->sample_dir = damon_sysfs_dir_add(c->attrs_dir, "sample");
	if (IS_ERR(c->sample_dir))
		goto rm_nr_regions;
	c->primitives = damon_sysfs_ulongs_add(c->sample_dir, "primitives",
					       &damon_sysfs_primitives_ktype,
					       primitives, NR_PRIMITIVES);
	if (IS_ERR(c->primitives))
		goto rm_sample_dir;
	c->targets = damon_sysfs_list_add(&c->kobj, "targets",
					  &damon_sysfs_targets_list_ktype,
					  INT_MAX,
					  damon_sysfs_target_new,
					  damon_sysfs_target_rm_children);
	if (IS_ERR(c->targets))
		goto rm_primitives;
	c->schemes = damon_sysfs_list_add(&c->kobj, "schemes",
					  &damon_sysfs_schemes_list_ktype,
					  INT_MAX,
					  damon_sysfs_scheme_new,
					  damon_sysfs_scheme_rm_children);
	if (IS_ERR(c->schemes))
		goto rm_targets;
	return &c->kobj;

rm_targets:
	damon_sysfs_list_rm(c->targets);
rm_primitives:
	damon_sysfs_kobj_rm(&c->primitives->kobj);
rm_sample_dir:
	damon_sysfs_kobj_rm(c->sample_dir);
rm_nr_regions:
	damon_sysfs_kobj_rm(&c->nr_regions->kobj);
rm_intervals_goal:
	damon_sysfs_kobj_rm(&c->intervals_goal->kobj);
rm_intervals:
	damon_sysfs_kobj_rm(&c->intervals->kobj);
rm_attrs_dir:
	damon_sysfs_kobj_rm(c->attrs_dir);
rm_context:
	damon_sysfs_kobj_rm(&c->kobj);
	return ERR_PTR(-ENOMEM);
}

/* ---- building a damon_ctx from the tree ---------------------------------- */

static int damon_sysfs_add_target(struct damon_ctx *ctx,
				  struct damon_sysfs_target *st)
{
	struct damon_target *t = damon_new_target();
	struct damon_addr_range *ranges;
	int i, nr = st->regions->nr, err = 0;

	if (!t)
		return -ENOMEM;
	damon_add_target(ctx, t);
	if (ctx->ops.id != DAMON_OPS_PADDR) {
		t->pid = find_get_pid(READ_ONCE(st->pid));
		if (!t->pid)
			return -EINVAL;
	}
	if (!nr)
		return 0;
	ranges = kmalloc_array(nr, sizeof(*ranges), GFP_KERNEL);
	if (!ranges)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		struct kobject *kobj = damon_sysfs_list_child(st->regions, i);
		struct damon_sysfs_ulongs *r =
			container_of(kobj, struct damon_sysfs_ulongs, kobj);

		ranges[i].start = READ_ONCE(r->vals[REGION_START]);
		ranges[i].end = READ_ONCE(r->vals[REGION_END]);
	}
	err = damon_set_regions(t, ranges, nr);
	kfree(ranges);
	return err;
}

/*
 * A new context holding the values of @c.  The monitoring values are
 * checked here, the schemes by damon_start() or damon_commit_ctx(), so a
 * bad one fails the write of "on" or "commit" and leaves a running kdamond
 * as it was.
 */
static struct damon_ctx *damon_sysfs_build_ctx(struct damon_sysfs_context *c)
{
	const unsigned long *goal = c->intervals_goal->vals;
	const unsigned long *prims = c->primitives->vals;
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_attrs attrs;
	int i, err;

	if (!ctx)
		return ERR_PTR(-ENOMEM);
	attrs = (struct damon_attrs) {
		.sample_primitives =
			(READ_ONCE(prims[PRIMITIVE_PAGE_TABLE]) ?
			 DAMON_SAMPLE_PAGE_TABLE : 0) |
			(READ_ONCE(prims[PRIMITIVE_PAGE_FAULT]) ?
			 DAMON_SAMPLE_PAGE_FAULT : 0),
		.sample_interval = READ_ONCE(c->intervals->vals[INTERVAL_SAMPLE]),
		.aggr_interval = READ_ONCE(c->intervals->vals[INTERVAL_AGGR]),
		.ops_update_interval =
			READ_ONCE(c->intervals->vals[INTERVAL_UPDATE]),
		.min_nr_regions = READ_ONCE(c->nr_regions->vals[NR_REGIONS_MIN]),
		.max_nr_regions = READ_ONCE(c->nr_regions->vals[NR_REGIONS_MAX]),
		.intervals_goal = {
			.access_bp = READ_ONCE(goal[INTERVALS_GOAL_ACCESS_BP]),
			.aggrs = READ_ONCE(goal[INTERVALS_GOAL_AGGRS]),
			.min_sample_us =
				READ_ONCE(goal[INTERVALS_GOAL_MIN_SAMPLE]),
			.max_sample_us =
				READ_ONCE(goal[INTERVALS_GOAL_MAX_SAMPLE]),
		},
	};
	/* A sample must check something. */
	err = -EINVAL;
	if (!attrs.sample_primitives)
		goto destroy;
	err = damon_set_attrs(ctx, &attrs);
	if (err)
		goto destroy;
	err = damon_select_ops(ctx, READ_ONCE(c->ops_id));
	if (err)
		goto destroy;
	/* The physical address space is one target. */
	err = -EINVAL;
	if (ctx->ops.id == DAMON_OPS_PADDR && c->targets->nr > 1)
		goto destroy;
	for (i = 0; i < c->targets->nr; i++) {
		struct kobject *kobj = damon_sysfs_list_child(c->targets, i);
		struct damon_sysfs_target *st =
			container_of(kobj, struct damon_sysfs_target, kobj);

		err = damon_sysfs_add_target(ctx, st);
		if (err)
			goto destroy;
	}
	err = damon_sysfs_add_schemes(ctx, c->schemes);
	if (err)
		goto destroy;
	return ctx;

destroy:
	damon_destroy_ctx(ctx);
	return ERR_PTR(err);
}

/* ---- kdamonds ------------------------------------------------------------ */

/**
 * struct damon_sysfs_kdamond - kdamonds/<K>/.
 * @kobj:	The directory.
 * @contexts:	contexts/.
 * @ctx:	The context last started from this directory, kept after it
 *		stops so its results stay readable.  Protected by
 *		damon_sysfs_lock.
 * @refresh_ms:	refresh_ms: how often @refresh copies the results of the
 *		running kdamond into the tree; 0 for never.
 * @next_refresh: jiffies of the next refresh.
 * @refresh:	Repeated in the kdamond of @ctx while it runs (queued by
 *		"on"): every @refresh_ms, what "update_schemes_stats",
 *		"update_schemes_effective_quotas" and "update_tuned_intervals"
 *		would do.  The directory cannot go while the kdamond runs.
 */
struct damon_sysfs_kdamond {
	struct kobject kobj;
	struct damon_sysfs_list *contexts;
	struct damon_ctx *ctx;
	unsigned long refresh_ms;
	unsigned long next_refresh;
	struct damon_call_control refresh;
};

static struct damon_sysfs_context *
damon_sysfs_kdamond_context(struct damon_sysfs_kdamond *kd)
{
	struct kobject *kobj;

	/* No contexts/ once the directory is on its way out. */
	if (!kd->contexts)
		return NULL;
	kobj = damon_sysfs_list_child(kd->contexts, 0);
	return kobj ? container_of(kobj, struct damon_sysfs_context, kobj) : NULL;
}

static bool damon_sysfs_kdamond_running(struct damon_sysfs_kdamond *kd)
{
	return kd->ctx && damon_is_running(kd->ctx);
}

/*
 * Tell the user which scheme settings of @ctx, started or committed from
 * @kd, have no effect: they are accepted, as in Linux 6.12.  A running
 * @ctx may be read here: only commits, serialised by damon_sysfs_lock,
 * change its schemes' settings.
 */
static void damon_sysfs_report_noops(struct damon_sysfs_kdamond *kd,
				     const struct damon_ctx *ctx)
{
	char name[32];

	snprintf(name, sizeof(name), "kdamond %s", kobject_name(&kd->kobj));
	damos_report_noops(ctx, name);
}

static int damon_sysfs_attrs_fn(struct damon_ctx *ctx, void *data)
{
	*(struct damon_attrs *)data = ctx->attrs;
	return 0;
}

/* "update_tuned_intervals": the running intervals into sample_us, aggr_us. */
static int damon_sysfs_update_tuned_intervals(struct damon_sysfs_kdamond *kd)
{
	struct damon_sysfs_context *c = damon_sysfs_kdamond_context(kd);
	struct damon_attrs attrs;
	struct damon_call_control call = {
		.fn = damon_sysfs_attrs_fn,
		.data = &attrs,
	};
	int err;

	if (!damon_sysfs_kdamond_running(kd) || !c)
		return -EINVAL;
	err = damon_call(kd->ctx, &call);
	if (err)
		return err;
	WRITE_ONCE(c->intervals->vals[INTERVAL_SAMPLE], attrs.sample_interval);
	WRITE_ONCE(c->intervals->vals[INTERVAL_AGGR], attrs.aggr_interval);
	return 0;
}

/*
 * @kd's refresh, in the kdamond of @ctx between two samples: due, and the
 * lock free (else at the next sample), copy the schemes' stats and
 * effective quotas and the tuned intervals into the tree.
 */
static int damon_sysfs_refresh_fn(struct damon_ctx *ctx, void *data)
{
	struct damon_sysfs_kdamond *kd = data;
	unsigned long ms = READ_ONCE(kd->refresh_ms);
	struct damon_sysfs_context *c;

	if (!ms || time_before(jiffies, READ_ONCE(kd->next_refresh)))
		return 0;
	if (!mutex_trylock(&damon_sysfs_lock))
		return 0;
	WRITE_ONCE(kd->next_refresh,
		   jiffies + msecs_to_jiffies(min(ms, (unsigned long)INT_MAX)));
	c = damon_sysfs_kdamond_context(kd);
	if (c) {
		damon_sysfs_schemes_refresh(ctx, c->schemes);
		WRITE_ONCE(c->intervals->vals[INTERVAL_SAMPLE],
			   ctx->attrs.sample_interval);
		WRITE_ONCE(c->intervals->vals[INTERVAL_AGGR],
			   ctx->attrs.aggr_interval);
	}
	mutex_unlock(&damon_sysfs_lock);
	return 0;
}

static int damon_sysfs_turn_on(struct damon_sysfs_kdamond *kd)
{
	struct damon_sysfs_context *c = damon_sysfs_kdamond_context(kd);
	struct damon_ctx *ctx;
	int err;

	if (damon_sysfs_kdamond_running(kd))
		return -EBUSY;
	if (kd->contexts->nr != 1)
		return -EINVAL;
	ctx = damon_sysfs_build_ctx(c);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	err = damon_start(&ctx, 1, false);
	if (err) {
		damon_destroy_ctx(ctx);
		return err;
	}
	damon_sysfs_report_noops(kd, ctx);
	damon_destroy_ctx(kd->ctx);
	kd->ctx = ctx;
	/* The last kdamond cancelled the control when it ended. */
	kd->refresh = (struct damon_call_control) {
		.fn = damon_sysfs_refresh_fn,
		.data = kd,
		.repeat = true,
	};
	WRITE_ONCE(kd->next_refresh, jiffies);
	/* Fails only if the kdamond ended already: nothing to refresh. */
	damon_call(ctx, &kd->refresh);
	return 0;
}

static int damon_sysfs_commit_fn(struct damon_ctx *ctx, void *data)
{
	return damon_commit_ctx(ctx, data);
}

static int damon_sysfs_commit(struct damon_sysfs_kdamond *kd)
{
	struct damon_sysfs_context *c = damon_sysfs_kdamond_context(kd);
	struct damon_call_control call = { .fn = damon_sysfs_commit_fn };
	struct damon_ctx *param;
	int err;

	if (!damon_sysfs_kdamond_running(kd) || kd->contexts->nr != 1)
		return -EINVAL;
	param = damon_sysfs_build_ctx(c);
	if (IS_ERR(param))
		return PTR_ERR(param);
	call.data = param;
	err = damon_call(kd->ctx, &call);
	if (!err && !call.ret)
		damon_sysfs_report_noops(kd, param);
	damon_destroy_ctx(param);
	return err ? err : call.ret;
}

/*
 * Scheme commands: the running kdamond's context, or NULL (then -EINVAL).
 * Like "commit", they need the one context directory.
 */
static int damon_sysfs_schemes_cmd_kd(struct damon_sysfs_kdamond *kd,
				      enum damon_sysfs_schemes_cmd cmd)
{
	struct damon_sysfs_context *c = damon_sysfs_kdamond_context(kd);

	if (!damon_sysfs_kdamond_running(kd) || !c)
		return -EINVAL;
	return damon_sysfs_schemes_cmd(kd->ctx, c->schemes, cmd);
}

/* The state keywords, in the ABI's order. */
enum damon_sysfs_cmd {
	DAMON_SYSFS_CMD_ON,
	DAMON_SYSFS_CMD_OFF,
	DAMON_SYSFS_CMD_COMMIT,
	DAMON_SYSFS_CMD_COMMIT_GOALS,
	DAMON_SYSFS_CMD_UPDATE_STATS,
	DAMON_SYSFS_CMD_UPDATE_TRIED_BYTES,
	DAMON_SYSFS_CMD_UPDATE_TRIED_REGIONS,
	DAMON_SYSFS_CMD_CLEAR_TRIED_REGIONS,
	DAMON_SYSFS_CMD_UPDATE_EFFECTIVE_QUOTAS,
	DAMON_SYSFS_CMD_UPDATE_TUNED_INTERVALS,
	NR_DAMON_SYSFS_CMDS,
};

static const char * const damon_sysfs_cmd_names[NR_DAMON_SYSFS_CMDS] = {
	[DAMON_SYSFS_CMD_ON] = "on",
	[DAMON_SYSFS_CMD_OFF] = "off",
	[DAMON_SYSFS_CMD_COMMIT] = "commit",
	[DAMON_SYSFS_CMD_COMMIT_GOALS] = "commit_schemes_quota_goals",
	[DAMON_SYSFS_CMD_UPDATE_STATS] = "update_schemes_stats",
	[DAMON_SYSFS_CMD_UPDATE_TRIED_BYTES] = "update_schemes_tried_bytes",
	[DAMON_SYSFS_CMD_UPDATE_TRIED_REGIONS] = "update_schemes_tried_regions",
	[DAMON_SYSFS_CMD_CLEAR_TRIED_REGIONS] = "clear_schemes_tried_regions",
	[DAMON_SYSFS_CMD_UPDATE_EFFECTIVE_QUOTAS] =
		"update_schemes_effective_quotas",
	[DAMON_SYSFS_CMD_UPDATE_TUNED_INTERVALS] = "update_tuned_intervals",
};

/* The scheme command of each state keyword after "commit". */
static const enum damon_sysfs_schemes_cmd
damon_sysfs_schemes_cmds[NR_DAMON_SYSFS_CMDS] = {
	[DAMON_SYSFS_CMD_COMMIT_GOALS] = DAMON_SYSFS_SCHEMES_COMMIT_GOALS,
	[DAMON_SYSFS_CMD_UPDATE_STATS] = DAMON_SYSFS_SCHEMES_UPDATE_STATS,
	[DAMON_SYSFS_CMD_UPDATE_TRIED_BYTES] =
		DAMON_SYSFS_SCHEMES_UPDATE_TRIED_BYTES,
	[DAMON_SYSFS_CMD_UPDATE_TRIED_REGIONS] =
		DAMON_SYSFS_SCHEMES_UPDATE_TRIED_REGIONS,
	[DAMON_SYSFS_CMD_CLEAR_TRIED_REGIONS] =
		DAMON_SYSFS_SCHEMES_CLEAR_TRIED_REGIONS,
	[DAMON_SYSFS_CMD_UPDATE_EFFECTIVE_QUOTAS] =
		DAMON_SYSFS_SCHEMES_UPDATE_EFFECTIVE_QUOTAS,
};

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct damon_sysfs_kdamond *kd =
		container_of(kobj, struct damon_sysfs_kdamond, kobj);
	bool running;

	if (!mutex_trylock(&damon_sysfs_lock))
		return -EBUSY;
	running = damon_sysfs_kdamond_running(kd);
	mutex_unlock(&damon_sysfs_lock);
	return sysfs_emit(buf, "%s\n", running ? "on" : "off");
}

static ssize_t state_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct damon_sysfs_kdamond *kd =
		container_of(kobj, struct damon_sysfs_kdamond, kobj);
	int cmd = sysfs_match_string(damon_sysfs_cmd_names, buf);
	int err;

	if (cmd < 0)
		return -EINVAL;
	if (!mutex_trylock(&damon_sysfs_lock))
		return -EBUSY;
	switch (cmd) {
	case DAMON_SYSFS_CMD_ON:
		err = damon_sysfs_turn_on(kd);
		break;
	case DAMON_SYSFS_CMD_OFF:
		err = kd->ctx ? damon_stop(&kd->ctx, 1) : -EINVAL;
		break;
	case DAMON_SYSFS_CMD_COMMIT:
		err = damon_sysfs_commit(kd);
		break;
	case DAMON_SYSFS_CMD_UPDATE_TUNED_INTERVALS:
		err = damon_sysfs_update_tuned_intervals(kd);
		break;
	default:
		/* Tried regions wait for every scheme to be applied once. */
		err = damon_sysfs_schemes_cmd_kd(kd,
						 damon_sysfs_schemes_cmds[cmd]);
		break;
	}
	mutex_unlock(&damon_sysfs_lock);
	return err ? err : count;
}

static ssize_t pid_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	struct damon_sysfs_kdamond *kd =
		container_of(kobj, struct damon_sysfs_kdamond, kobj);
	int pid = -1;

	if (!mutex_trylock(&damon_sysfs_lock))
		return -EBUSY;
	if (kd->ctx)
		pid = damon_kdamond_pid(kd->ctx);
	mutex_unlock(&damon_sysfs_lock);
	return sysfs_emit(buf, "%d\n", pid);
}

/* nr_reports_*: the access report counters of the last context started. */
static ssize_t damon_sysfs_reports_show(struct kobject *kobj, char *buf,
					size_t offset)
{
	struct damon_sysfs_kdamond *kd =
		container_of(kobj, struct damon_sysfs_kdamond, kobj);
	unsigned long val = 0;

	if (!mutex_trylock(&damon_sysfs_lock))
		return -EBUSY;
	if (kd->ctx)
		val = READ_ONCE(*(unsigned long *)((char *)kd->ctx + offset));
	mutex_unlock(&damon_sysfs_lock);
	return sysfs_emit(buf, "%lu\n", val);
}

static ssize_t nr_reports_received_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	return damon_sysfs_reports_show(kobj, buf,
			offsetof(struct damon_ctx, nr_reports_received));
}

static ssize_t nr_reports_dropped_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	return damon_sysfs_reports_show(kobj, buf,
			offsetof(struct damon_ctx, nr_reports_dropped));
}

static ssize_t nr_reports_applied_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	return damon_sysfs_reports_show(kobj, buf,
			offsetof(struct damon_ctx, nr_reports_applied));
}

static ssize_t refresh_ms_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct damon_sysfs_kdamond *kd =
		container_of(kobj, struct damon_sysfs_kdamond, kobj);

	return sysfs_emit(buf, "%lu\n", READ_ONCE(kd->refresh_ms));
}

/*
 * A new period takes effect at once, with a refresh at the next sample.
 * Zero stops the refreshes.
 */
static ssize_t refresh_ms_store(struct kobject *kobj,
				struct kobj_attribute *attr, const char *buf,
				size_t count)
{
	struct damon_sysfs_kdamond *kd =
		container_of(kobj, struct damon_sysfs_kdamond, kobj);
	unsigned long ms;
	int err;

	err = kstrtoul(buf, 0, &ms);
	if (err)
		return err;
	WRITE_ONCE(kd->next_refresh, jiffies);
	WRITE_ONCE(kd->refresh_ms, ms);
	return count;
}

static struct kobj_attribute damon_sysfs_state_attr =
	__ATTR(state, 0600, state_show, state_store);
static struct kobj_attribute damon_sysfs_pid_attr = __ATTR_RO_MODE(pid, 0400);
static struct kobj_attribute damon_sysfs_refresh_ms_attr =
	__ATTR(refresh_ms, 0600, refresh_ms_show, refresh_ms_store);
static struct kobj_attribute damon_sysfs_nr_reports_received_attr =
	__ATTR_RO_MODE(nr_reports_received, 0400);
static struct kobj_attribute damon_sysfs_nr_reports_dropped_attr =
	__ATTR_RO_MODE(nr_reports_dropped, 0400);
static struct kobj_attribute damon_sysfs_nr_reports_applied_attr =
	__ATTR_RO_MODE(nr_reports_applied, 0400);

static struct attribute *damon_sysfs_kdamond_attrs[] = {
	&damon_sysfs_state_attr.attr,
	&damon_sysfs_pid_attr.attr,
	&damon_sysfs_refresh_ms_attr.attr,
	&damon_sysfs_nr_reports_received_attr.attr,
	&damon_sysfs_nr_reports_dropped_attr.attr,
	&damon_sysfs_nr_reports_applied_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(damon_sysfs_kdamond);

static void damon_sysfs_kdamond_release(struct kobject *kobj)
{
	struct damon_sysfs_kdamond *kd =
		container_of(kobj, struct damon_sysfs_kdamond, kobj);

	/* nr_kdamonds refuses to remove a running kdamond. */
	damon_destroy_ctx(kd->ctx);
	kfree(kd);
}

static const struct kobj_type damon_sysfs_kdamond_ktype = {
	.release = damon_sysfs_kdamond_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = damon_sysfs_kdamond_groups,
};

static struct kobject *damon_sysfs_kdamond_new(struct kobject *parent, int idx)
{
	struct damon_sysfs_kdamond *kd = kzalloc(sizeof(*kd), GFP_KERNEL);
	struct damon_sysfs_list *contexts;

	if (!kd)
		return ERR_PTR(-ENOMEM);
	if (kobject_init_and_add(&kd->kobj, &damon_sysfs_kdamond_ktype, parent,
				 "%d", idx)) {
		kobject_put(&kd->kobj);
		return ERR_PTR(-ENOMEM);
	}
	/* One context per kdamond, as in upstream 6.12. */
	contexts = damon_sysfs_list_add(&kd->kobj, "contexts",
					&damon_sysfs_contexts_list_ktype, 1,
					damon_sysfs_context_new,
					damon_sysfs_context_rm_children);
	if (IS_ERR(contexts)) {
		damon_sysfs_kobj_rm(&kd->kobj);
		return ERR_CAST(contexts);
	}
	kd->contexts = contexts;
	return &kd->kobj;
}

static void damon_sysfs_kdamond_rm_children(struct kobject *kobj)
{
	struct damon_sysfs_kdamond *kd =
		container_of(kobj, struct damon_sysfs_kdamond, kobj);

	damon_sysfs_list_rm(kd->contexts);
	kd->contexts = NULL;
}

static struct damon_sysfs_list *damon_sysfs_kdamonds;

static int damon_sysfs_list_may_resize(struct damon_sysfs_list *list)
{
	int i;

	/* Running kdamonds stay: turn them off before removing them. */
	if (list != damon_sysfs_kdamonds)
		return 0;
	for (i = 0; i < list->nr; i++) {
		struct damon_sysfs_kdamond *kd = container_of(list->children[i],
				struct damon_sysfs_kdamond, kobj);

		if (damon_sysfs_kdamond_running(kd))
			return -EBUSY;
	}
	return 0;
}

static int __init damon_sysfs_init(void)
{
	struct kobject *damon, *admin;

	damon = kobject_create_and_add("damon", mm_kobj);
	if (!damon)
		return -ENOMEM;
	admin = damon_sysfs_dir_add(damon, "admin");
	if (IS_ERR(admin))
		goto put_damon;
	damon_sysfs_kdamonds =
		damon_sysfs_list_add(admin, "kdamonds",
				     &damon_sysfs_kdamonds_list_ktype,
				     INT_MAX,
				     damon_sysfs_kdamond_new,
				     damon_sysfs_kdamond_rm_children);
	if (IS_ERR(damon_sysfs_kdamonds))
		goto rm_admin;
	return 0;

rm_admin:
	damon_sysfs_kobj_rm(admin);
put_damon:
	kobject_put(damon);
	return -ENOMEM;
}
subsys_initcall(damon_sysfs_init);

#ifdef CONFIG_DAMON_SYSFS_KUNIT_TEST
#include "sysfs-kunit.h"
#endif
