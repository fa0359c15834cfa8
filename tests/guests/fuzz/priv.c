/*
 * The fuzzer as the privileged domain (the first module, `dom0` on
 * Sable's command line): domctl and sysctl then get past the permission
 * check, and evtchn, sched_op and memory_op accept other domains.
 *
 * Which domains it may touch: itself, the ones it creates, the ones named
 * prey=<id>[:<id>...] (kernels that spin until they are destroyed, paused,
 * shut down or time out: victim.c, role=prey), and ids nobody has. Every
 * other domain that existed when it started (the victim) is never named:
 * domid_gen() passes its ids through priv_domid() to an unused one.
 *
 * At the end it destroys what it created and shuts the prey down, so the
 * run ends with every domain gone.
 */
#include <guest/test.h>
#include <guest/time.h>
#include "fuzz.h"
#include "public/domctl.h"
#include "public/sysctl.h"

#define MAX_DOMAINS 64

bool privileged;
static domid_t spared[MAX_DOMAINS], prey[8];
static unsigned int nr_spared, nr_prey;
static struct xen_domctl_getdomaininfo infos[MAX_DOMAINS];

static bool listed(domid_t id, const domid_t *ids, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* The domains there are now, into infos[]: how many, or -1. */
static int domain_list(void)
{
    static struct xen_sysctl op;

    memset(&op, 0, sizeof(op));
    op.cmd = XEN_SYSCTL_getdomaininfolist;
    op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    op.u.getdomaininfolist.max_domains = MAX_DOMAINS;
    op.u.getdomaininfolist.buffer = guest_handle_from_ptr(infos);
    if (hypercall_sysctl(&op))
        return -1;
    return (int)op.u.getdomaininfolist.num_domains;
}

static long domctl_simple(uint32_t cmd, domid_t dom)
{
    static struct xen_domctl op;

    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op.domain = dom;
    return hypercall_domctl(&op);
}

/* prey=2:3 */
static void prey_from_cmdline(void)
{
    char buf[64], *p = buf;

    if (!cmdline_get("prey", buf, sizeof(buf)))
        return;
    while (*p && nr_prey < ARRAY_SIZE(prey)) {
        unsigned long id = 0;
        while (*p >= '0' && *p <= '9')
            id = id * 10 + (unsigned long)(*p++ - '0');
        prey[nr_prey++] = (domid_t)id;
        if (*p)
            p++;
    }
}

/*
 * The boot domains are built one after the other while we already run:
 * wait until the list has not changed for 300 ms (and holds every prey),
 * so the spared ones are all known before the first call.
 */
static int domain_list_settled(void)
{
    uint64_t stable_since = time_now(), give_up = time_now() + 5 * NSEC_PER_SEC;
    int n = domain_list(), last = n;

    while (time_now() < give_up && time_now() - stable_since < 300 * NSEC_PER_MSEC) {
        hypercall_sched_op(SCHEDOP_yield, NULL);
        n = domain_list();
        for (unsigned int i = 0; i < nr_prey; i++) {
            bool found = false;
            for (int j = 0; j < n; j++)
                found |= infos[j].domain == prey[i];
            if (!found)
                n = -2;             /* not all there yet */
        }
        if (n != last)
            stable_since = time_now();
        last = n;
    }
    return n;
}

void priv_init(void)
{
    int n;

    privileged = domain_list() >= 0;
    if (!privileged)
        return;
    prey_from_cmdline();
    n = domain_list_settled();
    for (int i = 0; i < n; i++)
        if (infos[i].domain != self_id && !listed(infos[i].domain, prey, nr_prey))
            spared[nr_spared++] = infos[i].domain;
    printf("FUZZ privileged: %d domains, %u spared, %u prey\n", n, nr_spared, nr_prey);
}

domid_t priv_domid(domid_t id)
{
    if (privileged && listed(id, spared, nr_spared))
        return (domid_t)(DOMID_FIRST_RESERVED - 1 - id % 64);
    return id;
}

domid_t priv_prey(void)
{
    return nr_prey ? prey[rng_below(&rng, nr_prey)] : self_id;
}

/*
 * Destroy every domain we created and shut the prey down (poweroff). The
 * count of domains left besides us and the spared ones: 0 is right.
 */
int priv_cleanup(void)
{
    struct sched_remote_shutdown rs = { .reason = SHUTDOWN_poweroff };
    unsigned int destroyed = 0;
    int n = domain_list(), left = 0;

    for (int i = 0; i < n; i++) {
        domid_t id = infos[i].domain;

        if (id == self_id || listed(id, spared, nr_spared))
            continue;
        if (listed(id, prey, nr_prey)) {
            rs.domain_id = id;
            hypercall_sched_op(SCHEDOP_remote_shutdown, &rs);
        } else if (domctl_simple(XEN_DOMCTL_destroydomain, id) == 0) {
            destroyed++;
        }
    }
    n = domain_list();
    for (int i = 0; i < n; i++)
        if (infos[i].domain != self_id && !listed(infos[i].domain, spared, nr_spared) &&
            !(infos[i].flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying)))
            left++;
    printf("FUZZ privileged: destroyed %u created domains, %d still running\n", destroyed, left);
    return left;
}

/*
 * Destroy each prey the moment it runs on another CPU (getdomaininfo says
 * running): the hypervisor must take its vCPUs off that CPU before it
 * frees them. (destroy=1 on the command line; the prey are then gone.)
 */
void priv_destroy_running(void)
{
    static struct xen_domctl op;
    unsigned int done = 0;

    for (unsigned int i = 0; i < nr_prey; i++) {
        uint64_t tries = 0;
        long rc;

        do {
            memset(&op, 0, sizeof(op));
            op.cmd = XEN_DOMCTL_getdomaininfo;
            op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
            op.domain = prey[i];
            rc = hypercall_domctl(&op);
        } while (rc == 0 && !(op.u.getdomaininfo.flags & XEN_DOMINF_running) && ++tries < 1000000);
        rc = domctl_simple(XEN_DOMCTL_destroydomain, prey[i]);
        done += rc == 0;
    }
    check("regress-destroy-running", done == nr_prey, "%u of %u running prey destroyed", done,
          nr_prey);
    nr_prey = 0;
}
