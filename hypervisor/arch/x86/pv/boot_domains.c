/*
 * Domains started by the hypervisor itself at boot: one PV domain per
 * Multiboot module, in order; the first becomes the privileged domain 0 when
 * `dom0` is on the command line (it is the control domain's job later on).
 */
#include <sable/bootinfo.h>
#include <sable/cmdline.h>
#include <sable/domain.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <asm/pv.h>

static bool first_is_dom0;
boolean_param("dom0", first_is_dom0);

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
        int rc = pv_build_domain(&boot_info.modules[i], first_is_dom0 && i == 0, &d);

        if (rc) {
            pr_err("boot: module %u (%s) not started: error %d\n", i,
                   boot_info.modules[i].cmdline, rc);
            continue;
        }
        domain_unpause(d);
        started++;
    }
    if (!started)
        return;
    printk("boot: %u domain%s started\n", started, started == 1 ? "" : "s");
    reset_stack_and_exit();
}
