// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold index glue: what the reverse map of DAX mappings needs from C
 * (Documentation/design.rst, "Where the records come from").
 *
 * - Change signals: 6.12 has no notifier for "a DAX entry was inserted" or
 *   "an inode is being evicted"; kprobes (struct kprobe, pt_regs argument
 *   accessors) on dax_iomap_fault() and clear_inode() stand in for one.
 *   They only queue (inode, pgoff) in a fixed ring: no allocation, no
 *   sleeping, a spinlock held for a few stores.
 * - DAX entries: the entry format (value entries, DAX_SHIFT, DAX_PMD, the
 *   zero and empty flags) is private to fs/dax.c, and the xarray walkers
 *   (XA_STATE, xas_for_each) are macros and inlines.
 * - Walking a superblock's inodes (s_inodes under s_inode_list_lock, the
 *   i_state checks and __iget() that fs/drop_caches.c does) and
 *   iterate_supers_type() with a C callback.
 * - The first pfn of a dax_device: dax_direct_access() under
 *   dax_read_lock(), both from <linux/dax.h>.
 *
 * Policy (what to index, when to rebuild, whom to kill) is in Rust:
 * rust/owners.rs and rust/ffi/index.rs.
 */
#include <linux/buffer_head.h>
#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <daxhold/glue.h>

/* fs/dax.c's entry format (private there; stable through 6.12). */
#define DAX_SHIFT	(4)
#define DAX_PMD		(1UL << 1)
#define DAX_ZERO_PAGE	(1UL << 2)
#define DAX_EMPTY	(1UL << 3)

/* Events queued between two drains; half full kicks the drain work. */
#define DAXHOLD_IX_RING	4096

static struct {
	spinlock_t lock;
	unsigned int head;	/* next to pop */
	unsigned int len;	/* queued */
	bool overflow;		/* events were dropped since the last reset */
	u64 dropped;
	struct daxhold_ix_event ev[DAXHOLD_IX_RING];
} daxhold_ix = { .lock = __SPIN_LOCK_UNLOCKED(daxhold_ix.lock) };

/*
 * The filesystems whose DAX faults are indexed, by the dev_t of their block
 * device: those whose failures reach daxhold's reverse map (added on their
 * first such failure, see rust/owners.rs).  By device, not superblock, so
 * a filesystem mounted again on a watched device is watched too, and the
 * failure path can tell a watched device from its number alone.  Faults
 * elsewhere (XFS that handles its own failures, any DAX filesystem not
 * above a held pmem) cost the probe one compare per entry and nothing
 * else.  Written under daxhold_ix.lock, read without it: a stale read only
 * indexes or skips one fault too many.
 */
#define DAXHOLD_IX_DEVS	32
static u32 daxhold_ix_devs[DAXHOLD_IX_DEVS];
static unsigned int daxhold_ix_nr_devs;

static bool daxhold_ix_watched(u32 dev)
{
	unsigned int i, n = READ_ONCE(daxhold_ix_nr_devs);

	for (i = 0; i < n && i < DAXHOLD_IX_DEVS; i++)
		if (READ_ONCE(daxhold_ix_devs[i]) == dev)
			return true;
	return false;
}

/* Index dev's DAX faults from now on: 1 if added, 0 if it was, -ENOSPC. */
int daxhold_ix_watch(u32 dev)
{
	unsigned long flags;
	int rc = 1;

	spin_lock_irqsave(&daxhold_ix.lock, flags);
	if (daxhold_ix_watched(dev))
		rc = 0;
	else if (daxhold_ix_nr_devs == DAXHOLD_IX_DEVS)
		rc = -ENOSPC;
	else {
		WRITE_ONCE(daxhold_ix_devs[daxhold_ix_nr_devs], dev);
		WRITE_ONCE(daxhold_ix_nr_devs, daxhold_ix_nr_devs + 1);
	}
	spin_unlock_irqrestore(&daxhold_ix.lock, flags);
	return rc;
}

/* Whether dev's DAX faults are indexed. */
bool daxhold_ix_is_watched(u32 dev)
{
	return daxhold_ix_watched(dev);
}

static void daxhold_ix_work_fn(struct work_struct *work)
{
	daxhold_index_work();
}
static DECLARE_WORK(daxhold_ix_work, daxhold_ix_work_fn);

