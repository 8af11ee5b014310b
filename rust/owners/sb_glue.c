// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold superblock glue: the mounted ext4, ext2 and XFS filesystems on
 * a device, for the reverse map, the metadata check and the known-poison
 * scan (Documentation/design.rst, "Where the owners come from").
 *
 * - iterate_supers_type() with a C callback, and get_fs_type() with its
 *   module reference: C callbacks and struct file_system_type, which
 *   6.12's Rust does not wrap.
 * - sb->s_op->shutdown and sb_bread()/brelse(): operation tables and
 *   buffer heads, likewise.
 */
#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <daxhold/glue.h>

/* The filesystems whose DAX files daxhold's reverse map serves. */
static const char *const daxhold_fs_types[] = { "ext4", "ext2", "xfs" };

/*
 * The types of daxhold_fs_types[] that are built into the kernel, once a
 * failure has looked them up: kernel image data, never freed, so no
 * reference is kept and the next failure skips get_fs_type()'s search of
 * the list by name.  A type in a module is looked up (and its module
 * held) each time.
 */
static struct file_system_type *daxhold_fs_builtin[ARRAY_SIZE(daxhold_fs_types)];

static struct file_system_type *daxhold_fs_get(int i)
{
	struct file_system_type *type = READ_ONCE(daxhold_fs_builtin[i]);

	if (type)
		return type;
	type = get_fs_type(daxhold_fs_types[i]);
	if (type && !type->owner)
		WRITE_ONCE(daxhold_fs_builtin[i], type);
	return type;
}

struct daxhold_sb_walk {
	daxhold_sb_fn fn;
	void *ctx;
	int rc;
};

static void daxhold_sb_walk_one(struct super_block *sb, void *arg)
{
	struct daxhold_sb_walk *w = arg;

	if (!w->rc && sb->s_bdev)
		w->rc = w->fn(w->ctx, sb, sb->s_bdev->bd_dev, sb->s_type->name);
}

/*
 * Call fn on every mounted ext4, ext2 and XFS superblock on a block
 * device, with s_umount held shared (as fs_bdev_mark_dead() holds it to
 * call ->shutdown).  get_fs_type() asks request_module() for a type not
 * registered (as mount would; the types come in order, so only a search
 * past ext4 asks for ext2 and xfs); one the kernel cannot load is skipped.
 */
int daxhold_for_each_sb(daxhold_sb_fn fn, void *ctx)
{
	struct daxhold_sb_walk w = { .fn = fn, .ctx = ctx };
	int i;

	for (i = 0; i < ARRAY_SIZE(daxhold_fs_types) && !w.rc; i++) {
		struct file_system_type *type;

		type = daxhold_fs_get(i);
		if (!type)
			continue;
		iterate_supers_type(type, daxhold_sb_walk_one, &w);
		/* No-op for a built-in type (no owner). */
		module_put(type->owner);
	}
	return w.rc;
}

/* sb->s_op->shutdown, from a daxhold_for_each_sb() callback. */
int daxhold_sb_shutdown(struct super_block *sb)
{
	if (!sb->s_op->shutdown)
		return -EOPNOTSUPP;
	sb->s_op->shutdown(sb);
	return 0;
}

/*
 * Copy len bytes at byte offset off of filesystem block nr (of sb's block
 * size) into buf, through the buffer cache; from a daxhold_for_each_sb()
 * callback.  0, -EINVAL (past the block), or -EIO.
 */
int daxhold_sb_read(struct super_block *sb, u64 nr, u32 off, void *buf,
		    u32 len)
{
	struct buffer_head *bh;

	if (off > sb->s_blocksize || len > sb->s_blocksize - off)
		return -EINVAL;
	bh = sb_bread(sb, nr);
	if (!bh)
		return -EIO;
	memcpy(buf, bh->b_data + off, len);
	brelse(bh);
	return 0;
}
