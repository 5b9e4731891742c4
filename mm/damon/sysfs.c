// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: /sys/kernel/mm/damon/admin/.
 *
 * The tree only holds what the user wrote.  Writing "on" to a kdamond's
 * "state" builds a &struct damon_ctx from the values and starts it; "commit"
 * builds another and hands it to the running kdamond with damon_call().  A
 * running kdamond never looks at the tree, so directories can come and go
 * while it runs.
 *
 *   admin/kdamonds/nr_kdamonds
 *   admin/kdamonds/<K>/{state,pid}
 *   admin/kdamonds/<K>/contexts/nr_contexts
 *   .../contexts/<C>/{avail_operations,operations}
 *   .../contexts/<C>/monitoring_attrs/intervals/{sample_us,aggr_us,update_us}
 *   .../contexts/<C>/monitoring_attrs/nr_regions/{min,max}
 *   .../contexts/<C>/targets/nr_targets
 *   .../targets/<T>/pid_target
 *   .../targets/<T>/regions/nr_regions
 *   .../regions/<R>/{start,end}
 *   .../contexts/<C>/schemes/nr_schemes
 *
 * Locking: damon_sysfs_lock serialises changes of the tree's shape (the
 * nr_* files) and the kdamonds' state.  Those writers only try the lock and
 * return -EBUSY, because removing a directory waits for the readers and
 * writers of its files, which must therefore never wait for the lock.  Files
 * holding a single value need no lock.
 */

#define pr_fmt(fmt) "damon-sysfs: " fmt

#include <linux/damon.h>
#include <linux/kobject.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

static DEFINE_MUTEX(damon_sysfs_lock);

/* ---- numbered child directories ------------------------------------------ */

/**
 * struct damon_sysfs_list - A directory of numbered children, "0".."N-1",
 * and the "nr_<things>" file that sets N.
 * @kobj:	The directory.
 * @children:	The children's directories.
 * @nr:		Number of children.
 * @max_nr:	The largest N accepted.
 * @new_child:	Create child number @idx under @parent; returns its kobject
 *		or an ERR_PTR.
 *
 * Changing N keeps the children below the new N and their values; upstream
 * 6.12 recreates all of them.  Protected by damon_sysfs_lock.
 */
struct damon_sysfs_list {
	struct kobject kobj;
	struct kobject **children;
	int nr;
	int max_nr;
	struct kobject *(*new_child)(struct kobject *parent, int idx);
};

static void damon_sysfs_list_resize_locked(struct damon_sysfs_list *list,
					   int nr);
static void damon_sysfs_rm_child_lists(struct kobject *child);

static void damon_sysfs_list_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct damon_sysfs_list, kobj));
}

static ssize_t nr_show(struct kobject *kobj, struct kobj_attribute *attr,
		       char *buf)
{
	struct damon_sysfs_list *list =
		container_of(kobj, struct damon_sysfs_list, kobj);

	return sysfs_emit(buf, "%d\n", READ_ONCE(list->nr));
}

/* Extra rules of a list: may the children change now?  Returns an errno. */
static int damon_sysfs_list_may_resize(struct damon_sysfs_list *list);

static ssize_t nr_store(struct kobject *kobj, struct kobj_attribute *attr,
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
	if (!err) {
		damon_sysfs_list_resize_locked(list, nr);
		if (READ_ONCE(list->nr) != nr)
			err = -ENOMEM;
	}
	mutex_unlock(&damon_sysfs_lock);
	return err ? err : count;
}

/* Each list names its count file after its children: nr_<dirname>. */
static struct kobj_attribute damon_sysfs_nr_kdamonds_attr =
	__ATTR(nr_kdamonds, 0600, nr_show, nr_store);
static struct kobj_attribute damon_sysfs_nr_contexts_attr =
	__ATTR(nr_contexts, 0600, nr_show, nr_store);
static struct kobj_attribute damon_sysfs_nr_targets_attr =
	__ATTR(nr_targets, 0600, nr_show, nr_store);
static struct kobj_attribute damon_sysfs_nr_regions_attr =
	__ATTR(nr_regions, 0600, nr_show, nr_store);
static struct kobj_attribute damon_sysfs_nr_schemes_attr =
	__ATTR(nr_schemes, 0600, nr_show, nr_store);

#define DAMON_SYSFS_LIST_KTYPE(name)					\
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

DAMON_SYSFS_LIST_KTYPE(kdamonds);
DAMON_SYSFS_LIST_KTYPE(contexts);
DAMON_SYSFS_LIST_KTYPE(targets);
DAMON_SYSFS_LIST_KTYPE(regions);
DAMON_SYSFS_LIST_KTYPE(schemes);

