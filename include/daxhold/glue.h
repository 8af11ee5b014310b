/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of daxhold: what Rust cannot do on 6.12 (module parameters,
 * sysfs attributes, inline helpers), and the Rust entry points it calls.
 * bindgen reads this header, so both languages share one declaration.
 */
#ifndef _DAXHOLD_GLUE_H
#define _DAXHOLD_GLUE_H

#include <linux/types.h>

/* Implemented in C (rust/observe/control/glue.c). */
const char *daxhold_param_devices(void);
const char *daxhold_param_policy(void);
struct daxhold_ctl_ops;
int daxhold_sysfs_init(const struct daxhold_ctl_ops *ops);
void daxhold_sysfs_close(void);
void daxhold_sysfs_exit(void);
/* /sys/kernel/daxhold/devices/<disk>/ of a held disk (rust/observe/control/glue.c). */
struct daxhold_devdir;
struct daxhold_devdir *daxhold_devdir_add(const char *name, __u32 devt);
void daxhold_devdir_del(struct daxhold_devdir *d);
/* The failure log's callback (rust/holder/publish.rs), run by its work item. */
struct daxhold_log_ops {
	/* True when a newer failure reached /proc/fs/daxhold/events. */
	bool (*print)(void);
};
void daxhold_log_start(const struct daxhold_log_ops *ops);
void daxhold_log_kick(void);
void daxhold_log_stop(void);

/* One block device, as stack discovery sees it (rust/topology/stack_glue.c). */
struct daxhold_bdev_info {
	__u32 dev;		/* dev_t */
	__u32 whole;		/* dev_t of its whole disk (dev for a disk) */
	__u64 start_sect;	/* partition: first sector on the whole disk */
	__u64 nr_sects;		/* size in sectors */
	__u32 flags;		/* DAXHOLD_BDEV_* */
	char name[32];		/* "pmem0p1", "dm-0" */
};

#define DAXHOLD_BDEV_PARTITION	1	/* a partition, not a whole disk */
#define DAXHOLD_BDEV_DAX	2	/* the disk supports DAX */
#define DAXHOLD_BDEV_DM		4	/* a device-mapper device */
#define DAXHOLD_BDEV_CHANGING	8	/* being added or removed right now */

/* One target of a live dm table, as `dmsetup table` shows it. */
struct daxhold_dm_target {
	__u64 begin;		/* first sector on the dm device */
	__u64 len;		/* sectors */
	const char *type;	/* target type: "linear", "striped", ... */
	const char *params;	/* status(STATUSTYPE_TABLE) text */
};

typedef int (*daxhold_bdev_fn)(void *ctx, const struct daxhold_bdev_info *info);
typedef int (*daxhold_dm_target_fn)(void *ctx, const struct daxhold_dm_target *t);

/* Implemented in C (rust/topology/stack_glue.c). */
int daxhold_for_each_bdev(daxhold_bdev_fn fn, void *ctx);
int daxhold_dm_for_each_target(__u32 dev, daxhold_dm_target_fn fn, void *ctx);
bool daxhold_stack_gen(__u64 *gen);
/* The stack watch's callbacks, which Rust hands daxhold_stack_watch_init(). */
struct daxhold_stack_ops {
	/* the rescan work item (process context) */
	void (*rescan)(void);
	/* whether daxhold holds disk dev (atomic context) */
	bool (*holds_dev)(__u32 dev);
};
int daxhold_stack_watch_init(const struct daxhold_stack_ops *ops);
void daxhold_stack_watch_rescans(void);
void daxhold_stack_watch_exit(void);


/* The reverse map of DAX mappings, read at failure time (rust/owners/index_glue.c). */
struct inode;
struct super_block;
struct dax_device;

/* One DAX entry of a file: pages [pgoff, pgoff + 2^order) are at pfn. */
struct daxhold_dax_entry {
	__u64 pgoff;
	__u64 pfn;
	__u32 order;
};

typedef int (*daxhold_inode_fn)(void *ctx, struct inode *inode);
typedef int (*daxhold_sb_fn)(void *ctx, struct super_block *sb, __u32 dev,
			     const char *fs);

__u32 daxhold_dax_entries(struct inode *inode, __u64 *next, __u64 *seen,
			  struct daxhold_dax_entry *out, __u32 max);
