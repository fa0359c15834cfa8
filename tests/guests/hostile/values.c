/*
 * Out-of-range ports, VIRQs and vCPU ids, and unknown commands, with the
 * error Xen gives for each (xen/common/event_channel.c, domain.c,
 * sched.c, kernel.c; xen/arch/x86/pv/callback.c, traps.c).
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include "hostile.h"

#define NO_SUCH_DOMAIN  0x7fef      /* below DOMID_FIRST_RESERVED, never created here */
#define BAD_VCPU        1000

static void values_check_ports(void)
{
    struct evtchn_status st;
    struct evtchn_bind_vcpu bv = { .port = EVTCHN_2L_NR_CHANNELS, .vcpu = 0 };
    evtchn_port_t port = 0, port2 = 0;

    CHECK_RC("evtchn-send-4096", evtchn_send(EVTCHN_2L_NR_CHANNELS), -XEN_EINVAL);
    CHECK_RC("evtchn-send-max", evtchn_send(0xffffffff), -XEN_EINVAL);
    CHECK_RC("evtchn-close-4096", evtchn_close(EVTCHN_2L_NR_CHANNELS), -XEN_EINVAL);
    CHECK_RC("evtchn-close-port-0", evtchn_close(0), -XEN_EINVAL);
    CHECK_RC("evtchn-unmask-4096", evtchn_unmask(EVTCHN_2L_NR_CHANNELS), -XEN_EINVAL);
    CHECK_RC("evtchn-unmask-max", evtchn_unmask(0xffffffff), -XEN_EINVAL);
    CHECK_RC("evtchn-status-4096", evtchn_status(EVTCHN_2L_NR_CHANNELS, &st), -XEN_EINVAL);
    CHECK_RC("evtchn-bind-vcpu-bad-port", hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &bv),
             -XEN_EINVAL);
    CHECK_RC("evtchn-bind-interdomain-bad-port",
             evtchn_bind_interdomain(DOMID_SELF, EVTCHN_2L_NR_CHANNELS, &port), -XEN_EINVAL);
    CHECK_RC("evtchn-bind-interdomain-no-domain",
             evtchn_bind_interdomain(NO_SUCH_DOMAIN, 1, &port), -XEN_ESRCH);

    if (evtchn_alloc_unbound(DOMID_SELF, &port) == 0) {
        bv.port = port;
        bv.vcpu = BAD_VCPU;
        CHECK_RC("evtchn-bind-vcpu-bad-vcpu",
                 hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &bv), -XEN_ENOENT);
        /* A port that is not unbound-for-us cannot be bound to. */
        if (evtchn_bind_virq(VIRQ_TIMER, 0, &port2) == 0)
            CHECK_RC("evtchn-bind-interdomain-not-unbound",
                     evtchn_bind_interdomain(DOMID_SELF, port2, &port), -XEN_EINVAL);
        CHECK_RC("evtchn-bind-virq-twice", evtchn_bind_virq(VIRQ_TIMER, 0, &port2), -XEN_EEXIST);
    }
}

static void values_check_virqs_and_vcpus(void)
{
    struct evtchn_alloc_unbound au = { .dom = NO_SUCH_DOMAIN, .remote_dom = DOMID_SELF };
    struct vcpu_runstate_info rs;
    evtchn_port_t port = 0;

    CHECK_RC("evtchn-bind-virq-nr-virqs", evtchn_bind_virq(NR_VIRQS, 0, &port), -XEN_EINVAL);
    CHECK_RC("evtchn-bind-virq-max", evtchn_bind_virq(0xffffffff, 0, &port), -XEN_EINVAL);
    CHECK_RC("evtchn-bind-virq-bad-vcpu", evtchn_bind_virq(VIRQ_DEBUG, BAD_VCPU, &port),
             -XEN_ENOENT);
    CHECK_RC("evtchn-bind-ipi-bad-vcpu", evtchn_bind_ipi(BAD_VCPU, &port), -XEN_ENOENT);
    CHECK_RC("evtchn-alloc-unbound-no-domain",
             hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &au), -XEN_ESRCH);

    CHECK_RC("vcpu-is-up-bad-vcpu", hypercall_vcpu_op(VCPUOP_is_up, BAD_VCPU, NULL), -XEN_ENOENT);
    CHECK_RC("vcpu-is-up-vcpu-32", hypercall_vcpu_op(VCPUOP_is_up, 32, NULL), -XEN_ENOENT);
    CHECK_RC("vcpu-is-up-max", hypercall_vcpu_op(VCPUOP_is_up, 0xffffffff, NULL), -XEN_ENOENT);
    CHECK_RC("vcpu-up-bad-vcpu", hypercall_vcpu_op(VCPUOP_up, BAD_VCPU, NULL), -XEN_ENOENT);
    CHECK_RC("vcpu-runstate-bad-vcpu",
             hypercall_vcpu_op(VCPUOP_get_runstate_info, BAD_VCPU, &rs), -XEN_ENOENT);
}

