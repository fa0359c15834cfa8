/*
 * Host stand-ins for what the PV common code (domain.c, event_channel.c,
 * the hypercall handlers) needs from the arch, the scheduler and the memory
 * allocator. Include it in exactly one test file. Every fake counts what it
 * hands out, so a test can check that everything came back, and can be told
 * to fail, so a test can check unwinding:
 *
 *  - memory: a 16 MiB arena with a real frame table (frame_table.c);
 *    alloc_pages/xenheap pages come out filled with 0xAA (so missing zeroing
 *    shows); xmalloc is calloc/malloc. fake_fail_alloc_after(n) makes the
 *    allocation after the next n succeed fail (pages and heap alike).
 *  - arch/scheduler hooks: live counts, one-shot failure injection.
 *  - current: fake_current.
 *  - guest memory: GUEST_BASE..+GUEST_SIZE maps onto guest_mem[]; anything
 *    else is -EFAULT.
 *  - time: fake_now, the real timer.c on two fake CPUs' queues, a pvclock
 *    sample where TSC ticks are nanoseconds, an RTC at a fixed date.
 *  - arch_vcpu_initialise: reads one word of "context" (0xbad: -EINVAL);
 *    arch_vcpu_get_context: rip 0x5ab1e000 + the vCPU id.
 */
#ifndef FAKE_PV_H
#define FAKE_PV_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/grant_table.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <sable/sched.h>
#include <sable/time.h>
#include <sable/timer.h>
#include <sable/vcpu_time.h>

#include <public/xen.h>

/* ---- memory ---- */

#define FAKE_FRAMES 4096

static struct page_info fake_table[FAKE_FRAMES];
static char *fake_arena;
static bool fake_frame_used[FAKE_FRAMES];
static long fake_pages_out;           /* frames handed out, not yet freed */
static long fake_heap_out;            /* heap objects handed out */
static long fake_alloc_budget = -1;   /* allocations left before failing; -1: unlimited */

static inline void fake_fail_alloc_after(long n) { fake_alloc_budget = n; }

static inline bool fake_alloc_allowed(void)
{
    if (fake_alloc_budget == 0)
        return false;
    if (fake_alloc_budget > 0)
        fake_alloc_budget--;
    return true;
}

struct page_info *alloc_pages(unsigned int order)
{
    assert_int_equal(order, 0);         /* the code under test only uses single frames */
    if (!fake_alloc_allowed())
        return NULL;
    for (unsigned long m = 1; m < FAKE_FRAMES; m++) {
        if (fake_frame_used[m])
            continue;
        fake_frame_used[m] = true;
        fake_table[m].owner = DOMID_XEN;
        fake_table[m].flags = 0;
        fake_table[m].count_info = 0;
        fake_table[m].type_info = 0;
        memset(fake_arena + m * PAGE_SIZE, 0xaa, PAGE_SIZE);
        fake_pages_out++;
        return &fake_table[m];
    }
    return NULL;
}

void free_pages(struct page_info *pg, unsigned int order)
{
    mfn_t m = page_to_mfn(pg);

    assert_int_equal(order, 0);
    assert_true(m > 0 && m < FAKE_FRAMES);
    assert_true(fake_frame_used[m]);                /* no double free */
    assert_int_equal(page_ref_count(pg), 0);        /* nobody still uses it */
    assert_int_equal(page_type_count(pg), 0);
    fake_frame_used[m] = false;
    pg->owner = DOMID_FREE;
    fake_pages_out--;
}

/* The M2P: one entry per fake frame. */
static uint64_t fake_m2p[FAKE_FRAMES];

void set_gpfn_from_mfn(mfn_t mfn, uint64_t gpfn)
{
    if (mfn < FAKE_FRAMES)
        fake_m2p[mfn] = gpfn;
}

uint64_t get_gpfn_from_mfn(mfn_t mfn)
{
    return mfn < FAKE_FRAMES ? fake_m2p[mfn] : INVALID_M2P_ENTRY;
}

void *alloc_xenheap_pages(unsigned int order)
{
    struct page_info *pg = alloc_pages(order);

    return pg ? page_to_virt(pg) : NULL;
}

void free_xenheap_pages(void *va, unsigned int order)
{
    assert_int_equal(page_owner(virt_to_page(va)), DOMID_XEN);
    free_pages(virt_to_page(va), order);
}

void *xmalloc_bytes(size_t size)
{
    void *p;

    if (!fake_alloc_allowed())
        return NULL;
    p = malloc(size ? size : 1);
    assert_non_null(p);
    memset(p, 0x55, size);
    fake_heap_out++;
    return p;
}

