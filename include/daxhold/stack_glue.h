/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rust/topology/stack_glue.c (discovery) gives rust/topology/watch_glue.c (the
 * change signals); C only, not bindings input.
 */
#ifndef DAXHOLD_STACK_GLUE_H
#define DAXHOLD_STACK_GLUE_H

#include <linux/device/class.h>
#include <linux/types.h>

/* The block class (not exported), found through a block device; or NULL. */
const struct class *daxhold_block_class(void);
/* Whether a dm device was seen by discovery. */
bool daxhold_dm_seen(void);

#endif
