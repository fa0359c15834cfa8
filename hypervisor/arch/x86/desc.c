/*
 * Descriptor tables: one GDT and TSS per CPU (each CPU has its own stacks),
 * one IDT shared by all.
 */
#include <sable/lib.h>
#include <sable/mm.h>
#include <asm/desc.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>

struct idt_gate {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t zero;
} __packed;

static struct idt_gate idt[256] __aligned(16);
extern void (*const vector_stubs[256])(void);

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __packed;

void idt_set_gate(unsigned int vector, void (*handler)(void), unsigned int ist,
                  unsigned int dpl)
{
    uint64_t off = (uint64_t)handler;
    struct idt_gate *g = &idt[vector];

    g->off_lo = off & 0xffff;
    g->sel = SEL_HV_CS;
    g->ist = ist;
    g->type_attr = 0x80 | (dpl << 5) | 0xe;     /* present, 64-bit interrupt gate */
    g->off_mid = (off >> 16) & 0xffff;
    g->off_hi = off >> 32;
    g->zero = 0;
}

void idt_init(void)
{
    for (unsigned int v = 0; v < 256; v++) {
        unsigned int ist = 0;
        if (v == 2)
            ist = IST_NMI;
        else if (v == 8)
            ist = IST_DF;
        else if (v == 18)
            ist = IST_MC;
        /* INT3 and INTO may be executed by guests, as on Xen. */
        idt_set_gate(v, vector_stubs[v], ist, (v == 3 || v == 4) ? 3 : 0);
    }
}

static uint64_t seg_desc(uint32_t flags_access)
{
    /* base 0, limit 0xfffff; flags_access holds bits 40..55 */
    return 0xffffULL | (0xfULL << 48) | ((uint64_t)flags_access << 40);
}

/* The boot CPU's GDT: it is loaded before the page allocator exists. */
static uint64_t cpu0_gdt[(PAGE_SIZE << GDT_ORDER) / 8] __aligned(PAGE_SIZE);

/*
 * SYSCALL from PV guests (pv/entry.S): CS/SS for entry and SYSRET, the entry
 * point, RFLAGS bits cleared on entry (IF, TF, DF, AC, NT), and the pointer
 * the entry's SWAPGS pair uses to find this CPU's cpu_info. Also FXSAVE
 * support, which guest FPU state switching needs.
 */
static void syscall_init_cpu(struct percpu *pc)
{
    struct cpu_info *ci = (struct cpu_info *)((uint64_t)pc->stack + STACK_SIZE -
                                              CPU_INFO_SIZE);

    ci->stack_top = (uint64_t)ci;
    wrmsr(MSR_STAR, ((uint64_t)(SEL_USER_CS32 & ~3) << 48) | ((uint64_t)SEL_HV_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_SFMASK, (1UL << 9) | (1UL << 8) | (1UL << 10) | (1UL << 18) | (1UL << 14));
    wrmsr(MSR_KERNEL_GS_BASE, (uint64_t)ci);
    wrmsr(MSR_GS_BASE, 0);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    write_cr4(read_cr4() | X86_CR4_OSFXSR | (1UL << 10));   /* + OSXMMEXCPT */
}

void desc_init_cpu(struct percpu *pc)
{
    uint64_t tss = (uint64_t)&pc->tss;
    uint64_t block = (uint64_t)pc->stack;
    struct desc_ptr gdtr, idtr;

    if (!pc->gdt)
        pc->gdt = pc->cpu == 0 ? cpu0_gdt : alloc_xenheap_pages(GDT_ORDER);
    if (!pc->gdt)
        panic("cpu%u: no memory for its GDT", pc->cpu);
    memset(pc->gdt, 0, PAGE_SIZE << GDT_ORDER);
    pc->gdt[SEL_HV_CS >> 3] = seg_desc(0xa09a);        /* L, P, DPL0, code */
    pc->gdt[SEL_HV_DS >> 3] = seg_desc(0xc092);        /* P, DPL0, data */
    pc->gdt[SEL_USER_CS32 >> 3] = seg_desc(0xc0fa);    /* D, P, DPL3, code */
    pc->gdt[SEL_USER_DS >> 3] = seg_desc(0xc0f2);      /* P, DPL3, data */
    pc->gdt[SEL_USER_CS >> 3] = seg_desc(0xa0fa);      /* L, P, DPL3, code */
    /* 16-byte available 64-bit TSS descriptor */
    pc->gdt[SEL_TSS >> 3] = (sizeof(pc->tss) - 1) | ((tss & 0xffffff) << 16) |
                            (0x89ULL << 40) | (((tss >> 24) & 0xff) << 56);
    pc->gdt[(SEL_TSS >> 3) + 1] = tss >> 32;

    memset(&pc->tss, 0, sizeof(pc->tss));
    pc->tss.rsp[0] = block + STACK_SIZE - CPU_INFO_SIZE;
    pc->tss.ist[IST_DF - 1] = block + 2 * PAGE_SIZE;
    pc->tss.ist[IST_NMI - 1] = block + 3 * PAGE_SIZE;
    pc->tss.ist[IST_MC - 1] = block + 4 * PAGE_SIZE;
    pc->tss.iomap_base = sizeof(pc->tss);              /* no I/O bitmap */

    gdtr.limit = GDT_LIMIT;
    gdtr.base = (uint64_t)pc->gdt;
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (uint64_t)idt;
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq %2\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "mov %3, %%eax\n\t"
        "mov %%eax, %%ss\n\t"
        "xor %%eax, %%eax\n\t"
        "mov %%eax, %%ds\n\t"
        "mov %%eax, %%es\n\t"
        "mov %%eax, %%fs\n\t"
        "mov %%eax, %%gs\n\t"
        "lidt %1\n\t"
        "mov %4, %%eax\n\t"
        "ltr %%ax"
        :: "m"(gdtr), "m"(idtr), "i"(SEL_HV_CS), "i"(SEL_HV_DS), "i"(SEL_TSS)
        : "rax", "memory");
    syscall_init_cpu(pc);
}
