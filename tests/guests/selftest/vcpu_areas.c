/*
 * Per-vCPU areas in guest memory, as Linux sets them up for every CPU:
 * vcpu_info moved out of shared_info (VCPUOP_register_vcpu_info), after
 * which events, time and timers must all work through the new copy, and a
 * runstate area (VCPUOP_register_runstate_memory_area).
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/time.h>
#include "selftest.h"

static struct vcpu_info my_vcpu_info __aligned(64);
static volatile struct vcpu_runstate_info my_runstate;
static volatile unsigned int hits;

static void count_handler(evtchn_port_t port, void *arg)
{
    hits++;
}

/* Xen copies the old area, then marks every selector bit and upcall_pending. */
static void areas_check_register(void)
{
    struct vcpu_info *legacy = this_vcpu_info();
    uint64_t before = time_now();
    long rc;

    events_disable();
    rc = hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0,
                           &(struct vcpu_register_vcpu_info){
                               .mfn = pfn_to_mfn(virt_to_pfn(&my_vcpu_info)),
                               .offset = (uint64_t)(uintptr_t)&my_vcpu_info & 0xfff });
    if (rc == 0)
        vcpu_info_area = &my_vcpu_info;
    CHECK_RC("vcpu-register-vcpu-info", rc, 0);
    check("vcpu-info-copied", rc == 0 && my_vcpu_info.evtchn_upcall_mask == 1 &&
          my_vcpu_info.time.tsc_to_system_mul == legacy->time.tsc_to_system_mul,
          "mask %u, mul %u (legacy %u)", my_vcpu_info.evtchn_upcall_mask,
          my_vcpu_info.time.tsc_to_system_mul, legacy->time.tsc_to_system_mul);
    check("vcpu-info-rescan-marked", my_vcpu_info.evtchn_upcall_pending == 1 &&
          my_vcpu_info.evtchn_pending_sel == ~0ULL, "upcall_pending %u, pending_sel %#lx",
          my_vcpu_info.evtchn_upcall_pending, my_vcpu_info.evtchn_pending_sel);
    events_enable();
    check("vcpu-info-time", time_now() > before && !(my_vcpu_info.time.version & 1),
          "time %lu after %lu, version %u", time_now(), before, my_vcpu_info.time.version);
    CHECK_RC("vcpu-register-vcpu-info-twice",
             hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0,
                               &(struct vcpu_register_vcpu_info){
                                   .mfn = pfn_to_mfn(virt_to_pfn(&my_vcpu_info)) }),
             -XEN_EINVAL);
}

/* An event and a timer, delivered through the new vcpu_info. */
static void areas_check_delivery(void)
{
    evtchn_port_t a = 0, b = 0;

    if (evtchn_alloc_unbound(DOMID_SELF, &a) || evtchn_bind_interdomain(DOMID_SELF, a, &b)) {
        check("vcpu-info-event", false, "no loopback channel");
        return;
    }
    evtchn_set_handler(a, count_handler, NULL);
    evtchn_unmask(a);
    evtchn_send(b);
    for (int i = 0; i < 3 && !hits; i++)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    check("vcpu-info-event", hits == 1, "handler ran %u times", hits);
    evtchn_close(a);
    evtchn_close(b);
    selftest_timer_fires("vcpu-info-timer-fires", 5 * NSEC_PER_MSEC);
}

static void areas_check_runstate(void)
{
    struct vcpu_register_runstate_memory_area area = {
        .addr.h = guest_handle_from_ptr(&my_runstate),
    };
    uint64_t running;
    long rc;

    my_runstate.state = -1;
    rc = hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area);
    check("vcpu-register-runstate", rc == 0 && my_runstate.state == RUNSTATE_running &&
          my_runstate.state_entry_time > 0, "rc %ld, state %d, entry time %lu", rc,
          my_runstate.state, my_runstate.state_entry_time);
    running = my_runstate.time[RUNSTATE_running];
    selftest_timer_fires("vcpu-runstate-timer-fires", 2 * NSEC_PER_MSEC);
    /*
     * The area is written when the vCPU is switched in. If the timer fired
     * before we got to block (a host that stalls QEMU for 2 ms), we never
     * left the CPU: sleep once more, longer.
     */
    for (int i = 0; i < 3 && my_runstate.time[RUNSTATE_running] == running; i++) {
        uint64_t until = time_now() + 20 * NSEC_PER_MSEC;

        timer_set_singleshot(until, 0);
        while (time_now() < until)
            hypercall_sched_op(SCHEDOP_block, NULL);
    }
    check("vcpu-runstate-updated", my_runstate.state == RUNSTATE_running &&
          my_runstate.time[RUNSTATE_running] > running &&
          my_runstate.time[RUNSTATE_blocked] > 0, "state %d, running %lu (was %lu), blocked %lu",
          my_runstate.state, my_runstate.time[RUNSTATE_running], running,
          my_runstate.time[RUNSTATE_blocked]);
}

void selftest_vcpu_areas(void)
{
    areas_check_register();
    areas_check_delivery();
    areas_check_runstate();
}