/* Grow or shrink @list to @nr children; on failure it stops short. */
static void damon_sysfs_list_resize_locked(struct damon_sysfs_list *list,
					   int nr)
{
	struct kobject **children;

	lockdep_assert_held(&damon_sysfs_lock);
	while (list->nr > nr) {
		struct kobject *child = list->children[list->nr - 1];

		WRITE_ONCE(list->nr, list->nr - 1);
		damon_sysfs_rm_child_lists(child);
		kobject_del(child);
		kobject_put(child);
	}
	if (nr > list->nr) {
		children = krealloc_array(list->children, nr, sizeof(*children),
					  GFP_KERNEL | __GFP_NOWARN);
		if (!children)
			return;
		list->children = children;
	}
	while (list->nr < nr) {
		struct kobject *child = list->new_child(&list->kobj, list->nr);

		if (IS_ERR(child))
			return;
		list->children[list->nr] = child;
		WRITE_ONCE(list->nr, list->nr + 1);
	}
	if (!nr) {
		kfree(list->children);
		list->children = NULL;
	}
}

/* Create a list directory @name under @parent. */
static struct damon_sysfs_list *
damon_sysfs_list_add(struct kobject *parent, const char *name,
		     const struct kobj_type *ktype, int max_nr,
		     struct kobject *(*new_child)(struct kobject *, int))
{
	struct damon_sysfs_list *list = kzalloc(sizeof(*list), GFP_KERNEL);
	int err;

	if (!list)
		return ERR_PTR(-ENOMEM);
	list->max_nr = max_nr;
	list->new_child = new_child;
	err = kobject_init_and_add(&list->kobj, ktype, parent, "%s", name);
	if (err) {
		kobject_put(&list->kobj);
		return ERR_PTR(err);
	}
	return list;
}

/* Remove a list directory and all its children. */
static void damon_sysfs_list_rm(struct damon_sysfs_list *list)
{
	if (!list)
		return;
	damon_sysfs_list_resize_locked(list, 0);
	kobject_del(&list->kobj);
	kobject_put(&list->kobj);
}

static struct kobject *damon_sysfs_list_child(struct damon_sysfs_list *list,
					      int idx)
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

/* A directory with no files of its own, such as "monitoring_attrs". */
static struct kobject *damon_sysfs_dir_add(struct kobject *parent,
					   const char *name)
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

static void damon_sysfs_kobj_rm(struct kobject *kobj)
{
	if (IS_ERR_OR_NULL(kobj))
		return;
	kobject_del(kobj);
	kobject_put(kobj);
}

/*
 * Directories of unsigned long values, one file each: the values live in
 * an array after the kobject, and each file's attribute knows its index.
 */
struct damon_sysfs_ulongs {
	struct kobject kobj;
	unsigned long vals[];
};

struct damon_sysfs_ulong_attr {
	struct kobj_attribute attr;
	unsigned int idx;
};

static ssize_t ulong_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct damon_sysfs_ulongs *d =
		container_of(kobj, struct damon_sysfs_ulongs, kobj);
	unsigned int i = container_of(attr, struct damon_sysfs_ulong_attr,
				      attr)->idx;

	return sysfs_emit(buf, "%lu\n", READ_ONCE(d->vals[i]));
}

static ssize_t ulong_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct damon_sysfs_ulongs *d =
		container_of(kobj, struct damon_sysfs_ulongs, kobj);
	unsigned int i = container_of(attr, struct damon_sysfs_ulong_attr,
				      attr)->idx;
	unsigned long v;
	int err;

	err = kstrtoul(buf, 0, &v);
	if (err)
		return err;
	WRITE_ONCE(d->vals[i], v);
	return count;
}

static void damon_sysfs_ulongs_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct damon_sysfs_ulongs, kobj));
}

#define DAMON_SYSFS_ULONG_ATTR(dir, file, i)				\
static struct damon_sysfs_ulong_attr damon_sysfs_##dir##_##file##_attr = { \
	.attr = __ATTR(file, 0600, ulong_show, ulong_store),		\
	.idx = i,							\
}

/* monitoring_attrs/intervals/ */
enum { INTERVAL_SAMPLE, INTERVAL_AGGR, INTERVAL_UPDATE, NR_INTERVALS };
DAMON_SYSFS_ULONG_ATTR(intervals, sample_us, INTERVAL_SAMPLE);
DAMON_SYSFS_ULONG_ATTR(intervals, aggr_us, INTERVAL_AGGR);
DAMON_SYSFS_ULONG_ATTR(intervals, update_us, INTERVAL_UPDATE);

