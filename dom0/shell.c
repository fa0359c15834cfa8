/*
 * dom0's shell (dom0/include/dom0/shell.h): tokenising, the command table,
 * and the XenStore commands, which behave like Xen's xenstore-* tools:
 *
 *   xenstore-ls [PATH]         the tree below PATH, one "name = value" line
 *                              per node, indented one space per level
 *   xenstore-list PATH         the children's names
 *   xenstore-read PATH         the value
 *   xenstore-write PATH VALUE  VALUE is the rest of the line, less
 *                              trailing blanks (quotes around it all keep
 *                              them, and are dropped)
 *   xenstore-mkdir PATH, xenstore-rm PATH
 *
 * Errors name the path and XenStore's error ("xenstore-read /a//b: EINVAL").
 */
#include <dom0/libc.h>
#include <dom0/shell.h>
#include "public/io/xs_wire.h"

#define LS_DEPTH_MAX    32      /* dom0's stack is 16 KiB */

void shell_printf(struct shell *sh, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(sh->out, sizeof(sh->out), fmt, ap);
    va_end(ap);
    sh->print(sh->priv, sh->out);
}

const char *shell_xs_error(int rc)
{
    return rc == XS_CLIENT_EIO ? "EIO (no answer from xenstored)" : xs_error_name(rc);
}

static int xs_fail(struct shell *sh, const char *cmd, const char *path, int rc)
{
    shell_printf(sh, "%s %s: %s\n", cmd, path, shell_xs_error(rc));
    return 1;
}

