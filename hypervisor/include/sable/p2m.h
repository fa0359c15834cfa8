/*
 * The physical-to-machine map of a hardware-assisted (HVM) domain: which
 * machine frame backs each guest-physical frame. It is the nested page
 * table the CPU walks (AMD NPT uses the x86-64 long-mode format, 4 levels,
 * 48-bit guest-physical addresses), so it is kept in that format:
 *
 *   L4 [gfn 35..27] -> L3 [26..18] -> L2 [17..9] -> L1 [8..0] -> frame
 *                                     |
 *                                     +-- or a 2 MiB leaf (PSE) when the
 *                                         guest range and the machine block
 *                                         are both 2 MiB aligned
 *
 * A guest-physical frame with no entry is unbacked: an access faults (NPF)
 * and the domain is crashed, or the access is emulated (MMIO holes). An
 * entry may also be backed but not scrubbed yet (P2M_UNSCRUBBED): present
 * to nobody until its frames have been scrubbed.
 *
 * Table pages come from an ops table, so the same code runs in the
 * hypervisor and in host unit tests. The map does not own the frames it
 * points to; callers free them. Callers serialise changes (p2m.lock).
 */
#ifndef SABLE_P2M_H
#define SABLE_P2M_H

#include <sable/spinlock.h>
#include <sable/types.h>

#define P2M_GFN_BITS    36          /* 48-bit guest-physical addresses */
#define P2M_ORDER_4K    0
#define P2M_ORDER_2M    9

/* Access rights of a mapping. */
#define P2M_READ        1U
#define P2M_WRITE       2U
#define P2M_RW          (P2M_READ | P2M_WRITE)
/*
 * Backed, but not scrubbed yet: the entry is not present to the CPU (an
 * access faults) until p2m_scrub_claim() and p2m_scrub_done() make it so.
 */
#define P2M_UNSCRUBBED  4U

struct p2m_ops {
    /* A zeroed 4 KiB table page: its machine address, and *va to write it; 0 = none. */
    paddr_t (*alloc_table)(void **va);
    void (*free_table)(paddr_t ma);
    /* Where the hypervisor can read a table page. */
    void *(*table_va)(paddr_t ma);
};

struct p2m {
    const struct p2m_ops *ops;
    paddr_t root;                   /* L4 machine address: the VMCB's nCR3 */
    unsigned int nr_tables;         /* table pages in use, root included */
    spinlock_t lock;                /* held by callers across changes */
};

/* An empty map: 0, or -ENOMEM. */
int p2m_init(struct p2m *p, const struct p2m_ops *ops);
/* Free every table page (not the frames mapped). */
void p2m_destroy(struct p2m *p);

/*
 * Map 2^order frames (order 0 or 9) at gfn to mfn with rights P2M_*. Both
 * must be aligned to the order. A 2 MiB entry over existing 4 KiB ones
 * replaces them (their table is freed); a 4 KiB one inside a 2 MiB entry
 * splits it first. 0, -EINVAL (bad order, alignment, gfn out of range) or
 * -ENOMEM.
 */
int p2m_map(struct p2m *p, uint64_t gfn, uint64_t mfn, unsigned int order, unsigned int access);
/*
 * Remove the 4 KiB mapping of gfn (splitting a 2 MiB one). 0 when it was
 * mapped (*old_mfn set if old_mfn is not NULL), -ENOENT when it was not,
 * -EINVAL or -ENOMEM.
 */
int p2m_unmap(struct p2m *p, uint64_t gfn, uint64_t *old_mfn);
/*
 * What backs gfn: true with *mfn (the exact frame, also inside a 2 MiB
 * entry), *order (of the entry that maps it) and *access, false when gfn is
 * unbacked. Any output pointer may be NULL.
 */
bool p2m_lookup(const struct p2m *p, uint64_t gfn, uint64_t *mfn, unsigned int *order,
                unsigned int *access);

/*
 * Scrubbing an unscrubbed entry, without holding p2m.lock while it runs:
 * p2m_scrub_claim() returns 1 and the whole entry's first frame and order
 * (the caller scrubs them, then calls p2m_scrub_done(), after which the
 * entry is present); 0 when gfn's entry is present already; -EBUSY while
 * another caller has it claimed; -ENOENT when gfn is unbacked. Both under
 * p2m.lock.
 */
int p2m_scrub_claim(struct p2m *p, uint64_t gfn, uint64_t *mfn, unsigned int *order);
void p2m_scrub_done(struct p2m *p, uint64_t gfn);

#endif
