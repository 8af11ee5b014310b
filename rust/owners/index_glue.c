// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold owners glue: what the reverse map of DAX mappings needs from C
 * (Documentation/design.rst, "Where the owners come from").
 *
 * - DAX entries: the entry format (value entries, DAX_SHIFT, DAX_PMD, the
 *   zero and empty flags) is private to fs/dax.c, and the xarray walkers
 *   (XA_STATE, xas_for_each) are macros and inlines.
 * - Walking a superblock's inodes under s_inode_list_lock, with the
 *   i_state checks and __iget() that fs/drop_caches.c does: spinlocks,
 *   inline list walkers and i_state, none of which 6.12's Rust wraps.
 * - A DAX page's association (page->mapping, page->index): struct page
 *   fields and PAGE_MAPPING_DAX_SHARED (<linux/page-flags.h>), read under
 *   RCU with the inode's i_lock, which 6.12's Rust does not wrap.
 * - The first pfn of a dax_device: dax_direct_access() under
 *   dax_read_lock(), both from <linux/dax.h>.
 *
 * Nothing here runs outside a failure, a control write or the known-poison
 * scan: no probe, no hook on a fault, an I/O or an eviction.  Policy (whom
 * to kill) is in Rust: rust/owners/ and rust/owners/index.rs.
 */
#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <daxhold/glue.h>

/* fs/dax.c's entry format (private there; stable through 6.12). */
#define DAX_SHIFT	(4)
#define DAX_LOCKED	(1UL << 0)
#define DAX_PMD		(1UL << 1)
#define DAX_ZERO_PAGE	(1UL << 2)
#define DAX_EMPTY	(1UL << 3)

/*
 * The same, read from the build tree's own fs/dax.c (Kbuild,
 * tools/build/dax-format.sh): a kernel whose format differs does not
 * build, rather than have the reverse map misread its entries.
 */
#include "dax_format.h"
static_assert(DAX_SHIFT == DAXHOLD_KERNEL_DAX_SHIFT &&
	      DAX_LOCKED == DAXHOLD_KERNEL_DAX_LOCKED &&
	      DAX_PMD == DAXHOLD_KERNEL_DAX_PMD &&
	      DAX_ZERO_PAGE == DAXHOLD_KERNEL_DAX_ZERO_PAGE &&
	      DAX_EMPTY == DAXHOLD_KERNEL_DAX_EMPTY,
	      "fs/dax.c's DAX entry format is not the one daxhold reads");

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

/*
 * Pages an entry of the mapping stands for (holes included), as
 * fs/dax.c counts them in mapping->nrpages.
 */
static unsigned long daxhold_dax_pages(void *entry)
{
	if (!xa_is_value(entry))
		return 1;
	return (xa_to_value(entry) & DAX_PMD) ? 1UL << PMD_ORDER : 1;
}

/*
 * Up to max DAX entries of a pinned inode from *next on; *next is set past
 * the last one.  *seen counts the pages of the entries walked so far
 * (start at 0): the walk ends once they reach mapping->nrpages, instead of
 * scanning the empty slots after the last entry up to ULONG_MAX (a
 * fault-in meanwhile may end it early: as if it came after the walk).
 * Returns how many were stored (0: no more).
 */
u32 daxhold_dax_entries(struct inode *inode, u64 *next, u64 *seen,
			struct daxhold_dax_entry *out, u32 max)
{
	struct address_space *mapping = inode->i_mapping;
	XA_STATE(xas, &mapping->i_pages, *next);
	unsigned long nrpages = READ_ONCE(mapping->nrpages);
	void *entry;
	u32 n = 0;

	if (!max)
		return 0;
	rcu_read_lock();
	xas_for_each(&xas, entry, ULONG_MAX) {
		if (xas_retry(&xas, entry))
			continue;
		*seen += daxhold_dax_pages(entry);
		if (daxhold_dax_decode(entry, xas.xa_index, &out[n])) {
			*next = out[n].pgoff + (1ULL << out[n].order);
			if (++n == max)
				break;
		}
		if (*seen >= nrpages)
			break;
	}
	rcu_read_unlock();
	if (n < max)
		*next = ULONG_MAX;
	return n;
}