/* A value as xenstore-ls shows it: quoted, escaped, cut after SHELL_VALUE_SHOWN. */
static void value_quote(const char *v, uint32_t len, char *buf, size_t size)
{
    size_t o = 0;

    buf[o++] = '"';
    for (uint32_t i = 0; i < len && o + 8 < size; i++) {
        unsigned char c = (unsigned char)v[i];

        if (i == SHELL_VALUE_SHOWN) {
            o += (size_t)snprintf(buf + o, size - o, "...");
            break;
        }
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(buf + o, size - o, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

/* The children of path, copied out of the client's reply buffer (which the next request reuses). */
static int children(struct shell *sh, const char *path, char **kids, uint32_t *len)
{
    const char *names;
    int rc = xs_directory(sh->xs, 0, path, &names, len);

    if (rc)
        return rc;
    *kids = malloc(*len ? *len : 1);
    if (!*kids)
        return XEN_ENOMEM;
    memcpy(*kids, names, *len);
    return 0;
}

/*
 * One node, then depth first what is below it; path has room for
 * XENSTORE_ABS_PATH_MAX. A node that vanished or may not be read is noted
 * and skipped. 1 when the store stopped answering.
 */
static int ls_node(struct shell *sh, char *path, const char *name, int depth)
{
    size_t plen = strlen(path);
    const char *v;
    uint32_t len;
    char *kids;
    int rc = xs_read(sh->xs, 0, path, &v, &len);

    if (rc) {
        shell_printf(sh, "%*s%s: %s\n", depth, "", name, shell_xs_error(rc));
        return rc == XS_CLIENT_EIO;
    }
    value_quote(v, len, sh->value, sizeof(sh->value));
    shell_printf(sh, "%*s%s = %s\n", depth, "", name, sh->value);
    if (depth == LS_DEPTH_MAX) {
        shell_printf(sh, "%*s(deeper nodes not shown)\n", depth + 1, "");
        return 0;
    }
    rc = children(sh, path, &kids, &len);
    if (rc)
        return rc == XS_CLIENT_EIO || rc == XEN_ENOMEM;
    rc = 0;
    for (uint32_t off = 0; off < len && !rc; off += (uint32_t)strlen(kids + off) + 1) {
        if (plen + 1 + strlen(kids + off) > XENSTORE_ABS_PATH_MAX)
            continue;
        snprintf(path + plen, XENSTORE_ABS_PATH_MAX + 1 - plen, "%s%s", plen > 1 ? "/" : "",
                 kids + off);
        rc = ls_node(sh, path, kids + off, depth + 1);
        path[plen] = '\0';
    }
    free(kids);
    return rc;
}

/* Like Xen's xenstore-ls: the nodes below PATH, not PATH itself. */
static int cmd_ls(struct shell *sh, int argc, char **argv, const char *rest)
{
    const char *top = argc > 1 ? argv[1] : "/";
    char *path = NULL, *kids = NULL;
    uint32_t len;
    int rc = children(sh, top, &kids, &len);

    if (rc)
        return xs_fail(sh, "xenstore-ls", top, rc);
    path = malloc(XENSTORE_ABS_PATH_MAX + 1);
    if (!path)
        rc = 1;
    for (uint32_t off = 0; off < len && !rc; off += (uint32_t)strlen(kids + off) + 1) {
        if (strlen(top) + 1 + strlen(kids + off) > XENSTORE_ABS_PATH_MAX)
            continue;
        snprintf(path, XENSTORE_ABS_PATH_MAX + 1, "%s%s%s", top, strcmp(top, "/") ? "/" : "",
                 kids + off);
        rc = ls_node(sh, path, kids + off, 0);
    }
    free(kids);
    free(path);
    return rc ? 1 : 0;
}

static int cmd_list(struct shell *sh, int argc, char **argv, const char *rest)
{
    const char *names;
    uint32_t len;
    int rc = xs_directory(sh->xs, 0, argv[1], &names, &len);

    if (rc)
        return xs_fail(sh, argv[0], argv[1], rc);
    for (uint32_t off = 0; off < len; off += (uint32_t)strlen(names + off) + 1)
        shell_printf(sh, "%s\n", names + off);
    return 0;
}

static int cmd_read(struct shell *sh, int argc, char **argv, const char *rest)
{
    char *shown = sh->value;
    const char *v;
    uint32_t len;
    int rc = xs_read(sh->xs, 0, argv[1], &v, &len);

    if (rc)
        return xs_fail(sh, argv[0], argv[1], rc);
    value_quote(v, len, shown, sizeof(sh->value));
    shown[strlen(shown) - 1] = '\0';    /* without the quotes */
    shell_printf(sh, "%s\n", shown + 1);
    return 0;
}

static int cmd_write(struct shell *sh, int argc, char **argv, const char *rest)
{
    size_t len = strlen(rest);
    int rc;

    while (len && (rest[len - 1] == ' ' || rest[len - 1] == '\t'))
        len--;                          /* keep them by quoting the value */
    if (len >= 2 && rest[0] == '"' && rest[len - 1] == '"') {
        rest++;
        len -= 2;
    }
    rc = xs_write(sh->xs, 0, argv[1], rest, (uint32_t)len);
    return rc ? xs_fail(sh, argv[0], argv[1], rc) : 0;
}

static int cmd_mkdir(struct shell *sh, int argc, char **argv, const char *rest)
{
    int rc = xs_mkdir(sh->xs, 0, argv[1]);

    return rc ? xs_fail(sh, argv[0], argv[1], rc) : 0;
}

static int cmd_rm(struct shell *sh, int argc, char **argv, const char *rest)
{
    int rc = xs_rm(sh->xs, 0, argv[1]);

    return rc ? xs_fail(sh, argv[0], argv[1], rc) : 0;
}

static int cmd_help(struct shell *sh, int argc, char **argv, const char *rest);

static const struct shell_command commands[] = {
    { "help", "", "this list", 0, 0, cmd_help },
    { "xenstore-ls", "[PATH]", "show the store below PATH (default /)", 0, 1, cmd_ls },
    { "xenstore-list", "PATH", "names of PATH's children", 1, 1, cmd_list },
    { "xenstore-read", "PATH", "the value of PATH", 1, 1, cmd_read },
    { "xenstore-write", "PATH VALUE", "set PATH to VALUE (the rest of the line)", 1, -1,
      cmd_write },
    { "xenstore-mkdir", "PATH", "create PATH (empty) unless it exists", 1, 1, cmd_mkdir },
    { "xenstore-rm", "PATH", "remove PATH and everything below it", 1, 1, cmd_rm },
};

static void help_table(struct shell *sh, const struct shell_command *t, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        char head[48];

        snprintf(head, sizeof(head), "%s %s", t[i].name, t[i].usage);
        shell_printf(sh, "  %-28s %s\n", head, t[i].help);
    }
}

static int cmd_help(struct shell *sh, int argc, char **argv, const char *rest)
{
    shell_printf(sh, "commands:\n");
    help_table(sh, commands, ARRAY_SIZE(commands));
    for (unsigned int t = 0; t < sh->ntables; t++)
        help_table(sh, sh->extra[t], sh->nextra[t]);
    return 0;
}

void shell_init(struct shell *sh, struct xs_client *xs,
                void (*print)(void *priv, const char *text), void *priv,
                const struct shell_command *extra, unsigned int nextra)
{
    memset(sh, 0, sizeof(*sh));
    sh->xs = xs;
    sh->print = print;
    sh->priv = priv;
    shell_add_commands(sh, extra, nextra);
}

bool shell_add_commands(struct shell *sh, const struct shell_command *table, unsigned int n)
{
    if (sh->ntables == SHELL_TABLES_MAX)
        return false;
    sh->extra[sh->ntables] = table;
    sh->nextra[sh->ntables++] = n;
    return true;
}

static const struct shell_command *find(const struct shell *sh, const char *name)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(commands); i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    for (unsigned int t = 0; t < sh->ntables; t++)
        for (unsigned int i = 0; i < sh->nextra[t]; i++)
            if (!strcmp(sh->extra[t][i].name, name))
                return &sh->extra[t][i];
    return NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

int shell_exec(struct shell *sh, const char *line)
{
    char buf[SHELL_LINE_MAX + 1], *argv[SHELL_ARGS_MAX + 1];
    const char *rest = "";
    const struct shell_command *cmd;
    size_t len = strnlen(line, SHELL_LINE_MAX + 1);
    int argc = 0;
    char *p = buf;

    if (len > SHELL_LINE_MAX) {
        shell_printf(sh, "line too long (at most %d characters)\n", SHELL_LINE_MAX);
        return 1;
    }
    memcpy(buf, line, len + 1);
    while (is_space(*p))
        p++;
    if (!*p || *p == '#')
        return 0;
    /* The command, then its arguments; the part after the first is kept whole too. */
    while (*p && argc < SHELL_ARGS_MAX) {
        argv[argc++] = p;
        while (*p && !is_space(*p))
            p++;
        if (*p)
            *p++ = '\0';
        while (is_space(*p))
            p++;
        if (argc == 2)
            rest = line + (p - buf);
    }
    argv[argc] = NULL;
    cmd = find(sh, argv[0]);
    if (!cmd) {
        shell_printf(sh, "%s: unknown command (try 'help')\n", argv[0]);
        return 1;
    }
    if (argc - 1 < cmd->min_args || (cmd->max_args >= 0 && argc - 1 > cmd->max_args) ||
        (*p && cmd->max_args >= 0)) {
        shell_printf(sh, "usage: %s %s\n", cmd->name, cmd->usage);
        return 1;
    }
    return cmd->run(sh, argc, argv, rest);
}