int daxhold_sb_dax_owners(struct super_block *sb, __u64 lo, __u64 hi,
			  daxhold_inode_fn fn, void *ctx, __u64 *scanned);
int daxhold_dax_assoc_owner(struct super_block *sb, __u64 lo, __u64 hi,
			    struct inode **out, __u64 *pgoff);
int daxhold_sb_for_each_dax_file(struct super_block *sb, daxhold_inode_fn fn,
				 void *ctx);
int daxhold_for_each_sb(daxhold_sb_fn fn, void *ctx);
int daxhold_sb_shutdown(struct super_block *sb);
int daxhold_sb_read(struct super_block *sb, __u64 nr, __u32 off, void *buf,
		    __u32 len);
int daxhold_dax_pfn(struct dax_device *dax, __u64 pgoff, __u64 *pfn);
int daxhold_invalidate(struct inode *inode, __u64 start, __u64 end);


/*
 * The control files' callbacks, which Rust hands daxhold_sysfs_init()
 * (rust/observe/control/ffi.rs): stores parse `len` bytes and return 0 or a negative
 * errno; shows fill `size` bytes and return the length.
 */
struct daxhold_ctl_ops {
	int (*attach)(const char *buf, size_t len);
	int (*detach)(const char *buf, size_t len);
	int (*rescan)(const char *buf, size_t len);
	int (*translate)(const char *buf, size_t len);
	int (*policy_store)(const char *buf, size_t len);
	int (*metadata_store)(const char *buf, size_t len);
	int (*badblocks_store)(const char *buf, size_t len);
	ssize_t (*holders)(char *buf, size_t size);
	ssize_t (*policy_show)(char *buf, size_t size);
	ssize_t (*index)(char *buf, size_t size);
	ssize_t (*metadata_show)(char *buf, size_t size);
	ssize_t (*badblocks_show)(char *buf, size_t size);
	ssize_t (*last_failure)(char *buf, size_t size);
	/* devices/<disk>/<attr> of the held disk devt */
	ssize_t (*dev_show)(__u32 devt, const char *attr, char *buf,
			    size_t size);
};

/* /proc/fs/daxhold (rust/observe/proc/glue.c); the files by number. */
struct seq_file;
#define DAXHOLD_PROC_STACK	1
#define DAXHOLD_PROC_EVENTS	2
#define DAXHOLD_PROC_POISON	3
/* The files' callbacks, which Rust hands daxhold_proc_init(). */
struct daxhold_proc_ops {
	/* write file `file` into m */
	int (*show)(struct seq_file *m, __u32 file);
	/* answer a translate request: the answer's length or -errno */
	ssize_t (*translate_answer)(const char *req, size_t len, char *out,
				    size_t size);
};
int daxhold_proc_init(const struct daxhold_proc_ops *ops);
int daxhold_proc_add(const char *name, __u32 file);
int daxhold_proc_add_translate(void);
void daxhold_proc_exit(void);

/*
 * Signal records (rust/observe/signals/glue.c): a probe on the signal_generate
 * tracepoint reports each BUS_MCEERR_AR/AO SIGBUS to Rust, which keeps those
 * the kernel sends while the calling thread makes a call for a failure.
 */
extern atomic_t daxhold_sig_listening;
/* The probe's callback (rust/observe/signals/ffi.rs), run with the siglock held. */
struct daxhold_sig_ops {
	void (*hit)(const void *current_task, __s32 pid, const char *comm,
		    __s32 code, __u64 addr, __s32 lsb);
};
int daxhold_sig_trace_init(const struct daxhold_sig_ops *ops);
void daxhold_sig_trace_exit(void);

/* Known poison (rust/poison/bb_glue.c, rust/poison/watch_glue.c). */
struct block_device;

#define DAXHOLD_BB_DISKS	32	/* badblocks attributes watched at once */
#define DAXHOLD_BB_SETTLE_MS	100	/* from a change to its scan */

/* One entry of a badblocks list, in 512-byte sectors. */
struct daxhold_bb_range {
	__u64 sector;
	__u64 sectors;
};

/* One extent of a file, as FIEMAP reports it. */
struct daxhold_fiemap_ext {
	__u64 logical;		/* byte in the file */
	__u64 physical;		/* byte on the filesystem's device */
	__u64 len;		/* bytes */
	__u32 flags;		/* FIEMAP_EXTENT_* */
};

