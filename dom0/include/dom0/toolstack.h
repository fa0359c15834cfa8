/*
 * The toolstack's domain lifecycle commands in dom0's shell, after xl:
 *
 *   list                 id, name, memory, vCPUs, state, CPU time of every domain
 *   pause NAME           stop its vCPUs
 *   unpause NAME         let them run again
 *   shutdown NAME        ask it to power off (control/shutdown if it has the
 *                        PV control feature, else SCHEDOP_remote_shutdown)
 *   reboot NAME          the same, to reboot
 *   destroy NAME         kill it and clean up everything it had
 *
 * NAME is a domain's name (its XenStore /local/domain/N/name) or its id.
 * Portable: hypervisor calls go through dom0/xc.h, XenStore through the
 * shell's xs_client, so the host unit tests run it with a fake xc.
 */
#ifndef DOM0_TOOLSTACK_H
#define DOM0_TOOLSTACK_H

#include <dom0/shell.h>
#include <dom0/xc.h>

#define TOOLSTACK_LIST_MAX  64      /* domains one `list` shows */

extern const struct shell_command toolstack_commands[];
extern const unsigned int toolstack_ncommands;

/*
 * The domain NAME names: a name in XenStore, or a number. 0 and *dom, or
 * 1 after saying why not ("NAME: no such domain").
 */
int toolstack_resolve(struct shell *sh, const char *name, domid_t *dom);

/* The 6-letter state xl shows: r b p s c d, '-' where not set. */
void toolstack_state_letters(const struct xen_domctl_getdomaininfo *info, char out[7]);

#endif /* DOM0_TOOLSTACK_H */
