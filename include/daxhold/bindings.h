/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Input to daxhold's own bindgen step (tools/build/bindgen.sh): the kernel
 * interfaces daxhold uses that 6.12's rust/bindings do not cover.
 */
#include <linux/dax.h>
#include <linux/device-mapper.h>
#include <linux/mm.h>
#include <linux/delay.h>
#include <daxhold/glue.h>
