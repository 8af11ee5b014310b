// SPDX-License-Identifier: GPL-2.0
/*
 * The collect step of daxhold's own kills (Documentation/design.rst,
 * "Kill semantics"): which tasks map pages of a file, the unmap and the
 * poison flags (the SIGBUS is rust/kill/task_glue.c).  The policy (dedupe by task, AR or AO, order, fallback)
 * is Rust (rust/kill/procs.rs, rust/pure/killset.rs); this file is C because
 * what it touches has no Rust API on 6.12 and cannot be reached through
 * bindings: the for_each_process()/for_each_thread() RCU list macros, the
 * i_mmap tree's layout (vma->shared.rb, walked with rb_first_cached() and
 * rb_next(): the vma_interval_tree_*() iterators are not exported), the
 * page-table walk macros and inline accessors (pud_devmap(), pmd_devmap(),
 * pte_offset_kernel(): __pte_offset_map() is not exported).
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/pgtable.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <daxhold/glue.h>

/*
 * dev_pagemap_mapping_shift() of mm/memory-failure.c: log2 of the size of
 * the present DAX mapping of @address in @vma, 0 if none.  The caller
 * holds the mapping's i_mmap_rwsem (read): the vma stays in the tree, so
 * its page tables above the PTE level are not freed (free_pgtables()
 * unlinks the vma under the write lock first).  A PTE table can still be
 * freed by a collapse or a zap of an empty table: read it under RCU, from
 * one snapshot of the pmd checked to be a present table, as
 * __pte_offset_map() does (not exported; pte_offset_kernel() on the
 * snapshot is its x86_64 body).
 */
static unsigned int daxhold_kill_shift(struct vm_area_struct *vma,
				       unsigned long address)
{
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud, pudv;
	pmd_t *pmd, pmdv;
	pte_t *pte, ptent;
	unsigned int ret = 0;

	pgd = pgd_offset(vma->vm_mm, address);
	if (!pgd_present(*pgd))
		return 0;
	p4d = p4d_offset(pgd, address);
	if (!p4d_present(*p4d))
		return 0;
	pud = pud_offset(p4d, address);
	pudv = READ_ONCE(*pud);
	if (!pud_present(pudv))
		return 0;
	if (pud_devmap(pudv))
		return PUD_SHIFT;
	if (pud_leaf(pudv))
		return 0;
	pmd = pmd_offset(pud, address);
	pmdv = pmdp_get_lockless(pmd);
	if (!pmd_present(pmdv))
		return 0;
	if (pmd_devmap(pmdv))
		return PMD_SHIFT;
	if (pmd_leaf(pmdv) || pmd_bad(pmdv))
		return 0;
	rcu_read_lock();
	pte = pte_offset_kernel(&pmdv, address);
	ptent = ptep_get(pte);
	if (pte_present(ptent) && pte_devmap(ptent))
		ret = PAGE_SHIFT;
	rcu_read_unlock();
	return ret;
}

/* find_early_kill_thread(): the thread of @tsk that wants AO, or NULL. */
static struct task_struct *daxhold_early_thread(struct task_struct *tsk,
						bool early_kill)
{
	struct task_struct *t;

	for_each_thread(tsk, t) {
		if (t->flags & PF_MCE_PROCESS) {
			if (t->flags & PF_MCE_EARLY)
				return t;
		} else if (early_kill) {
			return t;
		}
	}
	return NULL;
}

/*
 * The task of @tsk that gets the signal, as collect_procs_fsdax() picks
 * it: with @pre_remove the process itself; otherwise task_early_kill(tsk,
 * force_early=1): current if it shares the mm, else the early-kill
 * thread.  Under RCU.
 */
static struct task_struct *daxhold_kill_pick(struct task_struct *tsk,
					     bool pre_remove, bool early_kill)
{
	if (pre_remove)
		return tsk;
	if (!tsk->mm)
		return NULL;
	if (tsk->mm == current->mm)
		return current;
	return daxhold_early_thread(tsk, early_kill);
}

/*
 * Whether the process walk would pick no task but current's: not a
 * pre-remove, and no other process has an early-kill thread (with the
 * sysctl off, the common case).  Then the collect looks only at current's
 * VMAs and skips the second walk, as the kernel's collect_procs_fsdax()
 * looks at the VMAs of the tasks it picked only.  A task that asks for
 * early kill after this is as one that asks after the collect.
 */
