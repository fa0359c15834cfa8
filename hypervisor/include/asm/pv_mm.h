/*
 * PV direct paging: the rules for a guest's own page tables (pv/pagetable.c,
 * portable, unit-tested on the host) and the hypercall side that uses them
 * (pv/mm.c).
 *
 * A PV guest's page tables are ordinary frames of its own that the CPU
 * walks directly. The guest reads them but never writes them: every change
 * is checked here. The frame-type rules (sable/page.h, common/page_type.c)
 * make a frame either a validated page table of one level or writable,
 * never both; validating a table takes, for each present entry,
 *
 *   L1 entry -> a general reference on the frame it maps, and a
 *               "writable" type reference if the entry is writable
 *   L2/L3/L4 -> a general and a type reference of the next level down
 *               (validating that table first), or, for a read-only entry
 *               to an already validated table of the same level, a
 *               "linear" reference (Xen's linear page tables)
 *
 * and devalidating drops exactly those again. Entries may only use the
 * flags Xen allows PV guests (no PSE, no global bit above L1, cache
 * attributes only for the privileged domain), may only map the guest's
 * own frames, and the hypervisor's L4 slots 256..271 of every root are
 * refilled from the hypervisor's own table and cannot be changed.
 *
 * Locking: a domain's page-table operations run under its mm_lock (struct
 * pv_domain); nothing here takes a lock. Errors are Xen's, as returned by
 * mmu_update and friends.
 */
#ifndef ASM_PV_MM_H
#define ASM_PV_MM_H

#include <sable/page.h>
#include <asm/page.h>

struct domain;

/*
 * A software bit (Xen's _PAGE_GUEST_KERNEL): the guest mapped this page
 * supervisor-only. PV guest kernels run in ring 3, so every guest mapping
 * gets _PAGE_USER; this remembers the difference.
 */
#define _PAGE_GUEST_KERNEL  (1ULL << 52)
#define _PAGE_AVAIL_LOW     0xe00ULL                /* bits 9..11 */
#define _PAGE_AVAIL_HIGH    0x7ff0000000000000ULL   /* bits 52..62 */

/*
 * Set by the architecture at boot: the NX bit if the CPU has it (0 makes
 * bit 63 a reserved bit), and the 16 L4 entries every guest root gets in
 * slots HV_L4_SLOT_FIRST..LAST.
 */
extern uint64_t pt_nx_mask;
extern pgentry_t pt_hypervisor_l4e[16];

/* Is L4 slot i one of the hypervisor's? */
static inline bool pt_l4_slot_is_xen(unsigned int i)
{
    return i >= 256 && i <= 271;
}

/*
 * A general reference on frame mfn if d owns it; NULL otherwise. (d's
 * shared_info page, the hypervisor's, can only be mapped by an L1 entry.)
 */
struct page_info *pt_get_page(struct domain *d, mfn_t mfn);
/* The same plus a type reference: 0, -EINVAL, or the validator's error. */
int pt_get_page_and_type(struct domain *d, mfn_t mfn, unsigned int type);
void pt_put_page_and_type(struct page_info *pg);

/*
 * The references a present L1 entry of d needs: 0, -EINVAL (flags), -EPERM
 * (not RAM: I/O memory), -EBUSY (not d's frame, or a page table mapped
 * writable), -EACCES (cache attributes on a hypervisor page). pt_put_l1e
 * drops what pt_get_l1e took; pt_adjust_l1e is how a checked entry is
 * stored (user bit added, global bit dropped).
 */
int pt_get_l1e(pgentry_t e, struct domain *d);
void pt_put_l1e(pgentry_t e, struct domain *d);
pgentry_t pt_adjust_l1e(pgentry_t e);

/*
 * Write entry idx of the validated page table tpg (owned by d) to val, as
 * mmu_update does: check val, take its references, store it (keeping the
 * old accessed/dirty bits if preserve_ad), drop the old entry's. 0 or
 * Xen's error, with nothing changed on error.
 */
int pt_mod_entry(struct domain *d, struct page_info *tpg, unsigned int idx, pgentry_t val,
                 bool preserve_ad);
/*
 * The same for entry idx of d's validated L1 table tpg, mapping a frame of
 * pg_owner's instead of d's (a foreign mapping: the privileged domain
 * building or serving pg_owner). The entry holds a reference on the frame,
 * and a writable one if it is writable, until it is changed again.
 */
int pt_mod_l1e_foreign(struct domain *d, struct domain *pg_owner, struct page_info *tpg,
                       unsigned int idx, pgentry_t val);

/*
 * A GDT/LDT descriptor as a PV guest may have it (Xen's check_descriptor
 * for 64-bit guests): code/data segments, DPL raised to 3; empty and
 * not-present entries. false for anything else (system descriptors, gates).
 */
bool pt_check_descriptor(uint64_t *desc);

/*
 * MMUEXT_PIN_Lx_TABLE / MMUEXT_UNPIN_TABLE: a pin holds one type and one
 * general reference, so the table stays validated while nothing else uses
 * it. 0, or -EINVAL (not d's, pinned twice / not pinned, wrong type) or the
 * validation's error.
 */
int pt_pin(struct domain *d, mfn_t mfn, unsigned int type);
int pt_unpin(struct domain *d, mfn_t mfn);

/*
 * A dead domain's page tables: unpin everything, then devalidate every
 * table still validated, top level first, which also breaks reference
 * cycles that linear entries can make (Xen's relinquish_memory). The vCPUs
 * must already have dropped their base pointers. Afterwards no frame of d
 * holds a reference to another.
 */
void pt_relinquish(struct domain *d);

#endif /* ASM_PV_MM_H */
