/*
 * Domains and virtual CPUs.
 *
 * A domain owns memory frames, event channels and vCPUs. Its lifecycle:
 *
 *   created --unpause--> running <--pause/unpause--> paused
 *      |                    |
 *      |            shutdown(reason)  (poweroff, reboot, crash, ...)
 *      v                    v
 *   dying  <--destroy--  shut down      (vCPUs stopped, state kept for the
 *      |                                 toolstack to read the reason)
 *      v  last reference dropped
 *    dead   (memory, ports and vCPUs released; the id can be reused)
 *
 * Every struct domain pointer held outside domain.c is a counted reference
 * (domain_get / domain_put), so a domain cannot vanish under a hypercall
 * that is using it.
 */
#ifndef SABLE_DOMAIN_H
#define SABLE_DOMAIN_H

#include <sable/sched_params.h>
#include <sable/spinlock.h>
#include <sable/timer.h>
#include <sable/types.h>
#include <sable/page.h>

#define DOMAIN_MAX_VCPUS   32       /* shared_info has 32 legacy vcpu_info slots */
#define DOMAIN_NAME_LEN    32
#define DOMID_MAX          (DOMID_FIRST_RESERVED - 1)
/* domain.shutdown_code before any code is recorded (Xen's SHUTDOWN_CODE_INVALID). */
#define DOMAIN_SHUTDOWN_CODE_NONE (~0U)

enum domain_state {
    DOMSTATE_created,       /* built, never run */
    DOMSTATE_running,
    DOMSTATE_paused,
    DOMSTATE_shutdown,      /* stopped by itself or the toolstack; see shutdown_code */
    DOMSTATE_dying,         /* being torn down */
    DOMSTATE_dead,
};

struct domain;
struct vcpu_info;
struct shared_info;
struct evtchn;

/* vcpu.pause_flags: reasons a vCPU may not run (any bit set = not runnable). */
#define VPF_blocked   (1U << 0)    /* waiting for an event (SCHEDOP_block) */
#define VPF_down      (1U << 1)    /* not brought up, or VCPUOP_down */
#define VPF_paused    (1U << 2)    /* its domain is paused or shut down */
#define VPF_crashed   (1U << 3)

struct vcpu {
    unsigned int vcpu_id;
    struct domain *domain;
    unsigned int processor;        /* physical CPU it runs, or last ran, on */
    uint64_t hard_affinity;        /* CPUs it may run on (bit per CPU), set at creation */
    uint64_t soft_affinity;        /* CPUs it prefers, within hard_affinity */
    volatile uint32_t pause_flags; /* VPF_*; changed under domain->lock */
    bool is_running;               /* loaded on a CPU right now */

    struct vcpu_info *vcpu_info;   /* guest-visible: in shared_info or registered */
    uint32_t virq_to_evtchn[24];   /* per-vCPU VIRQ bindings (NR_VIRQS) */

    /* Time accounting per runstate (RUNSTATE_*), in ns. */
    int runstate;
    uint64_t runstate_entry_time;
    uint64_t runstate_time[4];

    void *sched_priv;              /* the scheduler's per-vCPU data */
    void *arch;                    /* PV or HVM state (arch/x86) */
    struct vcpu *next_in_domain;

    /* Guest-facing state kept by common/ (additions to the first contract). */
    bool is_initialised;           /* has a guest context (builder / VCPUOP_initialise) */
    mfn_t vcpu_info_mfn;           /* frame of a registered vcpu_info, 0: shared_info slot */
    uint64_t runstate_guest_va;    /* VCPUOP_register_runstate_memory_area, 0: none */
    int poll_evtchn;               /* SCHEDOP_poll: the one port, -1: several, 0: none */
    uint64_t periodic_period;      /* ns between periodic VIRQ_TIMERs, 0: off */
    struct timer singleshot_timer; /* set_timer_op, VCPUOP_set_singleshot_timer */
    struct timer singleshot_hint;  /* holds the hardware for its expected re-arm */
    struct timer_rhythm singleshot_rhythm;
    struct timer periodic_timer;   /* VCPUOP_set_periodic_timer */
    struct timer poll_timer;       /* SCHEDOP_poll timeout */

    /* Hypercall continuations (common/hypercall.c), on this vCPU only. */
    bool hcall_preempted;          /* the running hypercall asked to be re-issued */
    uint64_t *mc_args;             /* arguments of the multicall entry being run */
};

/*
 * A domain's console (common/console_io.c): its current output line, the
 * state of the escape-sequence filter, a token bucket of lines so a
 * flooding guest cannot swamp the console, and the PV console ring the
 * hypervisor serves (common/console_ring.c).
 */
