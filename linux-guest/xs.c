/*
 * A small XenStore client for the Linux guest's initramfs, built static as
 * /bin/xs. It speaks the XenStore wire protocol (include/public/io/xs_wire.h)
 * through Linux's /dev/xen/xenbus, which forwards each message to the
 * store over the domain's ring (xenbus), so it works exactly when Linux's
 * xenbus is connected.
 *
 *   xs read PATH          print the value
 *   xs write PATH VALUE   set it
 *   xs ls PATH            print the children, one a line
 *   xs rm PATH            remove it
 *
 * A relative PATH is relative to the domain's home (/local/domain/<id>).
 * Errors print "xs: <op> <path>: <XenStore error>" and exit 1; no
 * xenbus device (xenbus not up) exits 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../include/public/io/xs_wire.h"

#define DEVICE "/dev/xen/xenbus"

struct op {
    const char *name;
    uint32_t type;
    int args;           /* after the op: PATH, or PATH VALUE */
};

static const struct op ops[] = {
    { "read", XS_READ, 1 }, { "write", XS_WRITE, 2 }, { "ls", XS_DIRECTORY, 1 },
    { "rm", XS_RM, 1 },
};

static int usage(void)
{
    fprintf(stderr, "usage: xs read|ls|rm PATH | xs write PATH VALUE\n");
    return 1;
}

/* Send one request; read its reply into buf (NUL-terminated), *type its type. */
static long request(int fd, uint32_t type, const char *path, const char *value,
                    char *buf, size_t size, uint32_t *rtype)
{
    char msg[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    struct xsd_sockmsg h = { .type = type, .req_id = 1 };
    size_t plen = strlen(path) + 1, vlen = value ? strlen(value) : 0;
    ssize_t n;

    if (plen + vlen > XENSTORE_PAYLOAD_MAX)
        return -E2BIG;
    h.len = (uint32_t)(plen + vlen);
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), path, plen);
    if (value)
        memcpy(msg + sizeof(h) + plen, value, vlen);
    if (write(fd, msg, sizeof(h) + h.len) != (ssize_t)(sizeof(h) + h.len))
        return -errno;
    n = read(fd, msg, sizeof(msg));
    if (n < (ssize_t)sizeof(h))
        return n < 0 ? -errno : -EIO;
    memcpy(&h, msg, sizeof(h));
    if (h.len > (size_t)n - sizeof(h) || h.len >= size)
        return -EIO;
    memcpy(buf, msg + sizeof(h), h.len);
    buf[h.len] = 0;
    *rtype = h.type;
    return h.len;
}

int main(int argc, char **argv)
{
    static char reply[XENSTORE_PAYLOAD_MAX + 1];
    const struct op *op = NULL;
    uint32_t rtype = 0;
    long len;
    int fd;

    for (size_t i = 0; argc > 1 && i < sizeof(ops) / sizeof(ops[0]); i++)
        if (!strcmp(argv[1], ops[i].name))
            op = &ops[i];
    if (!op || argc != op->args + 2)
        return usage();
    fd = open(DEVICE, O_RDWR);
    if (fd < 0) {
        fprintf(stderr, "xs: %s: %s (is xenbus up?)\n", DEVICE, strerror(errno));
        return 2;
    }
    len = request(fd, op->type, argv[2], op->args == 2 ? argv[3] : NULL, reply, sizeof(reply),
                  &rtype);
    close(fd);
    if (len < 0) {
        fprintf(stderr, "xs: %s %s: %s\n", argv[1], argv[2], strerror((int)-len));
        return 1;
    }
    if (rtype == XS_ERROR) {
        fprintf(stderr, "xs: %s %s: %s\n", argv[1], argv[2], reply);
        return 1;
    }
    if (op->type == XS_READ)
        printf("%s\n", reply);
    else if (op->type == XS_DIRECTORY)
        for (long i = 0; i < len; i += (long)strlen(reply + i) + 1)
            printf("%s\n", reply + i);
    return 0;
}
