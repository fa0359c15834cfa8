/*
 * Domains started by the hypervisor itself at boot: one PV domain per
 * Multiboot module, in order; the first becomes the privileged domain 0 when
 * `dom0` is on the command line (it is the control domain's job later on).
 * A module's `sable.*` words configure its domain (sable/domain_options.h);
 * a module with a bad one is not started. `sable.type=pvh` makes it a PVH
 * (SVM) domain, and a module after it marked `sable.initrd` its initrd.
 */
#include <sable/bootinfo.h>
#include <sable/buddy.h>
#include <sable/cmdline.h>
#include <sable/domain.h>
#include <sable/domain_options.h>
#include <sable/domctl.h>
#include <sable/errno.h>
#include <sable/console.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/sched_cost.h>

static bool first_is_dom0;
boolean_param("dom0", first_is_dom0);
/* debug_exit_when_idle: once every domain has shut down, exit QEMU (tests). */
static bool exit_when_idle;
boolean_param("debug_exit_when_idle", exit_when_idle);
static unsigned int boot_domains_started;
static unsigned long frames_free_at_boot;   /* before the first boot domain was built */

static void count_live(struct domain *d, void *arg)
{
    if (d->state == DOMSTATE_created || d->state == DOMSTATE_running ||
        d->state == DOMSTATE_paused)
        (*(unsigned int *)arg)++;
}

/* Ids of the domains that have shut down (domain_for_each holds a lock: collect only). */
struct shut_down_ids {
    domid_t id[64];
    unsigned int n;
};

static void collect_shut_down(struct domain *d, void *arg)
{
    struct shut_down_ids *ids = arg;

    if (d->state == DOMSTATE_shutdown && ids->n < ARRAY_SIZE(ids->id))
        ids->id[ids->n++] = d->domain_id;
}

/*
 * Every domain has shut down and nobody is left to collect them: destroy
 * them, which gives their memory back, and say how many frames are free
 * against the figure before the first boot domain was built. The two
 * match unless something leaked (tests compare them).
 */
static void boot_domains_release(void)
{
    struct shut_down_ids ids = { .n = 0 };

    domain_for_each(collect_shut_down, &ids);
    for (unsigned int i = 0; i < ids.n; i++) {
        struct domain *d = domain_get_by_id(ids.id[i]);

        if (!d)
            continue;
        domctl_destroydomain(d);        /* returns once its vCPUs are off every CPU */
        domain_put(d);
    }
    printk("boot: %u domain%s released, %lu frames free (%lu before the boot domains)\n",
           ids.n, ids.n == 1 ? "" : "s", buddy_free_frames(), frames_free_at_boot);
}

/*
 * Called by the scheduler when a CPU runs out of vCPUs: if boot domains ran
 * and none is left alive, say so, release them, and stop the machine when
 * asked to.
 */
