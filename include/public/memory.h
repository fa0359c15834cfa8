/*
 * memory_op(cmd, arg): a domain's memory. Grow and shrink the reservation
 * (the balloon driver), place special pages (shared_info, grant frames) in
 * the guest-physical map, and read the memory map.
 *
 * Terms: a gpfn/gfn is a guest-physical frame; an mfn a machine frame; a
 * gmfn is "whatever frame numbers this guest uses" (mfns for PV, gfns for
 * HVM/PVH). An extent is 2^extent_order contiguous frames.
 */
#ifndef SABLE_PUBLIC_MEMORY_H
#define SABLE_PUBLIC_MEMORY_H

#include "xen.h"

#define XENMEM_increase_reservation 0   /* struct xen_memory_reservation */
#define XENMEM_decrease_reservation 1   /* struct xen_memory_reservation */
#define XENMEM_maximum_ram_page     2   /* arg unused; returns highest mfn */
#define XENMEM_current_reservation  3   /* domid_t; returns pages */
#define XENMEM_maximum_reservation  4   /* domid_t; returns pages */
#define XENMEM_machphys_mfn_list    5   /* struct xen_machphys_mfn_list */
#define XENMEM_populate_physmap     6   /* struct xen_memory_reservation */
#define XENMEM_add_to_physmap       7   /* struct xen_add_to_physmap */
#define XENMEM_memory_map           9   /* struct xen_memory_map: own map */
#define XENMEM_machine_memory_map   10  /* struct xen_memory_map: host's */
#define XENMEM_exchange             11  /* struct xen_memory_exchange */
#define XENMEM_machphys_mapping     12  /* struct xen_machphys_mapping */
#define XENMEM_set_memory_map       13  /* struct xen_foreign_memory_map */
#define XENMEM_maximum_gpfn         14  /* domid_t; returns highest gpfn */
#define XENMEM_remove_from_physmap  15  /* struct xen_remove_from_physmap */
#define XENMEM_set_pod_target       16  /* struct xen_pod_target */
#define XENMEM_get_pod_target       17  /* struct xen_pod_target */
#define XENMEM_add_to_physmap_batch 23  /* struct xen_add_to_physmap_batch */
#define XENMEM_claim_pages          24  /* struct xen_memory_reservation */
#define XENMEM_machphys_compat_mfn_list 25
#define XENMEM_get_vnumainfo        26
#define XENMEM_reserved_device_memory_map 27
#define XENMEM_acquire_resource     28

/* xen_memory_reservation.mem_flags */
#define XENMEMF_address_bits(x)     (x)             /* frames below 2^x bytes */
#define XENMEMF_get_address_bits(x) ((x) & 0xffu)
#define XENMEMF_node(n)             (((n) + 1) << 8)  /* NUMA node n */
#define XENMEMF_get_node(x)         ((((x) >> 8) - 1) & 0xffu)
#define XENMEMF_populate_on_demand  (1 << 16)
#define XENMEMF_exact_node_request  (1 << 17)
#define XENMEMF_exact_node(n)       (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode               (1 << 18)

/* xen_add_to_physmap.space: what to map at the gpfn. */
#define XENMAPSPACE_shared_info     0   /* idx 0 */
#define XENMAPSPACE_grant_table     1   /* idx = grant frame (| IDX_status) */
#define XENMAPSPACE_gmfn            2   /* move gmfn idx */
#define XENMAPSPACE_gmfn_range      3   /* the same for size frames */
#define XENMAPSPACE_gmfn_foreign    4   /* batch only: another domain's frame */
#define XENMAPSPACE_dev_mmio        5   /* Arm only */

/* In idx with XENMAPSPACE_grant_table: map a status frame (grant v2). */
#define XENMAPIDX_grant_table_status 0x80000000U

/* Types in struct e820_entry, as the BIOS E820 call reports them. */
#define E820_TYPE_RAM               1
#define E820_TYPE_RESERVED          2
#define E820_TYPE_ACPI              3
#define E820_TYPE_NVS               4
#define E820_TYPE_UNUSABLE          5

#ifndef __ASSEMBLER__

/*
 * Grow, shrink or populate a domain's memory, extent by extent. On return
 * the hypercall gives the number of extents done; a short count means the
 * rest failed.
 */
struct xen_memory_reservation {
    /*
     * increase: OUT mfns of the new extents;
     * decrease: IN gmfns to release;
     * populate: IN gpfns to fill, OUT (PV) the gmfns used;
     * claim:    must be zero.
     */
    GUEST_HANDLE(xen_pfn_t) extent_start;
    xen_ulong_t nr_extents;     /* IN */
    uint32_t extent_order;      /* IN */
    uint32_t mem_flags;         /* IN: XENMEMF_* */
    domid_t  domid;             /* IN: DOMID_SELF unless privileged */
    uint16_t _pad0[3];
};
SABLE_ABI_CHECK(xen_memory_reservation_size, sizeof(struct xen_memory_reservation) == 32);
SABLE_ABI_CHECK(xen_memory_reservation_domid,
                offsetof(struct xen_memory_reservation, domid) == 24);