static struct attribute *damon_sysfs_intervals_attrs[] = {
	&damon_sysfs_intervals_sample_us_attr.attr.attr,
	&damon_sysfs_intervals_aggr_us_attr.attr.attr,
	&damon_sysfs_intervals_update_us_attr.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(damon_sysfs_intervals);

/* monitoring_attrs/nr_regions/ */
enum { NR_REGIONS_MIN, NR_REGIONS_MAX, NR_NR_REGIONS };
DAMON_SYSFS_ULONG_ATTR(nr_regions, min, NR_REGIONS_MIN);
DAMON_SYSFS_ULONG_ATTR(nr_regions, max, NR_REGIONS_MAX);

static struct attribute *damon_sysfs_nr_regions_attrs[] = {
	&damon_sysfs_nr_regions_min_attr.attr.attr,
	&damon_sysfs_nr_regions_max_attr.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(damon_sysfs_nr_regions);

/* regions/<R>/ */
enum { REGION_START, REGION_END, NR_REGION_VALS };
DAMON_SYSFS_ULONG_ATTR(region, start, REGION_START);
DAMON_SYSFS_ULONG_ATTR(region, end, REGION_END);

static struct attribute *damon_sysfs_region_attrs[] = {
	&damon_sysfs_region_start_attr.attr.attr,
	&damon_sysfs_region_end_attr.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(damon_sysfs_region);

static const struct kobj_type damon_sysfs_intervals_ktype = {
	.release = damon_sysfs_ulongs_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = damon_sysfs_intervals_groups,
};

static const struct kobj_type damon_sysfs_nr_regions_ktype = {
	.release = damon_sysfs_ulongs_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = damon_sysfs_nr_regions_groups,
};

static const struct kobj_type damon_sysfs_region_ktype = {
	.release = damon_sysfs_ulongs_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = damon_sysfs_region_groups,
};

static struct damon_sysfs_ulongs *
damon_sysfs_ulongs_add(struct kobject *parent, const char *name,
		       const struct kobj_type *ktype,
		       const unsigned long *defaults, unsigned int nr)
{
	struct damon_sysfs_ulongs *d;

	d = kzalloc(struct_size(d, vals, nr), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	if (defaults)
		memcpy(d->vals, defaults, nr * sizeof(*defaults));
	if (kobject_init_and_add(&d->kobj, ktype, parent, "%s", name)) {
		kobject_put(&d->kobj);
		return ERR_PTR(-ENOMEM);
	}
	return d;
}

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

/*
 * A directory's own child directories go before it does: see
 * damon_sysfs_rm_child_lists().
 */
static void damon_sysfs_target_rm_children(struct kobject *kobj)
{
	struct damon_sysfs_target *t =
		container_of(kobj, struct damon_sysfs_target, kobj);

	damon_sysfs_list_rm(t->regions);
	t->regions = NULL;
}

/* Bounds on the numbered directories, so that no write can exhaust memory. */
#define DAMON_SYSFS_MAX_KDAMONDS	256
#define DAMON_SYSFS_MAX_TARGETS		4096
#define DAMON_SYSFS_MAX_REGIONS		65536

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
				       DAMON_SYSFS_MAX_REGIONS,
				       damon_sysfs_region_new);
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
 * @nr_regions:		monitoring_attrs/nr_regions/.
 * @targets:		targets/.
 * @schemes:		schemes/.
 */
struct damon_sysfs_context {
	struct kobject kobj;
	enum damon_ops_id ops_id;
	struct kobject *attrs_dir;
	struct damon_sysfs_ulongs *intervals;
	struct damon_sysfs_ulongs *nr_regions;
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

static struct kobject *damon_sysfs_scheme_new(struct kobject *parent, int idx)
{
	/* Schemes come with DAMOS; until then nr_schemes only takes 0. */
	return ERR_PTR(-EINVAL);
}

static void damon_sysfs_context_rm_children(struct damon_sysfs_context *c)
{
	damon_sysfs_list_rm(c->schemes);
	damon_sysfs_list_rm(c->targets);
	damon_sysfs_kobj_rm(&c->nr_regions->kobj);
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
	c->nr_regions = damon_sysfs_ulongs_add(c->attrs_dir, "nr_regions",
					       &damon_sysfs_nr_regions_ktype,
					       nr_regions, NR_NR_REGIONS);
	if (IS_ERR(c->nr_regions))
		goto rm_intervals;
	c->targets = damon_sysfs_list_add(&c->kobj, "targets",
					  &damon_sysfs_targets_list_ktype,
					  DAMON_SYSFS_MAX_TARGETS,
					  damon_sysfs_target_new);
	if (IS_ERR(c->targets))
		goto rm_nr_regions;
	c->schemes = damon_sysfs_list_add(&c->kobj, "schemes",
					  &damon_sysfs_schemes_list_ktype, 0,
					  damon_sysfs_scheme_new);
	if (IS_ERR(c->schemes))
		goto rm_targets;
	return &c->kobj;

rm_targets:
	damon_sysfs_list_rm(c->targets);
rm_nr_regions:
	damon_sysfs_kobj_rm(&c->nr_regions->kobj);
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
 * A new context holding the values of @c.  Every value is checked here, so
 * a bad one fails the write of "on" or "commit" with -EINVAL and leaves a
 * running kdamond as it was.
 */
static struct damon_ctx *damon_sysfs_build_ctx(struct damon_sysfs_context *c)
{
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_attrs attrs;
	int i, err;

	if (!ctx)
		return ERR_PTR(-ENOMEM);
	attrs = (struct damon_attrs) {
		.sample_interval = READ_ONCE(c->intervals->vals[INTERVAL_SAMPLE]),
		.aggr_interval = READ_ONCE(c->intervals->vals[INTERVAL_AGGR]),
		.ops_update_interval =
			READ_ONCE(c->intervals->vals[INTERVAL_UPDATE]),
		.min_nr_regions = READ_ONCE(c->nr_regions->vals[NR_REGIONS_MIN]),
		.max_nr_regions = READ_ONCE(c->nr_regions->vals[NR_REGIONS_MAX]),
	};
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
 */
struct damon_sysfs_kdamond {
	struct kobject kobj;
	struct damon_sysfs_list *contexts;
	struct damon_ctx *ctx;
};

static struct damon_sysfs_context *
damon_sysfs_kdamond_context(struct damon_sysfs_kdamond *kd)
{
	struct kobject *kobj = damon_sysfs_list_child(kd->contexts, 0);

	return kobj ? container_of(kobj, struct damon_sysfs_context, kobj) : NULL;
}

static bool damon_sysfs_kdamond_running(struct damon_sysfs_kdamond *kd)
{
	return kd->ctx && damon_is_running(kd->ctx);
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
	damon_destroy_ctx(kd->ctx);
	kd->ctx = ctx;
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
	damon_destroy_ctx(param);
	return err ? err : call.ret;
}

enum damon_sysfs_cmd {
	DAMON_SYSFS_CMD_ON,
	DAMON_SYSFS_CMD_OFF,
	DAMON_SYSFS_CMD_COMMIT,
	NR_DAMON_SYSFS_CMDS,
};

static const char * const damon_sysfs_cmd_names[NR_DAMON_SYSFS_CMDS] = {
	[DAMON_SYSFS_CMD_ON] = "on",
	[DAMON_SYSFS_CMD_OFF] = "off",
	[DAMON_SYSFS_CMD_COMMIT] = "commit",
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
	default:
		err = damon_sysfs_commit(kd);
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

static struct kobj_attribute damon_sysfs_state_attr =
	__ATTR(state, 0600, state_show, state_store);
static struct kobj_attribute damon_sysfs_pid_attr = __ATTR_RO_MODE(pid, 0400);

static struct attribute *damon_sysfs_kdamond_attrs[] = {
	&damon_sysfs_state_attr.attr,
	&damon_sysfs_pid_attr.attr,
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
					damon_sysfs_context_new);
	if (IS_ERR(contexts)) {
		damon_sysfs_kobj_rm(&kd->kobj);
		return ERR_CAST(contexts);
	}
	kd->contexts = contexts;
	return &kd->kobj;
}

static struct damon_sysfs_list *damon_sysfs_kdamonds;

/*
 * Removing a directory must first remove the lists below it.  The list
 * code calls this for each child it drops, by the child's kobject type.
 */
static void damon_sysfs_rm_child_lists(struct kobject *child)
{
	if (child->ktype == &damon_sysfs_kdamond_ktype) {
		struct damon_sysfs_kdamond *kd =
			container_of(child, struct damon_sysfs_kdamond, kobj);

		damon_sysfs_list_rm(kd->contexts);
		kd->contexts = NULL;
	} else if (child->ktype == &damon_sysfs_context_ktype) {
		struct damon_sysfs_context *c =
			container_of(child, struct damon_sysfs_context, kobj);

		damon_sysfs_context_rm_children(c);
	} else if (child->ktype == &damon_sysfs_target_ktype) {
		damon_sysfs_target_rm_children(child);
	}
}

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
				     DAMON_SYSFS_MAX_KDAMONDS,
				     damon_sysfs_kdamond_new);
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