/* Queue one event; the caller holds daxhold_ix.lock. */
static void daxhold_ix_push(u32 kind, struct inode *inode, u64 pgoff,
			    u32 order)
{
	struct daxhold_ix_event *e;

	if (daxhold_ix.len == DAXHOLD_IX_RING) {
		daxhold_ix.overflow = true;
		daxhold_ix.dropped++;
		return;
	}
	e = &daxhold_ix.ev[(daxhold_ix.head + daxhold_ix.len) % DAXHOLD_IX_RING];
	e->kind = kind;
	e->inode = inode;
	e->pgoff = pgoff;
	e->order = order;
	daxhold_ix.len++;
	if (daxhold_ix.len == DAXHOLD_IX_RING / 2)
		schedule_work(&daxhold_ix_work);
}

/*
 * dax_iomap_fault(vmf, order, ...): a DAX entry may be inserted at pgoff of
 * a file on a watched device.
 */
static int daxhold_fault_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_fault *vmf = (struct vm_fault *)regs_get_kernel_argument(regs, 0);
	u32 order = regs_get_kernel_argument(regs, 1);
	struct file *file = vmf->vma->vm_file;
	unsigned long flags;

	if (!file || !daxhold_ix_watched(file_inode(file)->i_sb->s_dev))
		return 0;
	spin_lock_irqsave(&daxhold_ix.lock, flags);
	daxhold_ix_push(DAXHOLD_IX_FAULT, file_inode(file), vmf->pgoff, order);
	spin_unlock_irqrestore(&daxhold_ix.lock, flags);
	return 0;
}

/*
 * clear_inode(inode): the inode is about to be freed.  Queued fault events
 * for it are cancelled and an evict event queued, under the ring lock, so
 * whoever pins an inode under that lock (daxhold_ix_pin, daxhold_ix_pop)
 * never sees one whose memory can go away.  S_DAX does not change while an
 * inode is in core (ext4 and XFS apply a new DAX mode only after eviction,
 * with I_DONTCACHE), so non-DAX inodes can be skipped.
 */
static int daxhold_clear_inode_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)regs_get_kernel_argument(regs, 0);
	unsigned long flags;
	unsigned int i;

	if (!IS_DAX(inode))
		return 0;
	spin_lock_irqsave(&daxhold_ix.lock, flags);
	for (i = 0; i < daxhold_ix.len; i++) {
		struct daxhold_ix_event *e =
			&daxhold_ix.ev[(daxhold_ix.head + i) % DAXHOLD_IX_RING];

		if (e->inode == inode && e->kind == DAXHOLD_IX_FAULT)
			e->inode = NULL;
	}
	daxhold_ix_push(DAXHOLD_IX_EVICT, inode, 0, 0);
	spin_unlock_irqrestore(&daxhold_ix.lock, flags);
	return 0;
}

static struct kprobe daxhold_evict_probe = {
	.symbol_name = "clear_inode", .pre_handler = daxhold_clear_inode_pre,
};

/*
 * The fault probe is registered with the first watched filesystem, so
 * DAX faults cost nothing at all while no filesystem needs the reverse map
 * (XFS handling its own failures, or no failure yet).
 */
static struct kprobe daxhold_fault_probe = {
	.symbol_name = "dax_iomap_fault", .pre_handler = daxhold_fault_pre,
};
static DEFINE_MUTEX(daxhold_fault_probe_lock);
static bool daxhold_fault_probe_on;

int daxhold_ix_probes_init(void)
{
	int rc = register_kprobe(&daxhold_evict_probe);

	if (rc)
		pr_err("daxhold: cannot probe clear_inode (%d): no index of DAX mappings\n",
		       rc);
	return rc;
}

/* Register the fault probe if it is not yet: 0 or a negative errno. */
int daxhold_ix_fault_probe_enable(void)
{
	int rc = 0;

	mutex_lock(&daxhold_fault_probe_lock);
	if (!daxhold_fault_probe_on) {
		rc = register_kprobe(&daxhold_fault_probe);
		if (rc)
			pr_err("daxhold: cannot probe dax_iomap_fault (%d): new DAX mappings are not indexed\n",
			       rc);
		else
			daxhold_fault_probe_on = true;
	}
	mutex_unlock(&daxhold_fault_probe_lock);
	return rc;
}

/* After this, no handler runs and no drain work is queued or running. */
void daxhold_ix_probes_exit(void)
{
	mutex_lock(&daxhold_fault_probe_lock);
	if (daxhold_fault_probe_on)
		unregister_kprobe(&daxhold_fault_probe);
	daxhold_fault_probe_on = false;
	mutex_unlock(&daxhold_fault_probe_lock);
	unregister_kprobe(&daxhold_evict_probe);
	cancel_work_sync(&daxhold_ix_work);
}

