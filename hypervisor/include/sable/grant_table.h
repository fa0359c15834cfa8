/*
 * Grant tables, version 1 (common/grant_table.c; the ABI is
 * public/grant_table.h).
 *
 * A domain's grant table is a few hypervisor pages it shares with the
 * hypervisor ("shared frames": an array of struct grant_entry_v1 the guest
 * writes) plus the hypervisor's private view of each entry in use (the
 * active entry: how often it is pinned, for whom, which frame) and the
 * domain's maptrack (the grants *it* has mapped from others, each named by
 * a handle).
 *
 *   granter A                        hypervisor                  mapper B
 *   shared[ref] = {frame, B, flags}  active[ref]: pin counts,    maptrack[h] =
 *                                    mapper B, mfn, references    {A, ref, mfn,
 *                                    on the frame                  where mapped}
 *
 * Pinning an entry (a map, or a copy for its duration) checks the shared
 * entry (type GTF_permit_access, domid = the mapper, GTF_readonly when a
 * write is wanted) and sets GTF_reading (and GTF_writing) in it with a
 * compare-and-swap, so a granter following the protocol (revoke with a
 * CAS that fails while those bits are set) cannot take the frame back
 * while it is in use. A hostile granter that simply clears the entry gains
 * nothing: the active entry keeps the frame referenced and belonging to the
 * mapper until the last unmap, and no one else can pin the entry meanwhile.
 *
 * Locking: table->lock guards the shared frames array, nr_frames and the
 * active entries; table->maptrack_lock the maptrack. Never both at once,
 * never two domains' locks at once (so self-grants and grant cycles cannot
 * deadlock). The PV page-table lock is taken only outside both.
 */
#ifndef SABLE_GRANT_TABLE_H
#define SABLE_GRANT_TABLE_H

#include <sable/spinlock.h>
#include <sable/types.h>
#include <public/grant_table.h>

struct domain;

#define GNTTAB_ENTRIES_PER_FRAME   (PAGE_SIZE / sizeof(struct grant_entry_v1))
/* Defaults (Xen's): gnttab_max_frames= and gnttab_max_maptrack_frames=. */
#define GNTTAB_DEFAULT_MAX_FRAMES          64
#define GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES 1024
#define GNTTAB_LIMIT_FRAMES                4096    /* no domain gets more */

/* The hypervisor's view of one shared entry. */
struct active_grant {
    uint16_t readers;           /* pins for reading only */
    uint16_t writers;           /* pins for writing */
    domid_t  domid;             /* the domain it is pinned for (valid when pinned) */
    mfn_t    mfn;               /* the frame pinned (a general reference held;
                                 * with writers, a writable one too) */
};

/* Where a PV host mapping was put: the L1 table's frame and slot. */
struct grant_host_map {
    mfn_t    l1_mfn;
    uint16_t slot;
    uint64_t va;                /* host_addr as given (the PTE's maddr with contains_pte) */
};

/* One grant mapped by this domain. */
#define MAPTRACK_FREE     0
#define MAPTRACK_INUSE    1
#define MAPTRACK_BUSY     2     /* being unmapped */
struct grant_mapping {
    uint8_t  state;             /* MAPTRACK_* */
    bool     readonly;
    domid_t  granter_id;
    grant_ref_t ref;
    struct domain *granter;     /* a counted reference while in use */
    mfn_t    mfn;
    struct grant_host_map host;
    uint32_t next_free;         /* free list link */
};

#define GNTTAB_MAPTRACK_PER_FRAME  (PAGE_SIZE / sizeof(struct grant_mapping))

struct grant_table {
    spinlock_t lock;                    /* the next five fields, the shared entries' flags */
    unsigned int nr_frames;             /* frames in use (grows only) */
    unsigned int max_frames;
    struct grant_entry_v1 **shared;     /* [max_frames] hypervisor pages */
    struct active_grant **active;       /* [max_frames] arrays of ENTRIES_PER_FRAME */