void *xzalloc_bytes(size_t size)
{
    void *p = xmalloc_bytes(size);

    if (p)
        memset(p, 0, size);
    return p;
}

void xfree(void *p)
{
    if (!p)
        return;
    fake_heap_out--;
    free(p);
}

/*
 * Frame-type hooks (page_type.c): without the real PV page-table code
 * (a test defines FAKE_PV_REAL_PAGETABLES and compiles it instead) a table's
 * contents are taken as valid, and type changes are counted.
 */
static int fake_type_changes;
#ifndef FAKE_PV_REAL_PAGETABLES
int arch_page_validate(struct page_info *pg, unsigned int type) { return 0; }
void arch_page_devalidate(struct page_info *pg, unsigned int type) { }
#endif
void arch_page_type_change(struct page_info *pg, unsigned int old_type)
{
    fake_type_changes++;
}

/* A hypercall continuation outside a multicall: what the guest would re-issue. */
static unsigned int fake_cont_op, fake_cont_nargs;
static uint64_t fake_cont_args[5];

void arch_hypercall_continuation(unsigned int op, unsigned int nargs, const uint64_t *args)
{
    fake_cont_op = op;
    fake_cont_nargs = nargs;
    memcpy(fake_cont_args, args, nargs * sizeof(*args));
}

/* ---- arch and scheduler hooks ---- */

#define FAKE_SCHED_CPUS 8               /* CPUs a test may schedule on (and timer queues) */

static int fake_arch_domains, fake_arch_vcpus, fake_sched_vcpus;
static int fake_fail_arch_domain;     /* arch_domain_create fails once with this */
static int fake_fail_arch_vcpu_at = -1; /* the arch_vcpu_create call (0-based) that fails */
static int fake_fail_sched_at = -1;   /* the sched_init_vcpu call that fails */
static int fake_arch_vcpu_calls, fake_sched_calls;
static int fake_wakes, fake_sleeps, fake_kicks, fake_yields, fake_blocks;
static struct vcpu *fake_last_kick, *fake_last_wake;
static struct vcpu *fake_current;

int arch_domain_create(struct domain *d)
{
    int rc = fake_fail_arch_domain;

    fake_fail_arch_domain = 0;
    if (rc)
        return rc;
    d->arch = xzalloc_bytes(16);
    if (!d->arch)
        return -ENOMEM;
    fake_arch_domains++;
    return 0;
}

void arch_domain_destroy(struct domain *d)
{
    assert_non_null(d->arch);
    xfree(d->arch);
    d->arch = NULL;
    fake_arch_domains--;
}

int arch_vcpu_create(struct vcpu *v)
{
    if (fake_arch_vcpu_calls++ == fake_fail_arch_vcpu_at)
        return -EINVAL;
    v->arch = xzalloc_bytes(32);
    if (!v->arch)
        return -ENOMEM;
    fake_arch_vcpus++;
    return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
    assert_non_null(v->arch);
    xfree(v->arch);
    v->arch = NULL;
    fake_arch_vcpus--;
}

static int fake_sched_domains;

#ifdef FAKE_PV_REAL_SCHEDULER
/*
 * The test compiles the real scheduler (common/schedule.c, sched_bvt.c):
 * it needs only the arch's kick, recorded here; fake_sched_domains and
 * fake_sched_vcpus stay 0.
 */
static unsigned int fake_sched_kicks[FAKE_SCHED_CPUS];

void arch_sched_kick(unsigned int cpu)
{
    assert_true(cpu < FAKE_SCHED_CPUS);
    fake_sched_kicks[cpu]++;
}
#else

int sched_init_domain(struct domain *d, const struct sched_params *p)
{
    if (p->weight == 0 || p->weight > SCHED_WEIGHT_MAX)
        return -EINVAL;
    fake_sched_domains++;
    return 0;
}

void sched_destroy_domain(struct domain *d)
{
    fake_sched_domains--;
}

int sched_init_vcpu(struct vcpu *v, unsigned int processor)
{
    if (fake_sched_calls++ == fake_fail_sched_at)
        return -ENOMEM;
    v->processor = processor;
    fake_sched_vcpus++;
    return 0;
}

void sched_destroy_vcpu(struct vcpu *v)
{
    assert_false(v->is_running);
    fake_sched_vcpus--;
}

