/*
 * Domains started by the hypervisor itself at boot: one PV domain per
 * Multiboot module, in order; the first becomes the privileged domain 0 when
 * `dom0` is on the command line (it is the control domain's job later on).
 * A module's `sable.*` words configure its domain (sable/domain_options.h);
 * a module with a bad one is not started.
 */
#include <sable/bootinfo.h>
#include <sable/cmdline.h>
#include <sable/domain.h>
#include <sable/domain_options.h>
#include <sable/console.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <asm/pv.h>

static bool first_is_dom0;
boolean_param("dom0", first_is_dom0);
/* debug_exit_when_idle: once every domain has shut down, exit QEMU (tests). */
static bool exit_when_idle;
boolean_param("debug_exit_when_idle", exit_when_idle);
static unsigned int boot_domains_started;

static void count_live(struct domain *d, void *arg)
{
    if (d->state == DOMSTATE_created || d->state == DOMSTATE_running ||
        d->state == DOMSTATE_paused)
        (*(unsigned int *)arg)++;
}

/*
 * Called by the scheduler when a CPU runs out of vCPUs: if boot domains ran
 * and none is left alive, say so, and stop the machine when asked to.
 */
void boot_domains_check_done(void)
{
    unsigned int live = 0;
    static bool reported;

    if (!boot_domains_started || reported)
        return;
    domain_for_each(count_live, &live);
    if (live)
        return;
    reported = true;
    printk("boot: all domains have shut down\n");
    if (exit_when_idle)
        machine_stop_ok();
}

/* A bit per online CPU. */
static uint64_t cpus_online_mask(void)
{
    uint64_t mask = 0;

    for (unsigned int cpu = 0; cpu < NR_CPUS && cpu < 64; cpu++)
        if (percpu[cpu].online)
            mask |= 1ULL << cpu;
    return mask;
}

/* Read module i's options and build its domain: 0 or an error (reported). */
static int boot_domain_build(unsigned int i, struct domain **d)
{
    static struct domain_options opts;          /* boot is single-threaded */
    const struct boot_module *mod = &boot_info.modules[i];
    char err[160];
    int rc = domain_options_parse(mod->cmdline, cpus_online_mask(), DOMAIN_MAX_VCPUS,
                                  &opts, err, sizeof(err));

    if (rc) {
        pr_err("boot: module %u (%s): %s: not started\n", i, opts.path, err);
        return rc;
    }
    rc = pv_build_domain(mod, &opts, first_is_dom0 && i == 0, d);
    if (rc)
        pr_err("boot: module %u (%s) not started: error %d\n", i, mod->cmdline, rc);
    return rc;
}

/*
 * Build and unpause a domain for every boot module, then hand this CPU to
 * the scheduler (does not return) when at least one domain runs.
 */
void boot_domains_start(void);
void boot_domains_start(void)
{
    unsigned int started = 0;

    sched_cpu_init(smp_processor_id());
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        struct domain *d;

        if (boot_domain_build(i, &d))
            continue;
        domain_unpause(d);
        started++;
    }
    if (!started)
        return;
    boot_domains_started = started;
    printk("boot: %u domain%s started\n", started, started == 1 ? "" : "s");
    reset_stack_and_exit();
}
