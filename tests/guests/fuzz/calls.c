/*
 * One generator per hypercall: sub-command numbers from 0 to past the last
 * known one, argument structures filled with boundary values and pointers
 * of every kind (memory.c), and the few filters that keep the fuzzer
 * itself alive. What is filtered, and why:
 *
 *   - anything that would stop us for good: SCHEDOP_shutdown (and the
 *     compat form) gets a reason past SHUTDOWN_MAX, shutdown_code only
 *     poweroff or an invalid one, vCPU 0 is never taken down, iret is only
 *     tried inside multicalls (where it is refused), a watchdog is never
 *     armed, polls always have a deadline, SCHEDOP_block only runs alone,
 *     after the batch's sanity check armed a timer;
 *   - anything that would make the hypervisor write where we keep state:
 *     pointers never name our code, stack or data (memory.c), a vcpu_info
 *     may only move into the vinfo page, a secondary vCPU's context always
 *     starts it in park_vcpu() (its other fields stay random);
 *   - the trap table, callbacks, debug registers and FPU switch are set to
 *     random values and put back after every batch (main.c);
 *   - console output is kept short, so the log stays readable.
 */
#include <guest/time.h>
#include "fuzz.h"
#include "public/domctl.h"
#include "public/sysctl.h"

#define VA(p)   ((uint64_t)(uintptr_t)(p))

typedef void (*gen_fn)(struct fuzz_call *c, bool mc);

/* Any argument. */
static uint64_t any(void)
{
    return rng_chance(&rng, 40) ? ptr_gen(64, false) : rng_interesting(&rng);
}

/* A structure of size bytes at a fresh pointer, its contents random. */
static uint64_t any_struct(size_t size)
{
    uint64_t p = ptr_gen(size, false);

    mem_fill_random(p, size);
    return p;
}

/* A structure we build at a trusted pointer (a slot, or somewhere unreadable). */
static uint64_t put_struct(const void *s, size_t size)
{
    uint64_t p = ptr_gen(size, true);

    mem_put(p, s, size);
    return p;
}

static void gen_default(struct fuzz_call *c, bool mc)
{
    for (unsigned int i = 0; i < 5; i++)
        c->arg[i] = any();
}

/* ---- PV CPU state: restored after the batch ---- */

static void gen_set_trap_table(struct fuzz_call *c, bool mc)
{
    unsigned int n = (unsigned int)rng_below(&rng, 5);
    uint64_t p = ptr_gen((n + 1) * sizeof(struct trap_info), false);

    for (unsigned int i = 0; i <= n; i++) {
        struct trap_info ti = {
            .vector = (uint8_t)rng_next(&rng),
            .flags = (uint8_t)rng_next(&rng),
            .cs = (uint16_t)(rng_chance(&rng, 70) ? FLAT_KERNEL_CS : rng_next(&rng)),
            .address = i == n && rng_chance(&rng, 70) ? 0 : code_addr_gen(),
        };
        mem_put(p + i * sizeof(ti), &ti, sizeof(ti));
    }
    c->arg[0] = rng_chance(&rng, 5) ? 0 : p;
    c->restores = true;
}

static void gen_stack_switch(struct fuzz_call *c, bool mc)
{
    c->arg[0] = rng_chance(&rng, 50) ? FLAT_KERNEL_SS : rng_interesting(&rng);
    c->arg[1] = rng_chance(&rng, 50) ? ptr_gen(64, false) : rng_interesting(&rng);
}

static void gen_set_callbacks(struct fuzz_call *c, bool mc)
{
    for (unsigned int i = 0; i < 3; i++)
        c->arg[i] = code_addr_gen();
    c->restores = true;
}

static void gen_callback_op(struct fuzz_call *c, bool mc)
{
    struct callback_register reg = {
        .type = (uint16_t)rng_cmd(&rng, CALLBACKTYPE_syscall32),
        .flags = (uint16_t)(rng_chance(&rng, 70) ? rng_below(&rng, 2) : rng_next(&rng)),
        .address = code_addr_gen(),
    };

    c->arg[0] = rng_cmd(&rng, CALLBACKOP_unregister);
    c->arg[1] = ptr_gen(sizeof(reg), false);
    mem_put(c->arg[1], &reg, sizeof(reg));
    c->restores = true;
}

static void gen_fpu_taskswitch(struct fuzz_call *c, bool mc)
{
    c->arg[0] = rng_chance(&rng, 50) ? rng_below(&rng, 2) : rng_interesting(&rng);
    c->restores = true;
}

/*
 * Breakpoints only on arena addresses (we touch the arena only after the
 * batch, once DR7 is clear again) or on addresses we never run or touch.
 */
static void gen_set_debugreg(struct fuzz_call *c, bool mc)
{
    uint64_t reg = rng_cmd(&rng, 7);

    c->arg[0] = reg;
    if (reg < 4)
        c->arg[1] = rng_chance(&rng, 60) ? ptr_gen(8, false) : rng_interesting(&rng);
    else
        c->arg[1] = rng_chance(&rng, 30) ? rng_below(&rng, 0x10000) : rng_interesting(&rng);
    if (reg < 4 && c->arg[1] >= GUEST_VIRT_BASE && !mem_is_arena(c->arg[1], 1))
        c->arg[1] = VA(fuzz_mem.arena_a);   /* never on our code or data */
    c->restores = true;
}

