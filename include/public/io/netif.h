/*
 * Network device protocol (xen-netfront / netback). Two rings per queue:
 * on tx the front end hands packets to the back end (each slot a granted
 * page fragment), on rx it offers empty granted pages that the back end
 * fills (by grant copy) with incoming packets. A packet may span several
 * slots (NETTXF_more_data / NETRXF_more_data) and may be followed by
 * extra-info slots (GSO, multicast, hash) marked by *_extra_info.
 *
 * Negotiation (tx-ring-ref, rx-ring-ref, event-channel, feature-* keys)
 * runs over XenStore; see docs/abi.md.
 */
#ifndef SABLE_PUBLIC_IO_NETIF_H
#define SABLE_PUBLIC_IO_NETIF_H

#include "ring.h"
#include "../grant_table.h"

/* A back end must accept packets of at least this many tx slots. */
#define XEN_NETIF_NR_SLOTS_MIN      18
#define XEN_NETIF_MAX_TX_SIZE       0xFFFF

/* netif_tx_request.flags */
#define _NETTXF_csum_blank          0
#define NETTXF_csum_blank           (1U << _NETTXF_csum_blank)   /* checksum to fill */
#define _NETTXF_data_validated      1
#define NETTXF_data_validated       (1U << _NETTXF_data_validated)
#define _NETTXF_more_data           2
#define NETTXF_more_data            (1U << _NETTXF_more_data)    /* packet continues */
#define _NETTXF_extra_info          3
#define NETTXF_extra_info           (1U << _NETTXF_extra_info)   /* extra slot follows */

/* netif_rx_response.flags */
#define _NETRXF_data_validated      0
#define NETRXF_data_validated       (1U << _NETRXF_data_validated)
#define _NETRXF_csum_blank          1
#define NETRXF_csum_blank           (1U << _NETRXF_csum_blank)
#define _NETRXF_more_data           2
#define NETRXF_more_data            (1U << _NETRXF_more_data)
#define _NETRXF_extra_info          3
#define NETRXF_extra_info           (1U << _NETRXF_extra_info)
#define _NETRXF_gso_prefix          4
#define NETRXF_gso_prefix           (1U << _NETRXF_gso_prefix)

/* netif_extra_info.type */
#define XEN_NETIF_EXTRA_TYPE_NONE       0
#define XEN_NETIF_EXTRA_TYPE_GSO        1
#define XEN_NETIF_EXTRA_TYPE_MCAST_ADD  2
#define XEN_NETIF_EXTRA_TYPE_MCAST_DEL  3
#define XEN_NETIF_EXTRA_TYPE_HASH       4
#define XEN_NETIF_EXTRA_TYPE_MAX        5

/* netif_extra_info.flags */
#define _XEN_NETIF_EXTRA_FLAG_MORE      0
#define XEN_NETIF_EXTRA_FLAG_MORE       (1U << _XEN_NETIF_EXTRA_FLAG_MORE)

/* netif_extra_info.u.gso.type */
#define XEN_NETIF_GSO_TYPE_NONE         0
#define XEN_NETIF_GSO_TYPE_TCPV4        1
#define XEN_NETIF_GSO_TYPE_TCPV6        2

/* Response status (tx and rx) */
#define NETIF_RSP_DROPPED           (-2)
#define NETIF_RSP_ERROR             (-1)
#define NETIF_RSP_OKAY              0
#define NETIF_RSP_NULL              1   /* slot held extra info: no response */

#ifndef __ASSEMBLER__

/* One fragment of an outgoing packet. */
struct netif_tx_request {
    grant_ref_t gref;           /* page holding the fragment */
    uint16_t offset;            /* within the page */
    uint16_t flags;             /* NETTXF_* */
    uint16_t id;                /* echoed in the response */
    uint16_t size;              /* first slot: whole packet; others: fragment */
};
SABLE_ABI_CHECK(netif_tx_request_size, sizeof(struct netif_tx_request) == 12);

/* Extra information about a packet, in a slot of its own. */
struct netif_extra_info {
    uint8_t type;               /* XEN_NETIF_EXTRA_TYPE_* */
    uint8_t flags;              /* XEN_NETIF_EXTRA_FLAG_* */
    union {
        struct {
            uint16_t size;      /* MSS */
            uint8_t  type;      /* XEN_NETIF_GSO_TYPE_* */
            uint8_t  pad;
            uint16_t features;
        } gso;
        struct {
            uint8_t addr[6];    /* multicast MAC */
        } mcast;
        struct {
            uint8_t type;       /* hash type bit */
            uint8_t algorithm;
            uint8_t value[4];
        } hash;
        uint16_t pad[3];
    } u;
};
SABLE_ABI_CHECK(netif_extra_info_size, sizeof(struct netif_extra_info) == 8);

/* The back end's answer to one tx slot. */
struct netif_tx_response {
    uint16_t id;
    int16_t  status;            /* NETIF_RSP_* */
};
SABLE_ABI_CHECK(netif_tx_response_size, sizeof(struct netif_tx_response) == 4);

/* An empty page offered for an incoming packet. */
struct netif_rx_request {
    uint16_t id;                /* echoed in the response */
    uint16_t pad;
    grant_ref_t gref;
};
SABLE_ABI_CHECK(netif_rx_request_size, sizeof(struct netif_rx_request) == 8);

/* Where an incoming packet (or its next fragment) was written. */
struct netif_rx_response {
    uint16_t id;
    uint16_t offset;            /* data starts here in the page */
    uint16_t flags;             /* NETRXF_* */
    int16_t  status;            /* > 0: bytes; else NETIF_RSP_* */
};
SABLE_ABI_CHECK(netif_rx_response_size, sizeof(struct netif_rx_response) == 8);

DEFINE_SABLE_RING(netif_tx, struct netif_tx_request, struct netif_tx_response);
DEFINE_SABLE_RING(netif_rx, struct netif_rx_request, struct netif_rx_response);
SABLE_ABI_CHECK(netif_tx_ring_slots_per_page,
                SABLE_RING_SLOTS(4096, sizeof(union netif_tx_sring_entry)) == 256);
SABLE_ABI_CHECK(netif_rx_ring_slots_per_page,
                SABLE_RING_SLOTS(4096, sizeof(union netif_rx_sring_entry)) == 256);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_IO_NETIF_H */
