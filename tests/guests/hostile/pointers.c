/*
 * Bad pointers in hypercall arguments: every one must come back -EFAULT
 * (Xen checks guest handles against the guest's half of the address space
 * and recovers from faults while copying), and nothing may be written
 * through a read-only mapping.
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include "hostile.h"

static const struct bad_ptr {
    const char *name;
    uint64_t va;
} bad_ptrs[] = {
    { "null", 0 },
    { "unmapped", 0x1000 },                         /* low half: nothing mapped */
    { "lower-half-end", 0x00007ffffffffff8 },       /* runs off the lower half */
    { "noncanonical", 0x8000000000000000 },
    { "kernel-half", HYPERVISOR_VIRT_START },       /* Sable's range (Xen's M2P) */
    { "hypervisor-image", 0xffff82d080000000 },     /* Sable's code */
    { "directmap", 0xffff830000001000 },            /* Sable's map of all RAM */
};

static long call_console_write(uint64_t p)
{ return hypercall_console_io(CONSOLEIO_write, 16, (const char *)p); }
static long call_evtchn_send(uint64_t p)
{ return hypercall_event_channel_op(EVTCHNOP_send, (void *)p); }
static long call_evtchn_alloc_unbound(uint64_t p)
{ return hypercall_event_channel_op(EVTCHNOP_alloc_unbound, (void *)p); }
static long call_evtchn_bind_virq(uint64_t p)
{ return hypercall_event_channel_op(EVTCHNOP_bind_virq, (void *)p); }
static long call_evtchn_status(uint64_t p)
{ return hypercall_event_channel_op(EVTCHNOP_status, (void *)p); }
static long call_vcpu_runstate(uint64_t p)
{ return hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, (void *)p); }
static long call_vcpu_singleshot(uint64_t p)
{ return hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, (void *)p); }
static long call_xen_extraversion(uint64_t p)
{ return hypercall_xen_version(XENVER_extraversion, (void *)p); }
static long call_multicall(uint64_t p)
{ return hypercall_multicall((struct multicall_entry *)p, 1); }
static long call_set_trap_table(uint64_t p)
{ return hypercall_set_trap_table((const struct trap_info *)p); }
static long call_callback_register(uint64_t p)
{ return hypercall_callback_op(CALLBACKOP_register, (const void *)p); }
static long call_sched_poll(uint64_t p)
{ return hypercall_sched_op(SCHEDOP_poll, (void *)p); }
static long call_sched_shutdown(uint64_t p)
{ return hypercall_sched_op(SCHEDOP_shutdown, (void *)p); }

static const struct bad_call {
    const char *name;
    long (*call)(uint64_t ptr);
    bool null_is_valid;         /* NULL has a meaning here: not tried */
} bad_calls[] = {
    { "console-write", call_console_write, false },
    { "evtchn-send", call_evtchn_send, false },
    { "evtchn-alloc-unbound", call_evtchn_alloc_unbound, false },
    { "evtchn-bind-virq", call_evtchn_bind_virq, false },
    { "evtchn-status", call_evtchn_status, false },
    { "vcpu-runstate", call_vcpu_runstate, false },
    { "vcpu-singleshot", call_vcpu_singleshot, false },
    { "xen-extraversion", call_xen_extraversion, false },
    { "multicall", call_multicall, false },
    { "set-trap-table", call_set_trap_table, true },    /* NULL clears the table */
    { "callback-register", call_callback_register, false },
    { "sched-poll", call_sched_poll, false },
    /* Last: if a bad pointer were read as a reason, we would stop here. */
    { "sched-shutdown", call_sched_shutdown, false },
};

/* Output into a read-only page (our page tables): refused, nothing written. */
static void pointers_check_readonly(void)
{
    uint64_t *l4 = (uint64_t *)(uintptr_t)start_info->pt_base;
    uint64_t before[8], after[8];
    long rc;

    memcpy(before, l4, sizeof(before));
    rc = hypercall_xen_version(XENVER_extraversion, l4);
    memcpy(after, l4, sizeof(after));
    check("efault-xen-extraversion-readonly", rc == -XEN_EFAULT &&
          !memcmp(before, after, sizeof(before)), "rc %ld (%s), page table %s", rc,
          xen_errno_name(rc), memcmp(before, after, sizeof(before)) ? "CHANGED" : "unchanged");

    rc = hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, l4);
    memcpy(after, l4, sizeof(after));
    check("efault-vcpu-runstate-readonly", rc == -XEN_EFAULT &&
          !memcmp(before, after, sizeof(before)), "rc %ld (%s), page table %s", rc,
          xen_errno_name(rc), memcmp(before, after, sizeof(before)) ? "CHANGED" : "unchanged");
}

void hostile_pointers(void)
{
    char name[64];

    pointers_check_readonly();
    for (unsigned int c = 0; c < ARRAY_SIZE(bad_calls); c++) {
        for (unsigned int p = 0; p < ARRAY_SIZE(bad_ptrs); p++) {
            if (bad_ptrs[p].va == 0 && bad_calls[c].null_is_valid)
                continue;
            snprintf(name, sizeof(name), "efault-%s-%s", bad_calls[c].name, bad_ptrs[p].name);
            CHECK_RC(name, bad_calls[c].call(bad_ptrs[p].va), -XEN_EFAULT);
        }
    }
}
