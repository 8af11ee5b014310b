// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold stack watch glue: how daxhold learns that the storage stack
 * moved (Documentation/design.rst, "Keeping the model right"), and the
 * slot-loss warning.
 *
 * - Change signals: a class interface (struct class_interface with
 *   function pointers, on the block class rust/topology/stack_glue.c finds) and a
 *   wait entry on dm's global event (vfs_poll() with a poll_table whose
 *   queueing function is ours): 6.12's Rust has neither.
 * - The slot-loss warning: 6.12 has no signal for a failed
 *   fs_dax_get_by_bdev(); one kretprobe (struct kretprobe, pt_regs
 *   accessors) stands in for one.
 *
 * Policy (what a change means) is in Rust: rust/topology/.
 */
#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <daxhold/glue.h>
#include <daxhold/stack_glue.h>

/*
 * The change signals (Documentation/design.rst, "Keeping the model right"),
 * all public mechanisms:
 *
 * - a class interface on the block class: the driver core calls add_dev()
 *   and remove_dev() for every disk and partition that comes or goes (disk
 *   add and removal, partition scans, BLKPG add and delete, dm devices);
 * - device-mapper's global event, the one `dmsetup` and dmeventd wait for
 *   by polling /dev/mapper/control: dm raises it after every table swap and
 *   device removal.  daxhold keeps the control file open and polls it once
 *   with its own poll_table, which puts a wait entry on the event's wait
 *   queue, as eventfd's in-kernel users do.
 *
 * Each signal bumps daxhold_gen and queues the rescan, which bumps it once
 * more as it starts, so a snapshot read while a change was still settling
 * is not kept.  A snapshot build also checks that what it reads is settled
 * (daxhold_bdev_info(): DAXHOLD_BDEV_CHANGING).
 */
static atomic64_t daxhold_gen = ATOMIC64_INIT(0);

/* Where dm's control device is (its misc device's nodename). */
#define DAXHOLD_DM_CONTROL "/dev/mapper/control"

static void daxhold_dm_watch_start(void);

/* Rust's callbacks, from daxhold_stack_watch_init(). */
static const struct daxhold_stack_ops *daxhold_stack;

static void daxhold_rescan_fn(struct work_struct *work)
{
	atomic64_inc(&daxhold_gen);
	daxhold_dm_watch_start();
	daxhold_stack->rescan();
}
static DECLARE_WORK(daxhold_rescan_work, daxhold_rescan_fn);

/* Set once module init has its sysfs and holders: rescans may run. */
static bool daxhold_rescans;

static void daxhold_stack_changed(void)
{
	atomic64_inc(&daxhold_gen);
	if (READ_ONCE(daxhold_rescans))
		schedule_work(&daxhold_rescan_work);
}

static int daxhold_bdev_added(struct device *dev)
{
	daxhold_stack_changed();
	return 0;
}

static void daxhold_bdev_removed(struct device *dev)
{
	daxhold_stack_changed();
}

static struct class_interface daxhold_block_intf = {
	.add_dev = daxhold_bdev_added,
	.remove_dev = daxhold_bdev_removed,
};

/* The dm control file daxhold keeps open, and its wait entry. */
static struct {
	struct file *file;
	wait_queue_head_t *wqh;
	wait_queue_entry_t wait;
	poll_table pt;
	bool said;		/* the open failure was said */
	bool stopped;		/* unloading: no new watch */
} daxhold_dmw;
static DEFINE_MUTEX(daxhold_dmw_mutex);

static int daxhold_dm_event(wait_queue_entry_t *wait, unsigned int mode,
			    int sync, void *key)
{
	daxhold_stack_changed();
	return 0;
}

static void daxhold_dm_queue(struct file *file, wait_queue_head_t *wqh,
			     poll_table *pt)
{
	if (daxhold_dmw.wqh)
		return;
	daxhold_dmw.wqh = wqh;
	add_wait_queue(wqh, &daxhold_dmw.wait);
}

/*
 * Start watching dm's global event, if not yet (dm may come later, as a
 * module: then the first dm disk's add_dev() queues the rescan, which
 * tries again).  May sleep.
 */
static void daxhold_dm_watch_start(void)
{
	struct file *f;

	mutex_lock(&daxhold_dmw_mutex);
	if (daxhold_dmw.file || daxhold_dmw.stopped)
		goto out;
	f = filp_open(DAXHOLD_DM_CONTROL, O_RDWR, 0);
	if (IS_ERR(f)) {
		/* No file before dm's first device is no news. */
		if (!daxhold_dmw.said &&
		    (PTR_ERR(f) != -ENOENT || daxhold_dm_seen()))
			pr_warn("daxhold: cannot open %s (%pe): dm table swaps are not seen; a stack with dm devices is read again at each failure\n",
				DAXHOLD_DM_CONTROL, f);
		daxhold_dmw.said = PTR_ERR(f) != -ENOENT ||
				   daxhold_dm_seen();
		goto out;
	}
	init_waitqueue_func_entry(&daxhold_dmw.wait, daxhold_dm_event);
	init_poll_funcptr(&daxhold_dmw.pt, daxhold_dm_queue);
	vfs_poll(f, &daxhold_dmw.pt);
	if (!daxhold_dmw.wqh) {
		pr_err("daxhold: %s has no wait queue to watch: dm table swaps are not seen\n",
		       DAXHOLD_DM_CONTROL);
		fput(f);
		goto out;
	}
	daxhold_dmw.file = f;
	/* Swaps before the watch were not seen: nothing older is current. */
	atomic64_inc(&daxhold_gen);
out:
	mutex_unlock(&daxhold_dmw_mutex);
}

