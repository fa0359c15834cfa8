/*
 * AMD SVM: turning it on per CPU, the VMCB of a vCPU and its intercepts,
 * and address-space ids (ASIDs).
 *
 * Each CPU has a host save area (MSR VM_HSAVE_PA, where VMRUN keeps the
 * host's state) and a host VMCB for VMSAVE/VMLOAD: VMLOAD of the guest's
 * VMCB replaces FS, GS, TR, LDTR, KERNEL_GS_BASE and the SYSCALL/SYSENTER
 * MSRs, which PV guests and Sable's own entry paths need back after every
 * exit (entry.S does the VMSAVE/VMLOAD pairs).
 *
 * The I/O and MSR permission maps are shared by every HVM vCPU: every port
 * is intercepted, and every MSR except the few that VMLOAD/VMSAVE switch.
 */
#include <sable/console.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <asm/memlayout.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/hvm.h>
#include <asm/svm.h>

struct svm_caps svm_caps;
uint64_t hvm_xcr0_mask;
unsigned int hvm_fpu_size = 512;

/* x87, SSE, AVX, AVX-512 (opmask, ZMM_Hi256, Hi16_ZMM): what guests may use. */
#define XCR0_GUEST_COMPONENTS 0xe7ULL

/*
 * Let guests use XSAVE-managed state: turn on CR4.OSXSAVE here (the host
 * itself only ever needs x87|SSE in XCR0) and size a vCPU's XSAVE image.
 */
static void svm_xsave_init(unsigned int cpu)
{
    struct cpuid_regs r;

    cpuid(1, &r);
    if (!(r.ecx & (1U << 26)))
        return;
    write_cr4(read_cr4() | X86_CR4_OSXSAVE);
    xsetbv(0, HVM_XCR0_HOST);
    if (cpu != 0)
        return;
    cpuid_count(0xd, 0, &r);
    hvm_xcr0_mask = (((uint64_t)r.edx << 32) | r.eax) & XCR0_GUEST_COMPONENTS;
    hvm_fpu_size = MAX(r.ecx, 576U);
    if (hvm_fpu_size > 2 * PAGE_SIZE) {         /* more than the image holds */
        hvm_xcr0_mask = 0;
        hvm_fpu_size = 512;
    }
}

static paddr_t host_vmcb_pa[NR_CPUS];     /* per CPU: VMSAVE/VMLOAD of host state */
static paddr_t iopm_pa, msrpm_pa;

/* Per CPU: the next ASID to hand out and the generation it belongs to. */
struct asid_state {
    unsigned int next;
    uint64_t generation;
};
static struct asid_state asid_state[NR_CPUS];

/* MSRs the guest reads and writes directly: VMLOAD/VMSAVE switch them. */
static const uint32_t msr_passthrough[] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR,
    MSR_SFMASK, 0x174 /* SYSENTER_CS */, 0x175 /* ESP */, 0x176 /* EIP */,
};

/* Clear both intercept bits of msr in the MSR permission map. */
static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
    unsigned int base;

    if (msr < 0x2000)
        base = 0;
    else if (msr >= 0xc0000000 && msr < 0xc0002000)
        base = 0x800, msr -= 0xc0000000;
    else if (msr >= 0xc0010000 && msr < 0xc0012000)
        base = 0x1000, msr -= 0xc0010000;
    else
        return;
    pm[base + msr / 4] &= ~(3U << ((msr % 4) * 2));
}

static bool svm_maps_init(void)
{
    uint8_t *io = alloc_xenheap_pages(2);       /* 12 KiB used, 16 allocated */
    uint8_t *msr = alloc_xenheap_pages(1);      /* 8 KiB */

    if (!io || !msr)
        return false;
    memset(io, 0xff, 4 * PAGE_SIZE);
    memset(msr, 0xff, 2 * PAGE_SIZE);
    for (unsigned int i = 0; i < ARRAY_SIZE(msr_passthrough); i++)
        msrpm_allow(msr, msr_passthrough[i]);
    iopm_pa = virt_to_maddr(io);
    msrpm_pa = virt_to_maddr(msr);
    return true;
}

