// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold C glue.  Only what 6.12's Rust cannot do: module_param() and
 * sysfs attributes are C macro families with no Rust abstraction in 6.12,
 * and its workqueue abstraction cannot cancel a work item (the failure
 * log's, which unload must wait for).  Each function forwards to Rust
 * (rust/ffi/glue.rs) at once.
 */
#include <linux/kobject.h>
#include <linux/module.h>
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

/*
 * sysfs stores: Rust parses and acts (daxhold_ctl_<fn>); C turns 0 into
 * "all consumed".  One macro, as the kernel's own __ATTR family does.
 */
#define DAXHOLD_STORE(name, fn)						\
static ssize_t name##_store(struct kobject *kobj,			\
			    struct kobj_attribute *attr,		\
			    const char *buf, size_t count)		\
{									\
	int rc = daxhold_ctl_##fn(buf, count);				\
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
	return daxhold_ctl_policy_show(buf, PAGE_SIZE);
}

static ssize_t holders_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return daxhold_ctl_holders(buf, PAGE_SIZE);
}

static ssize_t index_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return daxhold_ctl_index(buf, PAGE_SIZE);
}

static ssize_t metadata_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return daxhold_ctl_metadata_show(buf, PAGE_SIZE);
}

static ssize_t badblocks_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	return daxhold_ctl_badblocks_show(buf, PAGE_SIZE);
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
	NULL,
};

static const struct attribute_group daxhold_group = {
	.attrs = daxhold_attrs,
};

static struct kobject *daxhold_kobj;

/* Create /sys/kernel/daxhold/.  C because kobjects have no Rust API in 6.12. */
int daxhold_sysfs_init(void)
{
	int rc;

	daxhold_kobj = kobject_create_and_add("daxhold", kernel_kobj);
	if (!daxhold_kobj)
		return -ENOMEM;
	rc = sysfs_create_group(daxhold_kobj, &daxhold_group);
	if (rc) {
		kobject_put(daxhold_kobj);
		daxhold_kobj = NULL;
	}
	return rc;
}

/* Remove it; kernfs waits for callbacks still running. */
void daxhold_sysfs_exit(void)
{
	kobject_put(daxhold_kobj);
	daxhold_kobj = NULL;
}

/*
 * The failure log's work item (rust/events.rs): the failure path records
 * its lines in a ring and kicks this work, which prints them.  Delayed by
 * one tick, on the unbound workqueue: on a PREEMPT_NONE kernel a per-CPU
 * work queued at once runs on the poisoned task's CPU before that task
 * returns to user space to take its SIGBUS (the printing would be back in
 * the failure's latency), and an immediate wake-up costs an IPI per
 * failure.  Delayed, a kick is one test_and_set_bit() while a print is
 * pending (and arms a timer otherwise), and a burst of failures is printed
 * in one go, on whichever CPU is free.
 */
static void daxhold_log_fn(struct work_struct *work)
{
	daxhold_log_print();
}
static DECLARE_DELAYED_WORK(daxhold_log_work, daxhold_log_fn);

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
