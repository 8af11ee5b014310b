// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/fs/daxhold: the read-only files tools read (Documentation/admin.rst,
 * "Kernel interface for tools"), and the translate transaction file.  C because 6.12's Rust has no procfs
 * abstraction: proc_mkdir(), proc_create_single_data() and proc_remove()
 * take a C show callback.  One show callback serves every file: it hands
 * the seq_file and the file's number (DAXHOLD_PROC_*, kept as the entry's
 * data) to Rust (the show of the daxhold_proc_ops rust/observe/proc/ffi.rs hands
 * daxhold_proc_init()), which writes the
 * whole file through rust/observe/proc/seq.rs's SeqOut.  A read is one show call,
 * so one snapshot, whatever its length (single_open() retries with a
 * larger buffer on overflow).
 *
 * Adding a file (e.g. "poison"): a DAXHOLD_PROC_<NAME> number in
 * include/daxhold/glue.h, a ProcFile variant in rust/observe/proc/ffi.rs, a match
 * arm in rust/observe/proc/mod.rs's show(), and one ffi::add() call in
 * rust/observe/proc/mod.rs's init().  daxhold_proc_add() below is all the C it needs.
 */
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <daxhold/glue.h>

static struct proc_dir_entry *daxhold_proc_dir;
/* Rust's callbacks, from daxhold_proc_init(). */
static const struct daxhold_proc_ops *daxhold_procs;

static int daxhold_proc_show_one(struct seq_file *m, void *v)
{
	return daxhold_procs->show(m, (u32)(uintptr_t)m->private);
}

/* Create /proc/fs/daxhold (empty). */
int daxhold_proc_init(const struct daxhold_proc_ops *ops)
{
	daxhold_procs = ops;
	daxhold_proc_dir = proc_mkdir("fs/daxhold", NULL);
	return daxhold_proc_dir ? 0 : -ENOMEM;
}

/* Add /proc/fs/daxhold/<name>, mode 0400, shown by Rust as file `file`. */
int daxhold_proc_add(const char *name, u32 file)
{
	if (!daxhold_proc_dir)
		return -ENOENT;
	if (!proc_create_single_data(name, 0400, daxhold_proc_dir,
				     daxhold_proc_show_one,
				     (void *)(uintptr_t)file))
		return -ENOMEM;
	return 0;
}

/*
 * /proc/fs/daxhold/translate (0600): a transaction file, as nfsd's control
 * files are: write "<disk> <offset> <len>", read the answer back on the
 * same open file (Documentation/admin.rst).  simple_transaction_get()
 * keeps the request and then the answer in one page per open file; Rust
 * reads a copy of the request and writes the answer into that page.
 */
static ssize_t daxhold_translate_write(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	char *buf, *req;
	ssize_t n;

	buf = simple_transaction_get(file, ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	req = kmemdup(buf, len, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	n = daxhold_procs->translate_answer(req, len, buf,
					 SIMPLE_TRANSACTION_LIMIT);
	kfree(req);
	if (n < 0)
		return n;
	simple_transaction_set(file, n);
	return len;
}

static const struct proc_ops daxhold_translate_ops = {
	.proc_write = daxhold_translate_write,
	.proc_read = simple_transaction_read,
	.proc_release = simple_transaction_release,
	.proc_lseek = default_llseek,
};

/* Add /proc/fs/daxhold/translate. */
int daxhold_proc_add_translate(void)
{
	if (!daxhold_proc_dir)
		return -ENOENT;
	if (!proc_create("translate", 0600, daxhold_proc_dir,
			 &daxhold_translate_ops))
		return -ENOMEM;
	return 0;
}

/*
 * Remove the directory and its files.  proc_remove() waits for every show
 * call in progress and lets no new one start, so nothing of daxhold runs
 * for a reader after it returns.
 */
void daxhold_proc_exit(void)
{
	proc_remove(daxhold_proc_dir);
	daxhold_proc_dir = NULL;
}