/*
 * Whether a DAX entry of mapping overlaps pfns [lo, hi].  Under RCU.  As
 * above, the walk ends after mapping->nrpages pages of entries.
 */
static bool daxhold_maps_pfns(struct address_space *mapping, u64 lo, u64 hi)
{
	XA_STATE(xas, &mapping->i_pages, 0);
	unsigned long nrpages = READ_ONCE(mapping->nrpages), seen = 0;
	struct daxhold_dax_entry e;
	void *entry;

	/*
	 * A file whose only entry is one page at index 0 keeps it in the
	 * xarray's head: the common small file, read without a walk.
	 */
	entry = rcu_dereference(mapping->i_pages.xa_head);
	if (xa_is_value(entry))
		return daxhold_dax_decode(entry, 0, &e) && e.pfn <= hi &&
		       e.pfn + (1ULL << e.order) > lo;
	xas_for_each(&xas, entry, ULONG_MAX) {
		if (xas_retry(&xas, entry))
			continue;
		seen += daxhold_dax_pages(entry);
		if (daxhold_dax_decode(entry, xas.xa_index, &e) &&
		    e.pfn <= hi && e.pfn + (1ULL << e.order) > lo)
			return true;
		if (seen >= nrpages)
			break;
	}
	return false;
}

/* Pages daxhold_dax_assoc_owner() reads the association of, at most. */
#define DAXHOLD_ASSOC_MAX	(1UL << PMD_ORDER)

/*
 * Whether the DAX entry of mapping at index maps pfn.  Under RCU or with
 * the inode referenced.
 */
static bool daxhold_entry_maps(struct address_space *mapping, pgoff_t index,
			       u64 pfn)
{
	struct daxhold_dax_entry e;
	bool maps;

	rcu_read_lock();
	maps = daxhold_dax_decode(xa_load(&mapping->i_pages, index), index, &e) &&
	       e.pfn <= pfn && pfn < e.pfn + (1ULL << e.order);
	rcu_read_unlock();
	return maps;
}

/*
 * The one file of sb whose DAX entry maps pfns [lo, hi], from the
 * association fs/dax.c keeps in each page: page->mapping and page->index,
 * set by dax_associate_entry() when an entry is inserted and cleared when
 * it goes (what mf_generic_kill_procs() reads through dax_lock_folio()).
 * A page that no reflink shares is in at most one entry of one file
 * (dax_associate_entry() WARNs otherwise), so without a shared page this
 * names every owner, in core or not, without walking s_inodes.  The
 * mapping is read under RCU, as dax_lock_folio() reads it (inodes are
 * RCU-freed), but never through dax_lock_folio(), which dereferences
 * PAGE_MAPPING_DAX_SHARED as a mapping.  The inode is referenced after
 * the i_state check drop_pagecache_sb() makes, then its entry at
 * page->index checked in the xarray.
 *
 * Returns 1 with the referenced inode in *out and the file page of the
 * first mapped pfn of the range in *pgoff; 0 if no file of sb maps the range; -EAGAIN where only
 * the walk can tell: a page shared by reflink, pages of more than one
 * file, over DAXHOLD_ASSOC_MAX pages, or a race with the entry's removal.
 */
int daxhold_dax_assoc_owner(struct super_block *sb, u64 lo, u64 hi,
			    struct inode **out, u64 *pgoff)
{
	struct address_space *mapping = NULL, *m;
	struct inode *inode;
	pgoff_t index = 0;
	u64 pfn, first = lo;

