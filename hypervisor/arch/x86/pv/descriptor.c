/*
 * PV guest descriptor tables: set_gdt and update_descriptor (Xen's
 * xen/arch/x86/pv/descriptor-tables.c).
 *
 * A guest GDT is up to 14 of its own frames (entries below
 * FIRST_RESERVED_GDT_ENTRY; the hypervisor's descriptors live above). Each
 * frame holds a "descriptor page" type reference while it is part of a
 * GDT, so it cannot be mapped writable and only changes through
 * update_descriptor, which checks every descriptor (pagetable.c:
 * pt_check_descriptor). Sable's per-CPU GDT is one block of hypervisor
 * memory rather than a per-vCPU mapping, so the guest's entries are copied
 * into the lower part of the CPU's GDT when the vCPU is loaded, and cleared
 * when it leaves. A descriptor updated while its vCPU runs on another CPU
 * reaches that CPU at the vCPU's next switch-in. Guest LDTs are not
 * supported yet (mm.c: MMUEXT_SET_LDT).
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/page.h>
#include <sable/sched.h>
#include <asm/desc.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>
#include <public/arch-x86_64.h>

#define DESCS_PER_PAGE (PAGE_SIZE / 8)

void pv_load_gdt(struct vcpu *v)
{
    struct pv_vcpu *pv = pv_vcpu(v);
    uint64_t *gdt = this_cpu()->gdt;

    for (unsigned int i = 0; i * DESCS_PER_PAGE < pv->gdt_ents; i++) {
        unsigned int n = MIN(pv->gdt_ents - i * DESCS_PER_PAGE, DESCS_PER_PAGE);
        memcpy(gdt + i * DESCS_PER_PAGE, page_to_virt(mfn_to_page(pv->gdt_frames[i])), n * 8);
    }
}

void pv_unload_gdt(struct vcpu *v)
{
    memset(this_cpu()->gdt, 0, pv_vcpu(v)->gdt_ents * 8UL);
}

/* Drop v's GDT frames (v is current, or not running); its mm_lock is held. */
void pv_destroy_gdt(struct vcpu *v)
{
    struct pv_vcpu *pv = pv_vcpu(v);

    for (unsigned int i = 0; i * DESCS_PER_PAGE < pv->gdt_ents; i++) {
        pt_put_page_and_type(mfn_to_page(pv->gdt_frames[i]));
        pv->gdt_frames[i] = 0;
    }
    pv->gdt_ents = 0;
}

/*
 * set_gdt(frames, entries): the current vCPU's GDT becomes the first
 * `entries` descriptors of the listed frames, all of which must be the
 * domain's and hold only acceptable descriptors (-EINVAL otherwise, the
 * old GDT kept).
 */
long do_set_gdt(uint64_t frame_list, uint64_t entries, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    struct pv_vcpu *pv = pv_vcpu(v);
    struct domain *d = v->domain;
    mfn_t frames[FIRST_RESERVED_GDT_PAGE];
    unsigned int nr, i;

    if (entries > FIRST_RESERVED_GDT_ENTRY)
        return -EINVAL;
    nr = (entries + DESCS_PER_PAGE - 1) / DESCS_PER_PAGE;
    if (copy_from_guest(frames, frame_list, nr * sizeof(frames[0])))
        return -EFAULT;
    spin_lock(&pv_domain(d)->mm_lock);
    for (i = 0; i < nr; i++)
        if (pt_get_page_and_type(d, frames[i], PGT_seg_desc_page))
            break;
    if (i < nr) {
        while (i-- > 0)
            pt_put_page_and_type(mfn_to_page(frames[i]));
        spin_unlock(&pv_domain(d)->mm_lock);
        return -EINVAL;
    }
    pv_unload_gdt(v);
    pv_destroy_gdt(v);
    memcpy(pv->gdt_frames, frames, nr * sizeof(frames[0]));
    pv->gdt_ents = entries;
    pv_load_gdt(v);
    spin_unlock(&pv_domain(d)->mm_lock);
    return 0;
}

/* Is mfn one of v's GDT frames? */
static bool in_gdt(const struct pv_vcpu *pv, mfn_t mfn)
{
    for (unsigned int i = 0; i * DESCS_PER_PAGE < pv->gdt_ents; i++)
        if (pv->gdt_frames[i] == mfn)
            return true;
    return false;
}

/*
 * update_descriptor(maddr, desc): write one checked descriptor into a
 * frame of the domain that is a descriptor page or can be writable (so
 * never a page table). -EINVAL for a misaligned address, a frame not ours
 * or in other use, or a descriptor a guest may not have.
 */
long do_update_descriptor(uint64_t maddr, uint64_t desc, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    struct page_info *pg;
    unsigned int type;
    long rc = -EINVAL;

    if ((maddr & 7) || !pt_check_descriptor(&desc))
        return -EINVAL;
    spin_lock(&pv_domain(d)->mm_lock);
    pg = pt_get_page(d, maddr >> PAGE_SHIFT);
    if (pg) {
        type = page_type(pg) == PGT_seg_desc_page ? PGT_seg_desc_page : PGT_writable;
        if (page_get_type(pg, type) == 0) {
            __atomic_store_n((uint64_t *)((char *)page_to_virt(pg) + (maddr & ~PAGE_MASK)),
                             desc, __ATOMIC_RELAXED);
            page_put_type(pg);
            if (in_gdt(pv_vcpu(v), maddr >> PAGE_SHIFT))
                pv_load_gdt(v);
            rc = 0;
        }
        page_put_ref(pg);
    }
    spin_unlock(&pv_domain(d)->mm_lock);
    return rc;
}