static void gen_get_debugreg(struct fuzz_call *c, bool mc)
{
    c->arg[0] = rng_cmd(&rng, 7);
}

static void gen_set_segment_base(struct fuzz_call *c, bool mc)
{
    c->arg[0] = rng_cmd(&rng, SEGBASE_GS_USER_SEL);
    c->arg[1] = rng_interesting(&rng);
}

/* ---- memory ---- */

/* A list of frames to hand to the hypervisor: never one we use. */
static uint64_t frame_list(unsigned int n, bool writable_out)
{
    uint64_t p = ptr_gen(n * 8, !writable_out);

    for (unsigned int i = 0; i < n; i++) {
        uint64_t f = mfn_gen();
        mem_put(p + i * 8, &f, 8);
    }
    return p;
}

static void gen_mmu_update(struct fuzz_call *c, bool mc)
{
    unsigned int n = (unsigned int)rng_below(&rng, 9);
    uint64_t p = ptr_gen((n ? n : 1) * sizeof(struct mmu_update), true);

    for (unsigned int i = 0; i < n; i++) {
        struct mmu_update u = {
            .ptr = pte_maddr_gen() | (rng_chance(&rng, 80) ? 0 : rng_below(&rng, 4)),
            .val = pte_gen(),
        };
        if ((u.ptr & 3) == MMU_MACHPHYS_UPDATE)
            u.ptr = (mfn_gen() << 12) | MMU_MACHPHYS_UPDATE;
        mem_put(p + i * sizeof(u), &u, sizeof(u));
    }
    c->arg[0] = p;
    c->arg[1] = rng_chance(&rng, 80) ? n : rng_interesting(&rng);
    c->arg[2] = rng_chance(&rng, 30) ? 0 : ptr_gen(4, false);
    c->arg[3] = rng_chance(&rng, 70) ? DOMID_SELF : domid_gen();
}

static void gen_mmuext_op(struct fuzz_call *c, bool mc)
{
    unsigned int n = (unsigned int)rng_below(&rng, 5);
    uint64_t p = ptr_gen((n ? n : 1) * sizeof(struct mmuext_op), true);

    for (unsigned int i = 0; i < n; i++) {
        struct mmuext_op op = { .cmd = (uint32_t)rng_cmd(&rng, MMUEXT_UNMARK_SUPER) };

        switch (op.cmd) {
        case MMUEXT_INVLPG_LOCAL: case MMUEXT_INVLPG_MULTI: case MMUEXT_INVLPG_ALL:
        case MMUEXT_SET_LDT:
            op.arg1.linear_addr = rng_chance(&rng, 50) ? remap_va_gen() : rng_interesting(&rng);
            break;
        case MMUEXT_NEW_BASEPTR:
            /* Never away from our own root: the same one, or one that cannot be. */
            op.arg1.mfn = rng_chance(&rng, 30) ? own_l4_mfn() : rng_interesting(&rng) | (1ULL << 40);
            break;
        default:
            op.arg1.mfn = mfn_gen();
            break;
        }
        if (op.cmd == MMUEXT_TLB_FLUSH_MULTI || op.cmd == MMUEXT_INVLPG_MULTI)
            op.arg2.vcpumask = ptr_gen(8, false);
        else if (op.cmd == MMUEXT_COPY_PAGE)
            op.arg2.src_mfn = mfn_gen();
        else
            op.arg2.nr_ents = (uint32_t)rng_interesting(&rng);
        mem_put(p + i * sizeof(op), &op, sizeof(op));
    }
    c->arg[0] = p;
    c->arg[1] = rng_chance(&rng, 80) ? n : rng_interesting(&rng);
    c->arg[2] = rng_chance(&rng, 30) ? 0 : ptr_gen(4, false);
    c->arg[3] = rng_chance(&rng, 70) ? DOMID_SELF : domid_gen();
}

static void gen_set_gdt(struct fuzz_call *c, bool mc)
{
    unsigned int n = (unsigned int)rng_below(&rng, 17);

    c->arg[0] = frame_list(n ? n : 1, false);
    c->arg[1] = rng_chance(&rng, 70) ? rng_below(&rng, n * 512 + 2) : rng_interesting(&rng);
}

/*
 * Xen writes a descriptor into any page of ours it could write (not only
 * descriptor pages): of our own frames only scratch ones (and page tables,
 * to be refused) are named, so our text, read-only pages and data stay.
 */
static void gen_update_descriptor(struct fuzz_call *c, bool mc)
{
    uint64_t mfn = mfn_gen();

    if (mfn_is_ours(mfn) && !mfn_is_scratch(mfn) && !mfn_is_page_table(mfn))
        mfn = scratch_mfn_gen();
    c->arg[0] = (mfn << 12) + (rng_chance(&rng, 80) ? rng_below(&rng, 512) * 8
                                                    : rng_below(&rng, PAGE));
    c->arg[1] = rng_interesting(&rng);
}

