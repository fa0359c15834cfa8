/*
 * What every PV test kernel knows about itself and its domain: the
 * start_info page the builder gave it, the shared_info page it mapped, its
 * own image, the registers it started with, and how it stops.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <guest/layout.h>
#include <guest/lib.h>
#include "public/errno.h"
#include "public/xen.h"
#include "public/sched.h"

/* Set up by guest_start() before test_main() runs. */
extern struct start_info *start_info;
extern struct shared_info *shared_info;

/* start_info.cmd_line, copied and NUL-terminated whatever the builder wrote. */
extern char guest_cmdline[MAX_GUEST_CMDLINE + 1];

/* The image (guest.lds.S): [_image_start, _image_end), page aligned. */
extern char _image_start[], _image_end[];

/* Registers at the entry point (guest/arch/head.S). */
extern uint64_t boot_rsp, boot_rsi, boot_rflags;
extern uint16_t boot_cs, boot_ss, boot_ds, boot_es;
/* vcpu_info.evtchn_upcall_mask as found, before anything wrote it. */
extern uint8_t boot_upcall_mask;

/*
 * vCPU 0's vcpu_info: the legacy slot in shared_info until
 * vcpu_info_register() moves it, as Linux does. Other vCPUs (guest/smp.h)
 * keep their shared_info slots.
 */
extern struct vcpu_info *vcpu_info_area;

static inline unsigned int smp_vcpu_id(void);
static inline struct vcpu_info *this_vcpu_info(void)
{
    unsigned int id = smp_vcpu_id();

    return id ? &shared_info->vcpu_info[id] : vcpu_info_area;
}

/*
 * VCPUOP_register_vcpu_info: have the hypervisor keep our vcpu_info at
 * area (64 bytes, not crossing a page) from now on. Events are masked
 * across the switch. 0 or the hypercall's error.
 */
long vcpu_info_register(struct vcpu_info *area);

/* Pseudo-physical frame of a bootstrap-region address, and back. */
static inline uint64_t virt_to_pfn(const void *va)
{
    return ((uint64_t)(uintptr_t)va - GUEST_VIRT_BASE) / GUEST_PAGE_SIZE;
}

static inline void *pfn_to_virt(uint64_t pfn)
{
    return (void *)(uintptr_t)(GUEST_VIRT_BASE + pfn * GUEST_PAGE_SIZE);
}

/* Machine frame of a pseudo-physical frame, from the builder's p2m list. */
static inline uint64_t pfn_to_mfn(uint64_t pfn)
{
    return ((const uint64_t *)(uintptr_t)start_info->mfn_list)[pfn];
}

/* Stop this domain with a SHUTDOWN_* reason; does not return. */
void guest_shutdown(unsigned int reason) __noreturn;

/* Entry from head.S: records start_info and the command line, runs guest_main. */
void guest_start(struct start_info *si) __noreturn;

/*
 * The kernel proper: guest/test_main.c for test kernels, dom0/main.c for
 * dom0. It calls trap_init(), guest_map_shared_info() and
 * guest_events_start() in that order before anything else.
 */
void guest_main(void) __noreturn;
/* Map start_info->shared_info over a page of ours; 0 or update_va_mapping's error. */
long guest_map_shared_info(void);
void guest_events_start(void);

/* Provided by each test kernel. */
extern const char test_title[];
void test_main(void);

#include <guest/smp.h>

#endif /* GUEST_GUEST_H */