static bool daxhold_kill_current_only(bool pre_remove, bool early_kill)
{
	struct task_struct *tsk;
	bool only = !pre_remove;

	rcu_read_lock();
	for_each_process(tsk) {
		if (!only)
			break;
		if (tsk->mm && tsk->mm != current->mm &&
		    daxhold_early_thread(tsk, early_kill))
			only = false;
	}
	rcu_read_unlock();
	return only;
}

/*
 * The first page of [@pgoff, @end) (file pages) mapped (present) in @vma:
 * its user address into *@addr and its shift into *@shift (0: none).
 * With @all, the rest of the range is scanned too (cond_resched() per
 * page), and the largest shift returned; without, it stops at the first.
 */
static unsigned int daxhold_kill_scan(struct vm_area_struct *vma, u64 pgoff,
				      u64 end, bool all, unsigned long *addr,
				      unsigned int *shift)
{
	u64 vstart = vma->vm_pgoff, p, last;
	unsigned int max_shift = 0;

	*addr = 0;
	*shift = 0;
	p = max(pgoff, vstart);
	last = min(end, vstart + vma_pages(vma));
	while (p < last) {
		unsigned long a = vma->vm_start + ((p - vstart) << PAGE_SHIFT);
		unsigned int s = daxhold_kill_shift(vma, a);

		if (s) {
			if (!*shift) {
				*addr = a;
				*shift = s;
				if (!all)
					break;
			}
			max_shift = max(max_shift, s);
			/* The next page outside this mapping. */
			p += ((ALIGN_DOWN(a, 1UL << s) + (1UL << s)) - a) >>
			     PAGE_SHIFT;
		} else {
			p++;
		}
		if (all)
			cond_resched();
	}
	return max_shift;
}

/*
 * daxhold_kill_scan() for a VMA the collect walk left to be looked at
 * (smaller than a PMD: at most 511 pages, no cond_resched(): the caller
 * is inside the process walk, under RCU).  Called back from @task below,
 * under the i_mmap_rwsem the walk holds, so @vma is still in the tree.
 */
void daxhold_kill_look(struct vm_area_struct *vma, u64 pgoff, u64 count,
		       u64 *addr, u32 *shift)
{
	unsigned long a;
	unsigned int s;

	daxhold_kill_scan(vma, pgoff, pgoff + count, false, &a, &s);
	*addr = a;
	*shift = s;
}

/*
 * Step (1) of daxhold_kill_collect() below, under i_mmap_lock_read(): @map
 * each VMA of @mapping overlapping pages [@pgoff, @end) (with @only, those
 * of current's mm only); the largest mapping shift of the huge-capable
 * ones (0: none).
 */
static u32 daxhold_kill_vmas(struct address_space *mapping, u64 pgoff,
			     u64 end, bool only, daxhold_kill_map_fn map,
			     void *ctx)
{
	struct vm_area_struct *vma;
	struct rb_node *node;
	u32 max_shift = 0;

	for (node = rb_first_cached(&mapping->i_mmap); node;
	     node = rb_next(node)) {
		unsigned long addr;
		unsigned int shift;
		bool mine;

		vma = rb_entry(node, struct vm_area_struct, shared.rb);
		/* In order of vm_pgoff (the tree's key): none later overlaps. */
		if (vma->vm_pgoff >= end)
			break;
		if (vma->vm_pgoff + vma_pages(vma) <= pgoff)
			continue;
		mine = !only || vma->vm_mm == current->mm;
		if (vma->vm_end - vma->vm_start < PMD_SIZE) {
			if (mine)
				map(ctx, vma->vm_mm, vma, 0, 0);
			continue;
		}
		/* Every huge-capable VMA counts for the unmap's rounding. */
		max_shift = max(max_shift,
				(u32)daxhold_kill_scan(vma, pgoff, end, true,
						       &addr, &shift));
		if (shift && mine)
			map(ctx, vma->vm_mm, NULL, addr, shift);
	}
	return max_shift;
}