static void gen_update_va_mapping(struct fuzz_call *c, bool mc)
{
    c->arg[0] = remap_va_gen();
    c->arg[1] = pte_gen();
    c->arg[2] = rng_chance(&rng, 80) ? rng_below(&rng, 8) : ptr_gen(8, false) | rng_below(&rng, 8);
}

static void gen_update_va_mapping_otherdomain(struct fuzz_call *c, bool mc)
{
    gen_update_va_mapping(c, mc);
    c->arg[3] = domid_gen();
}

static void gen_memory_op(struct fuzz_call *c, bool mc)
{
    uint64_t cmd = rng_cmd(&rng, XENMEM_acquire_resource);
    struct xen_memory_reservation r = {
        .nr_extents = rng_chance(&rng, 70) ? rng_below(&rng, 5) : rng_interesting(&rng),
        .extent_order = (uint32_t)(rng_chance(&rng, 70) ? rng_below(&rng, 10) : rng_next(&rng)),
        .mem_flags = (uint32_t)(rng_chance(&rng, 50) ? 0 : rng_next(&rng)),
        .domid = rng_chance(&rng, 60) ? DOMID_SELF : domid_gen(),
    };

    switch (cmd) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
    case XENMEM_claim_pages:
        r.extent_start = frame_list(4, cmd != XENMEM_decrease_reservation);
        c->arg[1] = put_struct(&r, sizeof(r));
        break;
    case XENMEM_exchange: {
        struct xen_memory_exchange x = { .in = r, .out = r };

        x.in.extent_start = frame_list(4, false);
        x.out.extent_start = frame_list(4, true);
        x.nr_exchanged = rng_chance(&rng, 70) ? 0 : rng_interesting(&rng);
        c->arg[1] = put_struct(&x, sizeof(x));
        break;
    }
    case XENMEM_add_to_physmap: {
        struct xen_add_to_physmap a = {
            .domid = rng_chance(&rng, 60) ? DOMID_SELF : domid_gen(),
            .size = (uint16_t)rng_interesting(&rng),
            .space = (uint32_t)rng_cmd(&rng, 5),
            .idx = rng_chance(&rng, 50) ? rng_below(&rng, 4) : rng_interesting(&rng),
            .gpfn = rng_chance(&rng, 50) ? mfn_gen() : rng_interesting(&rng),
        };
        c->arg[1] = put_struct(&a, sizeof(a));
        break;
    }
    default:
        c->arg[1] = any_struct(64);
        break;
    }
    /* The bits above the command are where a continuation restarts. */
    c->arg[0] = rng_chance(&rng, 85) ? cmd : cmd | (rng_interesting(&rng) << 6);
}

/* ---- time, scheduling, vCPUs ---- */

static void gen_set_timer_op(struct fuzz_call *c, bool mc)
{
    c->arg[0] = rng_interesting(&rng);
}

static void gen_sched_op(struct fuzz_call *c, bool mc)
{
    uint64_t cmd = rng_cmd(&rng, SCHEDOP_pin_override);

    switch (cmd) {
    case SCHEDOP_block:
        if (mc) {
            cmd = SCHEDOP_yield;
            break;
        }
        c->blocks = true;
        break;
    case SCHEDOP_shutdown:
    case SCHEDOP_shutdown_code: {
        struct sched_shutdown s = { .reason = (uint32_t)rng_interesting(&rng) };

        if (s.reason <= SHUTDOWN_MAX)
            s.reason = cmd == SCHEDOP_shutdown_code && rng_chance(&rng, 50) ? SHUTDOWN_poweroff
                                                                            : SHUTDOWN_MAX + 1;
        c->arg[1] = put_struct(&s, sizeof(s));
        c->arg[0] = cmd;
        return;
    }
    case SCHEDOP_poll: {
        unsigned int n = (unsigned int)rng_below(&rng, 6);
        struct sched_poll p = {
            .nr_ports = (uint32_t)(rng_chance(&rng, 80) ? n : rng_interesting(&rng)),
            /* Soon: never 0 ("no deadline") or far away. */
            .timeout = time_now() + rng_below(&rng, 2 * NSEC_PER_MSEC) -
                       (rng_chance(&rng, 20) ? NSEC_PER_MSEC : 0),
        };
        uint64_t ports = ptr_gen((n ? n : 1) * 4, false);

        for (unsigned int i = 0; i < n; i++) {
            uint32_t port = port_gen();
            mem_put(ports + i * 4, &port, 4);
        }
        p.ports = ports;
        c->arg[1] = put_struct(&p, sizeof(p));
        c->arg[0] = cmd;
        return;
    }
    case SCHEDOP_remote_shutdown: {
        struct sched_remote_shutdown r = {
            .domain_id = domid_gen(),
            .reason = (uint32_t)rng_interesting(&rng),
        };
        if (r.domain_id == self_id && r.reason <= SHUTDOWN_MAX)
            r.reason = SHUTDOWN_MAX + 1;        /* as privileged, that would be us */
        c->arg[1] = put_struct(&r, sizeof(r));
        c->arg[0] = cmd;
        return;
    }
    case SCHEDOP_watchdog: {
        struct sched_watchdog w = { .id = (uint32_t)rng_interesting(&rng), .timeout = 0 };

        c->arg[1] = put_struct(&w, sizeof(w));
        c->arg[0] = cmd;
        return;
    }
    default:
        break;
    }
    c->arg[0] = cmd;
    c->arg[1] = any_struct(32);
}

