/*
 * fuzz: a PV kernel that throws random and boundary arguments at every
 * hypercall (docs/guests.md). Its rule: the hypervisor may refuse anything,
 * but it must not crash, must not touch another domain, and must write
 * nowhere in this domain that a call was not allowed to write.
 *
 * Memory the generated calls may point at (memory.c):
 *
 *   arena_a   4 pages   random contents, random pointers land anywhere in it
 *   ro        2 pages   mapped read-only; checksummed after every batch
 *   guard     1 page    unmapped
 *   arena_b   8 pages   "slots": one per generated structure whose contents
 *                       must stay as built (shutdown reasons, vCPU contexts,
 *                       multicall batches); random pointers never land here
 *   guard     1 page    unmapped
 *   window    4 pages   virtual addresses update_va_mapping / mmu_update may
 *                       remap (nothing of ours is reached through them)
 *   vinfo     1 page    where register_vcpu_info may put a vcpu_info
 *
 * Everything else of ours (code, stack, data, shared_info) is never named
 * by a generated argument, except the read-only page tables.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <guest/guest.h>
#include <guest/hypercall.h>
#include "rng.h"

#define PAGE            GUEST_PAGE_SIZE
#define ARENA_A_PAGES   4
#define RO_PAGES        2
#define ARENA_B_PAGES   8
#define WINDOW_PAGES    4

/* x86 PTE bits. */
#define PTE_P           (1ULL << 0)
#define PTE_RW          (1ULL << 1)
#define PTE_US          (1ULL << 2)
#define PTE_A           (1ULL << 5)
#define PTE_D           (1ULL << 6)
#define PTE_PS          (1ULL << 7)
#define PTE_NX          (1ULL << 63)
#define PTE_ADDR        0x000ffffffffff000ULL

struct fuzz_mem {
    uint8_t arena_a[ARENA_A_PAGES][PAGE];
    uint8_t ro[RO_PAGES][PAGE];
    uint8_t guard1[PAGE];
    uint8_t arena_b[ARENA_B_PAGES][PAGE];
    uint8_t guard2[PAGE];
    uint8_t window[WINDOW_PAGES][PAGE];
    uint8_t vinfo[PAGE];
};
extern struct fuzz_mem fuzz_mem;

extern struct fuzz_rng rng;
extern domid_t self_id;                 /* our domain id */
extern unsigned int nr_vcpus;           /* ours */

/* ---- memory.c ---- */

/* Map the read-only and guard pages, find our page-table frames. 0 or an error. */
long mem_init(void);
/* New batch: fill arena A with random values, free every arena B slot. */
void mem_new_batch(void);
/* Checksum of the read-only pages (and of our text, with text = true). */
uint64_t mem_checksum(bool text);

/*
 * A pointer for a structure of `size` bytes. `trusted`: the caller will
 * fill it and relies on what it wrote being what the hypervisor reads
 * (shutdown reasons, contexts): an arena B slot, or somewhere unreadable.
 * Otherwise anything but arena B: an arena A pointer, a page- or arena-crossing one,
 * read-only or page-table pages, the guard pages, hypervisor and
 * non-canonical addresses, NULL.
 */
uint64_t ptr_gen(size_t size, bool trusted);
/* A fresh arena B slot (never NULL: the arena is sized for a batch). */
uint64_t slot_alloc(size_t size);
/* Copy len bytes to va where va is arena memory (A or B); skip the rest. */
void mem_put(uint64_t va, const void *src, size_t len);
/* Is [va, va+len) wholly inside arena A or B (so it holds what we put)? */
bool mem_is_arena(uint64_t va, size_t len);
/* Random bytes / interesting 64-bit words at va (arena bytes only). */
void mem_fill_random(uint64_t va, size_t len);

/* Frames: a machine frame this domain may name safely, or a foreign/bogus one. */
uint64_t mfn_gen(void);
/* A virtual address update_va_mapping may change: a window page or a bad one. */
uint64_t remap_va_gen(void);
/* A value for a PTE (a frame of mfn_gen with random flags, or noise). */
uint64_t pte_gen(void);
/* The machine address of a page-table entry that only maps a window (or a bogus one). */
uint64_t pte_maddr_gen(void);
/* A guest code address for a handler: ours (never called), bad or random. */
uint64_t code_addr_gen(void);
/* An address no guest may run at: non-canonical or the hypervisor's. */
uint64_t hv_addr_gen(void);
/* A domain id: ourselves, the specials, out of range, or another domain. */
domid_t domid_gen(void);
/* A port: one we were handed lately, or any number. */
uint32_t port_gen(void);
/* A vCPU id around ours (0 .. nr_vcpus + 3) or interesting. */
uint32_t vcpu_gen(void);

/*
 * Frames of ours that hold nothing we check (arena and window frames):
 * the only ones of ours a generated call may have the hypervisor write.
 */
uint64_t scratch_mfn_gen(void);
bool mfn_is_scratch(uint64_t mfn);

uint64_t own_l4_mfn(void);
/* The PTE that maps window page i now (read through our read-only L1). */
uint64_t window_pte(unsigned int i);
bool mfn_is_ours(uint64_t mfn);
bool mfn_is_page_table(uint64_t mfn);
uint64_t vinfo_mfn(void);

/* ---- grant.c ---- */

/* Set up our grant table (one frame). */
void grant_init(void);
/* Whether mfn is our grant table's frame (the hypervisor's, shared with us). */
bool mfn_is_grant_frame(uint64_t mfn);
struct fuzz_call;
void gen_grant_table_op(struct fuzz_call *c, bool mc);

/* ---- calls.c ---- */

struct fuzz_call {
    uint64_t nr;
    uint64_t arg[5];
    /* set by the generator for the batch's bookkeeping */
    bool restores;              /* changes state we put back after the batch */
    bool console;               /* console output: end the line afterwards */
    bool blocks;                /* SCHEDOP_block: wants events and a timer */
};

/* One call of hypercall nr (CALL_ANY: a random number), arguments generated. */
#define CALL_ANY (~0ULL)
/* focus=<n>: half the calls generated are hypercall n (CALL_ANY: none). */
extern uint64_t fuzz_focus;
void call_gen(struct fuzz_call *c, uint64_t nr, bool in_multicall);
/* Issue it; the result. */
long call_issue(const struct fuzz_call *c);
const char *call_name(uint64_t nr);
/*
 * The oracle for what no crash shows under emulation: if hypercall nr with
 * these arguments succeeded (rc >= 0), was that wrong (a value Xen refuses,
 * or one a real CPU faults on when it is loaded)? NULL, or what was wrong.
 */
const char *call_accepted_wrongly(uint64_t nr, const uint64_t *arg, long rc);

/* ---- regress.c: named checks for the bugs found, before the random run ---- */
void regress_run(void);

/* ---- priv.c: the fuzzer as the privileged domain ---- */
extern bool privileged;
void priv_init(void);
/* id, or an unused one where id names a domain we must not touch (the victim). */
domid_t priv_domid(domid_t id);
/* One of the prey=... domains (ourselves if none). */
domid_t priv_prey(void);
/* Destroy what we created, shut the prey down; domains still running besides the spared. */
int priv_cleanup(void);
void priv_destroy_running(void);

/* ---- victim.c: role=victim and role=prey ---- */
void victim_main(void);
void prey_main(void);

/* ---- vcpu.c ---- */

/* Where a random VCPUOP_initialise context starts a secondary vCPU. */
void park_vcpu(unsigned int id);
uint64_t park_stack_top(unsigned int id);

#endif /* FUZZ_FUZZ_H */
