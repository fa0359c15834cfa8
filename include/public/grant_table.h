/*
 * Grant tables (version 1): how a domain lets another map or copy one of
 * its pages. The granting domain writes an entry into its own table (a
 * few pages it shares with the hypervisor); the grantee names the entry by
 * (domain, grant reference) in grant_table_op(cmd, arg, count), where arg
 * is an array of count structs of the type matching cmd.
 *
 * Entry protocol (granting side): fill frame and domid, then write flags
 * last (after a write barrier). To revoke, clear flags with a compare-and-
 * swap that fails while GTF_reading/GTF_writing show the grant mapped.
 */
#ifndef SABLE_PUBLIC_GRANT_TABLE_H
#define SABLE_PUBLIC_GRANT_TABLE_H

#include "xen.h"

#define GNTTABOP_map_grant_ref      0
#define GNTTABOP_unmap_grant_ref    1
#define GNTTABOP_setup_table        2
#define GNTTABOP_dump_table         3
#define GNTTABOP_transfer           4
#define GNTTABOP_copy               5
#define GNTTABOP_query_size         6
#define GNTTABOP_unmap_and_replace  7
#define GNTTABOP_set_version        8   /* Sable: only version 1 */
#define GNTTABOP_get_status_frames  9   /* v2 only: -ENOSYS */
#define GNTTABOP_get_version        10
#define GNTTABOP_swap_grant_ref     11
#define GNTTABOP_cache_flush        12  /* Arm only */

/* Entries kept across reboots of a guest: the toolstack fills them. */
#define GNTTAB_NR_RESERVED_ENTRIES  8
#define GNTTAB_RESERVED_CONSOLE     0
#define GNTTAB_RESERVED_XENSTORE    1

/* grant_entry_v1.flags: type (bits 0-1) */
#define GTF_invalid                 (0U << 0)
#define GTF_permit_access           (1U << 0)   /* domid may map/copy frame */
#define GTF_accept_transfer         (2U << 0)   /* domid may give us a frame */
#define GTF_transitive              (3U << 0)   /* v2 only */
#define GTF_type_mask               (3U << 0)
/* ... with GTF_permit_access: */
#define _GTF_readonly               2
#define GTF_readonly                (1U << _GTF_readonly)   /* IN: no writes */
#define _GTF_reading                3
#define GTF_reading                 (1U << _GTF_reading)    /* OUT: mapped/in use */
#define _GTF_writing                4
#define GTF_writing                 (1U << _GTF_writing)    /* OUT: mapped writable */
#define _GTF_PWT                    5
#define GTF_PWT                     (1U << _GTF_PWT)        /* cache attributes */
#define _GTF_PCD                    6
#define GTF_PCD                     (1U << _GTF_PCD)        /* for the mapping */
#define _GTF_PAT                    7
#define GTF_PAT                     (1U << _GTF_PAT)
#define _GTF_sub_page               8
#define GTF_sub_page                (1U << _GTF_sub_page)   /* v2 only */
/* ... with GTF_accept_transfer: */
#define _GTF_transfer_committed     2
#define GTF_transfer_committed      (1U << _GTF_transfer_committed)
#define _GTF_transfer_completed     3
#define GTF_transfer_completed      (1U << _GTF_transfer_completed)

/* gnttab_map_grant_ref.flags */
#define _GNTMAP_device_map          0
#define GNTMAP_device_map           (1 << _GNTMAP_device_map)   /* for DMA */
#define _GNTMAP_host_map            1
#define GNTMAP_host_map             (1 << _GNTMAP_host_map)     /* for the CPU */
#define _GNTMAP_readonly            2
#define GNTMAP_readonly             (1 << _GNTMAP_readonly)
#define _GNTMAP_application_map     3
#define GNTMAP_application_map      (1 << _GNTMAP_application_map) /* user-visible */
#define _GNTMAP_contains_pte        4
#define GNTMAP_contains_pte         (1 << _GNTMAP_contains_pte) /* host_addr is a PTE's maddr */
#define _GNTMAP_guest_avail0        16
#define GNTMAP_guest_avail_mask     (0xffffffffU << _GNTMAP_guest_avail0)

/* gnttab_copy.flags: which side is named by grant reference. */
#define _GNTCOPY_source_gref        0
#define GNTCOPY_source_gref         (1 << _GNTCOPY_source_gref)
#define _GNTCOPY_dest_gref          1
#define GNTCOPY_dest_gref           (1 << _GNTCOPY_dest_gref)

/* Per-operation status (the int16_t status fields). */
#define GNTST_okay                  0
#define GNTST_general_error         (-1)
#define GNTST_bad_domain            (-2)
#define GNTST_bad_gntref            (-3)
#define GNTST_bad_handle            (-4)
#define GNTST_bad_virt_addr         (-5)
#define GNTST_bad_dev_addr          (-6)
#define GNTST_no_device_space       (-7)
#define GNTST_permission_denied     (-8)
#define GNTST_bad_page              (-9)
#define GNTST_bad_copy_arg          (-10)   /* copy crosses a page */
#define GNTST_address_too_big       (-11)
#define GNTST_eagain                (-12)
#define GNTST_no_space              (-13)

#ifndef __ASSEMBLER__

typedef uint32_t grant_ref_t;       /* index into a domain's grant table */
typedef uint32_t grant_handle_t;    /* names one mapping, for unmapping */

/* One grant, written by the granting domain: 512 per 4 KiB frame. */
struct grant_entry_v1 {
    uint16_t flags;             /* GTF_*; type and readonly from the granter,
                                 * reading/writing from the hypervisor */
    domid_t  domid;             /* who is granted access */
    uint32_t frame;             /* the granted frame (gfn) */
};
SABLE_ABI_CHECK(grant_entry_v1_size, sizeof(struct grant_entry_v1) == 8);

