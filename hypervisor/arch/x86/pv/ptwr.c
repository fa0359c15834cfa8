/*
 * Writable page tables (Xen's ptwr, xen/arch/x86/pv/ro-page-fault.c): a PV
 * kernel that enabled VMASST_TYPE_writable_pagetables may store to an
 * entry of one of its L1 tables through a read-only mapping of it, as a
 * native kernel would. The store faults; here it is decoded (the MOV
 * forms of hvm/emulate.c's decoder: a register or immediate to memory, 4
 * or 8 bytes, naturally aligned), checked and applied as one
 * MMU_NORMAL_PT_UPDATE of that entry would be (pagetable.c), and the guest
 * continues after the instruction. A store the rules refuse, or one that
 * is not of that shape, gets the page fault after all, as on Xen.
 */
#include <sable/domain.h>
#include <sable/guest_access.h>
#include <sable/lib.h>
#include <sable/page.h>
#include <hvm/emulate.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>
#include <public/xen.h>

static uint64_t gpr(const struct cpu_regs *r, unsigned int n)
{
    const uint64_t v[X86_NR_GPRS] = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi,
                                      r->rdi, r->r8, r->r9, r->r10, r->r11, r->r12, r->r13,
                                      r->r14, r->r15 };

    return v[n];
}

/* The store at rip as (size, value): false if it is not a plain MOV to memory. */
static bool decode_store(const struct cpu_regs *regs, unsigned int *len, unsigned int *size,
                         uint64_t *value)
{
    uint8_t bytes[X86_MAX_INSN_LEN];
    struct x86_insn insn;
    unsigned int n = sizeof(bytes);

    /* Fetch what can be read: the instruction may end near an unmapped page. */
    while (n && copy_from_guest(bytes, regs->rip, n))
        n--;
    if (!n || x86_decode(bytes, n, X86_MODE_64, &insn) || insn.dir != X86_MEM_WRITE ||
        (insn.mem_size != 4 && insn.mem_size != 8) || insn.high_byte)
        return false;
    *len = insn.len;
    *size = insn.mem_size;
    *value = insn.has_imm ? insn.imm : gpr(regs, insn.reg);
    return true;
}

bool pv_ptwr_fault(struct vcpu *v, struct cpu_regs *regs, uint64_t addr)
{
    struct domain *d = v->domain;
    struct page_info *l1;
    unsigned int len, size, shift;
    uint64_t value, *entry, old;
    bool done = false;

    if (!pv_vm_assist(d, VMASST_TYPE_writable_pagetables) || !guest_range_ok(addr, 1) ||
        !decode_store(regs, &len, &size, &value) || (addr & (size - 1)))
        return false;
    local_irq_enable();                 /* a type change may flush other CPUs */
    pv_mm_lock(d);
    l1 = pv_guest_l1_of(d, pv_vcpu(v)->guest_table, addr);
    if (l1) {
        pgentry_t e = ((pgentry_t *)page_to_virt(l1))[pt_index(addr, 1)];
        struct page_info *target = mfn_valid(pte_addr(e) >> PAGE_SHIFT) ?
                                   mfn_to_page(pte_addr(e) >> PAGE_SHIFT) : NULL;
        /* Only a read-only mapping of one of our L1 tables is emulated. */
        if ((e & (_PAGE_PRESENT | _PAGE_RW)) == _PAGE_PRESENT && target &&
            page_owner(target) == d->domain_id && page_type(target) == PGT_l1_page_table &&
            page_type_validated(target) && page_type_count(target)) {
            entry = (uint64_t *)page_to_virt(target) + (addr & ~PAGE_MASK) / 8;
            old = __atomic_load_n(entry, __ATOMIC_RELAXED);
            if (size == 4) {                /* half an entry: keep the other half */
                shift = (addr & 4) * 8;
                value = (old & ~(0xffffffffULL << shift)) | ((value & 0xffffffffULL) << shift);
            }
            done = pt_mod_entry(d, target, (addr & ~PAGE_MASK) / 8, value, false) == 0;
        }
    }
    pv_mm_unlock(d);
    if (done)
        regs->rip += len;
    return done;
}
