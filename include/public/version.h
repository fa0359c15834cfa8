/*
 * xen_version(cmd, arg): who the hypervisor is and what it offers. Linux
 * asks for the version and the feature bits very early, and refuses to use
 * features it is not told about.
 *
 * Every command returns 0 on success, except XENVER_version (returns
 * major << 16 | minor), XENVER_pagesize (returns the page size) and the
 * *2 / build_id forms (return the length).
 */
#ifndef SABLE_PUBLIC_VERSION_H
#define SABLE_PUBLIC_VERSION_H

#include "xen.h"
#include "features.h"

#define XENVER_version              0   /* arg unused */
#define XENVER_extraversion         1   /* xen_extraversion_t */
#define XENVER_compile_info         2   /* struct xen_compile_info */
#define XENVER_capabilities         3   /* xen_capabilities_info_t */
#define XENVER_changeset            4   /* xen_changeset_info_t */
#define XENVER_platform_parameters  5   /* struct xen_platform_parameters */
#define XENVER_get_features         6   /* struct xen_feature_info */
#define XENVER_pagesize             7   /* arg unused */
#define XENVER_guest_handle         8   /* xen_domain_handle_t */
#define XENVER_commandline          9   /* xen_commandline_t */
#define XENVER_build_id             10  /* struct xen_varbuf */
#define XENVER_extraversion2        11  /* struct xen_varbuf */
#define XENVER_capabilities2        12  /* struct xen_varbuf */
#define XENVER_changeset2           13  /* struct xen_varbuf */
#define XENVER_commandline2         14  /* struct xen_varbuf */

#ifndef __ASSEMBLER__

/* Fixed-size strings, zero-terminated within their size (OUT). */
typedef char xen_extraversion_t[16];        /* e.g. ".0-sable" */
typedef char xen_capabilities_info_t[1024]; /* e.g. "xen-3.0-x86_64 hvm-3.0-x86_64" */
typedef char xen_changeset_info_t[64];
typedef char xen_commandline_t[1024];

/* How the hypervisor was built. */
struct xen_compile_info {
    char compiler[64];          /* OUT */
    char compile_by[16];        /* OUT */
    char compile_domain[32];    /* OUT */
    char compile_date[32];      /* OUT */
};
SABLE_ABI_CHECK(xen_compile_info_size, sizeof(struct xen_compile_info) == 144);

/* Where the hypervisor's reserved range starts in PV address spaces. */
struct xen_platform_parameters {
    xen_ulong_t virt_start;     /* OUT: HYPERVISOR_VIRT_START */
};

/* One 32-bit word of XENFEAT_* bits. */
struct xen_feature_info {
    uint32_t submap_idx;        /* IN: which word */
    uint32_t submap;            /* OUT: its bits */
};
SABLE_ABI_CHECK(xen_feature_info_size, sizeof(struct xen_feature_info) == 8);

/* Variable-length answer: len is the buffer size in, bytes written out. */
struct xen_varbuf {
    uint32_t len;               /* IN: size of buf */
    unsigned char buf[];        /* OUT */
};
SABLE_ABI_CHECK(xen_varbuf_buf, offsetof(struct xen_varbuf, buf) == 4);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_VERSION_H */