/* Xen's old form takes the reason itself, not a pointer. */
static void gen_sched_op_compat(struct fuzz_call *c, bool mc)
{
    c->arg[0] = rng_cmd(&rng, SCHEDOP_shutdown);
    c->arg[1] = rng_interesting(&rng);
    if (c->arg[0] == SCHEDOP_block)
        c->arg[0] = SCHEDOP_yield;
    if (c->arg[0] == SCHEDOP_shutdown && c->arg[1] <= SHUTDOWN_MAX)
        c->arg[1] = SHUTDOWN_MAX + 1;
}

/*
 * A random vCPU context, except that a vCPU it starts runs park_vcpu() on
 * its own stack (so it cannot hurt us): its other fields (segment bases,
 * FPU image, callbacks, trap table, debug registers) stay random, which
 * is what the hypervisor must check before it loads them.
 */
static uint64_t vcpu_context_gen(uint32_t vcpu)
{
    static struct vcpu_guest_context ctx;       /* 5 KiB: not on the stack */
    uint64_t p;

    for (size_t i = 0; i < sizeof(ctx); i += 8) {
        uint64_t w = rng_chance(&rng, 50) ? 0 : rng_interesting(&rng);
        memcpy((uint8_t *)&ctx + i, &w, sizeof(ctx) - i < 8 ? sizeof(ctx) - i : 8);
    }
    /* Half the time a table the hypervisor can accept, so the rest gets loaded. */
    bool wild = rng_chance(&rng, 50);
    for (unsigned int i = 0; i < 256; i++)
        ctx.trap_ctxt[i].address = wild && rng_chance(&rng, 5) ? hv_addr_gen()
                                 : rng_chance(&rng, 90) ? 0 : VA(park_vcpu);
    ctx.flags = rng_chance(&rng, 50) ? VGCF_i387_valid : rng_interesting(&rng);
    ctx.user_regs.rip = rng_chance(&rng, 90) ? VA(park_vcpu) : hv_addr_gen();
    ctx.user_regs.rsp = park_stack_top(vcpu);
    ctx.user_regs.rdi = vcpu;
    ctx.user_regs.rflags &= ~0x100ULL;          /* TF would trap at once: no test there */
    ctx.ctrlreg[3] = rng_chance(&rng, 80) ? own_l4_mfn() << 12 : rng_interesting(&rng);
    ctx.ctrlreg[1] = rng_chance(&rng, 50) ? 0 : ctx.ctrlreg[3];
    ctx.event_callback_eip = rng_chance(&rng, 50) ? VA(park_vcpu) : hv_addr_gen();
    ctx.failsafe_callback_eip = rng_chance(&rng, 50) ? VA(park_vcpu) : hv_addr_gen();
    ctx.syscall_callback_eip = rng_chance(&rng, 50) ? VA(park_vcpu) : hv_addr_gen();
    ctx.kernel_sp = park_stack_top(vcpu);
    p = ptr_gen(sizeof(ctx), true);
    mem_put(p, &ctx, sizeof(ctx));
    return p;
}

static void gen_vcpu_op(struct fuzz_call *c, bool mc)
{
    uint64_t cmd = rng_cmd(&rng, VCPUOP_register_vcpu_time_phys_area);
    uint32_t vcpu = vcpu_gen();

    c->arg[0] = cmd;
    c->arg[1] = vcpu;
    switch (cmd) {
    case VCPUOP_initialise:
        c->arg[2] = vcpu_context_gen(vcpu);
        break;
    case VCPUOP_down:
        if (vcpu == 0)
            c->arg[1] = 1;              /* vCPU 0 is the fuzzer */
        break;
    case VCPUOP_register_runstate_memory_area: {
        struct vcpu_register_runstate_memory_area a = { .addr.h = ptr_gen(48, false) };
        if (a.addr.h >= GUEST_VIRT_BASE && !mem_is_arena(a.addr.h, 48))
            a.addr.h = VA(fuzz_mem.arena_a);
        c->arg[2] = put_struct(&a, sizeof(a));
        break;
    }
    case VCPUOP_register_vcpu_info: {
        /* Only into the vinfo page: vCPU 0's half or the others' half. */
        struct vcpu_register_vcpu_info r = {
            .mfn = rng_chance(&rng, 60) ? vinfo_mfn() : rng_interesting(&rng),
            .offset = (uint32_t)(rng_chance(&rng, 80) ? rng_below(&rng, PAGE / 2 / 8) * 8
                                                      : rng_interesting(&rng)),
            .rsvd = (uint32_t)(rng_chance(&rng, 80) ? 0 : rng_interesting(&rng)),
        };
        if (r.mfn != vinfo_mfn() && (r.mfn >> 40) == 0)
            r.mfn |= 1ULL << 40;        /* some frame of ours or another domain's: not that */
        if (r.mfn == vinfo_mfn() && r.offset < PAGE && vcpu != 0)
            r.offset = PAGE / 2 + r.offset % (PAGE / 2 - 64);
        if (r.mfn == vinfo_mfn() && r.offset < PAGE && vcpu == 0)
            r.offset %= PAGE / 2 - 64 + 8;    /* wholly in the first half */
        c->arg[2] = put_struct(&r, sizeof(r));
        break;
    }
    case VCPUOP_set_periodic_timer:
    case VCPUOP_set_singleshot_timer:
    case VCPUOP_get_runstate_info:
    default:
        c->arg[2] = any_struct(48);
        break;
    }
}