/* The scan's callback (rust/poison/ffi.rs), run by its work item. */
struct daxhold_bb_ops {
	void (*scan)(void);
};
int daxhold_bb_init(const struct daxhold_bb_ops *ops);
void daxhold_bb_exit(void);
void daxhold_bb_watch_init(const struct daxhold_bb_ops *ops);
void daxhold_bb_watch_exit(void);
bool daxhold_bb_all_watched(void);
void daxhold_bb_kick(__u32 delay_ms);
void daxhold_bb_refresh(__u32 delay_ms);
void daxhold_bb_watch_begin(void);
int daxhold_bb_watch(struct block_device *bdev, int *failed);
void daxhold_bb_watch_end(void);
int daxhold_bb_read(struct block_device *bdev, struct daxhold_bb_range *out,
		    __u32 max);
int daxhold_fiemap(struct inode *inode, __u64 start,
		   struct daxhold_fiemap_ext *out, __u32 max, bool *more);


/*
 * daxhold's own kills (rust/kill/kill_glue.c): collect the tasks mapping pages
 * of a file, unmap them, signal each task once (rust/kill/).
 */
struct task_struct;
/*
 * The collect's three steps, all under i_mmap_rwsem (read): each VMA's
 * first present mapping (mm, NULL, user address, shift), or a VMA to be
 * looked at later (mm, vma, 0, 0), to @map; @ready once after that walk
 * (0: walk the processes; > 0: nothing to look for; < 0: stop with it);
 * then every task picked, with its mm, to @task, under RCU (which may
 * call daxhold_kill_look() on a VMA @map got).  @map and @task must
 * neither sleep nor allocate; a nonzero return of @task stops the walk.
 */
struct vm_area_struct;
typedef void (*daxhold_kill_map_fn)(void *ctx, const void *mm,
				    struct vm_area_struct *vma, __u64 addr,
				    __u32 shift);
typedef int (*daxhold_kill_ready_fn)(void *ctx);
typedef int (*daxhold_kill_task_fn)(void *ctx, struct task_struct *t,
				    const void *mm);
int daxhold_kill_collect(struct inode *inode, __u64 pgoff, __u64 count,
			 bool pre_remove, bool early_kill,
			 daxhold_kill_map_fn map, daxhold_kill_ready_fn ready,
			 daxhold_kill_task_fn task, void *ctx,
			 __u32 *max_shift);
void daxhold_kill_look(struct vm_area_struct *vma, __u64 pgoff, __u64 count,
		       __u64 *addr, __u32 *shift);
bool daxhold_kill_only_current(struct inode *inode, __u64 pgoff,
			       __u64 count);
void daxhold_kill_unmap(struct inode *inode, __u64 start, __u64 len);
void daxhold_kill_mark_poison(__u64 pfn, __u64 count);
bool daxhold_sigbus_blocked(void);
int daxhold_send_mceerr(struct task_struct *t, int code, __u64 addr,
			__u32 lsb);

/*
 * Trace events (rust/observe/trace/glue.c, include/trace/events/daxhold.h): one
 * function per event for Rust, and the count of attached probes it checks
 * first.  Strings are NUL-terminated.
 */
extern atomic_t daxhold_trace_users;
void daxhold_trace_failure(__u64 seq, const char *pmem, __u64 offset,
			   __u64 len, __u32 mf_flags);
void daxhold_trace_top(__u64 seq, const char *device, __u32 dev, __u32 depth,
		       __u64 sector, __u64 sectors, int rc,
		       const char *outcome, bool whole);
void daxhold_trace_owner(__u64 seq, __u32 dev, __u64 ino, __u64 pgoff,
			 __u64 count, __u64 pfn, int rc, const char *kind);
void daxhold_trace_kill(__u64 seq, int pid, const char *comm, int si_code,
			__u64 addr, int lsb);
void daxhold_trace_badblocks(const char *pmem, __u64 sector, __u64 sectors,
			     const char *state);
/* daxhold:daxhold_poison's fields (see its TRACE_EVENT). */
struct daxhold_trace_poison {
	const char *pmem;
	__u64 sector;
	const char *chain;
	__u64 top_sector;
	__u32 dev;
	const char *kind;
	__u64 ino;
	__u64 offset;
	__u64 len;
	const char *what;
	const char *state;
};
void daxhold_trace_poison(const struct daxhold_trace_poison *p);

#endif /* _DAXHOLD_GLUE_H */
