// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold known-poison glue: what the badblocks work needs from C
 * (Documentation/design.rst, "Known poison").  Policy (what to resolve,
 * what to report, whom to signal) is in Rust: rust/poison/ and
 * rust/ffi/badblocks.rs.
 *
 * - Change signal: 6.12 has no notifier for "a disk's badblocks list
 *   changed".  The pmem driver calls sysfs_notify_dirent() on the disk's
 *   badblocks attribute after a change, but that wakes pollers in user
 *   space only; in the kernel there is nothing to subscribe to.  So
 *   kretprobes (struct kretprobe, pt_regs argument accessors) on
 *   badblocks_set() and badblocks_clear(): the entry handler only compares
 *   the struct badblocks * argument with the lists of held disks (a small
 *   array of pointers, never dereferenced), and the return handler, which
 *   runs once the change is complete, queues the (delayed) scan work.  No
 *   allocation, no sleeping, no locks in either handler.
 * - A consistent copy of a list: struct badblocks is read under its
 *   seqlock with the BB_OFFSET/BB_LEN macros (<linux/badblocks.h>, which
 *   the kernel's Rust bindings do not cover), under the disk's open_mutex
 *   with a GD_DEAD check, so the pmem driver cannot free the list meanwhile
 *   (del_gendisk() marks the disk dead under that mutex before the list
 *   goes).
 * - Files of a filesystem: the in-core inode walk is the reverse map's
 *   (daxhold_sb_for_each_dax_file() in rust/index_glue.c), and each
 *   file's extents from its own ->fiemap() with fi_extents_max = 0
 *   (fiemap_fill_next_extent() then only counts and never touches user
 *   memory), the extents caught by
 *   a kprobe on fiemap_fill_next_extent() that records only calls with
 *   daxhold's own fiemap_extent_info.
 */
#include <linux/badblocks.h>
#include <linux/blkdev.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <daxhold/glue.h>

/* ------------------------------------------------------ change signal -- */

/* The badblocks lists of held disks, compared by address only. */
static struct badblocks *daxhold_bb_lists[DAXHOLD_BB_DISKS];
static DEFINE_SPINLOCK(daxhold_bb_lock);
/* Set at unload: no more work is queued. */
static bool daxhold_bb_stopped;
/* Whether the kretprobes are registered (else the scan polls). */
static bool daxhold_bb_probed;

static void daxhold_bb_work_fn(struct work_struct *work)
{
	daxhold_bb_scan();
}
static DECLARE_DELAYED_WORK(daxhold_bb_work, daxhold_bb_work_fn);

/*
 * Run the scan in delay_ms, sooner if it is queued for later already (a
 * refresh): a burst of changes within delay_ms is one scan.  Any context.
 */
void daxhold_bb_kick(u32 delay_ms)
{
	if (!READ_ONCE(daxhold_bb_stopped))
		mod_delayed_work(system_unbound_wq, &daxhold_bb_work,
				 msecs_to_jiffies(delay_ms));
}

/*
 * Run the scan in delay_ms unless it is queued already (the periodic
 * refresh must not put off a scan a change asked for).  Any context.
 */
void daxhold_bb_refresh(u32 delay_ms)
{
	if (!READ_ONCE(daxhold_bb_stopped))
		queue_delayed_work(system_unbound_wq, &daxhold_bb_work,
				   msecs_to_jiffies(delay_ms));
}

/* Forget the watched lists (before the scan adds the current ones). */
void daxhold_bb_watch_reset(void)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&daxhold_bb_lock, flags);
	for (i = 0; i < DAXHOLD_BB_DISKS; i++)
		WRITE_ONCE(daxhold_bb_lists[i], NULL);
	spin_unlock_irqrestore(&daxhold_bb_lock, flags);
}

/*
 * Watch the badblocks list of bdev's disk (open, so its gendisk is live):
 * 0, -ENOSPC when DAXHOLD_BB_DISKS are watched, -ENOENT if it has none.
 */