#define GUEST_CONSOLE_LINE 200
struct xencons_interface;
struct guest_console {
    /* Guarded by the console lock (console_guest_lock()): */
    unsigned int len;              /* bytes in line[]: the line's text so far */
    unsigned int shown;            /* of which on the terminal already */
    char line[GUEST_CONSOLE_LINE];
    uint8_t esc;                   /* where the filter is in an escape sequence */
    uint16_t esc_len;              /* bytes of it so far */
    bool cr;                       /* a carriage return waits for the next byte */
    bool dropping;                 /* this line is over the rate limit */
    uint64_t last_ns;              /* when text last arrived */
    uint64_t budget;               /* lines that may still be printed */
    uint64_t refill_ns;            /* system time the budget was last topped up */
    uint64_t dropped;              /* lines dropped since the last report */

    spinlock_t ring_lock;          /* guards the ring fields */
    struct xencons_interface *ring; /* the ring frame (direct map), NULL: none */
    unsigned int ring_port;        /* the domain's port for it */
    uint32_t ring_out_cons;        /* our indices: never read back from the page */
    uint32_t ring_in_prod;
    uint64_t ring_bad;             /* updates with impossible indices, ignored */
    uint64_t ring_in_dropped;      /* input bytes that found the ring full */
};

struct domain {
    domid_t domain_id;
    char name[DOMAIN_NAME_LEN];
    bool is_privileged;            /* dom0: may use control hypercalls */
    bool is_hvm;                   /* hardware-assisted (SVM), else PV */
    void *sched_priv;              /* the scheduler's per-domain data */
    enum domain_state state;
    unsigned int shutdown_code;    /* SHUTDOWN_* when state is shutdown */
    uint32_t refcnt;               /* atomic; the domain table holds one */
    spinlock_t lock;               /* state, vCPU pause flags, page list */

    unsigned int max_vcpus;
    struct vcpu *vcpu[DOMAIN_MAX_VCPUS];

    struct shared_info *shared_info;   /* one hypervisor page, guest-mapped */

    /* Memory: frames owned by this domain, linked through page_info.list. */
    struct page_list_head page_list;
    uint64_t tot_pages;
    uint64_t max_pages;

    /* Event channels (common/event_channel.c). */
    spinlock_t evtchn_lock;        /* port states; taken with interrupts off */
    struct evtchn **evtchn;        /* buckets of ports, allocated in port order */
    unsigned int max_evtchns;      /* ports the domain may ever have */
    unsigned int valid_evtchns;    /* ports in allocated buckets (< these are valid) */
    uint64_t poll_mask;            /* vCPUs in SCHEDOP_poll, bit per vcpu_id (atomic) */

    struct guest_console console;  /* CONSOLEIO_write output (common/console_io.c) */
    struct grant_table *grant_table; /* common/grant_table.c */

    void *arch;                    /* PV or HVM state (arch/x86) */
};

/* Parameters a new domain is created with. */
struct domain_config {
    const char *name;
    unsigned int max_vcpus;
    uint64_t max_pages;
    bool privileged;
    bool hvm;                      /* an HVM (PVH) domain: arch state is asm/hvm.h's */
    struct sched_params sched;     /* weight 0: SCHED_PARAMS_DEFAULT */
    uint64_t hard_affinity;        /* CPUs its vCPUs may use; 0: all */
    uint64_t soft_affinity;        /* CPUs they prefer; 0: no preference */
    unsigned int max_evtchns;      /* ports it may have; 0: the 2-level maximum */
    unsigned int max_grant_frames; /* grant-table frames it may have; 0: the default */
    unsigned int max_maptrack_frames; /* frames of grant handles it may use; 0: the default */
    domid_t domid;                 /* the id wanted (-EEXIST if taken); 0: lowest free */
};

/*
 * Create a domain with the lowest free id >= 1 (0 only if want_dom0), or
 * cfg->domid if set (-EEXIST when that one is taken). On
 * success *out is a counted reference for the caller (domain_put when done);
 * the domain starts in DOMSTATE_created with every vCPU VPF_down|VPF_paused.
 */
int domain_create(const struct domain_config *cfg, bool want_dom0, struct domain **out);
/* A counted reference to the domain with this id, or NULL. */
struct domain *domain_get_by_id(domid_t id);
bool domain_get(struct domain *d);
void domain_put(struct domain *d);

int domain_pause(struct domain *d);
int domain_unpause(struct domain *d);
/* Stop every vCPU and record why; the domain stays until destroyed. */
void domain_shutdown(struct domain *d, unsigned int reason);
/* A guest error: report it, then shut the domain down with SHUTDOWN_crash. */
void domain_crash(struct domain *d, const char *why);
/* Begin tear-down; resources are released when the last reference goes. */
int domain_destroy(struct domain *d);

/* A frame owned by and accounted to d (NULL beyond max_pages or no memory). */
struct page_info *domain_alloc_page(struct domain *d);

