/*
 * The end of the hostile kernel: what an unprivileged domain may not do
 * (Xen: -EPERM, or a denied answer), then a fault the hypervisor cannot
 * deliver. It must crash this domain (and print why); nothing after
 * "CHECK about-to-crash PASS" may appear.
 *
 *   crash=stack       (default) kernel stack pointer on an unmapped page:
 *                     the #PF bounce frame cannot be written (a double fault)
 *   crash=nohandler   the trap table cleared, then a #PF
 *   crash=badhandler  the #PF handler on an unmapped page: each delivery
 *                     faults again, until the frames run off the mapping
 */
#include <guest/events.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/traps.h>
#include "hostile.h"

#define UNMAPPED_DATA   0x1000ULL       /* nothing maps the low half */
#define UNMAPPED_STACK  0x10000ULL
#define UNMAPPED_CODE   0x20000ULL

void hostile_permissions(void)
{
    static xen_commandline_t cmdline;
    struct evtchn_status st;
    struct sched_remote_shutdown rs = { .reason = SHUTDOWN_crash };
    evtchn_port_t a = 0, b = 0;
    long rc;

    /* Xen hands an unprivileged domain "<denied>" (common/kernel.c, xen_deny()). */
    memset(cmdline, 0, sizeof(cmdline));
    rc = hypercall_xen_version(XENVER_commandline, cmdline);
    check("xen-version-commandline-denied", rc == -XEN_EPERM ||
          (rc == 0 && !strcmp(cmdline, "<denied>")), "rc %ld (%s), \"%.32s\"", rc,
          xen_errno_name(rc), cmdline);
    CHECK_RC("set-debugreg-hypervisor", hypercall_set_debugreg(0, 0xffff82d080000000ULL),
             -XEN_EPERM);
    /* Our own domain id, from a loopback channel; remote shutdown is for the toolstack. */
    if (evtchn_alloc_unbound(DOMID_SELF, &a) == 0 && evtchn_bind_interdomain(DOMID_SELF, a, &b) == 0 &&
        evtchn_status(b, &st) == 0) {
        rs.domain_id = st.u.interdomain.dom;
        CHECK_RC("sched-remote-shutdown-self", hypercall_sched_op(SCHEDOP_remote_shutdown, &rs),
                 -XEN_EPERM);
    }
}

static void crash_stack(void)
{
    __asm__ volatile("mov %[sp], %%rsp\n\t"
                     "movb (%[a]), %%al"
                     :: [sp] "r"(UNMAPPED_STACK), [a] "r"(UNMAPPED_DATA) : "rax", "memory");
}

static void crash_no_handler(void)
{
    hypercall_set_trap_table(NULL);
    __asm__ volatile("movb (%[a]), %%al" :: [a] "r"(UNMAPPED_DATA) : "rax", "memory");
}

static void crash_bad_handler(void)
{
    struct trap_info table[2] = {
        { .vector = TRAP_PF, .cs = FLAT_KERNEL_CS, .address = UNMAPPED_CODE },
        { .address = 0 },
    };

    hypercall_set_trap_table(table);
    __asm__ volatile("movb (%[a]), %%al" :: [a] "r"(UNMAPPED_DATA) : "rax", "memory");
}

void hostile_crash(void)
{
    char mode[16] = "stack";
    void (*crash)(void) = crash_stack;

    cmdline_get("crash", mode, sizeof(mode));
    if (!strcmp(mode, "nohandler"))
        crash = crash_no_handler;
    else if (!strcmp(mode, "badhandler"))
        crash = crash_bad_handler;
    else
        strlcpy(mode, "stack", sizeof(mode));
    printf("hostile: %u checks passed, %u failed; now crashing (crash=%s)\n", test_passed,
           test_failed, mode);
    events_disable();
    check("about-to-crash", true, "-");
    crash();
    /* Still here: the hypervisor let the fault go. */
    check("crashed", false, "still running after crash=%s", mode);
    test_finish();
}
