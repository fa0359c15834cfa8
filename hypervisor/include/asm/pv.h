/*
 * Paravirtualized (PV) vCPUs on x86-64, Xen's model.
 *
 * A PV guest kernel runs in ring 3, like its user space; which one is
 * running is a software flag (kernel_mode) plus which page-table root is
 * loaded (guest_table for the kernel, guest_table_user for user space).
 * Exceptions, events and user SYSCALLs are "bounced" to the guest kernel: a
 * frame is written on the guest kernel stack and the guest continues at the
 * handler it registered (set_trap_table, set_callbacks). The guest returns
 * with the iret hypercall.
 *
 * While a vCPU runs, its registers live in the frame at the top of its
 * physical CPU's stack (guest_regs()); on a context switch they are copied
 * to and from struct pv_vcpu.
 */
#ifndef ASM_PV_H
#define ASM_PV_H

#include <sable/domain.h>
#include <asm/percpu.h>
#include <asm/regs.h>
#include <public/arch-x86_64.h>
#include <public/memory.h>

struct pv_vcpu {
    struct cpu_regs regs;           /* saved while not running */
    bool kernel_mode;
    paddr_t guest_table;            /* kernel L4 (machine address) */
    paddr_t guest_table_user;       /* user L4, 0 = none registered */

    struct trap_info trap_ctxt[256];
    uint64_t event_callback, failsafe_callback, syscall_callback;
    bool syscall_masks_events, failsafe_masks_events;
    uint64_t kernel_ss, kernel_sp;  /* stack_switch */
    uint64_t fs_base, gs_base_kernel, gs_base_user;
    bool fpu_ts;                    /* fpu_taskswitch: guest's virtual CR0.TS */
    uint64_t debugreg[8];           /* DR0-3, DR6, DR7 (set_debugreg) */
    uint8_t iopl;                   /* virtual IOPL (PHYSDEVOP_set_iopl), 0..3 */
    uint64_t iobmp;                 /* guest VA of its I/O bitmap (set_iobitmap) */
    uint32_t iobmp_limit;           /* ports the bitmap covers, 0: none */

    /* set_gdt: the guest's GDT frames (descriptor pages), copied into the CPU's GDT. */
    mfn_t gdt_frames[FIRST_RESERVED_GDT_PAGE];
    unsigned int gdt_ents;
};

/*
 * Guest page-table roots (guest_table, guest_table_user) and GDT frames
 * each hold one general and one type reference; they change under the
 * domain's mm_lock.
 */
struct pv_domain {
    uint64_t virt_base;             /* from the ELF notes */
    uint64_t hypercall_page;        /* guest VA, 0 = none */

    /*
     * mm_lock serializes everything that changes the domain's page tables,
     * pins, base pointers, descriptor pages and the M2P entries of its
     * frames (pv/mm.c). Taken with interrupts on; never in IRQ context.
     */
    spinlock_t mm_lock;
    uint64_t dirty_cpus;            /* CPUs with one of its vCPUs' CR3 loaded (atomic) */
    uint64_t vm_assist;             /* VMASST_TYPE_* bits enabled */

    /* The memory map XENMEM_memory_map reports (builder, XENMEM_set_memory_map). */
#define PV_E820_MAX 16
    struct e820_entry e820[PV_E820_MAX];
    unsigned int nr_e820;           /* under mm_lock */
};

static inline struct pv_domain *pv_domain(struct domain *d) { return d->arch; }

static inline struct pv_vcpu *pv_vcpu(struct vcpu *v) { return v->arch; }

/* The guest frame of the vCPU running on this CPU: at the stack top. */
static inline struct cpu_regs *guest_regs(void)
{
    return (struct cpu_regs *)this_cpu_info() - 1;
}

/* Entry points (pv/entry.S). */
void syscall_entry(void);
void reset_stack_and_exit(void) __attribute__((noreturn));

/*
 * The last step before returning to a guest from any entry: run the
 * scheduler if asked, deliver a pending event upcall, and make sure what
 * will be loaded is a runnable vCPU (halting while there is none).
 */
void pv_exit_to_guest(struct cpu_regs *regs);

/* Guest exceptions (from ring 3) arrive here from do_trap. */
void pv_handle_exception(struct cpu_regs *regs);
/*
 * A #GP from the guest that Xen completes for PV kernels: IN/OUT and
 * CLI/STI its virtual IOPL or I/O bitmap allows (pv/physdev.c). True when
 * done (RIP moved past it), false when the #GP is the guest's.
 */