void vcpu_wake(struct vcpu *v) { fake_wakes++; fake_last_wake = v; }
void vcpu_sleep(struct vcpu *v) { fake_sleeps++; }
void vcpu_yield(void) { fake_yields++; }

/* As the real one: unmask, block unless an event is already pending. */
void vcpu_block(void)
{
    struct vcpu *v = fake_current;

    fake_blocks++;
    v->vcpu_info->evtchn_upcall_mask = 0;
    __atomic_or_fetch(&v->pause_flags, VPF_blocked, __ATOMIC_SEQ_CST);
    if (vcpu_event_pending(v))
        __atomic_and_fetch(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);
}

/* As the real one: a kick ends a block. */
void arch_vcpu_kick(struct vcpu *v)
{
    fake_kicks++;
    fake_last_kick = v;
    if (__atomic_fetch_and(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST) & VPF_blocked)
        vcpu_wake(v);
}

#endif /* FAKE_PV_REAL_SCHEDULER */

struct vcpu *current_vcpu(void)
{
    return fake_current;
}

/* ---- guest memory ---- */

#define GUEST_BASE 0x400000ULL
#define GUEST_SIZE (64 * 1024)

static uint8_t guest_mem[GUEST_SIZE];
static int fake_guest_copies;

bool guest_range_ok(uint64_t va, size_t len)
{
    return va >= GUEST_BASE && len <= GUEST_SIZE && va - GUEST_BASE <= GUEST_SIZE - len;
}

int copy_from_guest(void *dst, uint64_t guest_va, size_t len)
{
    fake_guest_copies++;
    if (!guest_range_ok(guest_va, len))
        return -EFAULT;
    memcpy(dst, guest_mem + (guest_va - GUEST_BASE), len);
    return 0;
}

int copy_to_guest(uint64_t guest_va, const void *src, size_t len)
{
    fake_guest_copies++;
    if (!guest_range_ok(guest_va, len))
        return -EFAULT;
    memcpy(guest_mem + (guest_va - GUEST_BASE), src, len);
    return 0;
}

/*
 * ---- the console's lines (console.c is not built on the host) ----
 * The same contract on stdout, without timestamps: "(dN) " starts a guest
 * line, an open line is ended by "\n" before another starts, a carriage
 * return repeats the tag. fake_console_print() stands for a line of Sable's
 * own (a printk), which ends an open guest line as printk does.
 */
static int fake_line_owner = -1;
static unsigned int fake_console_locked;

unsigned long console_guest_lock(void)
{
    fake_console_locked++;
    return 0;
}

void console_guest_unlock(unsigned long flags)
{
    assert_true(fake_console_locked > 0);
    fake_console_locked--;
}

void console_kick(void)
{
    assert_int_equal(fake_console_locked, 0);
}

int console_line_owner(void)
{
    assert_true(fake_console_locked > 0);
    return fake_line_owner;
}

void console_line_close(void)
{
    assert_true(fake_console_locked > 0);
    if (fake_line_owner >= 0)
        printf("\n");
    fake_line_owner = -1;
}

void console_line_open(unsigned int domid)
{
    console_line_close();
    printf("(d%u) ", domid);
    fake_line_owner = (int)domid;
}

void console_line_write(const char *s, size_t n)
{
    assert_true(fake_console_locked > 0 && fake_line_owner >= 0);
    assert_null(memchr(s, '\n', n));
    fwrite(s, 1, n, stdout);
}

void console_line_return(void)
{
    assert_true(fake_console_locked > 0 && fake_line_owner >= 0);
    printf("\r(d%d) ", fake_line_owner);
}

static inline void fake_console_print(const char *line)
{
    console_guest_lock();
    console_line_close();
    console_guest_unlock(0);
    printf("%s\n", line);
}

/* ---- time ---- */

static uint64_t fake_now;

uint64_t now_ns(void)
{
    return fake_now;
}

/*
 * Timers: the real timer.c on two fake CPUs' queues; fake_run_timers(t)
 * advances time and runs what is due, as the timer interrupt would.
 */
#define FAKE_CPUS FAKE_SCHED_CPUS
static struct timer_queue fake_queues[FAKE_CPUS];
static s_time_t fake_hw_deadline[FAKE_CPUS];

struct timer_queue *arch_timer_queue(unsigned int cpu)
{
    return cpu < FAKE_CPUS ? &fake_queues[cpu] : NULL;
}

void arch_timer_program(struct timer_queue *q, s_time_t deadline)
{
    fake_hw_deadline[q->cpu] = deadline;
}