static void values_check_commands(void)
{
    struct callback_register cb = { .type = 99, .address = 0x1000 };
    struct callback_unregister ucb = { .type = CALLBACKTYPE_event };
    struct sched_poll poll = { .nr_ports = 129 };
    evtchn_port_t bad_port = EVTCHN_2L_NR_CHANNELS;
    static uint8_t dummy[64];

    CHECK_RC("console-bad-cmd", hypercall_console_io(2, 1, "x"), -XEN_ENOSYS);
    CHECK_RC("xen-version-bad-cmd", hypercall_xen_version(0x7fffffff, dummy), -XEN_ENOSYS);
    CHECK_RC("evtchn-bad-cmd", hypercall_event_channel_op(99, dummy), -XEN_ENOSYS);
    CHECK_RC("evtchn-fifo-init-control",
             hypercall_event_channel_op(EVTCHNOP_init_control, dummy), -XEN_ENOSYS);
    CHECK_RC("vcpu-op-bad-cmd", hypercall_vcpu_op(99, 0, dummy), -XEN_ENOSYS);
    CHECK_RC("sched-op-bad-cmd", hypercall_sched_op(99, dummy), -XEN_ENOSYS);
    CHECK_RC("callback-op-bad-cmd", hypercall_callback_op(99, &cb), -XEN_ENOSYS);
    CHECK_RC("callback-op-bad-type", hypercall_callback_op(CALLBACKOP_register, &cb),
             -XEN_ENOSYS);
    CHECK_RC("callback-op-unregister-event", hypercall_callback_op(CALLBACKOP_unregister, &ucb),
             -XEN_EINVAL);
    cb.type = CALLBACKTYPE_event;
    cb.address = 0x8000000000000000ULL;
    CHECK_RC("callback-op-noncanonical", hypercall_callback_op(CALLBACKOP_register, &cb),
             -XEN_EINVAL);
    CHECK_RC("hypercall-unknown-number", hypercall_raw(100, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    CHECK_RC("hypercall-huge-number", hypercall_syscall(~0ULL, 0, 0), -XEN_ENOSYS);

    poll.ports = guest_handle_from_ptr(&bad_port);
    CHECK_RC("sched-poll-too-many-ports", hypercall_sched_op(SCHEDOP_poll, &poll), -XEN_EINVAL);
    poll.nr_ports = 1;
    CHECK_RC("sched-poll-bad-port", hypercall_sched_op(SCHEDOP_poll, &poll), -XEN_EINVAL);

    CHECK_RC("segbase-noncanonical",
             hypercall_set_segment_base(SEGBASE_FS, 0x8000000000000000ULL), -XEN_EINVAL);
    CHECK_RC("segbase-bad-which", hypercall_set_segment_base(99, 0), -XEN_EINVAL);
}

/* A handler address that is not canonical: -EINVAL, our table unchanged. */
static void values_check_trap_table(void)
{
    struct trap_info table[2] = {
        { .vector = 6, .cs = FLAT_KERNEL_CS, .address = 0x8000000000001000ULL },
        { .address = 0 },
    };

    CHECK_RC("set-trap-table-noncanonical", hypercall_set_trap_table(table), -XEN_EINVAL);
}

/*
 * vcpu_info must go into one of our own frames, whole (Xen: map_vcpu_info
 * refuses anything else with -EINVAL); a runstate area must be guest
 * memory (-EFAULT).
 */
static void values_check_vcpu_areas(void)
{
    static uint8_t page[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
    uint64_t mfn = pfn_to_mfn(virt_to_pfn(page));
    struct vcpu_register_vcpu_info info = { .mfn = 0, .offset = 0 };
    struct vcpu_register_runstate_memory_area area = { .addr.h = 0xffff830000001000ULL };

    CHECK_RC("vcpu-info-foreign-frame", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &info),
             -XEN_EINVAL);
    info.mfn = mfn;
    info.offset = GUEST_PAGE_SIZE - 32;
    CHECK_RC("vcpu-info-crosses-page", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &info),
             -XEN_EINVAL);
    info.offset = 0;
    info.rsvd = 1;
    CHECK_RC("vcpu-info-reserved-field", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &info),
             -XEN_EINVAL);
    CHECK_RC("efault-runstate-area-directmap",
             hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area), -XEN_EFAULT);
}

void hostile_values(void)
{
    values_check_ports();
    values_check_virqs_and_vcpus();
    values_check_commands();
    values_check_trap_table();
    values_check_vcpu_areas();
}