/* Map a granted frame: at a virtual address (PV) or guest-physical one (HVM). */
struct gnttab_map_grant_ref {
    uint64_t host_addr;         /* IN: where to map (see GNTMAP_contains_pte) */
    uint32_t flags;             /* IN: GNTMAP_* */
    grant_ref_t ref;            /* IN */
    domid_t  dom;               /* IN: the granting domain */
    int16_t  status;            /* OUT: GNTST_* */
    grant_handle_t handle;      /* OUT */
    uint64_t dev_bus_addr;      /* OUT: for GNTMAP_device_map */
};
SABLE_ABI_CHECK(gnttab_map_grant_ref_size, sizeof(struct gnttab_map_grant_ref) == 32);
SABLE_ABI_CHECK(gnttab_map_grant_ref_handle, offsetof(struct gnttab_map_grant_ref, handle) == 20);

/* Undo a map. */
struct gnttab_unmap_grant_ref {
    uint64_t host_addr;         /* IN: as mapped, or 0 */
    uint64_t dev_bus_addr;      /* IN: as mapped, or 0 */
    grant_handle_t handle;      /* IN */
    int16_t  status;            /* OUT: GNTST_* */
    uint16_t _pad0;
};
SABLE_ABI_CHECK(gnttab_unmap_grant_ref_size, sizeof(struct gnttab_unmap_grant_ref) == 24);

/* Size the caller's own table and learn its frames (PV: mfns to map). */
struct gnttab_setup_table {
    domid_t  dom;               /* IN: DOMID_SELF */
    uint16_t _pad0;
    uint32_t nr_frames;         /* IN: frames wanted */
    int16_t  status;            /* OUT: GNTST_* */
    uint16_t _pad1[3];
    GUEST_HANDLE(xen_pfn_t) frame_list;     /* OUT: nr_frames entries */
};
SABLE_ABI_CHECK(gnttab_setup_table_size, sizeof(struct gnttab_setup_table) == 24);
SABLE_ABI_CHECK(gnttab_setup_table_list, offsetof(struct gnttab_setup_table, frame_list) == 16);

/* Print a domain's grant table on the hypervisor console (debug). */
struct gnttab_dump_table {
    domid_t dom;                /* IN */
    int16_t status;             /* OUT */
};

/* Give a page to a domain that offered a GTF_accept_transfer grant. */
struct gnttab_transfer {
    xen_pfn_t mfn;              /* IN: the page given away */
    domid_t  domid;             /* IN: receiver */
    uint16_t _pad0;
    grant_ref_t ref;            /* IN: receiver's accept_transfer grant */
    int16_t  status;            /* OUT */
    uint16_t _pad1[3];
};
SABLE_ABI_CHECK(gnttab_transfer_size, sizeof(struct gnttab_transfer) == 24);

/* One end of a copy: a grant of some domain, or a frame of the caller. */
struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;        /* with GNTCOPY_*_gref */
        xen_pfn_t   gmfn;       /* otherwise: caller's own frame */
    } u;
    domid_t  domid;
    uint16_t offset;            /* byte offset in the page */
    uint32_t _pad0;
};
SABLE_ABI_CHECK(gnttab_copy_ptr_size, sizeof(struct gnttab_copy_ptr) == 16);

/* Copy bytes between pages without mapping them (netback's main tool). */
struct gnttab_copy {
    struct gnttab_copy_ptr source;  /* IN */
    struct gnttab_copy_ptr dest;    /* IN */
    uint16_t len;               /* IN: bytes; may not cross a page on either side */
    uint16_t flags;             /* IN: GNTCOPY_* */
    int16_t  status;            /* OUT: GNTST_* */
    uint16_t _pad0;
};
SABLE_ABI_CHECK(gnttab_copy_size, sizeof(struct gnttab_copy) == 40);
SABLE_ABI_CHECK(gnttab_copy_len, offsetof(struct gnttab_copy, len) == 32);

/* Current and maximum size of a domain's table. */
struct gnttab_query_size {
    domid_t  dom;               /* IN */
    uint16_t _pad0;
    uint32_t nr_frames;         /* OUT */
    uint32_t max_nr_frames;     /* OUT */
    int16_t  status;            /* OUT */
    uint16_t _pad1;
};
SABLE_ABI_CHECK(gnttab_query_size_size, sizeof(struct gnttab_query_size) == 16);

/* PV: unmap a grant and put another mapping at the same place atomically. */
struct gnttab_unmap_and_replace {
    uint64_t host_addr;         /* IN */
    uint64_t new_addr;          /* IN */
    grant_handle_t handle;      /* IN */
    int16_t  status;            /* OUT */
    uint16_t _pad0;
};
SABLE_ABI_CHECK(gnttab_unmap_and_replace_size, sizeof(struct gnttab_unmap_and_replace) == 24);

/* Choose the entry format; Sable accepts only 1. */
struct gnttab_set_version {
    uint32_t version;           /* IN/OUT */
};

/* The entry format a domain uses. */
struct gnttab_get_version {
    domid_t  dom;               /* IN */
    uint16_t pad;
    uint32_t version;           /* OUT */
};
SABLE_ABI_CHECK(gnttab_get_version_size, sizeof(struct gnttab_get_version) == 8);

/* Exchange two of the caller's grant entries. */
struct gnttab_swap_grant_ref {
    grant_ref_t ref_a;          /* IN */
    grant_ref_t ref_b;          /* IN */
    int16_t  status;            /* OUT */
    uint16_t _pad0;
};
SABLE_ABI_CHECK(gnttab_swap_grant_ref_size, sizeof(struct gnttab_swap_grant_ref) == 12);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_GRANT_TABLE_H */
