// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold badblocks watch glue: when the known-poison scan runs
 * (Documentation/design.rst, "Known poison").  What a change means is in
 * Rust: rust/poison/.
 *
 * - The change signal: the pmem driver calls sysfs_notify_dirent() on a
 *   disk's badblocks attribute after each change it makes to the list
 *   (nd_pmem_notify() after a scrub, an injection or an MCE, and
 *   pmem_clear_bb() after a clearing write), which wakes the attribute's
 *   kernfs poll queue, the one user space polls.  daxhold keeps each held
 *   disk's attribute open (filp_open()) and polls it once with its own
 *   poll_table, whose queueing function puts a wait entry with daxhold's
 *   own wake function on that queue; the wake function queues the scan.
 *   6.12's Rust has no filp_open(), vfs_poll() with a caller's poll_table,
 *   nor a wait entry with a function (rust/topology/watch_glue.c does the
 *   same for dm's event).
 * - The scan itself is a delayed work item, which 6.12's Rust workqueue
 *   does not have.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <daxhold/glue.h>

/* ---------------------------------------------------------- the scan -- */

/* Set at unload: no more work is queued. */
static bool daxhold_bb_stopped;
/* Rust's callback, from daxhold_bb_watch_init(). */
static const struct daxhold_bb_ops *daxhold_bb;

static void daxhold_bb_work_fn(struct work_struct *work)
{
	daxhold_bb->scan();
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

/* ------------------------------------------------------ change signal -- */

/*
 * The badblocks attribute of a held disk, kept open, and daxhold's wait
 * entry on its kernfs poll queue (the one sysfs_notify_dirent() wakes).
 * A slot is the disk's (dev_t and diskseq: a new disk with the dev_t of a
 * removed one is not the same).  Only the scan (one work item) and unload
 * touch the slots, under daxhold_bbw_mutex.
 */
struct daxhold_bbw {
	dev_t devt;		/* 0: free */
	u64 diskseq;
	struct file *file;	/* NULL: not watched (polled) */
	wait_queue_head_t *wqh;
	wait_queue_entry_t wait;
	poll_table pt;
	bool seen;		/* held at this scan */
	bool said;		/* the open failure was said */
};
static struct daxhold_bbw daxhold_bbw[DAXHOLD_BB_DISKS];
static DEFINE_MUTEX(daxhold_bbw_mutex);
/* Whether every held disk's changes are signalled (else the scan polls). */
static bool daxhold_bb_watched = true;

/* The wake function: the pmem driver changed the list.  Atomic context. */
static int daxhold_bbw_wake(wait_queue_entry_t *wait, unsigned int mode,
			    int sync, void *key)
{
	daxhold_bb_kick(DAXHOLD_BB_SETTLE_MS);
	return 0;
}

/* The poll_table's queueing function: put our entry on the queue. */
static void daxhold_bbw_queue(struct file *file, wait_queue_head_t *wqh,
			      poll_table *pt)
{
	struct daxhold_bbw *w = container_of(pt, struct daxhold_bbw, pt);

	if (w->wqh)
		return;
	w->wqh = wqh;
	add_wait_queue(wqh, &w->wait);
}

/*
 * Open the badblocks attribute of w's disk and poll it once with w's
 * poll_table: 0, or a negative errno with w unwatched.
 */
static int daxhold_bbw_open(struct daxhold_bbw *w)
{
	struct file *f;
	char path[48];
	int rc = -EIO;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/badblocks",
		 MAJOR(w->devt), MINOR(w->devt));
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f)) {
		rc = PTR_ERR(f);
		goto fail;
	}
	w->wqh = NULL;
	init_waitqueue_func_entry(&w->wait, daxhold_bbw_wake);
	init_poll_funcptr(&w->pt, daxhold_bbw_queue);
	vfs_poll(f, &w->pt);
	if (!w->wqh) {
		/* kernfs queues nothing for a removed attribute. */
		fput(f);
		goto fail;
	}
	w->file = f;
	return 0;
fail:
	return rc;
}

/* Stop watching w's disk: off the wait queue, then let the file go. */
static void daxhold_bbw_close(struct daxhold_bbw *w)
{
	if (w->file) {
		remove_wait_queue(w->wqh, &w->wait);
		fput(w->file);
	}
	memset(w, 0, sizeof(*w));
}