/* Does this CPU have SVM with nested paging, not disabled by firmware? */
static bool svm_probe(void)
{
    struct cpuid_regs r;

    cpuid(0x80000000, &r);
    if (r.eax < 0x8000000a)
        return false;
    cpuid(0x80000001, &r);
    if (!(r.ecx & (1U << 2)))
        return false;
    if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
        return false;
    cpuid(0x8000000a, &r);
    if (!(r.edx & SVM_FEATURE_NPT) || r.ebx < 2)
        return false;
    if (smp_processor_id() == 0) {
        svm_caps.nrips = r.edx & SVM_FEATURE_NRIPS;
        svm_caps.decode_assists = r.edx & SVM_FEATURE_DECODE;
        svm_caps.nr_asids = r.ebx;
    }
    return true;
}

void svm_cpu_init(void)
{
    unsigned int cpu = smp_processor_id();
    void *hsave, *host;

    if (!svm_probe()) {
        if (cpu == 0)
            printk("svm: not available (no SVM with nested paging): no HVM guests\n");
        else if (svm_caps.present)
            pr_warn("svm: cpu%u lacks SVM; HVM vCPUs must not run there\n", cpu);
        return;
    }
    if (cpu == 0 && !svm_maps_init()) {
        pr_err("svm: out of memory for the permission maps\n");
        return;
    }
    svm_xsave_init(cpu);
    hsave = alloc_xenheap_pages(0);
    host = alloc_xenheap_pages(0);
    if (!hsave || !host) {
        pr_err("svm: cpu%u: out of memory\n", cpu);
        return;
    }
    memset(hsave, 0, PAGE_SIZE);
    memset(host, 0, PAGE_SIZE);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, virt_to_maddr(hsave));
    host_vmcb_pa[cpu] = virt_to_maddr(host);
    /* The host's FS/GS/TR/LDTR and syscall MSRs, restored after each exit. */
    __asm__ volatile("vmsave %%rax" :: "a"(host_vmcb_pa[cpu]) : "memory");
    asid_state[cpu].next = 1;
    asid_state[cpu].generation = 1;
    if (cpu == 0) {
        svm_caps.present = true;
        printk("svm: enabled: nested paging, %u ASIDs%s%s\n", svm_caps.nr_asids,
               svm_caps.nrips ? ", next-RIP save" : ", no next-RIP save",
               svm_caps.decode_assists ? ", decode assists" : "");
    }
}

/*
 * A vCPU's ASID on this CPU. ASIDs are handed out per CPU; when they run
 * out, a new generation starts and the first VMRUN flushes the whole TLB
 * (there is no flush-by-ASID under QEMU), so no stale translation of an
 * earlier holder survives.
 */
void svm_asid_assign(struct svm_vcpu *s)
{
    unsigned int cpu = smp_processor_id();
    struct asid_state *a = &asid_state[cpu];

    s->host_pa = host_vmcb_pa[cpu];
    if (s->asid && s->asid_cpu == cpu && s->asid_generation == a->generation) {
        s->vmcb->tlb_control = SVM_TLB_NONE;
        return;
    }
    if (a->next >= svm_caps.nr_asids) {
        a->generation++;
        a->next = 1;
    }
    s->asid = a->next++;
    s->asid_cpu = cpu;
    s->asid_generation = a->generation;
    s->vmcb->asid = s->asid;
    /* A new ASID may have been used in an earlier generation: start clean. */
    s->vmcb->tlb_control = SVM_TLB_FLUSH_ALL;
}

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit)
{
    s->sel = sel;
    s->attrib = attrib;
    s->limit = limit;
    s->base = 0;
}