static inline unsigned int fake_run_timers(uint64_t now)
{
    unsigned int n = 0;

    fake_now = now;
    for (unsigned int i = 0; i < FAKE_CPUS; i++)
        n += timer_queue_run(&fake_queues[i], (s_time_t)now);
    return n;
}

/* pvclock source: TSC ticks are nanoseconds (mul 2^31, shift 1). */
static bool fake_time_calibrated = true, fake_tsc_stable;
static uint64_t fake_tsc;

bool arch_time_sample(struct time_sample *s)
{
    if (!fake_time_calibrated)
        return false;
    s->tsc = fake_tsc;
    s->system_ns = fake_now;
    s->tsc_to_ns = (struct time_scale){ .mul = 0x80000000u, .shift = 1 };
    s->tsc_stable = fake_tsc_stable;
    return true;
}

/* The RTC: 2026-11-21 20:54:01 UTC, BCD, 24-hour, century register 20. */
static struct rtc_regs fake_rtc = { .sec = 0x01, .min = 0x54, .hour = 0x20, .day = 0x21,
                                    .mon = 0x11, .year = 0x26, .century = 0x20,
                                    .status_b = 0x02 };
#define FAKE_RTC_EPOCH 1795294441ULL

bool arch_rtc_read(struct rtc_regs *r)
{
    *r = fake_rtc;
    return true;
}

/* VCPUOP_initialise's arch part: reads one word; 0xbad is "invalid". */
static int fake_initialise_calls;

int arch_vcpu_initialise(struct vcpu *v, uint64_t guest_ctxt_va)
{
    uint64_t word;

    fake_initialise_calls++;
    if (copy_from_guest(&word, guest_ctxt_va, sizeof(word)))
        return -EFAULT;
    return word == 0xbad ? -EINVAL : 0;
}

/* XEN_DOMCTL_getvcpucontext's arch part: marks the context so a test can see it. */
int arch_vcpu_get_context(struct vcpu *v, struct vcpu_guest_context *c)
{
    memset(c, 0, sizeof(*c));
    c->user_regs.rip = 0x5ab1e000 + v->vcpu_id;
    return 0;
}

/* XEN_DOMCTL_hypercall_init's arch part: a frame of d's, recorded. */
static uint64_t fake_hypercall_gmfn;

int arch_hypercall_init(struct domain *d, uint64_t gmfn)
{
    if (!mfn_valid(gmfn) || page_owner(mfn_to_page(gmfn)) != d->domain_id)
        return -EINVAL;
    fake_hypercall_gmfn = gmfn;
    return 0;
}

void arch_domain_shutdown(struct domain *d)
{
}

/* XEN_DOMCTL_sethvmcontext's arch part: the bytes seen, recorded. */
static size_t fake_hvm_context_size;

int arch_hvm_load_context(struct domain *d, const void *buf, size_t size)
{
    fake_hvm_context_size = size;
    return d->is_hvm ? 0 : -EINVAL;
}

void arch_scrub_pages(void *va, size_t len)
{
    memset(va, 0, len);
}

/* PV guests name machine frames. */
uint64_t arch_guest_frame_to_mfn(struct domain *d, uint64_t frame)
{
    return frame;
}

/*
 * Grant host mappings (arch/x86/pv/grant.c): recorded, not made. The next
 * map fails with fake_gnt_map_fail (a GNTST_*) when it is set.
 */
static int fake_gnt_host_maps;
static int fake_gnt_map_fail;
static void (*fake_gnt_map_hook)(struct domain *d);   /* runs inside the map, once */
static uint64_t fake_gnt_last_unmap_mfn;

int arch_gnttab_host_map(struct domain *d, struct domain *owner, uint64_t host_addr,
                         uint32_t flags, mfn_t mfn, struct grant_host_map *where)
{
    int rc = fake_gnt_map_fail;

    fake_gnt_map_fail = 0;
    if (rc)
        return rc;
    if (fake_gnt_map_hook) {
        void (*hook)(struct domain *) = fake_gnt_map_hook;
        fake_gnt_map_hook = NULL;
        hook(d);
    }
    where->va = host_addr;
    where->l1_mfn = mfn;
    where->slot = 0;
    fake_gnt_host_maps++;
    return 0;
}

void arch_gnttab_host_unmap(struct domain *d, const struct grant_host_map *where, mfn_t mfn)
{
    assert_int_equal(where->l1_mfn, mfn);
    fake_gnt_last_unmap_mfn = mfn;
    fake_gnt_host_maps--;
}

