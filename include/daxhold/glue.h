/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of daxhold: what Rust cannot do on 6.12 (module parameters,
 * sysfs attributes, inline helpers), and the Rust entry points it calls.
 * bindgen reads this header, so both languages share one declaration.
 */
#ifndef _DAXHOLD_GLUE_H
#define _DAXHOLD_GLUE_H

#include <linux/types.h>

/* Implemented in C (rust/glue.c). */
const char *daxhold_param_devices(void);
int daxhold_sysfs_init(void);
void daxhold_sysfs_exit(void);

/* Implemented in Rust (rust/control.rs), called from the sysfs glue. */
int daxhold_ctl_attach(const char *buf, size_t len);
int daxhold_ctl_detach(const char *buf, size_t len);
ssize_t daxhold_ctl_holders(char *buf, size_t size);

#endif /* _DAXHOLD_GLUE_H */
