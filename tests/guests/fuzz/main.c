/*
 * fuzz: random and boundary arguments to every hypercall, alone and in
 * multicall batches (nested ones too), from a seeded generator:
 *
 *   seed=<n>       (1) the generator's seed: the same seed replays the run
 *   iters=<n>      (1000) batches; a batch is one call or one multicall
 *   progress=<n>   (250) a "FUZZ iter=<n> ok" line every n batches
 *   trace=<n>      print every batch from the n-th on before issuing it (to
 *                  find the call that crashed or hung something)
 *   focus=<n>      half the calls are hypercall n (20: grant_table_op)
 *   prey=<id>[:<id>]  as the privileged domain: domains it may stop (priv.c)
 *   role=victim    instead: the checksum victim (victim.c)
 *   role=prey      instead: a domain that spins until stopped (victim.c)
 *
 * After every batch it puts back what the calls may have changed (trap
 * table, callbacks, debug registers, FPU switch, where vcpu_info lives)
 * and checks its own sanity: the read-only pages are unchanged, the
 * window mappings name only frames it owns (page tables never writable);
 * every 16 batches, and at each progress line, that its timer still
 * raises events and its text is intact. The first failure ends the run
 * with VERDICT FAILURE; the last lines are
 *
 *   FUZZ done iterations=<n> seed=<s>
 *   FUZZ stats calls=<c> ok=<k> refused=<r> multicalls=<m> blocks=<b>
 */
#include <guest/events.h>
#include <guest/smp.h>
#include <guest/test.h>
#include <guest/time.h>
#include <guest/traps.h>
#include "fuzz.h"

const char test_title[] = "fuzz: random hypercall arguments";

struct fuzz_rng rng;
domid_t self_id;
unsigned int nr_vcpus;

static uint64_t ro_sum, text_sum;
static bool vcpu_info_moved;
static evtchn_port_t timer_port;
static volatile unsigned long timer_ticks;
static unsigned long nr_calls, nr_ok, nr_refused, nr_multicalls, nr_blocks;
static unsigned int calls_by_nr[SABLE_NR_HYPERCALLS], ok_by_nr[SABLE_NR_HYPERCALLS];

/* ---- our own state, put back after a batch ---- */

static void on_timer(evtchn_port_t port, void *arg)
{
    timer_ticks++;
}

/* VIRQ_TIMER on vCPU 0 is bound to a port of ours with our handler (again). */
static bool timer_bound(void)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = timer_port };
    evtchn_port_t port;
    long rc;

    if (timer_port && evtchn_status(timer_port, &st) == 0 && st.status == EVTCHNSTAT_virq &&
        st.u.virq == VIRQ_TIMER && st.vcpu == 0)
        port = timer_port;
    else if ((rc = evtchn_bind_virq(VIRQ_TIMER, 0, &port)) == -XEN_EEXIST) {
        /* A generated call bound it: find where. */
        for (port = 1; port < EVTCHN_2L_NR_CHANNELS; port++) {
            if (evtchn_status(port, &st) == -XEN_EINVAL)
                return false;
            if (st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER && st.vcpu == 0)
                break;
        }
    } else if (rc) {
        return false;
    }
    timer_port = port;
    evtchn_set_handler(port, on_timer, NULL);
    evtchn_unmask(port);
    return port < EVTCHN_2L_NR_CHANNELS;
}

/*
 * Did a generated VCPUOP_register_vcpu_info move vCPU 0's vcpu_info into
 * the first half of the vinfo page (zeroed before each batch)? The
 * hypervisor marks every selector bit of the new copy: find it there.
 */
static void vcpu_info_find(void)
{
    for (unsigned int off = 0; off + sizeof(struct vcpu_info) <= PAGE / 2; off += 8) {
        struct vcpu_info *vi = (struct vcpu_info *)(fuzz_mem.vinfo + off);

        if (READ_ONCE(vi->evtchn_pending_sel) == ~0ULL) {
            vcpu_info_area = vi;
            vcpu_info_moved = true;
            printf("FUZZ vcpu_info moved to offset %u of the vinfo page\n", off);
            return;
        }
    }
}

/* Put back what the batch may have changed, then let events in again. */
static void restore(const struct fuzz_call *c, long rc)
{
    if (c->restores) {
        hypercall_set_debugreg(7, 0);
        hypercall_fpu_taskswitch(0);
        hypercall_set_trap_table(NULL);
        trap_init();
    }
    if (!vcpu_info_moved)
        vcpu_info_find();
    if (c->nr == __HYPERVISOR_vcpu_op && c->arg[0] == VCPUOP_initialise && rc == 0)
        printf("FUZZ vcpu %lu initialised from a generated context\n", c->arg[1]);
    /* End a partial line a console write may have left (else ours joins it). */
    if (c->console && (c->nr != __HYPERVISOR_console_io || (rc == 0 && c->arg[0] == CONSOLEIO_write)))
        printf("\n");
    events_enable();
}

