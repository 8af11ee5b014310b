// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold stack glue: what discovery of the storage stack needs from C.
 *
 * - Enumerating block devices: block_class is not exported, class
 *   iteration and dev_to_bdev() are C macros and inlines.
 * - Reading a dm device's live table: struct mapped_device and
 *   struct dm_table are private to drivers/md (dm-core.h), and the live
 *   table is reachable only under md->io_barrier SRCU through
 *   dm_get_live_table(), which 6.12 does not export.
 * - Change signals: 6.12 has no notifier for dm table swaps, partition
 *   changes or disk add/remove; kretprobes (struct kretprobe with function
 *   pointers and pt_regs accessors) stand in for one.
 *
 * Every function here is small and hands its result to Rust at once
 * (rust/ffi/stack.rs); policy lives there.
 */
#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/device-mapper.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/workqueue.h>
#include "dm-core.h"
#include <daxhold/glue.h>

/*
 * block_class itself is not exported; every registered block device's
 * struct device points at it.  Take it from the first block-device inode
 * that has one (the bdev pseudo filesystem's root inode has none).
 */
static const struct class *daxhold_block_class(void)
{
	static const struct class *cls;
	struct inode *inode;

	if (READ_ONCE(cls))
		return cls;
	spin_lock(&blockdev_superblock->s_inode_list_lock);
	list_for_each_entry(inode, &blockdev_superblock->s_inodes, i_sb_list) {
		const struct class *c = I_BDEV(inode)->bd_device.class;

		if (c) {
			WRITE_ONCE(cls, c);
			break;
		}
	}
	spin_unlock(&blockdev_superblock->s_inode_list_lock);
	return cls;
}

/* Describe one block device for Rust. */
static void daxhold_bdev_info(struct block_device *bdev,
			      struct daxhold_bdev_info *info)
{
	struct mapped_device *md;

	memset(info, 0, sizeof(*info));
	info->dev = bdev->bd_dev;
	info->whole = bdev_whole(bdev)->bd_dev;
	info->start_sect = bdev->bd_start_sect;
	info->nr_sects = bdev_nr_sectors(bdev);
	if (bdev_is_partition(bdev))
		info->flags |= DAXHOLD_BDEV_PARTITION;
	if (blk_queue_dax(bdev_get_queue(bdev)))
		info->flags |= DAXHOLD_BDEV_DAX;
	if (!bdev_is_partition(bdev)) {
		md = dm_get_md(bdev->bd_dev);
		if (md) {
			info->flags |= DAXHOLD_BDEV_DM;
			dm_put(md);
		}
	}
	snprintf(info->name, sizeof(info->name), "%pg", bdev);
}

/*
 * Call fn on every block device (disks and partitions), in process context;
 * fn may sleep.  Stops at and returns fn's first non-zero result.
 */
int daxhold_for_each_bdev(daxhold_bdev_fn fn, void *ctx)
{
	const struct class *cls = daxhold_block_class();
	struct daxhold_bdev_info info;
	struct class_dev_iter iter;
	struct device *dev;
	int rc = 0;

	if (!cls)
		return 0;
	class_dev_iter_init(&iter, cls, NULL, NULL);
	while (!rc && (dev = class_dev_iter_next(&iter))) {
		daxhold_bdev_info(dev_to_bdev(dev), &info);
		rc = fn(ctx, &info);
	}
	class_dev_iter_exit(&iter);
	return rc;
}

/*
 * Call fn on every target of the live table of dm device dev, with the
 * text `dmsetup table` shows for it.  The table is read under the device's
 * io_barrier SRCU, as dm_get_live_table() does: one consistent table, old
 * or new, never a torn one.  fn may sleep (SRCU readers can).
 * -ENODEV if dev is not a live dm device, -ENOMEM, -EPROTO (one line) if
 * the table does not read as dm lays one out (targets back to back from
 * sector 0: dm refuses any other), or fn's first error.
 *
 * struct mapped_device and struct dm_table come from the build tree's
 * dm-core.h.  A module built against a tree whose layout differs from
 * the running kernel's (another configuration of the same version) would
 * read other fields; the back-to-back check makes that fail loudly
 * instead of translating failures through a garbled table.
 */