/* ---- events, console, version, the rest ---- */

/* A domain id as event channel calls see it: mostly ourselves. */
static domid_t evtchn_domid(void)
{
    return rng_chance(&rng, 60) ? (rng_chance(&rng, 50) ? DOMID_SELF : self_id) : domid_gen();
}

static void gen_event_channel_op(struct fuzz_call *c, bool mc)
{
    uint64_t cmd = rng_cmd(&rng, EVTCHNOP_set_priority);
    union {
        uint32_t w[6];
        struct evtchn_alloc_unbound alloc_unbound;
        struct evtchn_bind_interdomain bind_interdomain;
        struct evtchn_bind_virq bind_virq;
        struct evtchn_bind_ipi bind_ipi;
        struct evtchn_close close;
        struct evtchn_send send;
        struct evtchn_status status;
        struct evtchn_bind_vcpu bind_vcpu;
        struct evtchn_unmask unmask;
        struct evtchn_reset reset;
    } u;
    uint64_t p;

    for (unsigned int i = 0; i < ARRAY_SIZE(u.w); i++)
        u.w[i] = (uint32_t)rng_interesting(&rng);
    switch (cmd) {
    case EVTCHNOP_alloc_unbound:
        u.alloc_unbound.dom = evtchn_domid();
        u.alloc_unbound.remote_dom = evtchn_domid();
        break;
    case EVTCHNOP_bind_interdomain:
        u.bind_interdomain.remote_dom = evtchn_domid();
        u.bind_interdomain.remote_port = port_gen();
        break;
    case EVTCHNOP_bind_virq:
        u.bind_virq.virq = (uint32_t)rng_cmd(&rng, NR_VIRQS);
        u.bind_virq.vcpu = vcpu_gen();
        break;
    case EVTCHNOP_bind_ipi:
        u.bind_ipi.vcpu = vcpu_gen();
        break;
    case EVTCHNOP_close:
    case EVTCHNOP_send:
    case EVTCHNOP_unmask:
        u.close.port = port_gen();
        break;
    case EVTCHNOP_status:
        u.status.dom = evtchn_domid();
        u.status.port = port_gen();
        break;
    case EVTCHNOP_bind_vcpu:
        u.bind_vcpu.port = port_gen();
        u.bind_vcpu.vcpu = vcpu_gen();
        break;
    case EVTCHNOP_reset:
        /* Rarely: it closes every port we have, timer included (restored). */
        u.reset.dom = rng_chance(&rng, 10) ? evtchn_domid() : domid_gen();
        break;
    default:
        break;
    }
    p = ptr_gen(sizeof(u), false);
    mem_put(p, &u, sizeof(u));
    c->arg[0] = cmd;
    c->arg[1] = p;
}

static void gen_xen_version(struct fuzz_call *c, bool mc)
{
    c->arg[0] = rng_cmd(&rng, XENVER_commandline2);
    c->arg[1] = any_struct(16);
}

static void gen_console_io(struct fuzz_call *c, bool mc)
{
    c->arg[0] = rng_cmd(&rng, CONSOLEIO_read);
    c->arg[1] = rng_chance(&rng, 70) ? rng_below(&rng, 96) : rng_interesting(&rng);
    c->arg[2] = ptr_gen(64, false);
    /* Readable bytes of ours get printed: a little is enough. */
    if (c->arg[2] >= GUEST_VIRT_BASE && c->arg[1] > 96 && c->arg[1] <= 0x10000)
        c->arg[1] = 96;
    c->console = true;
}

static void gen_vm_assist(struct fuzz_call *c, bool mc)
{
    c->arg[0] = rng_cmd(&rng, VMASST_CMD_disable);
    c->arg[1] = rng_chance(&rng, 80) ? rng_below(&rng, 40) : rng_interesting(&rng);
}

static void gen_physdev_op(struct fuzz_call *c, bool mc)
{
    uint64_t cmd = rng_cmd(&rng, PHYSDEVOP_pirq_eoi_gmfn_v2);

    c->arg[0] = cmd;
    if (cmd == PHYSDEVOP_set_iobitmap) {
        struct physdev_set_iobitmap b = {
            .bitmap = ptr_gen(8192, false),
            .nr_ports = (uint32_t)(rng_chance(&rng, 50) ? rng_below(&rng, 65540)
                                                        : rng_interesting(&rng)),
        };
        c->arg[1] = put_struct(&b, sizeof(b));
    } else {
        c->arg[1] = any_struct(32);
    }
}

