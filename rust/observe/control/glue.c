// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold C glue.  Only what 6.12's Rust cannot do: module_param() and
 * sysfs attributes are C macro families with no Rust abstraction in 6.12,
 * and its workqueue abstraction cannot cancel a work item (the failure
 * log's, which unload must wait for).  Each function forwards to Rust
 * (rust/observe/control/ffi.rs) at once.
 */
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <daxhold/glue.h>

/*
 * 0400: like every file of daxhold, root only (an unprivileged user reads
 * nothing of it, not even which disks it was asked to hold).
 */
static char *devices;
module_param(devices, charp, 0400);
MODULE_PARM_DESC(devices,
	"pmem disks to hold at load, comma-separated (pmem0,/dev/pmem1)");

static char *policy = "stacked";
module_param(policy, charp, 0400);
MODULE_PARM_DESC(policy,
	"which pmem disks to hold by itself: stacked (partitioned or under dm; default), all, list (only devices=/attach)");

/* The policy= string.  C because module_param() is. */
const char *daxhold_param_policy(void)
{
	return policy;
}

/* The devices= string, or NULL.  C because module_param() is. */
const char *daxhold_param_devices(void)
{
	return devices;
}

/* Rust's callbacks for the control files, from daxhold_sysfs_init(). */
static const struct daxhold_ctl_ops *daxhold_ctl;

/*
 * sysfs stores: Rust parses and acts (daxhold_ctl-><fn>); C turns 0 into
 * "all consumed".  One macro, as the kernel's own __ATTR family does.
 */
#define DAXHOLD_STORE(name, fn)						\
static ssize_t name##_store(struct kobject *kobj,			\
			    struct kobj_attribute *attr,		\
			    const char *buf, size_t count)		\
{									\
	int rc = daxhold_ctl->fn(buf, count);				\
									\
	return rc ? rc : count;						\
}

DAXHOLD_STORE(attach, attach)
DAXHOLD_STORE(detach, detach)
DAXHOLD_STORE(rescan, rescan)
DAXHOLD_STORE(translate, translate)
DAXHOLD_STORE(policy, policy_store)
DAXHOLD_STORE(metadata, metadata_store)
DAXHOLD_STORE(badblocks, badblocks_store)

/* sysfs show: Rust formats into the page sysfs gives us. */
static ssize_t policy_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return daxhold_ctl->policy_show(buf, PAGE_SIZE);
}

static ssize_t holders_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return daxhold_ctl->holders(buf, PAGE_SIZE);
}

static ssize_t index_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return daxhold_ctl->index(buf, PAGE_SIZE);
}

static ssize_t metadata_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return daxhold_ctl->metadata_show(buf, PAGE_SIZE);
}

static ssize_t badblocks_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	return daxhold_ctl->badblocks_show(buf, PAGE_SIZE);
}

static ssize_t last_failure_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return daxhold_ctl->last_failure(buf, PAGE_SIZE);
}

static struct kobj_attribute attach_attr = __ATTR(attach, 0200, NULL, attach_store);
static struct kobj_attribute detach_attr = __ATTR(detach, 0200, NULL, detach_store);
static struct kobj_attribute holders_attr = __ATTR(holders, 0400, holders_show, NULL);
static struct kobj_attribute rescan_attr = __ATTR(rescan, 0200, NULL, rescan_store);
static struct kobj_attribute translate_attr = __ATTR(translate, 0200, NULL, translate_store);
static struct kobj_attribute policy_attr = __ATTR(policy, 0600, policy_show, policy_store);
static struct kobj_attribute index_attr = __ATTR(index, 0400, index_show, NULL);
static struct kobj_attribute metadata_attr = __ATTR(metadata, 0600, metadata_show, metadata_store);
static struct kobj_attribute badblocks_attr = __ATTR(badblocks, 0600, badblocks_show, badblocks_store);
static struct kobj_attribute last_failure_attr = __ATTR(last_failure, 0400, last_failure_show, NULL);

