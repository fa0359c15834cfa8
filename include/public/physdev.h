/*
 * physdev_op(cmd, arg): a domain's access to physical devices: I/O port
 * privilege for PV kernels and interrupt acknowledgement for domains that
 * drive hardware (dom0). Only the operations Sable uses or plans are here;
 * Xen has more (PCI management, MSI mapping).
 */
#ifndef SABLE_PUBLIC_PHYSDEV_H
#define SABLE_PUBLIC_PHYSDEV_H

#include "xen.h"

#define PHYSDEVOP_irq_status_query      5   /* struct physdev_irq_status_query */
#define PHYSDEVOP_set_iopl              6   /* struct physdev_set_iopl */
#define PHYSDEVOP_set_iobitmap          7   /* struct physdev_set_iobitmap */
#define PHYSDEVOP_eoi                   12  /* struct physdev_eoi */
#define PHYSDEVOP_map_pirq              13
#define PHYSDEVOP_unmap_pirq            14
#define PHYSDEVOP_pirq_eoi_gmfn_v1      17
#define PHYSDEVOP_setup_gsi             21
#define PHYSDEVOP_get_free_pirq         23
#define PHYSDEVOP_pirq_eoi_gmfn_v2      28

/* physdev_irq_status_query.flags */
#define _XENIRQSTAT_needs_eoi           0
#define XENIRQSTAT_needs_eoi            (1U << _XENIRQSTAT_needs_eoi)
#define _XENIRQSTAT_shared              1
#define XENIRQSTAT_shared               (1U << _XENIRQSTAT_shared)

#ifndef __ASSEMBLER__

/* Acknowledge a physical IRQ the domain has serviced. */
struct physdev_eoi {
    uint32_t irq;               /* IN: pirq */
};

/* Whether a physical IRQ needs PHYSDEVOP_eoi. */
struct physdev_irq_status_query {
    uint32_t irq;               /* IN */
    uint32_t flags;             /* OUT: XENIRQSTAT_* */
};
SABLE_ABI_CHECK(physdev_irq_status_query_size, sizeof(struct physdev_irq_status_query) == 8);

/*
 * Virtual IOPL of a PV kernel: the guest kernel runs in ring 3, so port
 * access from its "ring 0" is granted by the hypervisor, not by EFLAGS.IOPL.
 */
struct physdev_set_iopl {
    uint32_t iopl;              /* IN: 0..3 */
};

/* A PV guest's I/O permission bitmap (a clear bit allows the port). */
struct physdev_set_iobitmap {
    GUEST_HANDLE(uint8_t) bitmap;   /* IN */
    uint32_t nr_ports;          /* IN: ports covered by bitmap */
    uint32_t _pad0;
};
SABLE_ABI_CHECK(physdev_set_iobitmap_size, sizeof(struct physdev_set_iobitmap) == 16);

/* Register a page of "needs EOI" bits (one per pirq), replacing status queries. */
struct physdev_pirq_eoi_gmfn {
    xen_pfn_t gmfn;             /* IN */
};

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_PHYSDEV_H */
