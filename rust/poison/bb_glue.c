// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold known-poison glue: what the badblocks scan needs from C
 * (Documentation/design.rst, "Known poison"); when it runs is
 * rust/poison/watch_glue.c.  Policy (what to resolve, what to report, whom to
 * signal) is in Rust: rust/poison/ and rust/poison/ffi.rs.
 *
 * - A consistent copy of a list: struct badblocks is read under its
 *   seqlock with the BB_OFFSET/BB_LEN macros (<linux/badblocks.h>, which
 *   the kernel's Rust bindings do not cover), under the disk's open_mutex
 *   with a GD_DEAD check, so the pmem driver cannot free the list meanwhile
 *   (del_gendisk() marks the disk dead under that mutex before the list
 *   goes).
 * - Files of a filesystem: the in-core inode walk is the reverse map's
 *   (daxhold_sb_for_each_dax_file() in rust/owners/index_glue.c), and each
 *   file's extents from its own ->fiemap() with fi_extents_max = 0
 *   (fiemap_fill_next_extent() then only counts and never touches user
 *   memory), the extents caught by a kprobe (struct kprobe, pt_regs
 *   accessors) on fiemap_fill_next_extent() that records only calls with
 *   daxhold's own fiemap_extent_info.
 */
#include <linux/badblocks.h>
#include <linux/blkdev.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <daxhold/glue.h>

/* ---------------------------------------------------- fiemap capture -- */

/* Whether the fiemap_fill_next_extent() kprobe is registered. */
static bool daxhold_fm_probed;

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
	if (!inode->i_op->fiemap || !daxhold_fm_probed)
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
 * Let the scan be queued and register the fiemap probe.  A kernel without
 * kprobes on it is not an error: files nobody maps are then not found,
 * one line.
 */
int daxhold_bb_init(const struct daxhold_bb_ops *ops)
{
	int rc;

	daxhold_bb_watch_init(ops);
	rc = register_kprobe(&daxhold_fm_probe);
	if (rc) {
		pr_warn("daxhold: badblocks: cannot probe fiemap_fill_next_extent (%d); no file resolution\n",
			rc);
		return 0;
	}
	daxhold_fm_probed = true;
	return 0;
}

/* Stop the scan and the watches, unregister the probe. */
void daxhold_bb_exit(void)
{
	daxhold_bb_watch_exit();
	if (daxhold_fm_probed) {
		unregister_kprobe(&daxhold_fm_probe);
		daxhold_fm_probed = false;
	}
}