    spinlock_t maptrack_lock;           /* the maptrack fields below */
    struct grant_mapping **maptrack;    /* [max_maptrack_frames] */
    unsigned int maptrack_frames, max_maptrack_frames;
    uint32_t maptrack_free;             /* head of the free list, ~0: empty */
    unsigned int maptrack_used;
    bool releasing;                     /* the domain is dying: no new mappings */
};

/* Hypervisor-wide defaults (command line), used when a domain asks for none. */
extern uint64_t opt_gnttab_max_frames;
extern uint64_t opt_gnttab_max_maptrack_frames;

/*
 * A new domain's table with these limits (0: the defaults; clamped to
 * GNTTAB_LIMIT_FRAMES): 0 or -ENOMEM. No shared frame exists until the
 * domain asks (setup_table, add_to_physmap).
 */
int gnttab_domain_create(struct domain *d, unsigned int max_frames,
                         unsigned int max_maptrack_frames);
/*
 * The domain is being destroyed: undo every mapping it holds of others'
 * grants (their pins and references go, and their domains' references),
 * and let it make no new one. Called once the domain is dying and its
 * vCPUs stopped, so mapping cycles between dying domains cannot keep them
 * alive.
 */
void gnttab_release_mappings(struct domain *d);
/*
 * The domain is released: free its shared frames and structures. A frame
 * someone still references (a pinned grant's frame is the domain's, not
 * one of these) is leaked with a warning rather than reused.
 */
void gnttab_domain_destroy(struct domain *d);

/*
 * Shared frame idx of d's table, growing the table to idx + 1 frames if
 * needed (add_to_physmap of XENMAPSPACE_grant_table): 0 and *mfn, or
 * -EINVAL (beyond max_frames), -ENOMEM.
 */
int gnttab_shared_frame(struct domain *d, unsigned int idx, mfn_t *mfn);
/* Is mfn one of d's shared frames (so d may map it writable)? */
bool gnttab_is_shared_frame(struct domain *d, mfn_t mfn);

/* grant_table_op: common/grant_table_op.c, on the portable calls below. */

/* Grow d's table to nr frames (setup_table): GNTST_*. */
int gnttab_grow(struct domain *d, unsigned int nr);

/*
 * Pin entry ref of granter rd for domain ld: check the shared entry,
 * set GTF_reading/writing, take the references. 0 and *mfn, or GNTST_*.
 * Undo with gnttab_unpin(rd, ref, writable).
 */
int gnttab_pin(struct domain *rd, grant_ref_t ref, struct domain *ld, bool writable,
               mfn_t *mfn);
void gnttab_unpin(struct domain *rd, grant_ref_t ref, bool writable);

/*
 * map_grant_ref / unmap_grant_ref for the calling domain ld: *op in,
 * status and handle out. The host mapping itself is the arch's
 * (arch_gnttab_host_map).
 */
void gnttab_map_one(struct domain *ld, struct gnttab_map_grant_ref *op);
void gnttab_unmap_one(struct domain *ld, struct gnttab_unmap_grant_ref *op);
/* copy: one struct gnttab_copy for ld; status out. */
void gnttab_copy_one(struct domain *ld, struct gnttab_copy *op);

/*
 * Provided by the architecture: map frame mfn (of domain owner, already
 * pinned by the grant) for domain d as GNTMAP_* flags say, at host_addr
 * (a virtual address of d's current page tables, or with
 * GNTMAP_contains_pte the machine address of the L1 entry). 0 and where
 * it went, or GNTST_*. Unmap: clear that entry again if it still maps mfn,
 * and flush d's TLBs; nothing to do if it does not.
 */
int arch_gnttab_host_map(struct domain *d, struct domain *owner, uint64_t host_addr,
                         uint32_t flags, mfn_t mfn, struct grant_host_map *where);
void arch_gnttab_host_unmap(struct domain *d, const struct grant_host_map *where, mfn_t mfn);
/* The machine frame of d's frame number frame (an mfn for PV, gfn for HVM), or ~0. */
uint64_t arch_guest_frame_to_mfn(struct domain *d, uint64_t frame);

#endif /* SABLE_GRANT_TABLE_H */
