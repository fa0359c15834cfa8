/*
 * Node names as clients send them, made canonical (Xen's canonicalize and
 * is_valid_nodename): an absolute path "/a/b", or one relative to the
 * client's home "/local/domain/<domid>", or (watches only) a special name
 * "@introduceDomain" / "@releaseDomain". Allowed characters are letters,
 * digits and "-/_@"; no "//", no trailing "/" but for the root; at most
 * XENSTORE_ABS_PATH_MAX bytes. For unprivileged domains, also at most
 * XENSTORE_REL_PATH_MAX bytes below "/local/domain/<domid>/" (or in all,
 * elsewhere): Xen's path-max quota, which dom0 is exempt from. Anything
 * else is EINVAL.
 */
#include "xs_internal.h"

#include <dom0/strparse.h>

static bool path_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '/' || ch == '_' || ch == '@';
}

bool path_is_special(const char *path)
{
    return path[0] == '@';
}

/* Length of a "/local/domain/<domid>/" prefix of path, or 0. */
static size_t domain_prefix_len(const char *path)
{
    static const char prefix[] = "/local/domain/";
    size_t n = sizeof(prefix) - 1, digits = 0;
    uint64_t domid;

    if (strncmp(path, prefix, n))
        return 0;
    while (path[n + digits] >= '0' && path[n + digits] <= '9')
        digits++;
    if (!digits || digits > 5 || path[n + digits] != '/' ||
        !parse_decimal_n(path + n, digits, UINT16_MAX, &domid))
        return 0;
    return n + digits + 1;
}

static bool path_shape_ok(const struct xs_conn *c, const char *path)
{
    size_t len = strlen(path);

    if (len > 1 && path[len - 1] == '/')
        return false;
    for (size_t i = 0; i + 1 < len; i++)
        if (path[i] == '/' && path[i + 1] == '/')
            return false;
    if (len > XENSTORE_ABS_PATH_MAX)
        return false;
    return c->privileged || len - domain_prefix_len(path) <= XENSTORE_REL_PATH_MAX;
}

int path_canonical(const struct xs_conn *c, const char *name, bool allow_special,
                   char **out, bool *relative)
{
    size_t len = strnlen(name, XENSTORE_PAYLOAD_MAX + 1);
    bool rel;
    char *p;

    if (len == 0 || len > XENSTORE_ABS_PATH_MAX)
        return XEN_EINVAL;
    for (size_t i = 0; i < len; i++)
        if (!path_char_ok(name[i]))
            return XEN_EINVAL;
    if (name[0] == '@' && !allow_special)
        return XEN_EINVAL;
    rel = name[0] != '/' && name[0] != '@';
    p = malloc(strlen(c->home) + 1 + len + 1);
    if (!p)
        return XEN_ENOMEM;
    if (rel)
        snprintf(p, strlen(c->home) + 1 + len + 1, "%s/%s", c->home, name);
    else
        memcpy(p, name, len + 1);
    if (!path_shape_ok(c, p)) {
        free(p);
        return XEN_EINVAL;
    }
    *out = p;
    if (relative)
        *relative = rel;
    return 0;
}
