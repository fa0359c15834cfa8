/*
 * dom0's console back-end (Xen's xenconsoled): it serves the PV console
 * ring (include/public/io/console.h) of every domain the toolstack makes.
 * Output the guest writes is consumed into a log per domain (the last
 * CONSOLED_LOG bytes) and, while the shell is attached to that domain
 * (`console NAME`), handed to the attached printer; input typed while
 * attached goes into the guest's in[] ring.
 *
 * The ring page is shared with a hostile guest. Our indices (out_cons,
 * in_prod) are kept here and only ever written to the page; the guest's are
 * read once per use and checked: a producer more than a ring ahead, or a
 * consumer ahead of what we produced, is ignored (counted) and we resync,
 * as the hypervisor's own back-end does.
 *
 * Portable: hypervisor calls through dom0/xc.h.
 */
#ifndef DOM0_CONSOLED_H
#define DOM0_CONSOLED_H

#include <stddef.h>
#include <stdint.h>

#include <dom0/xc.h>

#define CONSOLED_LOG        8192    /* bytes of output kept per domain */
#define CONSOLED_DOMAINS    256
/* Who may attach at once: the serial console's shell, the host's channel. */
enum { CONSOLED_SERIAL, CONSOLED_HOST, CONSOLED_VIEWERS };

/*
 * Serve dom's ring in frame mfn with its unbound port remote_port: map the
 * frame, bind the port. 0, or the error (nothing kept).
 */
int consoled_attach(domid_t dom, xen_pfn_t mfn, uint32_t remote_port);
/* Stop serving dom's ring: unbind, unmap, forget its log. */
void consoled_detach(domid_t dom);
/* Consume every ring's output (call often: on events and in the idle loop). */
void consoled_poll(void);
/* Give dom len bytes of input: how many fit (the rest is dropped), or -1 if unknown. */
long consoled_input(domid_t dom, const char *buf, size_t len);
/*
 * Attach viewer's printer to dom's output (NULL detaches the viewer): it
 * first gets the log, then everything new. false if dom has no ring served
 * here. Each viewer (CONSOLED_SERIAL, CONSOLED_HOST) follows one domain.
 */
bool consoled_connect(unsigned int viewer, domid_t dom,
                      void (*print)(const char *buf, size_t len));
bool consoled_served(domid_t dom);
/* Updates with impossible indices ignored for dom, for the tests. */
uint64_t consoled_bad_updates(domid_t dom);

#endif /* DOM0_CONSOLED_H */