int daxhold_bb_watch(struct block_device *bdev)
{
	struct badblocks *bb = bdev->bd_disk->bb;
	unsigned long flags;
	int i, rc = -ENOSPC;

	if (!bb)
		return -ENOENT;
	spin_lock_irqsave(&daxhold_bb_lock, flags);
	for (i = 0; i < DAXHOLD_BB_DISKS; i++) {
		if (daxhold_bb_lists[i] == bb) {
			rc = 0;
			break;
		}
		if (!daxhold_bb_lists[i]) {
			WRITE_ONCE(daxhold_bb_lists[i], bb);
			rc = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&daxhold_bb_lock, flags);
	return rc;
}

/* badblocks_set/clear(bb, ...) entry: 0 (see the return) if bb is held. */
static int daxhold_bb_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct badblocks *bb = (struct badblocks *)regs_get_kernel_argument(regs, 0);
	int i;

	for (i = 0; i < DAXHOLD_BB_DISKS; i++)
		if (READ_ONCE(daxhold_bb_lists[i]) == bb)
			return 0;
	return 1;
}

/* ... and its return: the list changed; scan it a little later. */
static int daxhold_bb_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	daxhold_bb_kick(DAXHOLD_BB_SETTLE_MS);
	return 0;
}

static struct kretprobe daxhold_bb_set_probe = {
	.kp.symbol_name = "badblocks_set",
	.entry_handler = daxhold_bb_entry,
	.handler = daxhold_bb_ret,
	.maxactive = 16,
};

static struct kretprobe daxhold_bb_clear_probe = {
	.kp.symbol_name = "badblocks_clear",
	.entry_handler = daxhold_bb_entry,
	.handler = daxhold_bb_ret,
	.maxactive = 16,
};

static struct kretprobe *daxhold_bb_probes[] = {
	&daxhold_bb_set_probe, &daxhold_bb_clear_probe,
};

/* ---------------------------------------------------- fiemap capture -- */

/* The one fiemap daxhold runs at a time, and where its extents go. */
static DEFINE_MUTEX(daxhold_fm_mutex);
static struct {
	struct fiemap_extent_info *fi;	/* ours; NULL when none runs */
	struct task_struct *task;	/* the task running it */
	struct daxhold_fiemap_ext *out;
	u32 max;
	u32 n;
	bool more;			/* extents past out[max - 1] */
} daxhold_fm;

/*
 * fiemap_fill_next_extent(fieinfo, logical, phys, len, flags): record the
 * extent if fieinfo is ours (it is on our own stack, in our own task).
 */
static int daxhold_fm_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct daxhold_fiemap_ext *e;

	if ((void *)regs_get_kernel_argument(regs, 0) != READ_ONCE(daxhold_fm.fi) ||
	    current != READ_ONCE(daxhold_fm.task))
		return 0;
	if (daxhold_fm.n >= daxhold_fm.max) {
		daxhold_fm.more = true;
		return 0;
	}
	e = &daxhold_fm.out[daxhold_fm.n++];
	e->logical = regs_get_kernel_argument(regs, 1);
	e->physical = regs_get_kernel_argument(regs, 2);
	e->len = regs_get_kernel_argument(regs, 3);
	e->flags = regs_get_kernel_argument(regs, 4);
	return 0;
}

static struct kprobe daxhold_fm_probe = {
	.symbol_name = "fiemap_fill_next_extent",
	.pre_handler = daxhold_fm_pre,
};

/*
 * The extents of a pinned inode from byte start on, as FIEMAP gives them,
 * into out[0..max): the number stored, or a negative errno (-EOPNOTSUPP
 * without ->fiemap or the probe).  *more says whether extents past the
 * last stored one were left out (call again from after it).  May sleep.
 */
int daxhold_fiemap(struct inode *inode, u64 start,
		   struct daxhold_fiemap_ext *out, u32 max, bool *more)
{
	struct fiemap_extent_info fi = { .fi_extents_max = 0 };
	int rc;

