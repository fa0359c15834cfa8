/*
 * Per-vCPU operations: bring vCPUs up and down, one-shot and periodic
 * timers, and where the hypervisor keeps a vCPU's vcpu_info, runstate and
 * time areas in guest memory.
 *
 * vcpu_op(cmd, vcpuid, arg): cmd is VCPUOP_*, vcpuid the target vCPU of the
 * calling domain, arg the matching struct (or unused).
 */
#ifndef SABLE_PUBLIC_VCPU_H
#define SABLE_PUBLIC_VCPU_H

#include "xen.h"

#define VCPUOP_initialise               0   /* PV: struct vcpu_guest_context */
#define VCPUOP_up                       1
#define VCPUOP_down                     2
#define VCPUOP_is_up                    3   /* returns 1 or 0 */
#define VCPUOP_get_runstate_info        4   /* struct vcpu_runstate_info */
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_set_periodic_timer       6   /* struct vcpu_set_periodic_timer */
#define VCPUOP_stop_periodic_timer      7   /* arg unused */
#define VCPUOP_set_singleshot_timer     8   /* struct vcpu_set_singleshot_timer */
#define VCPUOP_stop_singleshot_timer    9   /* arg unused */
#define VCPUOP_register_vcpu_info       10  /* struct vcpu_register_vcpu_info */
#define VCPUOP_send_nmi                 11  /* arg unused */
#define VCPUOP_get_physid               12  /* struct vcpu_get_physid */
#define VCPUOP_register_vcpu_time_memory_area 13
#define VCPUOP_register_runstate_phys_area 14   /* addr.p is a guest-physical */
#define VCPUOP_register_vcpu_time_phys_area 15  /* address; ~0 unregisters */

/* vcpu_runstate_info.state */
#define RUNSTATE_running        0   /* on a physical CPU */
#define RUNSTATE_runnable       1   /* waiting for one */
#define RUNSTATE_blocked        2   /* waiting for an event */
#define RUNSTATE_offline        3   /* down, or paused by the toolstack */

/* vcpu_set_singleshot_timer.flags */
#define _VCPU_SSHOTTMR_future   0
#define VCPU_SSHOTTMR_future    (1U << _VCPU_SSHOTTMR_future) /* -ETIME if past */

#ifndef __ASSEMBLER__

/*
 * Time a vCPU spent in each state, so a guest can account steal time.
 * With VMASST_TYPE_runstate_update_flag the top bit of state_entry_time is
 * set while the hypervisor updates the guest's copy.
 */
struct vcpu_runstate_info {
    int32_t  state;             /* OUT: RUNSTATE_* */
    uint32_t _pad0;
    uint64_t state_entry_time;  /* OUT: system time (ns) state was entered */
    uint64_t time[4];           /* OUT: ns spent in each RUNSTATE_* */
};
SABLE_ABI_CHECK(vcpu_runstate_info_size, sizeof(struct vcpu_runstate_info) == 48);

#define XEN_RUNSTATE_UPDATE     (1ULL << 63)

/*
 * Where the hypervisor keeps a copy of the runstate (…_memory_area: guest
 * virtual address, updated while the vCPU's address space is current;
 * …_phys_area: guest-physical address).
 */
struct vcpu_register_runstate_memory_area {
    union {
        GUEST_HANDLE(struct vcpu_runstate_info) h;  /* IN */
        uint64_t p;                                 /* IN */
    } addr;
};
SABLE_ABI_CHECK(vcpu_register_runstate_size,
                sizeof(struct vcpu_register_runstate_memory_area) == 8);

/* Periodic timer: VIRQ_TIMER every period_ns. */
struct vcpu_set_periodic_timer {
    uint64_t period_ns;         /* IN */
};

/* One-shot timer: VIRQ_TIMER at an absolute system time. */
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;    /* IN: system time (ns) */
    uint32_t flags;             /* IN: VCPU_SSHOTTMR_* */
    uint32_t _pad0;
};
SABLE_ABI_CHECK(vcpu_set_singleshot_timer_size,
                sizeof(struct vcpu_set_singleshot_timer) == 16);

/*
 * Move a vCPU's vcpu_info out of shared_info (needed beyond 32 vCPUs, and
 * lets the guest put it in per-CPU memory). The area must not cross a page.
 */
struct vcpu_register_vcpu_info {
    uint64_t mfn;               /* IN: guest frame holding the area */
    uint32_t offset;            /* IN: byte offset within that frame */
    uint32_t rsvd;              /* IN: zero */
};
SABLE_ABI_CHECK(vcpu_register_vcpu_info_size, sizeof(struct vcpu_register_vcpu_info) == 16);

/* Physical identity of the CPU a vCPU stands for (dom0: ACPI/APIC ids). */
struct vcpu_get_physid {
    uint64_t phys_id;           /* OUT: ACPI id << 32 | APIC id */
};
#define xen_vcpu_physid_to_x86_apicid(physid) ((uint32_t)(physid))
#define xen_vcpu_physid_to_x86_acpiid(physid) ((uint32_t)((physid) >> 32))

/* A second copy of vcpu_time_info, e.g. one user space may map read-only. */
struct vcpu_register_time_memory_area {
    union {
        GUEST_HANDLE(struct vcpu_time_info) h;      /* IN */
        uint64_t p;                                 /* IN */
    } addr;
};
SABLE_ABI_CHECK(vcpu_register_time_size,
                sizeof(struct vcpu_register_time_memory_area) == 8);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_VCPU_H */
