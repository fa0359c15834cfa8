/*
 * The XenStore nodes the toolstack gives every domain, as Xen's libxl does
 * (docs/misc/xenstore-paths.pandoc): /local/domain/<domid>/ with name,
 * domid, memory/{static-max,target}, cpu/<n>/availability, console/, device/, control/ and the
 * directories the guest may write (control/shutdown and the feature nodes,
 * data/, drivers/, feature/, attr/, error/). The home is owned by dom0
 * and readable by the domain; the writable nodes are owned by the domain.
 */
#ifndef DOM0_DOMAIN_PATHS_H
#define DOM0_DOMAIN_PATHS_H

#include <stdint.h>

#include <dom0/xs_client.h>

/* Write the tree in one transaction (retried on EAGAIN); 0 or the XenStore
 * error. A domU also gets cpu/<n>/availability = "online" for each of its
 * vcpus (dom0's own home has none, as on Xen). */
int domain_paths_create(struct xs_client *xs, uint16_t domid, const char *name,
                        uint64_t memory_kib, unsigned int vcpus);
/* Remove /local/domain/<domid> and everything below it. */
int domain_paths_remove(struct xs_client *xs, uint16_t domid);

#endif /* DOM0_DOMAIN_PATHS_H */