/*
 * domctl: the commands Sable has, with their arguments typed (the rest
 * random), mostly the right interface version so the checks go further.
 */
static void gen_domctl(struct fuzz_call *c, bool mc)
{
    static const uint32_t cmds[] = {
        XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain, XEN_DOMCTL_pausedomain,
        XEN_DOMCTL_unpausedomain, XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_max_mem,
        XEN_DOMCTL_setvcpucontext, XEN_DOMCTL_getvcpucontext, XEN_DOMCTL_getvcpuinfo,
        XEN_DOMCTL_max_vcpus, XEN_DOMCTL_scheduler_op, XEN_DOMCTL_setvcpuaffinity,
        XEN_DOMCTL_getvcpuaffinity,
    };
    struct xen_domctl op;
    uint64_t p;

    memset(&op, 0, sizeof(op));
    for (size_t i = 0; i < sizeof(op.u); i += 8) {
        uint64_t w = rng_chance(&rng, 50) ? 0 : rng_interesting(&rng);
        memcpy((uint8_t *)&op.u + i, &w, 8);
    }
    op.cmd = rng_chance(&rng, 80) ? cmds[rng_below(&rng, ARRAY_SIZE(cmds))]
                                  : (uint32_t)rng_cmd(&rng, XEN_DOMCTL_soft_reset);
    op.interface_version = rng_chance(&rng, 90) ? XEN_DOMCTL_INTERFACE_VERSION
                                                : (uint32_t)rng_interesting(&rng);
    op.domain = rng_chance(&rng, 50) ? priv_prey() : domid_gen();
    switch (op.cmd) {
    case XEN_DOMCTL_createdomain:
        op.domain = rng_chance(&rng, 70) ? 0 : domid_gen();
        op.u.createdomain.flags = rng_chance(&rng, 60) ? 0 : rng_chance(&rng, 50) ? 3
                                : (uint32_t)rng_interesting(&rng);
        op.u.createdomain.max_vcpus = (uint32_t)(rng_chance(&rng, 80) ? 1 + rng_below(&rng, 4)
                                                                      : rng_interesting(&rng));
        op.u.createdomain.max_evtchn_port = (uint32_t)(rng_chance(&rng, 50) ? 1023
                                                                            : rng_interesting(&rng));
        op.u.createdomain.grant_opts = rng_chance(&rng, 70) ? 1 : (uint32_t)rng_interesting(&rng);
        if (rng_chance(&rng, 70)) {
            op.u.createdomain.iommu_opts = op.u.createdomain.altp2m_opts = 0;
            op.u.createdomain.vmtrace_size = op.u.createdomain.cpupool_id = 0;
            op.u.createdomain.arch.emulation_flags = op.u.createdomain.arch.misc_flags = 0;
        }
        break;
    case XEN_DOMCTL_setvcpucontext:
    case XEN_DOMCTL_getvcpucontext:
        op.u.vcpucontext.vcpu = vcpu_gen();
        op.u.vcpucontext.ctxt = op.cmd == XEN_DOMCTL_getvcpucontext || rng_chance(&rng, 20)
                                ? ptr_gen(sizeof(struct vcpu_guest_context), false)
                                : vcpu_context_gen(op.u.vcpucontext.vcpu);
        break;
    case XEN_DOMCTL_getvcpuinfo:
        op.u.getvcpuinfo.vcpu = vcpu_gen();
        break;
    case XEN_DOMCTL_max_vcpus:
        op.u.max_vcpus.max = (uint32_t)(rng_chance(&rng, 70) ? rng_below(&rng, 5)
                                                             : rng_interesting(&rng));
        break;
    case XEN_DOMCTL_scheduler_op:
        op.u.scheduler_op.sched_id = rng_chance(&rng, 80) ? 0 : (uint32_t)rng_interesting(&rng);
        op.u.scheduler_op.cmd = (uint32_t)rng_cmd(&rng, 3);
        break;
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getvcpuaffinity:
        op.u.vcpuaffinity.vcpu = vcpu_gen();
        op.u.vcpuaffinity.flags = (uint32_t)rng_cmd(&rng, 3);
        op.u.vcpuaffinity.cpumap_hard.bitmap = ptr_gen(8, false);
        op.u.vcpuaffinity.cpumap_hard.nr_bits = (uint32_t)(rng_chance(&rng, 60) ? rng_below(&rng, 65)
                                                                                : rng_interesting(&rng));
        op.u.vcpuaffinity.cpumap_soft.bitmap = ptr_gen(8, false);
        op.u.vcpuaffinity.cpumap_soft.nr_bits = (uint32_t)rng_below(&rng, 130);
        break;
    default:
        break;
    }
    /* Trusted: a target read from arena A could be any domain (the victim). */
    p = ptr_gen(sizeof(op), true);
    mem_put(p, &op, sizeof(op));
    c->arg[0] = p;
}