/* A scan starts: no disk is seen yet. */
void daxhold_bb_watch_begin(void)
{
	int i;

	mutex_lock(&daxhold_bbw_mutex);
	for (i = 0; i < DAXHOLD_BB_DISKS; i++)
		daxhold_bbw[i].seen = false;
	WRITE_ONCE(daxhold_bb_watched, true);
	mutex_unlock(&daxhold_bbw_mutex);
}

/* The slot of bdev's disk, or a free one, or NULL. */
static struct daxhold_bbw *daxhold_bbw_slot(dev_t devt, u64 seq)
{
	struct daxhold_bbw *free = NULL;
	int i;

	for (i = 0; i < DAXHOLD_BB_DISKS; i++) {
		struct daxhold_bbw *w = &daxhold_bbw[i];

		if (w->devt == devt && w->diskseq == seq)
			return w;
		if (!w->devt && !free)
			free = w;
	}
	return free;
}

/*
 * The scan holds bdev's disk (open, so its gendisk is live and its dev_t
 * not reused): watch its badblocks list for changes, if not yet.  0 (also
 * when the attribute cannot be watched: the scan polls), -ENOSPC when
 * DAXHOLD_BB_DISKS are watched, -ENOENT if it has no list.  *failed: the
 * errno of an open that failed, for the caller's one line: each time for
 * -ENOMEM (passing, and each one leaves the disk polled anew), else the
 * first time in a row for this disk (a lasting cause, no sysfs say, is
 * said once until a watch works again); else 0.  May sleep.
 */
int daxhold_bb_watch(struct block_device *bdev, int *failed)
{
	struct gendisk *disk = bdev->bd_disk;
	struct daxhold_bbw *w;
	int rc = 0;

	if (!disk->bb)
		return -ENOENT;
	mutex_lock(&daxhold_bbw_mutex);
	w = daxhold_bbw_slot(disk_devt(disk), disk->diskseq);
	if (!w) {
		rc = -ENOSPC;
		WRITE_ONCE(daxhold_bb_watched, false);
		goto out;
	}
	w->devt = disk_devt(disk);
	w->diskseq = disk->diskseq;
	w->seen = true;
	*failed = 0;
	if (!w->file) {
		int err = daxhold_bbw_open(w);

		if (err && (!w->said || err == -ENOMEM))
			*failed = err;
		w->said = err != 0;
	}
	if (!w->file)
		WRITE_ONCE(daxhold_bb_watched, false);
out:
	mutex_unlock(&daxhold_bbw_mutex);
	return rc;
}

/* The scan is over: stop watching the disks it did not see (let go). */
void daxhold_bb_watch_end(void)
{
	int i;

	mutex_lock(&daxhold_bbw_mutex);
	for (i = 0; i < DAXHOLD_BB_DISKS; i++)
		if (daxhold_bbw[i].devt && !daxhold_bbw[i].seen)
			daxhold_bbw_close(&daxhold_bbw[i]);
	mutex_unlock(&daxhold_bbw_mutex);
}

/* Whether every held disk's changes are signalled (else the scan polls). */
bool daxhold_bb_all_watched(void)
{
	return READ_ONCE(daxhold_bb_watched);
}

/* Let the scan (ops->scan) be queued (module init). */
void daxhold_bb_watch_init(const struct daxhold_bb_ops *ops)
{
	daxhold_bb = ops;
	WRITE_ONCE(daxhold_bb_stopped, false);
	WRITE_ONCE(daxhold_bb_watched, true);
}

/*
 * Unload: no scan is queued from now on; wait for a running one, then stop
 * watching every disk.  May sleep.
 */
void daxhold_bb_watch_exit(void)
{
	int i;

	WRITE_ONCE(daxhold_bb_stopped, true);
	cancel_delayed_work_sync(&daxhold_bb_work);
	mutex_lock(&daxhold_bbw_mutex);
	for (i = 0; i < DAXHOLD_BB_DISKS; i++)
		daxhold_bbw_close(&daxhold_bbw[i]);
	mutex_unlock(&daxhold_bbw_mutex);
}