/* A guest address of guest_mem[off], and the host view of it. */
static inline uint64_t gva(size_t off) { return GUEST_BASE + off; }
static inline void *gptr(size_t off) { return guest_mem + off; }

/* ---- the whole harness ---- */

static inline void fake_reset(void)
{
    if (!fake_arena)
        fake_arena = aligned_alloc(PAGE_SIZE, FAKE_FRAMES * PAGE_SIZE);
    frame_table_setup(fake_table, FAKE_FRAMES, fake_arena);
    frame_table_mark_ram(0, FAKE_FRAMES);
    memset(fake_frame_used, 0, sizeof(fake_frame_used));
    memset(fake_m2p, 0xff, sizeof(fake_m2p));
    fake_pages_out = fake_heap_out = 0;
    fake_alloc_budget = -1;
    fake_arch_domains = fake_arch_vcpus = fake_sched_vcpus = fake_sched_domains = 0;
    fake_fail_arch_domain = 0;
    fake_fail_arch_vcpu_at = fake_fail_sched_at = -1;
    fake_arch_vcpu_calls = fake_sched_calls = 0;
    fake_wakes = fake_sleeps = fake_kicks = fake_yields = fake_blocks = 0;
    fake_last_kick = fake_last_wake = NULL;
    fake_current = NULL;
    memset(guest_mem, 0, sizeof(guest_mem));
    fake_guest_copies = 0;
    fake_now = 0;
    fake_line_owner = -1;
    fake_console_locked = 0;
    for (unsigned int i = 0; i < FAKE_CPUS; i++) {
        timer_queue_init(&fake_queues[i], i);
        fake_hw_deadline[i] = S_TIME_MAX;
    }
    fake_time_calibrated = true;
    fake_tsc_stable = false;
    fake_tsc = 0;
    fake_initialise_calls = 0;
}

/*
 * fake_reset, then make sure the domain table's first leaf exists (it is
 * never freed), so that heap counts in a test show only what the test does.
 */
static inline void fake_reset_with_table(void)
{
    struct domain_config c = { .name = "warm-up", .max_vcpus = 1 };
    struct domain *d;

    fake_reset();
    assert_int_equal(domain_create(&c, false, &d), 0);
    assert_int_equal(domain_destroy(d), 0);
    domain_put(d);
    assert_int_equal(fake_pages_out, 0);
    fake_heap_out = 0;
    fake_wakes = fake_sleeps = 0;
    fake_arch_vcpu_calls = fake_sched_calls = 0;
}

/* Everything a test created came back (call after destroying its domains). */
/* A domain for a test (the caller's reference in the result); must succeed. */
static inline struct domain *fake_domain_new(unsigned int vcpus, uint64_t max_pages,
                                             bool want_dom0)
{
    struct domain_config c = { .name = "t", .max_vcpus = vcpus, .max_pages = max_pages,
                               .privileged = want_dom0 };
    struct domain *d = NULL;

    assert_int_equal(domain_create(&c, want_dom0, &d), 0);
    assert_non_null(d);
    return d;
}

/* Destroy it and drop the test's reference. */
static inline void fake_domain_destroy(struct domain *d)
{
    assert_int_equal(domain_destroy(d), 0);
    domain_put(d);
}

static inline void fake_check_all_returned(void)
{
    assert_int_equal(fake_pages_out, 0);
    assert_int_equal(fake_heap_out, 0);
    assert_int_equal(fake_arch_domains, 0);
    assert_int_equal(fake_arch_vcpus, 0);
    assert_int_equal(fake_sched_vcpus, 0);
    assert_int_equal(fake_sched_domains, 0);
    assert_int_equal(fake_gnt_host_maps, 0);
}

/* ---- console capture: printk is printf on the host ---- */

static int capture_saved_fd = -1;
static FILE *capture_file;
static char captured[16384];

static inline void capture_begin(void)
{
    fflush(stdout);
    capture_file = tmpfile();
    assert_non_null(capture_file);
    capture_saved_fd = dup(1);
    dup2(fileno(capture_file), 1);
}

/* What was printed since capture_begin, NUL-terminated. */
static inline const char *capture_end(void)
{
    size_t n;

    fflush(stdout);
    dup2(capture_saved_fd, 1);
    close(capture_saved_fd);
    rewind(capture_file);
    n = fread(captured, 1, sizeof(captured) - 1, capture_file);
    captured[n] = '\0';
    fclose(capture_file);
    return captured;
}

/* A lock is free when every ticket handed out has been served. */
#define assert_unlocked(l) assert_int_equal((l).next, (l).owner)

#endif
