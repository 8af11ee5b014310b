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
 *
 * Every function here is small and hands its result to Rust at once
 * (rust/topology/ffi.rs); policy lives there.
 */
#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/device-mapper.h>
#include <linux/fs.h>
#include <linux/module.h>
#include "dm-core.h"
#include <daxhold/glue.h>
#include <daxhold/stack_glue.h>

/*
 * block_class itself is not exported; every registered block device's
 * struct device points at it.  Take it from the first block-device inode
 * that has one (the bdev pseudo filesystem's root inode has none).
 */
const struct class *daxhold_block_class(void)
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

/* The block_device_operations of dm disks, once one was seen. */
static const struct block_device_operations *daxhold_dm_fops;

/* Whether a dm device was seen (dm is there, as a module or built in). */
bool daxhold_dm_seen(void)
{
	return READ_ONCE(daxhold_dm_fops) != NULL;
}

/*
 * Whether bdev is still settling: a disk device_add_disk() has not
 * finished or del_gendisk() has started on, a partition not (or no
 * longer) in its disk's table.  The change signals come at the driver
 * core's device_add() and device_del(), inside those.
 */
static bool daxhold_bdev_changing(struct block_device *bdev)
{
	struct gendisk *disk = bdev->bd_disk;

	if (bdev_is_partition(bdev))
		return xa_load(&disk->part_tbl, bdev_partno(bdev)) != bdev;
	return !test_bit(GD_ADDED, &disk->state) ||
	       test_bit(GD_DEAD, &disk->state);
}

/*
 * Whether a whole disk is a dm device.  dm_get_md() refuses a dm device
 * being created or removed: one with dm's operations is still a dm device
 * (and settling), and so is a DAX disk without a parent device (pmem disks
 * hang off their namespace), never to be taken for a pmem disk.
 */
static u32 daxhold_dm_flags(struct block_device *bdev, u32 flags)
{
	struct gendisk *disk = bdev->bd_disk;
	struct mapped_device *md = dm_get_md(bdev->bd_dev);

	if (md) {
		WRITE_ONCE(daxhold_dm_fops, disk->fops);
		dm_put(md);
		return DAXHOLD_BDEV_DM;
	}
	if (disk->fops == READ_ONCE(daxhold_dm_fops))
		return DAXHOLD_BDEV_DM | DAXHOLD_BDEV_CHANGING;
	if ((flags & DAXHOLD_BDEV_DAX) && !disk_to_dev(disk)->parent)
		return DAXHOLD_BDEV_DM;
	return 0;
}

/* Describe one block device for Rust. */
static void daxhold_bdev_info(struct block_device *bdev,
			      struct daxhold_bdev_info *info)
{
	memset(info, 0, sizeof(*info));
	info->dev = bdev->bd_dev;
	info->whole = bdev_whole(bdev)->bd_dev;
	info->start_sect = bdev->bd_start_sect;
	info->nr_sects = bdev_nr_sectors(bdev);
	if (bdev_is_partition(bdev))
		info->flags |= DAXHOLD_BDEV_PARTITION;
	if (blk_queue_dax(bdev_get_queue(bdev)))
		info->flags |= DAXHOLD_BDEV_DAX;
	if (daxhold_bdev_changing(bdev))
		info->flags |= DAXHOLD_BDEV_CHANGING;
	if (!bdev_is_partition(bdev))
		info->flags |= daxhold_dm_flags(bdev, info->flags);
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
