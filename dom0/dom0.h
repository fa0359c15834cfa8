/*
 * What the files of the dom0 kernel (not its portable parts) share.
 */
#ifndef DOM0_DOM0_H
#define DOM0_DOM0_H

#include <dom0/arena.h>
#include <guest/lib.h>
#include <dom0/xenstored.h>

/* dom0/lib/libc.c: the arena behind malloc. */
extern struct arena dom0_heap;

/* dom0/console.c */
/* Take console input from now on (VIRQ_CONSOLE, and a poll timer). */
void console_input_init(void);
/*
 * The next line typed on the console, without its end of line, at most
 * size - 1 characters (the rest of a longer line is dropped). Runs idle()
 * whenever there is nothing to read, and sleeps between.
 */
void console_readline(char *buf, size_t size, void (*idle)(void));
/* Up to n bytes typed on the console, as they come (0: none yet). */
size_t console_read(char *buf, size_t n);
/*
 * Block until an event (input, a guest, a timer) or CONSOLE_POLL_MS; not at
 * all (once) if dom0_more_work says the idle work was cut short.
 */
void sleep_a_little(void);
extern bool dom0_more_work;

/* dom0/xs_ops.c: how xenstored maps other domains' rings and binds their ports. */
struct xs_server_ops;
extern const struct xs_server_ops dom0_xs_ops;

/* dom0/mgmt.c: the host management channel on COM2 (docs/dom0.md). */
struct shell;
void mgmt_init(const struct shell *console_sh);
void mgmt_poll(void);
extern bool mgmt_running;

#endif /* DOM0_DOM0_H */
