/*
 * Conventions shared by every header in include/public/, the guest ABI.
 *
 * Sable speaks Xen's guest ABI so that Linux's own Xen code (PV kernels, the
 * PVH entry path, hvc/blk/net front-ends, xenbus) runs unmodified. Every
 * number, field order, size and padding in these headers therefore equals
 * the one in Xen's public headers (xen-project/xen, xen/include/public) for
 * 64-bit x86 guests. Names of ABI items (structures, fields, constants) are
 * Xen's too, so that a layout can be checked against Xen or Linux by name.
 * What Sable adds (this file, the ring helpers, the hypercall list) carries
 * a SABLE_ prefix or says so.
 *
 * Rules for these headers:
 *  - fixed-width types only; every padding byte is a named field (_padN) that
 *    the writer must zero and the reader must ignore;
 *  - field comments say IN (caller fills), OUT (callee fills) or IN/OUT;
 *  - sizes and offsets Linux relies on are checked with SABLE_ABI_CHECK, and
 *    again at run time by tests/unit/test_abi_layout.c;
 *  - only x86-64 guests exist: no 32-bit (compat) layouts;
 *  - each header compiles on its own as C99 and C++11 (make headers-check);
 *    constants needed by assembly sit outside the __ASSEMBLER__ guards.
 */
#ifndef SABLE_PUBLIC_ABI_H
#define SABLE_PUBLIC_ABI_H

/*
 * Version of this interface, major << 16 | minor.
 *
 * When to raise it (and add a line to the CHANGELOG in docs/abi.md):
 *  - minor: something is added that old guests and old Sable can ignore: a
 *    new hypercall or sub-op, a new constant, a field carved out of padding
 *    that was documented as zero;
 *  - major: an existing number, layout or meaning changes. Xen-derived parts
 *    never change this way (Linux has them compiled in); a major raise is
 *    only possible for Sable-only interfaces.
 * Fixing a comment, or adding checks, does not raise it.
 */
#define SABLE_INTERFACE_VERSION     0x00010002
#define SABLE_INTERFACE_MAJOR(v)    ((v) >> 16)
#define SABLE_INTERFACE_MINOR(v)    ((v) & 0xffff)

/*
 * The Xen interface level whose layouts these headers reproduce (Xen's
 * "latest interface version" when they were written). Xen keeps older
 * layouts behind __XEN_INTERFACE_VERSION__; Sable offers only this one.
 */
#define SABLE_XEN_INTERFACE_VERSION 0x00041300

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/*
 * SABLE_ABI_CHECK(tag, cond): refuse to compile when a layout fact is wrong.
 * The tag names the fact and must be unique among all public headers (it
 * becomes a type name under C99, which has no static assertion).
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define SABLE_ABI_CHECK(tag, cond) static_assert(cond, #tag)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define SABLE_ABI_CHECK(tag, cond) _Static_assert(cond, #tag)
#else
#define SABLE_ABI_CHECK(tag, cond) \
    typedef char sable_abi_check_##tag[(cond) ? 1 : -1]
#endif

/*
 * Guest handles: an address in the caller's virtual address space, passed
 * inside a hypercall argument structure. On x86-64 Xen's handle is a struct
 * around one pointer, i.e. 8 bytes with 8-byte alignment; a uint64_t has the
 * same layout and keeps the hypervisor from dereferencing guest memory by
 * accident: it must copy through its guest-access functions, which check the
 * range. GUEST_HANDLE(type) only records what the address points to.
 */
typedef uint64_t guest_handle_t;
#define GUEST_HANDLE(pointee_type) guest_handle_t

/* Guest side: store a pointer into a handle field. */
#define guest_handle_from_ptr(p) ((guest_handle_t)(uintptr_t)(p))

SABLE_ABI_CHECK(guest_handle_size, sizeof(guest_handle_t) == 8);
#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_ABI_H */