static void daxhold_dm_watch_stop(void)
{
	mutex_lock(&daxhold_dmw_mutex);
	daxhold_dmw.stopped = true;
	if (daxhold_dmw.file) {
		remove_wait_queue(daxhold_dmw.wqh, &daxhold_dmw.wait);
		fput(daxhold_dmw.file);
		daxhold_dmw.file = NULL;
		daxhold_dmw.wqh = NULL;
	}
	mutex_unlock(&daxhold_dmw_mutex);
}

/*
 * The slot-loss signal: a filesystem that asks fs_dax_get_by_bdev() for the
 * holder slot of a dax_device daxhold holds gets NULL and runs without DAX.
 * Say so, once per mount, naming the filesystem: during its mount the block
 * device is claimed with the super_block as holder (fs_holder_ops).  (%ps on
 * its holder operations would need CONFIG_KALLSYMS_ALL for a data symbol.)
 */
struct daxhold_dax_get_args {
	struct block_device *bdev;
};

static int daxhold_dax_get_entry(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	struct daxhold_dax_get_args *a = (void *)ri->data;

	a->bdev = (struct block_device *)regs_get_kernel_argument(regs, 0);
	/* Only calls that want the slot (holder and ops given) matter. */
	return regs_get_kernel_argument(regs, 2) &&
	       regs_get_kernel_argument(regs, 3) ? 0 : 1;
}

static const char *daxhold_fs_name(struct block_device *bdev)
{
	struct super_block *sb = bdev->bd_holder;

	if (bdev->bd_holder_ops != &fs_holder_ops || !sb || !sb->s_type)
		return "a filesystem";
	return sb->s_type->name;
}

static int daxhold_dax_get_return(struct kretprobe_instance *ri,
				  struct pt_regs *regs)
{
	struct daxhold_dax_get_args *a = (void *)ri->data;
	struct block_device *whole = bdev_whole(a->bdev);

	if (!regs_return_value(regs) && daxhold_stack->holds_dev(whole->bd_dev))
		pr_warn("daxhold: %pg: %s cannot hold the dax_device of %pg, which daxhold holds: it runs without DAX and without its own notify_failure\n",
			a->bdev, daxhold_fs_name(a->bdev), whole);
	return 0;
}

static struct kretprobe daxhold_dax_get_probe = {
	.kp.symbol_name = "fs_dax_get_by_bdev",
	.entry_handler = daxhold_dax_get_entry,
	.handler = daxhold_dax_get_return,
	.data_size = sizeof(struct daxhold_dax_get_args),
	.maxactive = 32,
};

/* Read the generation; whether dm's event is watched. */
bool daxhold_stack_gen(u64 *gen)
{
	*gen = atomic64_read(&daxhold_gen);
	return READ_ONCE(daxhold_dmw.file) != NULL;
}

/*
 * Start the change signals and the slot-loss probe; on failure, one line
 * naming what could not be registered.
 */
int daxhold_stack_watch_init(const struct daxhold_stack_ops *ops)
{
	int rc;

	daxhold_stack = ops;
	daxhold_block_intf.class = daxhold_block_class();
	if (!daxhold_block_intf.class) {
		pr_err("daxhold: no block device to find the block class from\n");
		return -ENODEV;
	}
	daxhold_dm_watch_start();
	rc = class_interface_register(&daxhold_block_intf);
	if (rc) {
		pr_err("daxhold: cannot watch the block class: %pe\n", ERR_PTR(rc));
		goto undo_dm;
	}
	rc = register_kretprobe(&daxhold_dax_get_probe);
	if (!rc)
		return 0;
	pr_err("daxhold: cannot probe fs_dax_get_by_bdev: %pe\n", ERR_PTR(rc));
	class_interface_unregister(&daxhold_block_intf);
undo_dm:
	daxhold_dm_watch_stop();
	cancel_work_sync(&daxhold_rescan_work);
	return rc;
}

/*
 * Let the change signals queue rescans (module init's own rescan comes
 * right after: it sees what changed before).
 */
void daxhold_stack_watch_rescans(void)
{
	WRITE_ONCE(daxhold_rescans, true);
}

/* Stop the change signals, then wait for a rescan they queued. */
void daxhold_stack_watch_exit(void)
{
	unregister_kretprobe(&daxhold_dax_get_probe);
	WRITE_ONCE(daxhold_rescans, false);
	daxhold_dm_watch_stop();
	class_interface_unregister(&daxhold_block_intf);
	cancel_work_sync(&daxhold_rescan_work);
}