bool pv_emulate_privileged(struct vcpu *v, struct cpu_regs *regs);
/* SYSCALL from the guest: a hypercall (kernel mode) or a user syscall. */
void pv_handle_syscall(struct cpu_regs *regs);

/* Bounce flags. */
#define TBF_ERRCODE   1U
#define TBF_INTERRUPT 2U    /* mask events while the handler runs */

/*
 * Write an exception frame on the guest kernel stack and point the vCPU at
 * handler. 0, or -EFAULT when the guest stack cannot be written (the caller
 * then crashes the domain).
 */
int pv_bounce(struct vcpu *v, struct cpu_regs *regs, uint64_t handler,
              unsigned int flags, uint64_t error_code);

/* Switch between guest kernel and user mode (page tables and GS bases). */
void pv_toggle_mode(struct vcpu *v);

/* Save the running vCPU's state from the CPU, and load another's. */
void pv_save_vcpu(struct vcpu *v, const struct cpu_regs *regs);
void pv_load_vcpu(struct vcpu *v, struct cpu_regs *regs);

/* Load the guest's debug registers (DR7 last: it arms the others). */
void pv_load_debugregs(const struct pv_vcpu *pv);

/* pv/mm.c: page-table roots, TLB flushes, teardown. */
/* Flush the TLBs of the CPUs in cpus (a bitmap), one address or everything. */
#define FLUSH_VA_ALL (~0ULL)
void pv_flush_tlb(uint64_t cpus, uint64_t va);
/* Make mfn (an L4 of v's domain) v's kernel root; v is current. 0 or Xen's error. */
int pv_new_guest_cr3(struct vcpu *v, mfn_t mfn);
/* Drop a vCPU's roots and GDT (it is not running): vCPU destruction. */
void pv_vcpu_release_tables(struct vcpu *v);
/* Give up every page-table reference among a dying domain's frames. */
void pv_domain_relinquish(struct domain *d);
/* The page-table lock of a PV domain (struct pv_domain). */
static inline void pv_mm_lock(struct domain *d) { spin_lock(&pv_domain(d)->mm_lock); }
static inline void pv_mm_unlock(struct domain *d) { spin_unlock(&pv_domain(d)->mm_lock); }
/*
 * The validated L1 table of d holding the entry that maps va under the
 * root at machine address root_ma, or NULL where a level is missing.
 * Under d's mm_lock.
 */
struct page_info *pv_guest_l1_of(struct domain *d, paddr_t root_ma, uint64_t va);
/* Whether vm_assist type is on for d. */
static inline bool pv_vm_assist(struct domain *d, unsigned int type)
{
    return pv_domain(d)->vm_assist & (1ULL << type);
}

/* pv/descriptor.c: copy v's guest GDT entries into this CPU's GDT (or clear them). */
void pv_load_gdt(struct vcpu *v);
void pv_unload_gdt(struct vcpu *v);
void pv_destroy_gdt(struct vcpu *v);

/*
 * pv/ptwr.c: a write fault at addr by the guest kernel on a present,
 * read-only mapping: if it is a store into one of its L1 page tables and
 * writable page tables are on, check and perform it as mmu_update would,
 * step over the instruction and return true; false to deliver the #PF.
 */
bool pv_ptwr_fault(struct vcpu *v, struct cpu_regs *regs, uint64_t addr);

/*
 * Files handed to dom0 at boot (modules marked sable.file): the builder
 * puts them in dom0's memory as a newc cpio archive (sable/cpio.h) named
 * by start_info.mod_start / mod_len.
 */
struct boot_file {
    const char *name;               /* the module's path */
    const void *data;
    uint64_t size;
};
struct boot_files {
    const struct boot_file *file;
    unsigned int n;
};

/* Build a PV domain from a kernel image in memory (pv/builder.c); files: dom0's, or NULL. */
struct boot_module;
struct domain_options;
int pv_build_domain(const struct boot_module *mod, const struct domain_options *opts,
                    bool privileged, const struct boot_files *files, struct domain **out);
/* Xen's x86-64 PV hypercall page: a 32-byte stub per hypercall number. */
void pv_fill_hypercall_page(uint8_t *page);
/* Set: the builder reports its domains at debug level only (churn). */
extern bool pv_build_quiet;
/* pv/churn.c: debug_domain_churn=N, run before the boot domains start. */
void boot_domains_churn(void);
/* debug_poison_free=: free memory filled with old data before the boot domains. */
void boot_poison_free_memory(void);

/* User-copy primitive with fault recovery (pv/entry.S). */
size_t raw_copy_user(void *dst, const void *src, size_t len);
extern char raw_copy_user_insn[], raw_copy_user_fixup[];

#endif