static struct attribute *daxhold_attrs[] = {
	&attach_attr.attr,
	&detach_attr.attr,
	&holders_attr.attr,
	&rescan_attr.attr,
	&translate_attr.attr,
	&policy_attr.attr,
	&index_attr.attr,
	&metadata_attr.attr,
	&badblocks_attr.attr,
	&last_failure_attr.attr,
	NULL,
};

static const struct attribute_group daxhold_group = {
	.attrs = daxhold_attrs,
};

static struct kobject *daxhold_kobj;
static struct kobject *daxhold_devices_kobj;
static bool daxhold_files_on;

/*
 * last_failure's node, for the failure log's work item to wake its
 * pollers (kernfs_notify(), as the pmem driver does for badblocks): set
 * while the control files are there, under the lock so that a wake-up
 * never meets a node being put.
 */
static DEFINE_SPINLOCK(daxhold_notify_lock);
static struct kernfs_node *daxhold_last_failure_kn;

/* Wake whoever polls last_failure (any context). */
static void daxhold_notify_last_failure(void)
{
	spin_lock(&daxhold_notify_lock);
	if (daxhold_last_failure_kn)
		kernfs_notify(daxhold_last_failure_kn);
	spin_unlock(&daxhold_notify_lock);
}

/*
 * Create /sys/kernel/daxhold/, its control files and its devices/
 * directory, the files calling ops.  C because kobjects have no Rust API
 * in 6.12.
 */
int daxhold_sysfs_init(const struct daxhold_ctl_ops *ops)
{
	struct kernfs_node *kn;
	int rc;

	daxhold_ctl = ops;
	daxhold_kobj = kobject_create_and_add("daxhold", kernel_kobj);
	if (!daxhold_kobj)
		return -ENOMEM;
	daxhold_devices_kobj = kobject_create_and_add("devices", daxhold_kobj);
	if (!daxhold_devices_kobj) {
		daxhold_sysfs_exit();
		return -ENOMEM;
	}
	rc = sysfs_create_group(daxhold_kobj, &daxhold_group);
	if (rc) {
		daxhold_sysfs_exit();
		return rc;
	}
	daxhold_files_on = true;
	kn = sysfs_get_dirent(daxhold_kobj->sd, "last_failure");
	if (!kn) {
		daxhold_sysfs_exit();
		return -ENOENT;
	}
	spin_lock(&daxhold_notify_lock);
	daxhold_last_failure_kn = kn;
	spin_unlock(&daxhold_notify_lock);
	return 0;
}

/*
 * Remove the control files: no new control call starts, and kernfs waits
 * for those still running.  The devices/ directories stay until their
 * holders go.  A no-op if they are not there.
 */
void daxhold_sysfs_close(void)
{
	struct kernfs_node *kn;

	/* Pollers of last_failure wake up and find the module going. */
	spin_lock(&daxhold_notify_lock);
	kn = daxhold_last_failure_kn;
	daxhold_last_failure_kn = NULL;
	if (kn)
		kernfs_notify(kn);
	spin_unlock(&daxhold_notify_lock);
	kernfs_put(kn);
	if (daxhold_files_on)
		sysfs_remove_group(daxhold_kobj, &daxhold_group);
	daxhold_files_on = false;
}

/* Remove what is left (after every devices/ directory is gone). */
void daxhold_sysfs_exit(void)
{
	daxhold_sysfs_close();
	kobject_put(daxhold_devices_kobj);
	daxhold_devices_kobj = NULL;
	kobject_put(daxhold_kobj);
	daxhold_kobj = NULL;
}

/*
 * /sys/kernel/daxhold/devices/<disk>/: one file per value of a held disk
 * (Documentation/admin.rst), each read by Rust by its name.  The directory
 * lives as long as its holder (rust/holder/); kobject_del() waits for
 * reads in progress, so none runs after daxhold_devdir_del().
 */
struct daxhold_devdir {
	struct kobject kobj;
	u32 devt;
};

static ssize_t daxhold_dev_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct daxhold_devdir *d = container_of(kobj, struct daxhold_devdir,
						 kobj);

	return daxhold_ctl->dev_show(d->devt, attr->attr.name, buf,
				     PAGE_SIZE);
}

