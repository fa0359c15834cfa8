/*
 * Boot-time PVH domain builder, for when there is no dom0 to build guests:
 * an ELF kernel with a Xen PHYS32_ENTRY note (Linux's vmlinux, or Sable's
 * own PVH test kernels) and an optional initrd become an HVM domain
 * entered as PVH specifies: 32-bit protected mode, paging off, EBX =
 * guest-physical address of an hvm_start_info.
 *
 * The layout, the checks and the boot data are shared with dom0's builder
 * (sable/pvh_layout.h); this file backs the memory and writes it directly,
 * and serves the PV console from the hypervisor (common/console_ring.c)
 * until dom0 takes it over.
 */
#include <sable/bootinfo.h>
#include <sable/console.h>
#include <sable/domain.h>
#include <sable/domain_options.h>
#include <sable/errno.h>
#include <sable/guest_console.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/pvh_layout.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <asm/memlayout.h>

#define PVH_DEFAULT_MEM   (256ULL << 20)

static uint64_t pvh_mem = PVH_DEFAULT_MEM;
size_param("pvh_mem", pvh_mem, PVH_MIN_MEM, PVH_MAX_MEM);

static int refuse(const char *name, const char *why)
{
    pr_err("pvh: %s: %s\n", name, why);
    return -EINVAL;
}

/* Back the guest's RAM: 2 MiB blocks where aligned, 4 KiB elsewhere. */
static int populate(struct domain *d, uint64_t mem)
{
    uint64_t start[2], len[2];
    unsigned int n = pvh_ram_ranges(mem, start, len);
    int rc = 0;

    for (unsigned int i = 0; i < n && !rc; i++) {
        uint64_t gfn = start[i] >> PAGE_SHIFT, end = (start[i] + len[i]) >> PAGE_SHIFT;

        while (!rc && gfn < end) {
            unsigned int order = pvh_extent_order(gfn, end);
            rc = hvm_populate(d, gfn, order);
            gfn += 1ULL << order;
        }
    }
    return rc;
}

static int write_phys(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
    return hvm_copy_to_guest_phys(ctx, gpa, src, len) ? -EFAULT : 0;
}

static int write_boot_data(struct domain *d, const struct pvh_plan *plan)
{
    size_t size = pvh_acpi_scratch_size(plan->nr_vcpus);
    void *buf = size ? xzalloc_bytes(size) : NULL;
    int rc;

    if (!buf)
        return -ENOMEM;
    rc = pvh_boot_data(plan, buf, size, write_phys, d);
    xfree(buf);
    return rc;
}

/*
 * The PV console: a page of the domain at PVH_CONSOLE_GFN that the
 * hypervisor serves (common/console_ring.c) until dom0 takes it over; Linux
 * finds it through HVM_PARAM_CONSOLE_PFN/EVTCHN and makes it hvc0.
 */
static int attach_console(struct domain *d)
{
    struct page_info *pg = domain_alloc_page(d);
    int port;

    if (!pg)
        return -ENOMEM;
    if (hvm_map_frame(d, PVH_CONSOLE_GFN, page_to_mfn(pg)))
        return -ENOMEM;
    port = console_ring_attach(d, page_to_mfn(pg));
    if (port < 0)
        return port;
    hvm_domain(d)->params[HVM_PARAM_CONSOLE_PFN] = PVH_CONSOLE_GFN;
    hvm_domain(d)->params[HVM_PARAM_CONSOLE_EVTCHN] = (uint64_t)port;
    return 0;
}

int pvh_build_domain(const struct boot_module *kernel, const struct boot_module *initrd,
                     const struct domain_options *opts, struct domain **out)
{
    struct pvh_kernel img;
    struct pvh_plan plan;
    struct domain_config dc = { 0 };
    const char *name = opts->name, *why;
    uint64_t initrd_size = initrd ? initrd->end - initrd->start : 0;
    struct vmcb *vmcb;
    struct domain *d;
    int rc;

    if (!svm_caps.present)
        return refuse(name, "this CPU has no SVM with nested paging: no PVH guests");
    if (pvh_kernel_parse(&img, maddr_to_virt(kernel->start), kernel->end - kernel->start, &why) ||
        pvh_plan(&plan, &img, opts->mem ? opts->mem : pvh_mem, initrd_size, opts->cmdline,
                 opts->vcpus, &why))
        return refuse(name, why);

    dc.name = name;
    dc.max_vcpus = opts->vcpus;
    dc.sched = opts->sched;
    dc.hard_affinity = opts->affinity;
    dc.soft_affinity = opts->soft_affinity;
    dc.max_grant_frames = opts->grant_frames;
    dc.max_maptrack_frames = opts->maptrack_frames;
    dc.max_pages = (plan.mem >> PAGE_SHIFT) + PVH_SPECIAL_PAGES;
    dc.hvm = true;
    rc = domain_create(&dc, false, &d);
    if (rc)
        return rc;
    rc = populate(d, plan.mem);
    if (!rc)
        rc = attach_console(d);
    if (!rc)
        rc = pvh_kernel_load(&img, write_phys, d);
    if (!rc && initrd_size)
        rc = write_phys(d, plan.initrd_gpa, maddr_to_virt(initrd->start), initrd_size);
    if (!rc)
        rc = write_boot_data(d, &plan);
    if (rc) {
        pr_err("pvh: %s: cannot build the domain: error %d\n", name, rc);
        domain_destroy(d);
        domain_put(d);
        return rc;
    }

    vmcb = hvm_vmcb(d->vcpu[0]);
    vmcb->rip = img.entry;
    hvm_vcpu(d->vcpu[0])->svm.regs.rbx = PVH_START_INFO_GPA;
    d->vcpu[0]->is_initialised = true;
    vcpu_up(d->vcpu[0]);
    printk("dom%u: PVH kernel '%s', %lu MiB, %u vCPU%s, entry %#lx%s\n", d->domain_id,
           name, plan.mem >> 20, dc.max_vcpus, dc.max_vcpus == 1 ? "" : "s", img.entry,
           initrd_size ? ", initrd" : "");
    *out = d;
    return 0;
}
