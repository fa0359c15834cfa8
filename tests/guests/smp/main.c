/*
 * smp: a second vCPU, brought up as Linux does on Xen (VCPUOP_initialise
 * with a vcpu_guest_context, then VCPUOP_up), runs code on its own stack
 * and vcpu_info, exchanges IPI events with vCPU 0, runs in parallel with
 * it, and takes itself down.
 *
 * Command line: vcpus=<n> (what the domain was given, default 2),
 * rounds=<n> IPI round trips (default 100), parallel=1 to require that the
 * two vCPUs ran at the same time (needs two physical CPUs).
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/smp.h>
#include <guest/test.h>
#include <guest/time.h>
#include "public/vcpu.h"

#define WAIT_NS     (5 * NSEC_PER_SEC)
#define SPIN_NS     (300 * NSEC_PER_MSEC)

const char test_title[] = "smp: secondary vCPU start, IPIs, parallel run, down";

static volatile unsigned int seen_id = ~0U;
static volatile struct vcpu_info *seen_vcpu_info;
static volatile bool stop, spin_go;
static volatile unsigned long spins[2];
static volatile unsigned int acks, ipi_on_wrong_vcpu;
static evtchn_port_t port_to_0, port_to_1;

/* IPI to vCPU 1: answer with one back to vCPU 0. */
static void on_vcpu1_ipi(evtchn_port_t port, void *arg)
{
    if (smp_vcpu_id() != 1)
        ipi_on_wrong_vcpu++;
    evtchn_send(port_to_0);
}

static void on_vcpu0_ipi(evtchn_port_t port, void *arg)
{
    if (smp_vcpu_id() != 0)
        ipi_on_wrong_vcpu++;
    acks++;
}

/* Count until told to stop: how far each vCPU gets in the same interval. */
static void spin(unsigned int id)
{
    uint64_t end = time_now() + SPIN_NS;

    while (time_now() < end)
        spins[id]++;
}

static void secondary(unsigned int id, void *arg)
{
    seen_vcpu_info = this_vcpu_info();
    WRITE_ONCE(seen_id, id == smp_vcpu_id() ? id : 1000 + smp_vcpu_id());
    while (!READ_ONCE(spin_go) && !READ_ONCE(stop))
        hypercall_sched_op(SCHEDOP_block, NULL);
    if (!READ_ONCE(stop))
        spin(id);
    while (!READ_ONCE(stop))
        hypercall_sched_op(SCHEDOP_block, NULL);   /* IPIs are handled on the way out */
}

static uint64_t running_ns(unsigned int vcpu)
{
    struct vcpu_runstate_info rs;

    if (hypercall_vcpu_op(VCPUOP_get_runstate_info, vcpu, &rs))
        return 0;
    return rs.time[RUNSTATE_running];
}

static void check_ipis(unsigned int rounds)
{
    unsigned int i;
    uint64_t end;

    CHECK_RC("smp-bind-ipi-1", evtchn_bind_ipi(1, &port_to_1), 0);
    CHECK_RC("smp-bind-ipi-0", evtchn_bind_ipi(0, &port_to_0), 0);
    evtchn_set_handler(port_to_1, on_vcpu1_ipi, NULL);
    evtchn_set_handler(port_to_0, on_vcpu0_ipi, NULL);
    evtchn_unmask(port_to_1);
    evtchn_unmask(port_to_0);
    for (i = 0; i < rounds; i++) {
        evtchn_send(port_to_1);
        end = time_now() + WAIT_NS;
        while (READ_ONCE(acks) <= i && time_now() < end)
            hypercall_sched_op(SCHEDOP_yield, NULL);
        if (READ_ONCE(acks) <= i)
            break;
    }
    check("smp-ipi-round-trips", acks == rounds, "%u of %u answered", acks, rounds);
    CHECK_EQ("smp-ipi-on-bound-vcpu", ipi_on_wrong_vcpu, 0);
}

static void check_parallel(bool required)
{
    uint64_t t0 = time_now(), r0 = running_ns(0), r1 = running_ns(1), elapsed, both;

    WRITE_ONCE(spin_go, true);
    evtchn_send(port_to_1);                 /* wake it from its block */
    spin(0);
    while (READ_ONCE(spins[1]) == 0 && time_now() < t0 + WAIT_NS)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    elapsed = time_now() - t0;
    both = running_ns(0) - r0 + running_ns(1) - r1;
    printf("parallel: %lu ms elapsed, %lu ms running on both vCPUs, spins %lu / %lu\n",
           elapsed / NSEC_PER_MSEC, both / NSEC_PER_MSEC, spins[0], spins[1]);
    check("smp-both-vcpus-ran", spins[0] && spins[1], "spins %lu / %lu", spins[0], spins[1]);
    if (required)
        check("smp-parallel", both > elapsed * 3 / 2, "%lu ns running in %lu ns", both, elapsed);
}

void test_main(void)
{
    unsigned int vcpus = cmdline_get_ulong("vcpus", 2);
    unsigned int rounds = cmdline_get_ulong("rounds", 100);
    struct vcpu_guest_context *none = NULL;
    struct vcpu_runstate_info rs;
    uint64_t end;

    CHECK_EQ("smp-vcpu-count", smp_vcpu_count(), vcpus);
    if (vcpus < 2)
        test_skip("one vCPU");
    CHECK_RC("smp-vcpu1-down-at-start", hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    CHECK_RC("smp-up-uninitialised", hypercall_vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL);
    CHECK_RC("smp-initialise-bad-vcpu", hypercall_vcpu_op(VCPUOP_initialise, vcpus, none),
             -XEN_ENOENT);
    CHECK_RC("smp-vcpu1-start", smp_vcpu_start(1, secondary, NULL), 0);
    CHECK_RC("smp-vcpu1-is-up", hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 1);
    CHECK_RC("smp-initialise-twice", hypercall_vcpu_op(VCPUOP_initialise, 1, none), -XEN_EEXIST);

    end = time_now() + WAIT_NS;
    while (READ_ONCE(seen_id) == ~0U && time_now() < end)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ("smp-vcpu1-runs-as-vcpu1", seen_id, 1);
    check("smp-vcpu1-own-vcpu_info", seen_vcpu_info == &shared_info->vcpu_info[1],
          "%p", (void *)seen_vcpu_info);

    check_ipis(rounds);
    check_parallel(cmdline_get_ulong("parallel", 0) != 0);

    WRITE_ONCE(stop, true);
    evtchn_send(port_to_1);
    end = time_now() + WAIT_NS;
    while (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == 1 && time_now() < end)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    CHECK_RC("smp-vcpu1-took-itself-down", hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    CHECK_RC("smp-runstate-1", hypercall_vcpu_op(VCPUOP_get_runstate_info, 1, &rs), 0);
    CHECK_EQ("smp-vcpu1-offline", rs.state, RUNSTATE_offline);
    check("smp-vcpu1-ran", rs.time[RUNSTATE_running] > 0, "running %lu ns",
          rs.time[RUNSTATE_running]);
}
