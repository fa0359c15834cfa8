/*
 * dom0's shell: one command line at a time, output through a print hook.
 * Portable (its commands talk to XenStore through an xs_client), so the
 * host unit tests run it against a host-built xenstored; dom0/main.c feeds
 * it lines from the console and adds commands that need the hypervisor.
 */
#ifndef DOM0_SHELL_H
#define DOM0_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dom0/xs_client.h>

#define SHELL_LINE_MAX  512     /* characters in one command line */
#define SHELL_ARGS_MAX  8
#define SHELL_VALUE_SHOWN 120   /* characters of a value shown; more are "..." */
#define SHELL_TABLES_MAX 4      /* command tables besides the built-in one */

struct shell;

/*
 * argv[0] is the command; rest is the line after argv[rest_from] with
 * leading spaces removed (for values that contain spaces), "" if none.
 * Returns 0 on success, 1 when the command failed (after saying why).
 */
struct shell_command {
    const char *name;
    const char *usage;          /* arguments, for help */
    const char *help;           /* one line */
    int min_args, max_args;     /* not counting argv[0]; max -1: any (rest) */
    int (*run)(struct shell *sh, int argc, char **argv, const char *rest);
};

struct shell {
    struct xs_client *xs;
    void (*print)(void *priv, const char *text);
    void *priv;
    const struct shell_command *extra[SHELL_TABLES_MAX];  /* more commands */
    unsigned int nextra[SHELL_TABLES_MAX];
    unsigned int ntables;
    char out[256];                      /* one formatted line */
    char value[SHELL_VALUE_SHOWN * 4 + 16];     /* a value, quoted and escaped */
};

void shell_init(struct shell *sh, struct xs_client *xs,
                void (*print)(void *priv, const char *text), void *priv,
                const struct shell_command *extra, unsigned int nextra);
/* One more table of commands (the toolstack's); false if there are too many. */
bool shell_add_commands(struct shell *sh, const struct shell_command *table, unsigned int n);
/* Run one line; blank lines and '#' comments do nothing. 0 or 1 as above. */
int shell_exec(struct shell *sh, const char *line);
/* printf to the shell's output (lines longer than 255 are cut). */
void shell_printf(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The XenStore error name for a client result ("EIO" for a transport failure). */
const char *shell_xs_error(int rc);

#endif /* DOM0_SHELL_H */