/* Drop every queued event: the caller rebuilds the index from scratch. */
void daxhold_ix_reset(void)
{
	unsigned long flags;

	spin_lock_irqsave(&daxhold_ix.lock, flags);
	daxhold_ix.head = 0;
	daxhold_ix.len = 0;
	daxhold_ix.overflow = false;
	spin_unlock_irqrestore(&daxhold_ix.lock, flags);
}

/*
 * Pop the oldest event into *ev.  A fault event comes with its inode
 * pinned (igrab; the caller iputs it); cancelled ones and inodes already
 * being freed are skipped.  Returns 1 for an event, 0 when the ring is
 * empty, -EOVERFLOW if events were lost (the index must be rebuilt).
 */
int daxhold_ix_pop(struct daxhold_ix_event *ev)
{
	unsigned long flags;
	int rc = 0;

	spin_lock_irqsave(&daxhold_ix.lock, flags);
	if (daxhold_ix.overflow) {
		rc = -EOVERFLOW;
		goto out;
	}
	while (daxhold_ix.len) {
		*ev = daxhold_ix.ev[daxhold_ix.head];
		daxhold_ix.head = (daxhold_ix.head + 1) % DAXHOLD_IX_RING;
		daxhold_ix.len--;
		if (ev->kind == DAXHOLD_IX_EVICT) {
			rc = 1;
			break;
		}
		/* Not cancelled, so clear_inode() has not run: memory is live. */
		if (ev->inode && igrab(ev->inode)) {
			rc = 1;
			break;
		}
	}
out:
	spin_unlock_irqrestore(&daxhold_ix.lock, flags);
	return rc;
}

/*
 * Pin an inode the index names (igrab).  The index forgets an inode when
 * it drains its evict event, so an indexed inode is live unless that
 * event is still queued, or was lost (overflow).  Returns 0 (pinned),
 * -ENOENT (evicted or being freed), -EOVERFLOW (rebuild first).
 */
int daxhold_ix_pin(struct inode *inode)
{
	unsigned long flags;
	unsigned int i;
	int rc = 0;

	spin_lock_irqsave(&daxhold_ix.lock, flags);
	if (daxhold_ix.overflow) {
		rc = -EOVERFLOW;
		goto out;
	}
	for (i = 0; i < daxhold_ix.len; i++) {
		struct daxhold_ix_event *e =
			&daxhold_ix.ev[(daxhold_ix.head + i) % DAXHOLD_IX_RING];

		if (e->inode == inode && e->kind == DAXHOLD_IX_EVICT) {
			rc = -ENOENT;
			goto out;
		}
	}
	if (!igrab(inode))
		rc = -ENOENT;
out:
	spin_unlock_irqrestore(&daxhold_ix.lock, flags);
	return rc;
}

/* Events lost to a full ring, since load. */
u64 daxhold_ix_dropped(void)
{
	return READ_ONCE(daxhold_ix.dropped);
}

/* Decode a DAX entry; false for holes (zero page, empty). */
static bool daxhold_dax_decode(void *entry, u64 index,
			       struct daxhold_dax_entry *out)
{
	unsigned long v;

	if (!entry || !xa_is_value(entry))
		return false;
	v = xa_to_value(entry);
	if (v & (DAX_ZERO_PAGE | DAX_EMPTY))
		return false;
	out->order = (v & DAX_PMD) ? PMD_ORDER : 0;
	out->pgoff = index & ~((1ULL << out->order) - 1);
	out->pfn = v >> DAX_SHIFT;
	return true;
}

/* The DAX entry of a pinned inode at pgoff: 0, or -ENOENT for none. */
int daxhold_dax_entry(struct inode *inode, u64 pgoff,
		      struct daxhold_dax_entry *out)
{
	void *entry = xa_load(&inode->i_mapping->i_pages, pgoff);

	return daxhold_dax_decode(entry, pgoff, out) ? 0 : -ENOENT;
}

/*
 * Up to max DAX entries of a pinned inode from *next on; *next is set past
 * the last one.  Returns how many were stored (0: no more).
 */
u32 daxhold_dax_entries(struct inode *inode, u64 *next,
			struct daxhold_dax_entry *out, u32 max)
{
	XA_STATE(xas, &inode->i_mapping->i_pages, *next);
	void *entry;
	u32 n = 0;

	if (!max)
		return 0;
	rcu_read_lock();
	xas_for_each(&xas, entry, ULONG_MAX) {
		if (xas_retry(&xas, entry))
			continue;
		if (!daxhold_dax_decode(entry, xas.xa_index, &out[n]))
			continue;
		*next = out[n].pgoff + (1ULL << out[n].order);
		if (++n == max)
			break;
	}
	rcu_read_unlock();
	if (n < max)
		*next = ULONG_MAX;
	return n;
}

