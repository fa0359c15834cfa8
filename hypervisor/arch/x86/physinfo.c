/*
 * The x86 half of XEN_SYSCTL_physinfo (common/sysctl.c): which guests this
 * machine can run, how much RAM the hypervisor manages, the TSC rate, and
 * the highest machine frame and CPU id there can be.
 */
#include <sable/mm.h>
#include <sable/page.h>
#include <sable/memmap.h>
#include <sable/time.h>
#include <asm/percpu.h>
#include <asm/svm.h>

#include "public/sysctl.h"

void arch_physinfo(struct xen_sysctl_physinfo *pi);

void arch_physinfo(struct xen_sysctl_physinfo *pi)
{
    const struct ram_range *r;
    unsigned int nr;
    uint64_t total = 0;
    struct time_params tp;

    pi->max_cpu_id = NR_CPUS - 1;
    if (time_get_params(&tp))
        pi->cpu_khz = (uint32_t)(tp.tsc_hz / 1000);
    pi->capabilities = XEN_SYSCTL_PHYSCAP_pv;
    if (svm_caps.present)
        pi->capabilities |= XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap;
    r = mm_ram_ranges(&nr);
    for (unsigned int i = 0; i < nr; i++)
        total += (r[i].end - r[i].start) >> PAGE_SHIFT;
    pi->total_pages = total;
    pi->max_mfn = frame_table_nr ? frame_table_nr - 1 : 0;
}
