/*
 * The frame table: one struct page_info for every machine frame from 0 up to
 * the highest RAM frame, holes included. It records who owns each frame, what
 * it is used as (its type, for PV page-table validation later) and how many
 * references exist, and links free frames into the allocator's lists.
 *
 * The table lives in RAM taken from the memory map and is reached through the
 * direct map. Frame states:
 *
 *   owner        flags           meaning
 *   DOMID_IO     PGF_RESERVED    not RAM (hole, MMIO, firmware): never handed out
 *   DOMID_XEN    PGF_RESERVED    RAM the allocator never manages (low 1 MiB,
 *                                image, modules, the frame table itself)
 *   DOMID_FREE   (PGF_FREE_HEAD) in the allocator; the head carries the order
 *   DOMID_XEN/d  0 or PGF_HEAP_*  allocated, to the hypervisor or domain d
 */
#ifndef SABLE_PAGE_H
#define SABLE_PAGE_H

#include <sable/types.h>

typedef uint16_t domid_t;

/* Reserved domain ids (numbering from Xen's public xen.h). */
#ifndef DOMID_FIRST_RESERVED
#define DOMID_FIRST_RESERVED 0x7ff0
#endif
#ifndef DOMID_IO
#define DOMID_IO   0x7ff1       /* non-RAM frames */
#endif
#ifndef DOMID_XEN
#define DOMID_XEN  0x7ff2       /* the hypervisor */
#endif
#define DOMID_FREE 0x7ff4       /* free in the page allocator (Xen's DOMID_INVALID) */

/*
 * Frame types: what a frame may currently be used as. A frame holds one
 * type at a time; the type can change only while no reference of the old
 * type is left (common/page_type.c has the rules). Page-table and
 * descriptor types must be validated before use; "writable" is what every
 * writable guest mapping of the frame takes, so a frame is never both a
 * live page table and writable.
 */
enum pgt_type {
    PGT_none = 0,               /* no typed use yet */
    PGT_writable,               /* mapped writable somewhere */
    PGT_l1_page_table,
    PGT_l2_page_table,
    PGT_l3_page_table,
    PGT_l4_page_table,
    PGT_seg_desc_page,          /* holds a guest GDT/LDT */
    PGT_NR_TYPES
};

/*
 * type_info: type in bits 29..31, then two flags, then the type count.
 *   PGT_VALIDATED  the contents were checked for the current type (PT
 *                  types lose it when their count drops to 0)
 *   PGT_PINNED     the owner pinned the type (MMUEXT_PIN_*): one count
 */
#define PGT_TYPE_SHIFT 29
#define PGT_VALIDATED  (1U << 28)
#define PGT_PINNED     (1U << 27)
#define PGT_COUNT_MASK ((1U << 27) - 1)
#define PGC_COUNT_MAX  UINT32_MAX

static inline bool pgt_is_page_table(unsigned int type)
{
    return type >= PGT_l1_page_table && type <= PGT_l4_page_table;
}

/* page_info.flags */
#define PGF_RESERVED   0x01     /* never managed by the allocator */
#define PGF_FREE_HEAD  0x02     /* first frame of a free block; .order valid */
#define PGF_HEAP_POOL  0x04     /* heap: small objects of class .order */
#define PGF_HEAP_LARGE 0x08     /* heap: whole 2^.order pages of one object */
#define PGF_ORPHAN     0x10     /* its domain is gone: freed with its last reference */

struct page_info;

/* Intrusive doubly-linked list of frames; a zeroed head is an empty list. */
struct page_list_entry {
    struct page_info *next, *prev;
};
struct page_list_head {
    struct page_info *first, *last;
};

struct page_info {
    struct page_list_entry list;   /* allocator free list, or the user's list */
    uint32_t count_info;           /* general references (page_get_ref) */
    uint32_t type_info;            /* type << PGT_TYPE_SHIFT | type count */
    domid_t owner;                 /* DOMID_* or a domain */
    uint8_t flags;                 /* PGF_* */
    uint8_t order;                 /* free block order, or heap class/order */
    union {
        struct {
            uint16_t heap_free;    /* heap pool: offset of first free object */
            uint16_t heap_inuse;   /* heap pool: objects handed out */
        };
        /*
         * Guest page tables (never heap pages): > 0, how many same-level
         * ("linear") entries this table has; < 0, in how many other tables
         * of its own level it is used as one (Xen's linear_pt_count).
         */
        int16_t linear_pt_count;
    };
};

/* Set up by frame_table_setup(); the table covers mfn < frame_table_nr. */
extern struct page_info *frame_table;
extern mfn_t frame_table_nr;
extern char *frame_virt_base;   /* hypervisor VA of frame 0 (the direct map) */

static inline bool mfn_valid(mfn_t mfn) { return mfn < frame_table_nr; }
static inline struct page_info *mfn_to_page(mfn_t mfn) { return frame_table + mfn; }
static inline mfn_t page_to_mfn(const struct page_info *pg) { return (mfn_t)(pg - frame_table); }
static inline paddr_t page_to_maddr(const struct page_info *pg)
{
    return page_to_mfn(pg) << PAGE_SHIFT;
}
static inline void *page_to_virt(const struct page_info *pg)
{
    return frame_virt_base + (page_to_mfn(pg) << PAGE_SHIFT);
}
/* The frame holding va (a direct-map address); check mfn_valid() if unsure. */
static inline mfn_t virt_to_mfn(const void *va)
{
    return ((uintptr_t)va - (uintptr_t)frame_virt_base) >> PAGE_SHIFT;
}
static inline struct page_info *virt_to_page(const void *va)
{
    return mfn_to_page(virt_to_mfn(va));
}