/*
 * The domain that owns frame pg, without taking a reference: for code that
 * acts for that domain anyway (its page-table validation), so the domain
 * cannot go away meanwhile. Found while dying too; NULL for frames of the
 * hypervisor, I/O memory and free frames.
 */
struct domain *page_owner_domain(const struct page_info *pg);

const char *domain_state_name(enum domain_state s);
unsigned int domain_count(void);
/* Call fn for every live domain in id order (under the domain list lock). */
void domain_for_each(void (*fn)(struct domain *d, void *arg), void *arg);

/* vCPU vcpu_id of d, or NULL when out of range (hostile ids welcome). */
static inline struct vcpu *domain_vcpu(const struct domain *d, uint64_t vcpu_id)
{
    return vcpu_id < d->max_vcpus ? d->vcpu[vcpu_id] : NULL;
}

/*
 * Memory owned by d: one zeroed frame charged to d (owner = d, on
 * d->page_list), or NULL when d is at max_pages, dying or memory is short.
 * domain_free_page gives one back: 0, -EINVAL if d does not own it, -EBUSY
 * while it is still referenced or typed.
 */
struct page_info *domain_alloc_page(struct domain *d);
/* The same for 2^order contiguous, aligned frames (each freed on its own later). */
struct page_info *domain_alloc_pages(struct domain *d, unsigned int order);
/*
 * The same, not scrubbed: they may hold anyone's old data. The caller must
 * scrub them (arch_scrub_pages) before d or anything on its behalf can read
 * them: HVM guest RAM, mapped unscrubbed in the p2m (hvm_gfn_ready()).
 */
struct page_info *domain_alloc_pages_unscrubbed(struct domain *d, unsigned int order);
int domain_free_page(struct domain *d, struct page_info *pg);

/*
 * common/vcpu_op.c, the guest-facing state of a vCPU (timers, registered
 * vcpu_info): set up at creation; quiesce stops its timers and any poll;
 * destroy also gives back a registered vcpu_info frame.
 */
void vcpu_guest_init(struct vcpu *v);
void vcpu_guest_quiesce(struct vcpu *v);
void vcpu_guest_destroy(struct vcpu *v);
/*
 * v starts running on cpu: its timers move to cpu's queue (armed as they
 * were), so that they interrupt the CPU it runs on, not another one that
 * would have to kick it across. Called by the dispatcher on every switch.
 */
void vcpu_timers_follow(struct vcpu *v, unsigned int cpu);
/*
 * Bring an initialised vCPU up (clear VPF_down, wake it): 0, or -EINVAL
 * if it has no guest context yet. The domain builder sets is_initialised
 * on vCPU 0 and calls this; guests use VCPUOP_initialise + VCPUOP_up.
 */
int vcpu_up(struct vcpu *v);
/*
 * Copy v's runstate to the guest area it registered, if any, in the
 * current address space: call with v current and in guest kernel mode.
 */
void vcpu_runstate_guest_update(struct vcpu *v);
/* v's runstate, its current state's time counted up to now. */
struct vcpu_runstate_info;
void vcpu_runstate_get(struct vcpu *v, struct vcpu_runstate_info *r);

/*
 * common/console_io.c: set up d's console state; print what is left of its
 * output (the console ring's contents, the unfinished line).
 */
void guest_console_init(struct domain *d);
void guest_console_flush(struct domain *d);
/* Guest text for d's console (emulated devices too): lines tagged (dN). */
void guest_console_put(struct domain *d, const char *s, size_t n);

/* Hooks a domain's owner code provides (arch / common subsystems). */
int arch_domain_create(struct domain *d);
void arch_domain_destroy(struct domain *d);
/* Zero len bytes (whole pages) of frames about to be given to a domain. */
void arch_scrub_pages(void *va, size_t len);
/* Copy len bytes; fast for 64-byte aligned blocks (arch/x86/scrub.c). */
void copy_page_bulk(void *dst, const void *src, size_t len);
/* d just shut down (any reason): report what the arch knows (e.g. VM exits). */
void arch_domain_shutdown(struct domain *d);
int arch_vcpu_create(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
/*
 * VCPUOP_initialise for v (not running, not yet initialised): read the
 * guest's struct vcpu_guest_context at guest_ctxt_va (caller's address
 * space), check it and load it as v's starting state. 0, -EFAULT or
 * -EINVAL; nothing changed on error. Must not take d->lock.
 */
int arch_vcpu_initialise(struct vcpu *v, uint64_t guest_ctxt_va);
/*
 * The machine frame behind a frame number a guest passed: itself for PV,
 * through the p2m for HVM (an invalid mfn when the gfn is unbacked).
 */
uint64_t arch_guest_frame_to_mfn(struct domain *d, uint64_t frame);
/* Called after a vCPU's pause_flags change, so the scheduler can act. */
void vcpu_wake(struct vcpu *v);
void vcpu_sleep(struct vcpu *v);

#endif