/* ---- sanity ---- */

static bool sanity_fail(unsigned long iter, const struct fuzz_call *c, const char *what)
{
    printf("FUZZ FAIL iter=%lu: %s (last batch: %s %#lx %#lx %#lx %#lx %#lx)\n", iter, what,
           call_name(c->nr), c->arg[0], c->arg[1], c->arg[2], c->arg[3], c->arg[4]);
    return false;
}

/*
 * Every window PTE maps nothing, or a frame of ours (or our shared_info or
 * grant table), and never one of our page tables writable. Only PTEs that
 * changed since the last look are checked (the p2m search is slow under
 * emulation).
 */
static bool windows_isolated(void)
{
    static uint64_t seen[WINDOW_PAGES];

    for (unsigned int i = 0; i < WINDOW_PAGES; i++) {
        uint64_t e = window_pte(i), mfn = (e & PTE_ADDR) >> 12;
        bool ours, table;

        if (e == seen[i] || !(e & PTE_P))
            continue;
        ours = mfn_is_ours(mfn) || mfn == start_info->shared_info >> 12 ||
               mfn_is_grant_frame(mfn);
        table = mfn_is_page_table(mfn);
        if (!ours || (table && (e & PTE_RW))) {
            printf("FUZZ window %u maps %#lx (%s%s)\n", i, e, ours ? "ours" : "NOT OURS",
                   table && (e & PTE_RW) ? ", a page table, WRITABLE" : "");
            return false;
        }
        seen[i] = e;
    }
    return true;
}

/* The timer raises an event within a second (blocked, events on). */
static bool timer_works(void)
{
    unsigned long ticks = timer_ticks;
    uint64_t give_up = time_now() + NSEC_PER_SEC;

    if (!timer_bound())
        return false;
    /* Events off while we look: SCHEDOP_block turns them on and checks atomically. */
    events_disable();
    timer_set_singleshot(time_now() + 100 * NSEC_PER_USEC, 0);
    while (timer_ticks == ticks && time_now() < give_up) {
        hypercall_sched_op(SCHEDOP_block, NULL);
        events_disable();
        if (timer_ticks == ticks)
            timer_set_singleshot(time_now() + 100 * NSEC_PER_USEC, 0);
    }
    events_enable();
    return timer_ticks != ticks;
}

/* Did the batch get anything accepted that must be refused (calls.c)? */
static const char *batch_accepted_wrongly(const struct fuzz_call *c, long rc)
{
    const char *flaw = call_accepted_wrongly(c->nr, c->arg, rc);

    if (flaw || c->nr != __HYPERVISOR_multicall || rc != 0)
        return flaw;
    for (uint64_t i = 0; i < c->arg[1] && mem_is_arena(c->arg[0] + i * 64, 64) && !flaw; i++) {
        const struct multicall_entry *e = (const void *)(uintptr_t)(c->arg[0] + i * 64);
        flaw = call_accepted_wrongly(e->op, e->args, (long)e->result);
    }
    return flaw;
}

static bool sanity(unsigned long iter, const struct fuzz_call *c, long rc, bool full)
{
    const char *flaw = batch_accepted_wrongly(c, rc);

    if (flaw) {
        printf("FUZZ accepted %s\n", flaw);
        return sanity_fail(iter, c, "the hypervisor accepted what it must refuse");
    }
    if (mem_checksum(false) != ro_sum)
        return sanity_fail(iter, c, "a read-only page changed");
    if (!windows_isolated())
        return sanity_fail(iter, c, "a window maps what it must not");
    if (full && mem_checksum(true) != text_sum)
        return sanity_fail(iter, c, "our text changed");
    if (full && !timer_works())
        return sanity_fail(iter, c, "no timer event within a second");
    return true;
}

/* ---- batches ---- */

static void trace(unsigned long iter, const struct fuzz_call *c)
{
    printf("FUZZ trace %lu: %s(%lu) %#lx %#lx %#lx %#lx %#lx\n", iter, call_name(c->nr), c->nr,
           c->arg[0], c->arg[1], c->arg[2], c->arg[3], c->arg[4]);
    if (c->nr != __HYPERVISOR_multicall)
        return;
    for (uint64_t i = 0; i < c->arg[1] && mem_is_arena(c->arg[0] + i * 64, 64); i++) {
        const struct multicall_entry *e = (const void *)(uintptr_t)(c->arg[0] + i * 64);
        printf("FUZZ trace   [%lu] %s(%lu) %#lx %#lx %#lx %#lx %#lx\n", i, call_name(e->op), e->op,
               e->args[0], e->args[1], e->args[2], e->args[3], e->args[4]);
    }
}