/*
 * For pages [@pgoff, @pgoff + @count) of @inode's mapping, in three steps
 * under i_mmap_lock_read() (so that every mm and VMA reported stays
 * alive: a VMA leaves the tree only under the write lock): (1) for each
 * VMA overlapping the range, @map(ctx, mm, NULL, user address, shift) of
 * its first present page if it can hold a huge mapping (the whole range
 * is scanned for *@max_shift), or @map(ctx, mm, vma, 0, 0) if it cannot
 * (smaller than a PMD: its pages are mapped by PTEs or not at all, which
 * rounds the unmap alike; the callee has it looked at, with
 * daxhold_kill_look(), only if a picked task has its mm); (2) @ready(ctx);
 * (3) unless @ready said otherwise, ONE walk of the processes under RCU,
 * @task(ctx, t, mm) for the task picked from each (above); when only
 * current can be picked (daxhold_kill_current_only()), (1) reports only
 * current's VMAs and (3) is @task(ctx, current, current->mm).  The callee
 * keeps the VMAs of (1) in a hash table by mm (rust/pure/killset.rs) and
 * looks each task's mm up there, so the cost is O(VMAs + processes), not
 * VMAs x processes, and the page tables walked are those of the huge-
 * capable VMAs and of the picked tasks' mms, as the kernel walks only
 * those of the tasks it picked.  *@max_shift gets the largest mapping
 * size seen in the huge-capable VMAs (0: none).  0, the negative return
 * of @ready, or the first nonzero return of @task.  The inode is
 * referenced by the caller; may sleep.
 */
int daxhold_kill_collect(struct inode *inode, u64 pgoff, u64 count,
			 bool pre_remove, bool early_kill,
			 daxhold_kill_map_fn map, daxhold_kill_ready_fn ready,
			 daxhold_kill_task_fn task, void *ctx, u32 *max_shift)
{
	struct address_space *mapping = inode->i_mapping;
	struct task_struct *tsk, *t;
	u64 end = pgoff + count;
	struct mm_struct *mm;
	bool only;
	int rc = 0;

	*max_shift = 0;
	if (end < pgoff)
		return -ERANGE;
	only = daxhold_kill_current_only(pre_remove, early_kill);
	i_mmap_lock_read(mapping);
	*max_shift = daxhold_kill_vmas(mapping, pgoff, end, only, map, ctx);
	rc = ready(ctx);
	if (rc || (only && !current->mm)) {
		i_mmap_unlock_read(mapping);
		return rc < 0 ? rc : 0;
	}
	if (only) {
		rc = task(ctx, current, current->mm);
		i_mmap_unlock_read(mapping);
		return rc;
	}
	rcu_read_lock();
	for_each_process(tsk) {
		t = daxhold_kill_pick(tsk, pre_remove, early_kill);
		mm = t ? READ_ONCE(t->mm) : NULL;
		if (!mm)
			continue;
		rc = task(ctx, t, mm);
		if (rc)
			break;
	}
	rcu_read_unlock();
	i_mmap_unlock_read(mapping);
	return rc;
}

/*
 * Whether every VMA that maps pages [@pgoff, @pgoff + @count) of @inode is
 * the running task's mm's (also: none at all): then the collect picks no
 * other process, and the early-kill sysctl (a vfs read) need not be read.
 * A VMA that joins after this is as one that joins after the collect.
 * May sleep (i_mmap_rwsem).
 */
bool daxhold_kill_only_current(struct inode *inode, u64 pgoff, u64 count)
{
	struct address_space *mapping = inode->i_mapping;
	struct vm_area_struct *vma;
	struct rb_node *node;
	u64 end = pgoff + count;
	bool only = true;

	if (end < pgoff)
		return false;
	i_mmap_lock_read(mapping);
	for (node = rb_first_cached(&mapping->i_mmap); node;
	     node = rb_next(node)) {
		vma = rb_entry(node, struct vm_area_struct, shared.rb);
		if (vma->vm_pgoff >= end)
			break;
		if (vma->vm_pgoff + vma_pages(vma) <= pgoff)
			continue;
		if (vma->vm_mm != current->mm) {
			only = false;
			break;
		}
	}
	i_mmap_unlock_read(mapping);
	return only;
}

/*
 * Unmap bytes [@start, @start + @len) of @inode's file from every process
 * (unmap_and_kill()'s unmap_mapping_range(), even_cows 0).  May sleep.
 */
void daxhold_kill_unmap(struct inode *inode, u64 start, u64 len)
{
	unmap_mapping_range(inode->i_mapping, start, len, 0);
}

/*
 * Mark pfns [@pfn, @pfn + @count) poisoned, as mf_dax_kill_procs() marks
 * each page it handles (PageHWPoison: the pmem driver clears the poison on
 * a later write through it).
 */
void daxhold_kill_mark_poison(u64 pfn, u64 count)
{
	u64 i;

	for (i = 0; i < count; i++) {
		if (pfn_valid(pfn + i))
			SetPageHWPoison(pfn_to_page(pfn + i));
	}
}