static void gen_sysctl(struct fuzz_call *c, bool mc)
{
    struct xen_sysctl op;
    uint64_t p;

    memset(&op, 0, sizeof(op));
    for (size_t i = 0; i < sizeof(op.u); i += 8) {
        uint64_t w = rng_chance(&rng, 50) ? 0 : rng_interesting(&rng);
        memcpy((uint8_t *)&op.u + i, &w, 8);
    }
    op.cmd = rng_chance(&rng, 60) ? (rng_chance(&rng, 50) ? XEN_SYSCTL_physinfo
                                                          : XEN_SYSCTL_getdomaininfolist)
                                  : (uint32_t)rng_cmd(&rng, XEN_SYSCTL_dt_overlay);
    op.interface_version = rng_chance(&rng, 90) ? XEN_SYSCTL_INTERFACE_VERSION
                                                : (uint32_t)rng_interesting(&rng);
    if (op.cmd == XEN_SYSCTL_getdomaininfolist) {
        op.u.getdomaininfolist.first_domain = domid_gen();
        op.u.getdomaininfolist.max_domains = (uint32_t)(rng_chance(&rng, 60) ? rng_below(&rng, 9)
                                                                             : rng_interesting(&rng));
        op.u.getdomaininfolist.buffer = ptr_gen(sizeof(struct xen_domctl_getdomaininfo), false);
    }
    p = ptr_gen(sizeof(op), false);
    mem_put(p, &op, sizeof(op));
    c->arg[0] = p;
}

static void gen_hvm_op(struct fuzz_call *c, bool mc)
{
    c->arg[0] = rng_cmd(&rng, HVMOP_altp2m);
    c->arg[1] = any_struct(32);
}

static void gen_iret(struct fuzz_call *c, bool mc)
{
    gen_default(c, mc);
    if (!mc)
        c->nr = __HYPERVISOR_xen_version;       /* iret never comes back: batches only */
}

static void gen_multicall(struct fuzz_call *c, bool mc);

#define GEN(name) [__HYPERVISOR_##name] = gen_##name
static const gen_fn generators[SABLE_NR_HYPERCALLS] = {
    GEN(set_trap_table), GEN(mmu_update), GEN(set_gdt), GEN(stack_switch),
    GEN(set_callbacks), GEN(fpu_taskswitch), GEN(sched_op_compat),
    GEN(set_debugreg), GEN(get_debugreg), GEN(update_descriptor), GEN(memory_op),
    GEN(multicall), GEN(update_va_mapping), GEN(set_timer_op), GEN(xen_version),
    GEN(console_io), GEN(grant_table_op), GEN(vm_assist),
    GEN(update_va_mapping_otherdomain), GEN(iret), GEN(vcpu_op), GEN(set_segment_base),
    GEN(mmuext_op), GEN(sched_op), GEN(callback_op), GEN(event_channel_op),
    GEN(physdev_op), GEN(hvm_op), GEN(sysctl), GEN(domctl),
};
#undef GEN

/*
 * A hypercall number: mostly one with a generator (where the code is),
 * else any number of the table, past it, or anything.
 */
uint64_t fuzz_focus = CALL_ANY;

static uint64_t nr_gen(void)
{
    uint64_t nr;

    if (fuzz_focus < SABLE_NR_HYPERCALLS && generators[fuzz_focus] && rng_chance(&rng, 50))
        return fuzz_focus;
    switch (rng_below(&rng, 20)) {
    case 0:
        return SABLE_NR_HYPERCALLS + rng_below(&rng, HYPERCALL_PAGE_STUBS - SABLE_NR_HYPERCALLS);
    case 1:
        return rng_interesting(&rng);
    case 2: case 3: case 4: case 5: case 6:
        return rng_below(&rng, SABLE_NR_HYPERCALLS);
    default:
        do
            nr = rng_below(&rng, SABLE_NR_HYPERCALLS);
        while (!generators[nr]);
        return nr;
    }
}

static void call_gen_nr(struct fuzz_call *c, uint64_t nr, bool mc)
{
    memset(c, 0, sizeof(*c));
    c->nr = nr;
    if (nr < SABLE_NR_HYPERCALLS && generators[nr])
        generators[nr](c, mc);
    else
        gen_default(c, mc);
}

/*
 * A batch of generated entries; now and then one of them is itself a
 * multicall (refused: no nesting) pointing at a batch of its own.
 */
static void gen_multicall(struct fuzz_call *c, bool mc)
{
    unsigned int n = (unsigned int)rng_below(&rng, mc ? 4 : 12);
    uint64_t p = ptr_gen((n ? n : 1) * sizeof(struct multicall_entry), true);

    for (unsigned int i = 0; i < n; i++) {
        struct multicall_entry e = { .result = rng_interesting(&rng) };
        struct fuzz_call sub;

        uint64_t nr = nr_gen();

        /* One level of nesting (refused by the hypervisor) is plenty. */
        if (mc && nr == __HYPERVISOR_multicall)
            nr = __HYPERVISOR_xen_version;
        call_gen_nr(&sub, nr, true);
        c->restores |= sub.restores;
        c->console |= sub.console;
        e.op = sub.nr;
        for (unsigned int a = 0; a < 5; a++)
            e.args[a] = sub.arg[a];
        e.args[5] = rng_interesting(&rng);
        mem_put(p + i * sizeof(e), &e, sizeof(e));
    }
    c->arg[0] = p;
    c->arg[1] = rng_chance(&rng, 85) ? n : rng_interesting(&rng);
    if (c->arg[1] > n && c->arg[1] <= 1024 && mem_is_arena(p, 1))
        c->arg[1] = n;      /* past our entries is arena B: other slots, not ours to run */
}