/*
 * Call fn on every in-core DAX inode of sb that passes the filter, pinned
 * for the call (fn may sleep), as drop_pagecache_sb() walks s_inodes.
 * DAXHOLD_WALK_MAPPED: only inodes with DAX entries (the reverse map);
 * DAXHOLD_WALK_REGULAR: only regular files (the known-poison scan, which
 * also wants files no one maps).  Stops at fn's first non-zero result and
 * returns it.  From a daxhold_for_each_sb() callback.
 */
int daxhold_sb_for_each_dax_inode(struct super_block *sb, __u32 flags,
				  daxhold_inode_fn fn, void *ctx)
{
	struct inode *inode, *toput = NULL;
	int rc = 0;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		spin_lock(&inode->i_lock);
		if ((inode->i_state & (I_FREEING | I_WILL_FREE | I_NEW)) ||
		    !IS_DAX(inode) ||
		    ((flags & DAXHOLD_WALK_REGULAR) && !S_ISREG(inode->i_mode)) ||
		    ((flags & DAXHOLD_WALK_MAPPED) &&
		     mapping_empty(inode->i_mapping))) {
			spin_unlock(&inode->i_lock);
			continue;
		}
		__iget(inode);
		spin_unlock(&inode->i_lock);
		spin_unlock(&sb->s_inode_list_lock);

		iput(toput);
		toput = inode;
		rc = fn(ctx, inode);
		cond_resched();
		spin_lock(&sb->s_inode_list_lock);
		if (rc)
			break;
	}
	spin_unlock(&sb->s_inode_list_lock);
	iput(toput);
	return rc;
}

/* The filesystems whose DAX files daxhold indexes and serves. */
static const char *const daxhold_fs_types[] = { "ext4", "ext2", "xfs" };

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
 * call ->shutdown).  Types not registered are skipped, not loaded.
 */
int daxhold_for_each_sb(daxhold_sb_fn fn, void *ctx)
{
	struct daxhold_sb_walk w = { .fn = fn, .ctx = ctx };
	int i;

	for (i = 0; i < ARRAY_SIZE(daxhold_fs_types) && !w.rc; i++) {
		struct file_system_type *type;

		type = get_fs_type(daxhold_fs_types[i]);
		if (!type)
			continue;
		iterate_supers_type(type, daxhold_sb_walk_one, &w);
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

/*
 * Drop the DAX entries of pages [start, end] of a pinned inode, as XFS does
 * after killing for a pre-remove (invalidate_inode_pages2_range() is in
 * <linux/pagemap.h>, which the kernel's Rust bindings do not cover).
 * invalidate_inode_pages2_range() leaves dirty DAX entries (written
 * through a mapping, not yet written back) in place and returns -EBUSY;
 * such an entry outlives the removal, and the file's eviction then reads
 * the struct page of a removed pfn (oops in dax_disassociate_entry()).
 * So write the range back first (dax_writeback_mapping_range() flushes
 * the CPU caches and clears the dirty tags; XFS gets there by freezing
 * the filesystem), and again if a fault dirtied an entry in between.
 * 0, or the last error (-EBUSY: an entry stayed).
 */
int daxhold_invalidate(struct inode *inode, u64 start, u64 end)
{
	struct address_space *mapping = inode->i_mapping;
	loff_t lstart = LLONG_MAX, lend = LLONG_MAX;
	int tries, rc = 0;

	if (start <= (u64)(LLONG_MAX >> PAGE_SHIFT))
		lstart = (loff_t)start << PAGE_SHIFT;
	if (end < (u64)(LLONG_MAX >> PAGE_SHIFT))
		lend = ((loff_t)(end + 1) << PAGE_SHIFT) - 1;
	for (tries = 0; tries < 3; tries++) {
		/* A failed writeback leaves dirty entries: -EBUSY below. */
		filemap_write_and_wait_range(mapping, lstart, lend);
		rc = invalidate_inode_pages2_range(mapping, start, end);
		if (rc != -EBUSY)
			break;
	}
	return rc;
}

/* The pfn of page pgoff of a dax_device: 0, or a negative errno. */
int daxhold_dax_pfn(struct dax_device *dax, u64 pgoff, u64 *pfn)
{
	pfn_t p;
	long n;
	int id;

	id = dax_read_lock();
	n = dax_direct_access(dax, pgoff, 1, DAX_RECOVERY_WRITE, NULL, &p);
	dax_read_unlock(id);
	if (n < 0)
		return n;
	if (n < 1)
		return -ENXIO;
	*pfn = pfn_t_to_pfn(p);
	return 0;
}