/* Swap extents for others (e.g. for ones below 4 GiB), all or nothing per extent. */
struct xen_memory_exchange {
    struct xen_memory_reservation in;   /* IN: extents to give up */
    struct xen_memory_reservation out;  /* IN/OUT: extents wanted / got */
    xen_ulong_t nr_exchanged;           /* OUT; caller must zero it */
};
SABLE_ABI_CHECK(xen_memory_exchange_size, sizeof(struct xen_memory_exchange) == 72);

/* Argument of the *_reservation and maximum_gpfn queries (Xen passes a
 * pointer to a bare domid_t; this names it). */
struct xen_memory_domain {
    domid_t domid;              /* IN */
};

/* Frames holding the machine-to-physical table, for mapping it (PV). */
struct xen_machphys_mfn_list {
    uint32_t max_extents;       /* IN: size of extent_start */
    uint32_t _pad0;
    GUEST_HANDLE(xen_pfn_t) extent_start;   /* OUT: one mfn per 2 MiB */
    uint32_t nr_extents;        /* OUT */
    uint32_t _pad1;
};
SABLE_ABI_CHECK(xen_machphys_mfn_list_size, sizeof(struct xen_machphys_mfn_list) == 24);

/* Where the read-only m2p table sits in PV address spaces. */
struct xen_machphys_mapping {
    xen_ulong_t v_start, v_end; /* OUT: virtual range */
    xen_ulong_t max_mfn;        /* OUT: last valid index */
};
SABLE_ABI_CHECK(xen_machphys_mapping_size, sizeof(struct xen_machphys_mapping) == 24);

/*
 * Place a hypervisor page (shared_info, a grant frame) or move a frame in
 * the guest-physical map: how HVM/PVH guests reach shared_info.
 */
struct xen_add_to_physmap {
    domid_t  domid;             /* IN */
    uint16_t size;              /* IN: frames, XENMAPSPACE_gmfn_range only */
    uint32_t space;             /* IN: XENMAPSPACE_* */
    xen_ulong_t idx;            /* IN: index within space */
    xen_pfn_t gpfn;             /* IN: where it appears */
};
SABLE_ABI_CHECK(xen_add_to_physmap_size, sizeof(struct xen_add_to_physmap) == 24);
SABLE_ABI_CHECK(xen_add_to_physmap_idx, offsetof(struct xen_add_to_physmap, idx) == 8);

/* The same for many frames in one call, with an error per frame. */
struct xen_add_to_physmap_batch {
    domid_t  domid;             /* IN */
    uint16_t space;             /* IN: XENMAPSPACE_* */
    uint16_t size;              /* IN: entries in the arrays */
    union {
        domid_t  foreign_domid; /* IN: XENMAPSPACE_gmfn_foreign */
        uint16_t res0;          /* IN: zero for other spaces */
    } u;
    GUEST_HANDLE(xen_ulong_t) idxs;     /* IN */
    GUEST_HANDLE(xen_pfn_t) gpfns;      /* IN */
    GUEST_HANDLE(int32_t) errs;         /* OUT: 0 or -errno per entry */
};
SABLE_ABI_CHECK(xen_add_to_physmap_batch_size, sizeof(struct xen_add_to_physmap_batch) == 32);

/* Take a page out of the guest-physical map again. */
struct xen_remove_from_physmap {
    domid_t  domid;             /* IN */
    uint16_t _pad0[3];
    xen_pfn_t gpfn;             /* IN */
};
SABLE_ABI_CHECK(xen_remove_from_physmap_size, sizeof(struct xen_remove_from_physmap) == 16);

/* A memory map as an array of struct e820_entry. */
struct xen_memory_map {
    uint32_t nr_entries;        /* IN: room in buffer; OUT: entries written */
    uint32_t _pad0;
    GUEST_HANDLE(struct e820_entry) buffer;     /* OUT */
};
SABLE_ABI_CHECK(xen_memory_map_size, sizeof(struct xen_memory_map) == 16);

/* Set another domain's memory map (toolstack). */
struct xen_foreign_memory_map {
    domid_t domid;              /* IN */
    uint16_t _pad0[3];
    struct xen_memory_map map;  /* IN */
};
SABLE_ABI_CHECK(xen_foreign_memory_map_size, sizeof(struct xen_foreign_memory_map) == 24);

/*
 * One BIOS E820 range: 20 bytes, packed, so arrays match what firmware and
 * Linux use. (hvm_start_info's memory map uses a padded 24-byte entry.)
 */
#if defined(__GNUC__)
#define SABLE_ABI_PACKED __attribute__((__packed__))
#else
#define SABLE_ABI_PACKED
#endif
struct e820_entry {
    uint64_t addr;              /* first byte */
    uint64_t size;              /* bytes */
    uint32_t type;              /* E820_TYPE_* */
} SABLE_ABI_PACKED;
SABLE_ABI_CHECK(e820_entry_size, sizeof(struct e820_entry) == 20);

/* Populate-on-demand target (toolstack). */
struct xen_pod_target {
    uint64_t target_pages;      /* IN */
    uint64_t tot_pages;         /* OUT */
    uint64_t pod_cache_pages;   /* OUT */
    uint64_t pod_entries;       /* OUT */
    domid_t  domid;             /* IN */
    uint16_t _pad0[3];
};
SABLE_ABI_CHECK(xen_pod_target_size, sizeof(struct xen_pod_target) == 40);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_MEMORY_H */
