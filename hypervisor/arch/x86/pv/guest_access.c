/*
 * Guest memory access for PV guests. The guest's page tables are live while
 * its hypercall runs, so a guest virtual address is used directly, after
 * checking that it lies in guest space; faults are recovered (see do_trap).
 */
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <asm/pv.h>
#include <public/arch-x86_64.h>

bool guest_range_ok(uint64_t va, size_t len)
{
    uint64_t end = va + len;

    if (len == 0)
        return true;
    if (end < va)
        return false;                                   /* wraps */
    if (is_hvm_vcpu(current))
        return true;            /* its own address space: the page walk decides */
    if (end <= 0x0000800000000000UL)
        return true;                                    /* lower half */
    return va >= HYPERVISOR_VIRT_END;                   /* upper half, above Sable */
}

int copy_from_guest(void *dst, uint64_t guest_va, size_t len)
{
    if (is_hvm_vcpu(current))
        return hvm_copy_from_guest_virt(dst, guest_va, len);
    if (!guest_range_ok(guest_va, len))
        return -EFAULT;
    return raw_copy_user(dst, (const void *)guest_va, len) ? -EFAULT : 0;
}

int copy_to_guest(uint64_t guest_va, const void *src, size_t len)
{
    if (is_hvm_vcpu(current))
        return hvm_copy_to_guest_virt(guest_va, src, len);
    if (!guest_range_ok(guest_va, len))
        return -EFAULT;
    return raw_copy_user((void *)guest_va, src, len) ? -EFAULT : 0;
}
