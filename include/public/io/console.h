/*
 * PV console ring: one shared page per console, two byte rings. The guest
 * (hvc_xen in Linux) writes "out" and reads "in"; the console back end
 * does the opposite. Each side signals the console event channel after
 * moving its producer index. Indexes run freely; reduce them with
 * MASK_XENCONS_IDX before addressing a byte.
 */
#ifndef SABLE_PUBLIC_IO_CONSOLE_H
#define SABLE_PUBLIC_IO_CONSOLE_H

#include "../abi.h"

#define XENCONS_IN_SIZE         1024
#define XENCONS_OUT_SIZE        2048

/* xencons_interface.connection */
#define XENCONSOLE_CONNECTED    0
#define XENCONSOLE_DISCONNECTED 1

#ifndef __ASSEMBLER__

typedef uint32_t XENCONS_RING_IDX;

/* Index into a ring given as the array itself (its size is a power of two). */
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

/* The console page (the rest of the 4 KiB page is unused). */
struct xencons_interface {
    char in[XENCONS_IN_SIZE];       /* back end -> guest */
    char out[XENCONS_OUT_SIZE];     /* guest -> back end */
    XENCONS_RING_IDX in_cons;       /* guest consumes */
    XENCONS_RING_IDX in_prod;       /* back end produces */
    XENCONS_RING_IDX out_cons;      /* back end consumes */
    XENCONS_RING_IDX out_prod;      /* guest produces */
    uint8_t connection;             /* XENCONSOLE_*; back end writes */
    uint8_t _pad0[3];
};
SABLE_ABI_CHECK(xencons_interface_in_cons, offsetof(struct xencons_interface, in_cons) == 3072);
SABLE_ABI_CHECK(xencons_interface_connection,
                offsetof(struct xencons_interface, connection) == 3088);
SABLE_ABI_CHECK(xencons_interface_size, sizeof(struct xencons_interface) == 3092);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_IO_CONSOLE_H */
