/*
 * Start of day of a kernel on this runtime, after head.S: take in
 * start_info and the command line, then hand over to guest_main (the test
 * kernels' is guest/test_main.c, dom0's is dom0/main.c), which installs
 * the virtual IDT and callbacks (trap_init), maps shared_info and turns
 * events on with the helpers here.
 */
#include <guest/events.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
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
long guest_map_shared_info(void)
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

/* Events on, every port masked until a handler is set for it. */
void guest_events_start(void)
{
    boot_upcall_mask = this_vcpu_info()->evtchn_upcall_mask;
    evtchn_init();
    events_enable();
}

void guest_start(struct start_info *si)
{
    start_info = si;
    memcpy(guest_cmdline, si->cmd_line, MAX_GUEST_CMDLINE);
    guest_cmdline[MAX_GUEST_CMDLINE] = '\0';
    guest_main();
}