/*
 * A fresh VMCB: the intercepts, the maps, nested paging at n_cr3, and the
 * state PVH specifies for the boot vCPU (32-bit flat protected mode, paging
 * off). The caller sets RIP, RBX and anything else it needs.
 */
int svm_vcpu_create(struct svm_vcpu *s, paddr_t n_cr3)
{
    struct vmcb *v = alloc_xenheap_pages(0);

    if (!v)
        return -ENOMEM;
    memset(v, 0, PAGE_SIZE);
    BUILD_BUG_ON(sizeof(struct vmcb) != PAGE_SIZE);
    BUILD_BUG_ON(offsetof(struct vmcb, cpl) != 0x4cb);
    BUILD_BUG_ON(offsetof(struct vmcb, efer) != 0x4d0);
    BUILD_BUG_ON(offsetof(struct vmcb, rip) != 0x578);
    BUILD_BUG_ON(offsetof(struct vmcb, rax) != 0x5f8);
    BUILD_BUG_ON(offsetof(struct vmcb, cr2) != 0x640);
    BUILD_BUG_ON(offsetof(struct vmcb, g_pat) != 0x668);
    BUILD_BUG_ON(offsetof(struct svm_vcpu, regs) != SVM_VCPU_REGS);
    BUILD_BUG_ON(offsetof(struct svm_vcpu, host_pa) != SVM_VCPU_HOST_PA);

    v->intercept_misc1 = SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_NMI | SVM_INTERCEPT1_SMI |
                         SVM_INTERCEPT1_INIT | SVM_INTERCEPT1_CPUID | SVM_INTERCEPT1_HLT |
                         SVM_INTERCEPT1_INVD | SVM_INTERCEPT1_IOIO | SVM_INTERCEPT1_MSR |
                         SVM_INTERCEPT1_TASKSW | SVM_INTERCEPT1_SHUTDOWN |
                         SVM_INTERCEPT1_INVLPGA;
    v->intercept_misc2 = SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL | SVM_INTERCEPT2_VMLOAD |
                         SVM_INTERCEPT2_VMSAVE | SVM_INTERCEPT2_STGI | SVM_INTERCEPT2_CLGI |
                         SVM_INTERCEPT2_SKINIT | SVM_INTERCEPT2_MONITOR |
                         SVM_INTERCEPT2_MWAIT | SVM_INTERCEPT2_XSETBV;
    /* #UD: a VMCALL (Intel's hypercall instruction) is taken as a hypercall. */
    v->intercept_exceptions = 1U << 6;
    v->iopm_base_pa = iopm_pa;
    v->msrpm_base_pa = msrpm_pa;
    v->vintr = SVM_VINTR_MASKING;
    v->np_enable = 1;
    v->n_cr3 = n_cr3;

    seg(&v->cs, 0x10, 0x0c9b, 0xffffffff);
    seg(&v->ds, 0x18, 0x0c93, 0xffffffff);
    v->es = v->ss = v->fs = v->gs = v->ds;
    seg(&v->tr, 0x20, 0x008b, 0x67);
    seg(&v->ldtr, 0, 0x0082, 0);
    seg(&v->gdtr, 0, 0, 0);
    seg(&v->idtr, 0, 0, 0);
    v->cpl = 0;
    v->efer = EFER_SVME;
    v->cr0 = X86_CR0_PE | (1UL << 4);           /* ET */
    v->cr4 = 0;
    v->dr6 = 0xffff0ff0;
    v->dr7 = 0x400;
    v->rflags = 0x2;
    v->g_pat = 0x0007040600070406ULL;

    memset(s, 0, sizeof(*s));
    s->vmcb = v;
    s->vmcb_pa = virt_to_maddr(v);
    return 0;
}

void svm_vcpu_destroy(struct svm_vcpu *s)
{
    if (s->vmcb)
        free_xenheap_pages(s->vmcb, 0);
    s->vmcb = NULL;
}
