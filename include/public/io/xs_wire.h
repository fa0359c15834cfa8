/*
 * XenStore wire protocol: the messages a domain exchanges with the
 * XenStore server over its shared ring page (or dom0 tools over a socket).
 *
 * A message is a struct xsd_sockmsg header followed by len bytes of
 * payload, usually zero-terminated strings. The server answers with the
 * same type and req_id, or with XS_ERROR whose payload is an error name
 * from SABLE_XS_ERRORS (e.g. "ENOENT"). Watches fire as XS_WATCH_EVENT
 * messages carrying the path and the token.
 */
#ifndef SABLE_PUBLIC_IO_XS_WIRE_H
#define SABLE_PUBLIC_IO_XS_WIRE_H

#include "../abi.h"
#include "../errno.h"

/* xsd_sockmsg.type */
#define XS_CONTROL              0   /* also XS_DEBUG */
#define XS_DEBUG                XS_CONTROL
#define XS_DIRECTORY            1
#define XS_READ                 2
#define XS_GET_PERMS            3
#define XS_WATCH                4
#define XS_UNWATCH              5
#define XS_TRANSACTION_START    6
#define XS_TRANSACTION_END      7
#define XS_INTRODUCE            8
#define XS_RELEASE              9
#define XS_GET_DOMAIN_PATH      10
#define XS_WRITE                11
#define XS_MKDIR                12
#define XS_RM                   13
#define XS_SET_PERMS            14
#define XS_WATCH_EVENT          15
#define XS_ERROR                16
#define XS_IS_DOMAIN_INTRODUCED 17
#define XS_RESUME               18
#define XS_SET_TARGET           19
/* 20 was XS_RESTRICT, removed */
#define XS_RESET_WATCHES        21
#define XS_DIRECTORY_PART       22
#define XS_GET_FEATURE          23
#define XS_SET_FEATURE          24
#define XS_GET_QUOTA            25
#define XS_SET_QUOTA            26
#define XS_TYPE_COUNT           27
#define XS_INVALID              0xffff  /* never a valid type */

/* Fields of an XS_WATCH_EVENT payload. */
#define XS_WATCH_PATH           0
#define XS_WATCH_TOKEN          1

/*
 * Error names sent in XS_ERROR payloads, with their numbers, in wire order
 * (new ones are only ever appended). X(number, "NAME").
 */
#define SABLE_XS_ERRORS(X)                                                   \
    X(XEN_EINVAL, "EINVAL") X(XEN_EACCES, "EACCES") X(XEN_EEXIST, "EEXIST")  \
    X(XEN_EISDIR, "EISDIR") X(XEN_ENOENT, "ENOENT") X(XEN_ENOMEM, "ENOMEM")  \
    X(XEN_ENOSPC, "ENOSPC") X(XEN_EIO, "EIO") X(XEN_ENOTEMPTY, "ENOTEMPTY")  \
    X(XEN_ENOSYS, "ENOSYS") X(XEN_EROFS, "EROFS") X(XEN_EBUSY, "EBUSY")      \
    X(XEN_EAGAIN, "EAGAIN") X(XEN_EISCONN, "EISCONN") X(XEN_E2BIG, "E2BIG")  \
    X(XEN_EPERM, "EPERM")

/* Limits: a payload larger than XENSTORE_PAYLOAD_MAX breaks the protocol;
 * paths longer than these only get an error. */
#define XENSTORE_PAYLOAD_MAX    4096
#define XENSTORE_ABS_PATH_MAX   3072
#define XENSTORE_REL_PATH_MAX   2048

/* The ring page a domain shares with the server. */
#define XENSTORE_RING_SIZE      1024

/* xenstore_domain_interface.server_features */
#define XENSTORE_SERVER_FEATURE_RECONNECTION    1
#define XENSTORE_SERVER_FEATURE_ERROR           2
#define XENSTORE_SERVER_FEATURE_WATCHDEPTH      4
#define XENSTORE_SERVER_FEATURE_DOMID_ANY       8

/* xenstore_domain_interface.connection */
#define XENSTORE_CONNECTED      0
#define XENSTORE_RECONNECT      1   /* guest asks the server to reset */

/* xenstore_domain_interface.error */
#define XENSTORE_ERROR_NONE     0
#define XENSTORE_ERROR_COMM     1
#define XENSTORE_ERROR_RINGIDX  2   /* an index moved impossibly */
#define XENSTORE_ERROR_PROTO    3   /* payload too long */

#ifndef __ASSEMBLER__

/* Header of every message; payload follows. */
struct xsd_sockmsg {
    uint32_t type;              /* XS_* */
    uint32_t req_id;            /* chosen by the client, echoed back */
    uint32_t tx_id;             /* transaction, or 0 */
    uint32_t len;               /* payload bytes */
};
SABLE_ABI_CHECK(xsd_sockmsg_size, sizeof(struct xsd_sockmsg) == 16);

typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx)  ((idx) & (XENSTORE_RING_SIZE - 1))

/* Two byte rings carrying the message stream each way. */
struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE];   /* guest -> server */
    char rsp[XENSTORE_RING_SIZE];   /* server -> guest: replies, watch events */
    XENSTORE_RING_IDX req_cons;     /* server consumes */
    XENSTORE_RING_IDX req_prod;     /* guest produces */
    XENSTORE_RING_IDX rsp_cons;     /* guest consumes */
    XENSTORE_RING_IDX rsp_prod;     /* server produces */
    uint32_t server_features;       /* XENSTORE_SERVER_FEATURE_*; server writes */
    uint32_t connection;            /* XENSTORE_CONNECTED / _RECONNECT */
    uint32_t error;                 /* XENSTORE_ERROR_*; server writes */
    uint32_t evtchn_port;           /* server's port, for reconnection */
};
SABLE_ABI_CHECK(xenstore_domain_interface_req_cons,
                offsetof(struct xenstore_domain_interface, req_cons) == 2048);
SABLE_ABI_CHECK(xenstore_domain_interface_size,
                sizeof(struct xenstore_domain_interface) == 2080);

/* One row of SABLE_XS_ERRORS, for the lookups below. */
struct xs_error {
    int number;
    const char *name;
};

#define SABLE_XS_ERROR_ROW(num, str) { num, str },

/* The wire name of an error number, "EINVAL" for ones without a name. */
static inline const char *xs_error_name(int xen_errno)
{
    static const struct xs_error table[] = { SABLE_XS_ERRORS(SABLE_XS_ERROR_ROW) };
    size_t i;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].number == xen_errno)
            return table[i].name;
    return "EINVAL";
}

/* The error number of a wire name, XEN_EINVAL for unknown names. */
static inline int xs_error_number(const char *name)
{
    static const struct xs_error table[] = { SABLE_XS_ERRORS(SABLE_XS_ERROR_ROW) };
    size_t i, k;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        for (k = 0; name[k] && name[k] == table[i].name[k]; k++)
            ;
        if (name[k] == table[i].name[k])
            return table[i].number;
    }
    return XEN_EINVAL;
}

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_IO_XS_WIRE_H */
