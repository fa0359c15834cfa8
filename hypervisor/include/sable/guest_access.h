/*
 * Copying to and from guest memory. Every address a guest passes is hostile:
 * these check that the whole range is guest-accessible (never the
 * hypervisor's reserved range, never non-canonical), and a fault while
 * copying (unmapped, read-only) is caught and turned into -EFAULT instead of
 * a hypervisor crash. They act in the current vCPU's address space.
 */
#ifndef SABLE_GUEST_ACCESS_H
#define SABLE_GUEST_ACCESS_H

#include <sable/types.h>

/* 0, or -EFAULT when any byte of the guest range cannot be accessed. */
int copy_from_guest(void *dst, uint64_t guest_va, size_t len);
int copy_to_guest(uint64_t guest_va, const void *src, size_t len);

/* True when [va, va+len) lies entirely in guest-usable virtual space. */
bool guest_range_ok(uint64_t va, size_t len);

#endif