void boot_domains_check_done(void)
{
    unsigned int live = 0;
    static bool reported;

    if (!boot_domains_started || __atomic_load_n(&reported, __ATOMIC_ACQUIRE))
        return;
    domain_for_each(count_live, &live);
    if (live || __atomic_exchange_n(&reported, true, __ATOMIC_ACQ_REL))
        return;
    sched_cost_report();
    printk("boot: all domains have shut down\n");
    boot_domains_release();
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

/* Module i's options into o: 0, or an error (reported unless quiet). */
static int boot_module_options(unsigned int i, struct domain_options *o, bool quiet)
{
    const struct boot_module *mod = &boot_info.modules[i];
    char err[160];
    int rc = domain_options_parse(mod->cmdline, cpus_online_mask(), DOMAIN_MAX_VCPUS,
                                  o, err, sizeof(err));

    if (rc && !quiet)
        pr_err("boot: module %u (%s): %s: not started\n", i, o->path, err);
    return rc;
}

/*
 * dom0's boot files: the modules marked sable.file, in order, under their
 * paths (docs/dom0.md). The hypervisor starts no domain from them.
 */
#define BOOT_FILES_MAX 64
static struct boot_file boot_file[BOOT_FILES_MAX];
static char boot_file_name[BOOT_FILES_MAX][DOMOPT_PATH_LEN];
static struct boot_files dom0_files = { .file = boot_file };

static void boot_files_collect(void)
{
    static struct domain_options o;

    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const struct boot_module *mod = &boot_info.modules[i];

        if (boot_module_options(i, &o, true) || !o.file)
            continue;
        if (!first_is_dom0 || dom0_files.n == BOOT_FILES_MAX) {
            pr_err("boot: module %u (%s): a file for dom0, but %s: ignored\n", i, o.path,
                   first_is_dom0 ? "too many files" : "no dom0");
            continue;
        }
        strlcpy(boot_file_name[dom0_files.n], o.path, DOMOPT_PATH_LEN);
        boot_file[dom0_files.n] = (struct boot_file){ .name = boot_file_name[dom0_files.n],
                                                      .data = maddr_to_virt(mod->start),
                                                      .size = mod->end - mod->start };
        dom0_files.n++;
    }
    if (dom0_files.n)
        printk("boot: %u file%s for dom0\n", dom0_files.n, dom0_files.n == 1 ? "" : "s");
}

/*
 * Read module i's options and build its domain: 0 or an error (reported),
 * 1 for a file of dom0's (no domain).
 * A PVH kernel takes the module after it as its initrd when that one says
 * sable.initrd; *used tells how many modules went into the domain.
 */
static int boot_domain_build(unsigned int i, unsigned int *used, struct domain **d)
{
    static struct domain_options opts, next;    /* boot is single-threaded */
    const struct boot_module *mod = &boot_info.modules[i], *initrd = NULL;
    int rc = boot_module_options(i, &opts, false);

    *used = 1;
    if (rc)
        return rc;
    if (opts.file)
        return 1;
    if (opts.initrd) {
        pr_err("boot: module %u (%s): an initrd with no PVH kernel before it: not started\n",
               i, opts.path);
        return -EINVAL;
    }
    if (opts.type == DOMOPT_TYPE_PVH) {
        if (i + 1 < boot_info.nr_modules && !boot_module_options(i + 1, &next, true) &&
            next.initrd) {
            initrd = &boot_info.modules[i + 1];
            *used = 2;
        }
        rc = pvh_build_domain(mod, initrd, &opts, d);
    } else {
        bool dom0 = first_is_dom0 && i == 0;
        rc = pv_build_domain(mod, &opts, dom0, dom0 ? &dom0_files : NULL, d);
    }
    if (rc)
        pr_err("boot: module %u (%s) not started: error %d\n", i, mod->cmdline, rc);
    return rc;
}

/*
 * Build and unpause a domain for every boot module, then hand this CPU to
 * the scheduler (does not return) when at least one domain runs. Domains
 * started first run on the other CPUs while later ones are built, and their
 * timers live on this CPU's queue: interrupts stay on while building, so
 * that a long build (copying a kernel, clearing guest memory) does not hold
 * up their timers.
 */
void boot_domains_start(void);
void boot_domains_start(void)
{
    unsigned int started = 0;

    sched_cpu_init(smp_processor_id());
    boot_domains_churn();
    boot_poison_free_memory();
    local_irq_enable();
    boot_files_collect();
    frames_free_at_boot = buddy_free_frames();
    for (unsigned int i = 0, used = 1; i < boot_info.nr_modules; i += used) {
        struct domain *d;

        if (boot_domain_build(i, &used, &d))
            continue;
        domain_unpause(d);
        domain_put(d);              /* the table keeps it; destroydomain can release it */
        started++;
    }
    local_irq_disable();
    if (!started)
        return;
    boot_domains_started = started;
    printk("boot: %u domain%s started\n", started, started == 1 ? "" : "s");
    console_rx_start();
    reset_stack_and_exit();
}