	if (hi < lo || hi - lo >= DAXHOLD_ASSOC_MAX)
		return -EAGAIN;
	rcu_read_lock();
	for (pfn = lo; pfn <= hi; pfn++) {
		if (!pfn_valid(pfn))
			goto walk;
		m = READ_ONCE(pfn_to_page(pfn)->mapping);
		if (!m)
			continue;
		if (m == PAGE_MAPPING_DAX_SHARED ||
		    ((unsigned long)m & PAGE_MAPPING_FLAGS) ||
		    (mapping && m != mapping))
			goto walk;
		if (!mapping) {
			mapping = m;
			first = pfn;
			index = READ_ONCE(pfn_to_page(pfn)->index);
		}
	}
	if (!mapping || mapping->host->i_sb != sb) {
		rcu_read_unlock();
		return 0;
	}
	inode = mapping->host;
	spin_lock(&inode->i_lock);
	if ((inode->i_state & (I_FREEING | I_WILL_FREE | I_NEW)) ||
	    !IS_DAX(inode)) {
		spin_unlock(&inode->i_lock);
		goto walk;
	}
	__iget(inode);
	spin_unlock(&inode->i_lock);
	rcu_read_unlock();
	if (READ_ONCE(pfn_to_page(first)->mapping) != mapping ||
	    !daxhold_entry_maps(mapping, index, first)) {
		iput(inode);
		return -EAGAIN;
	}
	*out = inode;
	*pgoff = index;
	return 1;
walk:
	rcu_read_unlock();
	return -EAGAIN;
}

/*
 * Call fn on every in-core DAX inode of sb that has a DAX entry on a pfn in
 * [lo, hi], referenced for the call (fn may sleep); *scanned counts the
 * inodes looked at.  The source of truth is each inode's i_pages, read
 * under s_inode_list_lock and RCU without a reference: an inode stays on
 * s_inodes, its memory and its mapping live, until evict() takes it off
 * under that lock, and the xarray nodes are RCU-freed.  Only an inode that
 * matches (or where the walk must yield the CPU) is pinned with __iget(),
 * after the i_state check under i_lock that drop_pagecache_sb() makes.
 * Stops at fn's first non-zero result and returns it.  From a
 * daxhold_for_each_sb() callback (s_umount held).
 */
int daxhold_sb_dax_owners(struct super_block *sb, u64 lo, u64 hi,
			  daxhold_inode_fn fn, void *ctx, u64 *scanned)
{
	struct inode *inode, *toput = NULL;
	u64 n = 0;
	int rc = 0;

	spin_lock(&sb->s_inode_list_lock);
	rcu_read_lock();
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		bool hit;

		n++;
		hit = IS_DAX(inode) && !mapping_empty(inode->i_mapping) &&
		      daxhold_maps_pfns(inode->i_mapping, lo, hi);
		if (!hit && !need_resched())
			continue;
		spin_lock(&inode->i_lock);
		if (inode->i_state & (I_FREEING | I_WILL_FREE | I_NEW)) {
			spin_unlock(&inode->i_lock);
			continue;
		}
		__iget(inode);
		spin_unlock(&inode->i_lock);
		rcu_read_unlock();
		spin_unlock(&sb->s_inode_list_lock);

		iput(toput);
		toput = inode;
		if (hit)
			rc = fn(ctx, inode);
		cond_resched();
		spin_lock(&sb->s_inode_list_lock);
		rcu_read_lock();
		if (rc)
			break;
	}
	rcu_read_unlock();
	spin_unlock(&sb->s_inode_list_lock);
	iput(toput);
	*scanned = n;
	return rc;
}

/*
 * Call fn on every in-core regular DAX file of sb, referenced for the call
 * (fn may sleep), as drop_pagecache_sb() walks s_inodes: the known-poison
 * scan, which also wants files no one maps.  Stops at fn's first non-zero
 * result and returns it.  From a daxhold_for_each_sb() callback.
 */
int daxhold_sb_for_each_dax_file(struct super_block *sb, daxhold_inode_fn fn,
				 void *ctx)
{
	struct inode *inode, *toput = NULL;
	int rc = 0;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		spin_lock(&inode->i_lock);
		if ((inode->i_state & (I_FREEING | I_WILL_FREE | I_NEW)) ||
		    !IS_DAX(inode) || !S_ISREG(inode->i_mode)) {
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