	*more = false;
	if (!inode->i_op->fiemap || !daxhold_bb_probed)
		return -EOPNOTSUPP;
	if (start >= LLONG_MAX)
		return 0;
	mutex_lock(&daxhold_fm_mutex);
	daxhold_fm.out = out;
	daxhold_fm.max = max;
	daxhold_fm.n = 0;
	daxhold_fm.more = false;
	WRITE_ONCE(daxhold_fm.task, current);
	WRITE_ONCE(daxhold_fm.fi, &fi);
	rc = inode->i_op->fiemap(inode, &fi, start, LLONG_MAX - start);
	WRITE_ONCE(daxhold_fm.fi, NULL);
	WRITE_ONCE(daxhold_fm.task, NULL);
	*more = daxhold_fm.more;
	if (rc >= 0)
		rc = daxhold_fm.n;
	mutex_unlock(&daxhold_fm_mutex);
	return rc;
}

/* --------------------------------------------------------- snapshots -- */

/*
 * Copy the badblocks list of bdev's disk (open) into out[0..max), in
 * sectors: the number of entries the list has (more than max if it did
 * not fit), 0 for a disk without a list or with badblocks disabled,
 * -ENODEV once the disk is being removed.  Sleeps (open_mutex).
 */
int daxhold_bb_read(struct block_device *bdev, struct daxhold_bb_range *out,
		    u32 max)
{
	struct gendisk *disk = bdev->bd_disk;
	struct badblocks *bb;
	unsigned int seq;
	int i, count, shift, rc;

	mutex_lock(&disk->open_mutex);
	if (test_bit(GD_DEAD, &disk->state)) {
		rc = -ENODEV;
		goto out;
	}
	bb = disk->bb;
	if (!bb) {
		rc = 0;
		goto out;
	}
	do {
		seq = read_seqbegin(&bb->lock);
		count = READ_ONCE(bb->count);
		shift = READ_ONCE(bb->shift);
		if (shift < 0 || count < 0)
			count = 0;
		count = min_t(int, count, MAX_BADBLOCKS);
		for (i = 0; i < count && i < max; i++) {
			u64 e = READ_ONCE(bb->page[i]);

			out[i].sector = BB_OFFSET(e) << shift;
			out[i].sectors = BB_LEN(e) << shift;
		}
	} while (read_seqretry(&bb->lock, seq));
	rc = count;
out:
	mutex_unlock(&disk->open_mutex);
	return rc;
}

/* -------------------------------------------------------- load/unload -- */

/*
 * Register the probes.  A kernel without kprobes on these symbols is not
 * an error: the scan then polls (daxhold_bb_probed() false), one line.
 */
int daxhold_bb_init(void)
{
	int rc;

	WRITE_ONCE(daxhold_bb_stopped, false);
	rc = register_kretprobes(daxhold_bb_probes, ARRAY_SIZE(daxhold_bb_probes));
	if (rc) {
		pr_warn("daxhold: badblocks: cannot probe badblocks_set/clear (%d); polling instead\n",
			rc);
		return 0;
	}
	rc = register_kprobe(&daxhold_fm_probe);
	if (rc) {
		unregister_kretprobes(daxhold_bb_probes, ARRAY_SIZE(daxhold_bb_probes));
		pr_warn("daxhold: badblocks: cannot probe fiemap_fill_next_extent (%d); polling, no file resolution\n",
			rc);
		return 0;
	}
	daxhold_bb_probed = true;
	return 0;
}

/* Whether changes are signalled (else the scan polls). */
bool daxhold_bb_has_probes(void)
{
	return daxhold_bb_probed;
}

/* Unregister the probes, stop the work and wait for a running scan. */
void daxhold_bb_exit(void)
{
	WRITE_ONCE(daxhold_bb_stopped, true);
	if (daxhold_bb_probed) {
		unregister_kprobe(&daxhold_fm_probe);
		unregister_kretprobes(daxhold_bb_probes, ARRAY_SIZE(daxhold_bb_probes));
		daxhold_bb_probed = false;
	}
	cancel_delayed_work_sync(&daxhold_bb_work);
	daxhold_bb_watch_reset();
}