void call_gen(struct fuzz_call *c, uint64_t nr, bool in_multicall)
{
    call_gen_nr(c, nr == CALL_ANY ? nr_gen() : nr, in_multicall);
}

long call_issue(const struct fuzz_call *c)
{
    if (c->nr >= HYPERCALL_PAGE_STUBS)
        return hypercall_syscall(c->nr, c->arg[0], c->arg[1]);
    return hypercall_raw((unsigned int)c->nr, c->arg[0], c->arg[1], c->arg[2], c->arg[3],
                         c->arg[4]);
}

const char *call_name(uint64_t nr)
{
    static const char *const names[SABLE_NR_HYPERCALLS] = {
#define NAME(n) [__HYPERVISOR_##n] = #n,
        SABLE_HYPERCALLS(NAME)
#undef NAME
    };

    return nr < SABLE_NR_HYPERCALLS && names[nr] ? names[nr] : "unknown";
}

/* ---- what an accepted call proves ---- */

/* May a guest run code or keep a base there: canonical, outside the hypervisor's range. */
static bool guest_addr_ok(uint64_t va)
{
    bool canonical = (va >> 47) == 0 || (va >> 47) == 0x1ffff;

    return canonical && !(va >= HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END);
}

static bool canonical(uint64_t va)
{
    return (va >> 47) == 0 || (va >> 47) == 0x1ffff;
}

/* The structure at va, if we can still read what we put there. */
static const void *readback(uint64_t va, size_t size)
{
    return mem_is_arena(va, size) ? (const void *)(uintptr_t)va : NULL;
}

/*
 * A vCPU context the hypervisor accepted must be one a CPU can load:
 * canonical bases and stack pointers, handlers in guest space, as Xen
 * checks in arch_set_info_guest. (Reserved MXCSR bits are cleared, not
 * refused, as Xen does: regress.c checks that.)
 */
static const char *context_flaw(const struct vcpu_guest_context *ctx)
{
    if (!guest_addr_ok(ctx->user_regs.rip) || !canonical(ctx->user_regs.rsp) ||
        !canonical(ctx->kernel_sp))
        return "a context with a non-canonical RIP/RSP/kernel SP";
    if (!canonical(ctx->fs_base) || !canonical(ctx->gs_base_kernel) ||
        !canonical(ctx->gs_base_user))
        return "a context with a non-canonical FS/GS base";
    if (!guest_addr_ok(ctx->event_callback_eip) || !guest_addr_ok(ctx->failsafe_callback_eip) ||
        !guest_addr_ok(ctx->syscall_callback_eip))
        return "a context with a callback outside guest space";
    for (unsigned int i = 0; i < 256; i++)
        if (ctx->trap_ctxt[i].address && !guest_addr_ok(ctx->trap_ctxt[i].address))
            return "a context with a trap handler outside guest space";
    return NULL;
}

const char *call_accepted_wrongly(uint64_t nr, const uint64_t *arg, long rc)
{
    const struct callback_register *reg;
    const struct vcpu_guest_context *ctx;
    const struct vcpu_register_runstate_memory_area *area;

    if (rc < 0)
        return NULL;
    switch (nr) {
    case __HYPERVISOR_set_segment_base:
        return arg[0] <= SEGBASE_GS_KERNEL && !canonical(arg[1]) ? "a non-canonical segment base"
                                                                  : NULL;
    case __HYPERVISOR_set_callbacks:
        for (unsigned int i = 0; i < 3; i++)
            if (arg[i] && !guest_addr_ok(arg[i]))
                return "a callback outside guest space";
        return NULL;
    case __HYPERVISOR_callback_op:
        reg = readback(arg[1], sizeof(*reg));
        return arg[0] == CALLBACKOP_register && reg && reg->address &&
               !guest_addr_ok(reg->address) ? "a callback outside guest space" : NULL;
    case __HYPERVISOR_set_debugreg:
        return arg[0] < 4 && !guest_addr_ok(arg[1]) ? "a breakpoint outside guest space" : NULL;
    case __HYPERVISOR_vcpu_op:
        if (arg[0] == VCPUOP_initialise && (ctx = readback(arg[2], sizeof(*ctx))))
            return context_flaw(ctx);
        if (arg[0] == VCPUOP_register_runstate_memory_area &&
            (area = readback(arg[2], sizeof(*area))) && area->addr.h &&
            !guest_addr_ok(area->addr.h))
            return "a runstate area outside guest space";
        return NULL;
    default:
        return NULL;
    }
}