static inline domid_t page_owner(const struct page_info *pg) { return pg->owner; }
static inline void page_set_owner(struct page_info *pg, domid_t d) { pg->owner = d; }
static inline unsigned int page_type(const struct page_info *pg)
{
    return __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED) >> PGT_TYPE_SHIFT;
}
static inline bool page_type_validated(const struct page_info *pg)
{
    return __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED) & PGT_VALIDATED;
}
static inline bool page_pinned(const struct page_info *pg)
{
    return __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED) & PGT_PINNED;
}
static inline uint32_t page_type_count(const struct page_info *pg)
{
    return __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED) & PGT_COUNT_MASK;
}
static inline uint32_t page_ref_count(const struct page_info *pg)
{
    return __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED);
}

/*
 * Use the table at `table` for frames [0, nr), frame 0 being at virt_base.
 * Every frame starts as non-RAM (DOMID_IO, reserved).
 */
void frame_table_setup(struct page_info *table, mfn_t nr, void *virt_base);
/* Frames [start, end) are RAM: hypervisor-owned, still reserved. */
void frame_table_mark_ram(mfn_t start, mfn_t end);

/*
 * General references: 0, or -EOVERFLOW. put returns the count left; the
 * last put of an orphan frees it.
 */
int page_get_ref(struct page_info *pg);
uint32_t page_put_ref(struct page_info *pg);
/*
 * A released domain's frame that somebody still references (dom0 maps it,
 * as Xen's toolstack may when a domain dies): owned by the hypervisor from
 * now on, never handed to anyone, and freed when the last reference goes
 * (at once if that already happened). page_orphans() counts those waiting.
 */
void page_orphan(struct page_info *pg);
uint64_t page_orphans(void);

/*
 * Type references (common/page_type.c). page_get_type: a frame with no
 * type references takes the new type (validated first for page-table and
 * descriptor types, see arch_page_validate); one with references must
 * already have this type and be validated. 0, or -EINVAL (wrong type,
 * count full, bad type) or the validator's error, with nothing changed.
 * page_put_type drops one; a page table whose count reaches 0 is
 * devalidated (the references its entries hold are dropped).
 */
int page_get_type(struct page_info *pg, unsigned int type);
void page_put_type(struct page_info *pg);
/*
 * One more reference of type, but only on a frame that already is a
 * validated type with references (a guest's linear page-table entry
 * reuses a live table, never validates one). false otherwise.
 */
bool page_get_type_if_valid(struct page_info *pg, unsigned int type);
/* Set / clear PGT_PINNED; false when it already was set / clear. */
bool page_pin_set(struct page_info *pg);
bool page_pin_clear(struct page_info *pg);
/*
 * Domain teardown: drop a still-validated page table's own entries'
 * references (breaking reference cycles, e.g. linear tables) without
 * dropping its type count, which its referrers give back. false if pg was
 * not a validated table of this type.
 */
bool page_force_devalidate(struct page_info *pg, unsigned int type);

/*
 * Provided by the architecture (PV page tables): check pg's contents for
 * type and take the references its entries need (0 or Xen's error, with
 * every reference taken so far dropped again); drop them again; and make
 * sure no CPU still holds a stale translation through or of pg before it
 * changes type (a TLB flush where its owner runs).
 */
int arch_page_validate(struct page_info *pg, unsigned int type);
void arch_page_devalidate(struct page_info *pg, unsigned int type);
void arch_page_type_change(struct page_info *pg, unsigned int old_type);

/*
 * A writable reference the hypervisor holds on a domain's frame it writes
 * through the direct map (a registered vcpu_info, a console ring): a general
 * reference plus a PGT_writable type reference, so the frame is neither
 * freed nor turned into a page table meanwhile. The frame must be RAM owned
 * by owner: 0, or -EINVAL.
 */
int page_get_writable(mfn_t mfn, domid_t owner);
void page_put_writable(mfn_t mfn);

/* List operations (the caller holds whatever lock guards the list). */
static inline bool page_list_empty(const struct page_list_head *h) { return !h->first; }
static inline struct page_info *page_list_first(const struct page_list_head *h) { return h->first; }
static inline struct page_info *page_list_next(const struct page_info *pg) { return pg->list.next; }

static inline void page_list_add(struct page_info *pg, struct page_list_head *h)
{
    pg->list.prev = NULL;
    pg->list.next = h->first;
    if (h->first)
        h->first->list.prev = pg;
    else
        h->last = pg;
    h->first = pg;
}

static inline void page_list_add_tail(struct page_info *pg, struct page_list_head *h)
{
    pg->list.next = NULL;
    pg->list.prev = h->last;
    if (h->last)
        h->last->list.next = pg;
    else
        h->first = pg;
    h->last = pg;
}

static inline void page_list_del(struct page_info *pg, struct page_list_head *h)
{
    if (pg->list.prev)
        pg->list.prev->list.next = pg->list.next;
    else
        h->first = pg->list.next;
    if (pg->list.next)
        pg->list.next->list.prev = pg->list.prev;
    else
        h->last = pg->list.prev;
    pg->list.next = pg->list.prev = NULL;
}

#define page_list_for_each(pos, head) \
    for ((pos) = (head)->first; (pos); (pos) = (pos)->list.next)

#endif /* SABLE_PAGE_H */