#define DAXHOLD_DEV_ATTR(n) \
	static struct kobj_attribute dev_##n##_attr = \
		__ATTR(n, 0400, daxhold_dev_show, NULL)
DAXHOLD_DEV_ATTR(dev);
DAXHOLD_DEV_ATTR(mode);
DAXHOLD_DEV_ATTR(calls);
DAXHOLD_DEV_ATTR(action_required);
DAXHOLD_DEV_ATTR(action_optional);
DAXHOLD_DEV_ATTR(pre_remove);
DAXHOLD_DEV_ATTR(rejected);
DAXHOLD_DEV_ATTR(bytes);
DAXHOLD_DEV_ATTR(last_offset);
DAXHOLD_DEV_ATTR(last_len);
DAXHOLD_DEV_ATTR(last_flags);
DAXHOLD_DEV_ATTR(forwarded);
DAXHOLD_DEV_ATTR(declined);
DAXHOLD_DEV_ATTR(failed);
DAXHOLD_DEV_ATTR(unmapped);

static struct attribute *daxhold_dev_attrs[] = {
	&dev_dev_attr.attr, &dev_mode_attr.attr, &dev_calls_attr.attr,
	&dev_action_required_attr.attr, &dev_action_optional_attr.attr,
	&dev_pre_remove_attr.attr, &dev_rejected_attr.attr,
	&dev_bytes_attr.attr, &dev_last_offset_attr.attr,
	&dev_last_len_attr.attr, &dev_last_flags_attr.attr,
	&dev_forwarded_attr.attr, &dev_declined_attr.attr,
	&dev_failed_attr.attr, &dev_unmapped_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(daxhold_dev);

static void daxhold_devdir_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct daxhold_devdir, kobj));
}

static const struct kobj_type daxhold_devdir_ktype = {
	.release = daxhold_devdir_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = daxhold_dev_groups,
};

/* devices/<name> for the held disk devt: the directory, or an ERR_PTR. */
struct daxhold_devdir *daxhold_devdir_add(const char *name, u32 devt)
{
	struct daxhold_devdir *d;
	int rc;

	if (!daxhold_devices_kobj)
		return ERR_PTR(-ENODEV);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	d->devt = devt;
	rc = kobject_init_and_add(&d->kobj, &daxhold_devdir_ktype,
				  daxhold_devices_kobj, "%s", name);
	if (rc) {
		kobject_put(&d->kobj);
		return ERR_PTR(rc);
	}
	return d;
}

/* Remove it; sleeps until reads in progress are done. */
void daxhold_devdir_del(struct daxhold_devdir *d)
{
	kobject_del(&d->kobj);
	kobject_put(&d->kobj);
}

/*
 * The failure log's work item (rust/observe/events/): the failure path records
 * its lines in a ring and kicks this work, which prints them.  Delayed by
 * one tick, on the unbound workqueue: on a PREEMPT_NONE kernel a per-CPU
 * work queued at once runs on the poisoned task's CPU before that task
 * returns to user space to take its SIGBUS (the printing would be back in
 * the failure's latency), and an immediate wake-up costs an IPI per
 * failure.  Delayed, a kick is one test_and_set_bit() while a print is
 * pending (and arms a timer otherwise), and a burst of failures is printed
 * in one go, on whichever CPU is free.
 */
static const struct daxhold_log_ops *daxhold_log;

static void daxhold_log_fn(struct work_struct *work)
{
	const struct daxhold_log_ops *ops = READ_ONCE(daxhold_log);

	if (ops && ops->print())
		daxhold_notify_last_failure();
}
static DECLARE_DELAYED_WORK(daxhold_log_work, daxhold_log_fn);

/* The table whose print the work item calls (module init, before a kick). */
void daxhold_log_start(const struct daxhold_log_ops *ops)
{
	WRITE_ONCE(daxhold_log, ops);
}

/* Queue the print (a no-op while it is queued already); never sleeps. */
void daxhold_log_kick(void)
{
	queue_delayed_work(system_unbound_wq, &daxhold_log_work, 1);
}

/* Cancel a queued print and wait for a running one (unload). */
void daxhold_log_stop(void)
{
	cancel_delayed_work_sync(&daxhold_log_work);
}
