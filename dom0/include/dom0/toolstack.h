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
 *   create FILE          build and start a domain from a configuration file
 *                        among the boot files (docs/config.md)
 *   files                the boot files
 *   sched-params NAME [KEY=VALUE...]  its scheduling parameters, shown or set
 *
 * NAME is a domain's name (its XenStore /local/domain/N/name) or its id.
 * Portable: hypervisor calls go through dom0/xc.h, XenStore through the
 * shell's xs_client, so the host unit tests run it with a fake xc.
 */
#ifndef DOM0_TOOLSTACK_H
#define DOM0_TOOLSTACK_H

#include <dom0/config.h>
#include <dom0/pv_build.h>
#include <dom0/shell.h>
#include <dom0/xc.h>

#define TOOLSTACK_LIST_MAX  256     /* domains one `list` shows */
#define TOOLSTACK_DOMAINS   256     /* domains the toolstack made, at once */

extern const struct shell_command toolstack_commands[];
extern const unsigned int toolstack_ncommands;

/*
 * A domain the toolstack made (`create`): its configuration, kept to
 * restart it, and what its clean-up must undo.
 */
struct ts_domain {
    bool used;
    domid_t domid;
    struct domain_config cfg;
    char path[CONFIG_PATH_MAX + 1];     /* the configuration file */
    struct pv_build_result built;       /* store and console pages and ports */
    bool introduced;                    /* to xenstored */
    bool handled;                       /* its shutdown was acted on (or preserved) */
};

/*
 * Start the toolstack: the boot files (a newc cpio archive, dom0's
 * initrd; NULL if none) that `create` reads configurations and kernels
 * from.
 */
void toolstack_init(const uint8_t *boot_files, uint64_t len);
/*
 * After VIRQ_DOM_EXC: every domain the toolstack made that has shut down
 * gets its on_poweroff / on_reboot / on_crash action (destroy, restart,
 * preserve), once.
 */
void toolstack_dom_exc(struct shell *sh);
/* The toolstack's record of dom, or NULL if it did not make it. */
struct ts_domain *toolstack_domain(domid_t dom);
/* Domains the toolstack made and has not destroyed. */
unsigned int toolstack_domain_count(void);

/* dom0/toolstack/domains.c: the commands create, files, and destroy's clean-up. */
int toolstack_create(struct shell *sh, const char *path);
/* The domain the last successful create made (DOMID_INVALID before any). */
domid_t toolstack_last_created(void);
/* The same from a configuration's text (the host's `sable create FILE`); label names it. */
int toolstack_create_text(struct shell *sh, const char *label, const char *text, size_t len);
int toolstack_files(struct shell *sh);
/* Tear dom down with everything the toolstack made for it (any domain but 0). */
int toolstack_destroy(struct shell *sh, const char *name, domid_t dom);

/*
 * The domain NAME names: a name in XenStore, or a number. 0 and *dom, or
 * 1 after saying why not ("NAME: no such domain").
 */
int toolstack_resolve(struct shell *sh, const char *name, domid_t *dom);

/* Say "what name: <the error in words> (rc)" for a hypervisor error; 1. */
int toolstack_fail(struct shell *sh, const char *what, const char *name, int rc);

/* The 6-letter state xl shows: r b p s c d, '-' where not set. */
void toolstack_state_letters(const struct xen_domctl_getdomaininfo *info, char out[7]);

#endif /* DOM0_TOOLSTACK_H */