int daxhold_dm_for_each_target(u32 dev, daxhold_dm_target_fn fn, void *ctx)
{
	struct mapped_device *md = dm_get_md(dev);
	struct daxhold_dm_target t;
	struct dm_table *map;
	sector_t next = 0;
	unsigned int i;
	int srcu_idx, rc = 0;
	char *buf;

	if (!md)
		return -ENODEV;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf) {
		dm_put(md);
		return -ENOMEM;
	}
	srcu_idx = srcu_read_lock(&md->io_barrier);
	map = srcu_dereference(md->map, &md->io_barrier);
	for (i = 0; map && !rc && i < map->num_targets; i++) {
		struct dm_target *ti = dm_table_get_target(map, i);

		if (ti->begin != next || !ti->len || !ti->type) {
			pr_err_ratelimited("daxhold: %s: target %u at sector %llu (len %llu) where sector %llu was expected: dm's table layout is not the one daxhold was built for (another kernel's dm-core.h?); its tables are not read\n",
					   dm_device_name(md), i,
					   (unsigned long long)ti->begin,
					   (unsigned long long)ti->len,
					   (unsigned long long)next);
			rc = -EPROTO;
			break;
		}
		next = ti->begin + ti->len;
		buf[0] = '\0';
		if (ti->type->status)
			ti->type->status(ti, STATUSTYPE_TABLE, 0, buf, PAGE_SIZE);
		t.begin = ti->begin;
		t.len = ti->len;
		t.type = ti->type->name;
		t.params = buf;
		rc = fn(ctx, &t);
	}
	srcu_read_unlock(&md->io_barrier, srcu_idx);
	kfree(buf);
	dm_put(md);
	return rc;
}

/*
 * The change signal.  Each probed function bumps daxhold_gen on entry and
 * on return and counts itself in daxhold_changing meanwhile, so a snapshot
 * built while both stayed put saw no change at all.  A kretprobe that finds
 * no free instance runs neither handler and counts nmissed; the generation
 * includes those counts, so a missed change still shows.
 */
static atomic64_t daxhold_gen = ATOMIC64_INIT(0);
static atomic_t daxhold_changing = ATOMIC_INIT(0);

static void daxhold_rescan_fn(struct work_struct *work)
{
	daxhold_rescan();
}
static DECLARE_WORK(daxhold_rescan_work, daxhold_rescan_fn);

static int daxhold_change_entry(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	atomic_inc(&daxhold_changing);
	atomic64_inc(&daxhold_gen);
	return 0;
}

static int daxhold_change_return(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	atomic64_inc(&daxhold_gen);
	atomic_dec(&daxhold_changing);
	schedule_work(&daxhold_rescan_work);
	return 0;
}

#define DAXHOLD_CHANGE_PROBE(fn) {				\
	.kp.symbol_name = #fn,					\
	.entry_handler = daxhold_change_entry,			\
	.handler = daxhold_change_return,			\
	.maxactive = 32,					\
}

static struct kretprobe daxhold_change_probes[] = {
	DAXHOLD_CHANGE_PROBE(dm_swap_table),
	DAXHOLD_CHANGE_PROBE(dm_destroy),
	DAXHOLD_CHANGE_PROBE(dm_destroy_immediate),
	DAXHOLD_CHANGE_PROBE(bdev_disk_changed),
	DAXHOLD_CHANGE_PROBE(bdev_add_partition),
	DAXHOLD_CHANGE_PROBE(bdev_del_partition),
	DAXHOLD_CHANGE_PROBE(bdev_resize_partition),
	DAXHOLD_CHANGE_PROBE(device_add_disk),
	DAXHOLD_CHANGE_PROBE(del_gendisk),
};

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

	if (!regs_return_value(regs) && daxhold_holds_dev(whole->bd_dev))
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

/* Read the generation; false while a change is under way. */
bool daxhold_stack_gen(u64 *gen)
{
	u64 missed = 0;
	int changing;
	size_t i;

	changing = atomic_read(&daxhold_changing);
	smp_rmb();
	for (i = 0; i < ARRAY_SIZE(daxhold_change_probes); i++)
		missed += READ_ONCE(daxhold_change_probes[i].nmissed);
	*gen = atomic64_read(&daxhold_gen) + missed;
	return changing == 0;
}

/* Register the probes; on failure name the function that could not be probed. */
int daxhold_probes_init(void)
{
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(daxhold_change_probes); i++) {
		rc = register_kretprobe(&daxhold_change_probes[i]);
		if (rc) {
			pr_err("daxhold: cannot probe %s: %pe\n",
			       daxhold_change_probes[i].kp.symbol_name,
			       ERR_PTR(rc));
			goto undo;
		}
	}
	rc = register_kretprobe(&daxhold_dax_get_probe);
	if (!rc)
		return 0;
	pr_err("daxhold: cannot probe fs_dax_get_by_bdev: %pe\n", ERR_PTR(rc));
undo:
	while (i--)
		unregister_kretprobe(&daxhold_change_probes[i]);
	return rc;
}

/* Unregister the probes, then wait for a rescan they queued. */
void daxhold_probes_exit(void)
{
	size_t i;

	unregister_kretprobe(&daxhold_dax_get_probe);
	for (i = 0; i < ARRAY_SIZE(daxhold_change_probes); i++)
		unregister_kretprobe(&daxhold_change_probes[i]);
	cancel_work_sync(&daxhold_rescan_work);
}