/* One batch: a call or a multicall, with events off unless it blocks. */
static long batch(unsigned long iter, struct fuzz_call *c, unsigned long trace_from)
{
    long rc;

    mem_new_batch();
    memset(fuzz_mem.vinfo, 0, vcpu_info_moved ? 0 : PAGE / 2);
    call_gen(c, rng_chance(&rng, 25) ? __HYPERVISOR_multicall : CALL_ANY, false);
    if (iter >= trace_from)
        trace(iter, c);
    events_disable();
    if (c->blocks) {
        /* Our timer (or any other event of ours) ends the block, which unmasks. */
        if (!timer_bound())
            return -XEN_EINVAL;
        timer_set_singleshot(time_now() + 200 * NSEC_PER_USEC, 0);
        nr_blocks++;
    }
    rc = call_issue(c);
    restore(c, rc);
    if (iter >= trace_from)
        printf("FUZZ trace %lu: -> %ld\n", iter, rc);
    nr_calls++;
    nr_multicalls += c->nr == __HYPERVISOR_multicall;
    if (c->nr < SABLE_NR_HYPERCALLS) {
        calls_by_nr[c->nr]++;
        ok_by_nr[c->nr] += rc >= 0;
    }
    if (rc >= 0)
        nr_ok++;
    else
        nr_refused++;
    return rc;
}

static void fuzz_main(uint64_t seed, unsigned long iters, unsigned long progress,
                      unsigned long trace_from)
{
    struct fuzz_call c = { 0 };
    unsigned long i;

    rng_seed(&rng, seed);
    if (!CHECK_RC("fuzz-memory", mem_init(), 0))
        return;
    regress_run();
    grant_init();
    ro_sum = mem_checksum(false);
    text_sum = mem_checksum(true);
    if (!CHECK("fuzz-timer-before", timer_works()))
        return;
    for (i = 0; i < iters; i++) {
        long rc = batch(i, &c, trace_from);

        if (!sanity(i, &c, rc, (i % 16) == 15 || (i + 1) % progress == 0)) {
            check("fuzz-sanity", false, "iteration %lu (seed %lu)", i, seed);
            return;
        }
        if ((i + 1) % progress == 0)
            printf("FUZZ iter=%lu ok\n", i + 1);
    }
    CHECK("fuzz-sanity", true);
    CHECK("fuzz-timer-after", timer_works());
    if (privileged)
        CHECK_EQ("fuzz-cleanup", priv_cleanup(), 0);
    printf("FUZZ done iterations=%lu seed=%lu\n", i, seed);
    printf("FUZZ stats calls=%lu ok=%lu refused=%lu multicalls=%lu blocks=%lu stray_events=%lu\n",
           nr_calls, nr_ok, nr_refused, nr_multicalls, nr_blocks, evtchn_stray);
    /* Which calls got anywhere (direct calls only: a multicall's entries are not counted). */
    for (unsigned int nr = 0; nr < SABLE_NR_HYPERCALLS; nr++)
        if (ok_by_nr[nr])
            printf("FUZZ accepted %s %u/%u\n", call_name(nr), ok_by_nr[nr], calls_by_nr[nr]);
}

/* Our domain id, from a loopback channel's status (as hostile does). */
static domid_t find_self_id(void)
{
    struct evtchn_status st;
    evtchn_port_t a = 0, b = 0;
    domid_t id = DOMID_SELF;

    if (evtchn_alloc_unbound(DOMID_SELF, &a) == 0 && evtchn_bind_interdomain(DOMID_SELF, a, &b) == 0 &&
        evtchn_status(b, &st) == 0)
        id = st.u.interdomain.dom;
    if (b)
        evtchn_close(b);
    if (a)
        evtchn_close(a);
    return id;
}

void test_main(void)
{
    char role[16] = "fuzz";
    uint64_t seed = cmdline_get_ulong("seed", 1);
    unsigned long iters = cmdline_get_ulong("iters", 1000);
    unsigned long progress = cmdline_get_ulong("progress", 250);

    cmdline_get("role", role, sizeof(role));
    if (!strcmp(role, "victim") || !strcmp(role, "prey")) {
        role[0] == 'v' ? victim_main() : prey_main();
        return;
    }
    printf("FUZZ seed=%lu iterations=%lu\n", seed, iters);
    self_id = find_self_id();
    nr_vcpus = smp_vcpu_count();
    printf("FUZZ domain %u, %u vCPUs\n", self_id, nr_vcpus);
    fuzz_focus = cmdline_get_ulong("focus", CALL_ANY);
    priv_init();
    if (privileged && cmdline_get_ulong("destroy", 0))
        priv_destroy_running();
    fuzz_main(seed, iters, progress ? progress : 250, cmdline_get_ulong("trace", ~0UL));
}
