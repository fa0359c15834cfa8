/*
 * Start of day of a PV test kernel, after head.S: take in start_info, map
 * shared_info, install the virtual IDT and the event callbacks, then run
 * the test. Each step is a check, so a builder or hypercall bug shows up
 * as a named failure rather than a silent hang; a failed step ends the run
 * with VERDICT ERROR.
 */
#include <guest/events.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/traps.h>

struct start_info *start_info;
struct shared_info *shared_info;
struct vcpu_info *vcpu_info_area;
char guest_cmdline[MAX_GUEST_CMDLINE + 1];
uint8_t boot_upcall_mask;

/* Where shared_info is mapped: a page of our own .bss, remapped. */
static uint8_t shared_info_page[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

/* x86 PTE bits for the one mapping we make. */
#define PTE_PRESENT     (1ULL << 0)
#define PTE_RW          (1ULL << 1)
#define PTE_USER        (1ULL << 2)
#define PTE_ACCESSED    (1ULL << 5)
#define PTE_DIRTY       (1ULL << 6)

/*
 * start_info.shared_info is a machine address that nothing maps yet: point
 * our shared_info page at it with update_va_mapping, as Linux and Mini-OS
 * do. (The .bss frame underneath is simply no longer reachable.)
 */
static long shared_info_map(void)
{
    uint64_t pte = (start_info->shared_info & ~(uint64_t)(GUEST_PAGE_SIZE - 1)) |
                   PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;
    long rc = hypercall_update_va_mapping((uint64_t)(uintptr_t)shared_info_page, pte,
                                          UVMF_INVLPG | UVMF_LOCAL);

    if (rc == 0) {
        shared_info = (struct shared_info *)shared_info_page;
        vcpu_info_area = &shared_info->vcpu_info[0];
    }
    return rc;
}

/*
 * The hypervisor copies the current vcpu_info there (mask included, which
 * is why events are masked first) and marks every selector bit pending, so
 * the first upcall afterwards rescans all ports.
 */
long vcpu_info_register(struct vcpu_info *area)
{
    uint64_t va = (uint64_t)(uintptr_t)area;
    struct vcpu_register_vcpu_info info = {
        .mfn = pfn_to_mfn(virt_to_pfn(area)),
        .offset = va & (GUEST_PAGE_SIZE - 1),
    };
    bool enabled = events_disable();
    long rc = hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &info);

    if (rc == 0)
        vcpu_info_area = area;
    if (enabled)
        events_enable();
    return rc;
}

/* SCHEDOP_shutdown; should it come back, keep trying, then park. */
void guest_shutdown(unsigned int reason)
{
    struct sched_shutdown sd = { .reason = reason };
    long rc = hypercall_sched_op(SCHEDOP_shutdown, &sd);

    printf("shutdown(%u) returned %ld\n", reason, rc);
    sd.reason = SHUTDOWN_crash;
    for (;;) {
        hypercall_sched_op(SCHEDOP_shutdown, &sd);
        hypercall_sched_op(SCHEDOP_block, NULL);
    }
}

void guest_start(struct start_info *si)
{
    long rc;

    start_info = si;
    memcpy(guest_cmdline, si->cmd_line, MAX_GUEST_CMDLINE);
    guest_cmdline[MAX_GUEST_CMDLINE] = '\0';
    printf("Sable PV test kernel: %s (cmdline \"%s\")\n", test_title, guest_cmdline);

    rc = trap_init();
    if (!check("boot-trap-table", rc == 0, "set_trap_table/callback_op: %s", xen_errno_name(rc)))
        test_error("no trap table");
    rc = shared_info_map();
    if (!check("boot-map-shared-info", rc == 0, "update_va_mapping(%#lx): %s",
               start_info->shared_info, xen_errno_name(rc)))
        test_error("no shared_info");
    boot_upcall_mask = this_vcpu_info()->evtchn_upcall_mask;
    evtchn_init();
    events_enable();

    test_main();
    test_finish();
}
