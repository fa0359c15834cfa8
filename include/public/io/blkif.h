/*
 * Block device protocol (xen-blkfront / blkback). The front end puts
 * requests on a shared ring (see ring.h); each names up to 11 segments,
 * a segment being a granted page and the sectors of it to transfer. Data
 * moves by grant map or grant copy, never through the ring. The back end
 * answers each request with a response carrying the same id.
 *
 * Sectors are always 512 bytes here, whatever the disk's sector size.
 * Negotiation (ring-ref, event-channel, feature-* keys) runs over XenStore;
 * see docs/abi.md.
 */
#ifndef SABLE_PUBLIC_IO_BLKIF_H
#define SABLE_PUBLIC_IO_BLKIF_H

#include "ring.h"
#include "../grant_table.h"

/* blkif_request.operation */
#define BLKIF_OP_READ               0
#define BLKIF_OP_WRITE              1
#define BLKIF_OP_WRITE_BARRIER      2   /* write, ordered after all earlier ones */
#define BLKIF_OP_FLUSH_DISKCACHE    3   /* make completed writes durable */
#define BLKIF_OP_RESERVED_1         4
#define BLKIF_OP_DISCARD            5   /* struct blkif_request_discard */
#define BLKIF_OP_INDIRECT           6   /* struct blkif_request_indirect */

#define BLKIF_MAX_SEGMENTS_PER_REQUEST          11
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST    8
#define BLKIF_SECTOR_SIZE                       512

/* blkif_response.status */
#define BLKIF_RSP_EOPNOTSUPP        (-2)
#define BLKIF_RSP_ERROR             (-1)
#define BLKIF_RSP_OKAY              0

/* blkif_request_discard.flag */
#define BLKIF_DISCARD_SECURE        (1 << 0)

/* "info" key of the back end: VDISK_* bits */
#define VDISK_CDROM                 0x1
#define VDISK_REMOVABLE             0x2
#define VDISK_READONLY              0x4

#ifndef __ASSEMBLER__

typedef uint16_t blkif_vdev_t;
typedef uint64_t blkif_sector_t;

/*
 * One page of a transfer: sectors first_sect..last_sect (inclusive, 0..7)
 * of the granted page. Also the entry format of indirect pages.
 */
struct blkif_request_segment {
    grant_ref_t gref;           /* IN: the data page */
    uint8_t first_sect;         /* IN */
    uint8_t last_sect;          /* IN */
    uint16_t _pad0;
};
SABLE_ABI_CHECK(blkif_request_segment_size, sizeof(struct blkif_request_segment) == 8);

/* A read, write, barrier or flush. */
struct blkif_request {
    uint8_t  operation;         /* BLKIF_OP_* */
    uint8_t  nr_segments;       /* 1..11 (0 for a flush) */
    blkif_vdev_t handle;        /* only for read/write */
    uint32_t _pad0;
    uint64_t id;                /* echoed in the response */
    blkif_sector_t sector_number; /* first sector on the disk */
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};
SABLE_ABI_CHECK(blkif_request_size, sizeof(struct blkif_request) == 112);
SABLE_ABI_CHECK(blkif_request_id, offsetof(struct blkif_request, id) == 8);
SABLE_ABI_CHECK(blkif_request_seg, offsetof(struct blkif_request, seg) == 24);

/* Release a range of sectors (feature-discard). */
struct blkif_request_discard {
    uint8_t  operation;         /* BLKIF_OP_DISCARD */
    uint8_t  flag;              /* BLKIF_DISCARD_SECURE or 0 */
    blkif_vdev_t handle;
    uint32_t _pad0;
    uint64_t id;
    blkif_sector_t sector_number;
    uint64_t nr_sectors;
};
SABLE_ABI_CHECK(blkif_request_discard_size, sizeof(struct blkif_request_discard) == 32);

/*
 * A request whose segments live in granted pages (feature-max-indirect-
 * segments): each page holds 512 struct blkif_request_segment.
 */
struct blkif_request_indirect {
    uint8_t  operation;         /* BLKIF_OP_INDIRECT */
    uint8_t  indirect_op;       /* BLKIF_OP_READ or _WRITE */
    uint16_t nr_segments;
    uint32_t _pad0;
    uint64_t id;
    blkif_sector_t sector_number;
    blkif_vdev_t handle;
    uint16_t _pad1;
    grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    uint32_t _pad2;
};
SABLE_ABI_CHECK(blkif_request_indirect_size, sizeof(struct blkif_request_indirect) == 64);
SABLE_ABI_CHECK(blkif_request_indirect_grefs,
                offsetof(struct blkif_request_indirect, indirect_grefs) == 28);

/* The answer to one request. */
struct blkif_response {
    uint64_t id;                /* from the request */
    uint8_t  operation;         /* from the request */
    uint8_t  _pad0;
    int16_t  status;            /* BLKIF_RSP_* */
    uint32_t _pad1;
};
SABLE_ABI_CHECK(blkif_response_size, sizeof(struct blkif_response) == 16);
SABLE_ABI_CHECK(blkif_response_status, offsetof(struct blkif_response, status) == 10);

DEFINE_SABLE_RING(blkif, struct blkif_request, struct blkif_response);
SABLE_ABI_CHECK(blkif_ring_slots_per_page, SABLE_RING_SLOTS(4096, sizeof(union blkif_sring_entry)) == 32);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_IO_BLKIF_H */
