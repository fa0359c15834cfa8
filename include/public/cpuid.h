/*
 * CPUID leaves by which an HVM/PVH guest finds the hypervisor. They start
 * at 0x40000000 (or a multiple of 0x100 above it when another interface,
 * e.g. Viridian, takes the first block); a guest scans for the signature.
 *
 *   base+0  eax = last leaf; ebx, ecx, edx = "XenVMMXenVMM"
 *   base+1  eax = major << 16 | minor version
 *   base+2  eax = number of hypercall pages (1); ebx = MSR that installs
 *           the hypercall page (write its guest-physical address);
 *           ecx = XEN_CPUID_FEAT1_*
 *   base+3  TSC information (sub-leaves 0..2)
 *   base+4  eax = XEN_HVM_CPUID_*; ebx = vCPU id; ecx = domain id
 *   base+5  PV parameters: ebx[7:0] = machine address width
 */
#ifndef SABLE_PUBLIC_CPUID_H
#define SABLE_PUBLIC_CPUID_H

#define XEN_CPUID_FIRST_LEAF        0x40000000
#define XEN_CPUID_LEAF(i)           (XEN_CPUID_FIRST_LEAF + (i))
#define XEN_CPUID_MAX_NUM_LEAVES    5

#define XEN_CPUID_SIGNATURE_EBX     0x566e6558  /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX     0x65584d4d  /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX     0x4d4d566e  /* "nVMM" */

/* base+2 ecx */
#define XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD   (1u << 0)

/* base+3 sub-leaf 0 eax, ebx */
#define XEN_CPUID_TSC_EMULATED              (1u << 0)
#define XEN_CPUID_HOST_TSC_RELIABLE         (1u << 1)
#define XEN_CPUID_RDTSCP_INSTR_AVAIL        (1u << 2)
#define XEN_CPUID_TSC_MODE_DEFAULT          0
#define XEN_CPUID_TSC_MODE_ALWAYS_EMULATE   1u
#define XEN_CPUID_TSC_MODE_NEVER_EMULATE    2u
#define XEN_CPUID_TSC_MODE_PVRDTSCP         3u

/* base+4 eax */
#define XEN_HVM_CPUID_APIC_ACCESS_VIRT      (1u << 0)
#define XEN_HVM_CPUID_X2APIC_VIRT           (1u << 1)
#define XEN_HVM_CPUID_IOMMU_MAPPINGS        (1u << 2)
#define XEN_HVM_CPUID_VCPU_ID_PRESENT       (1u << 3)   /* ebx valid */
#define XEN_HVM_CPUID_DOMID_PRESENT         (1u << 4)   /* ecx valid */
#define XEN_HVM_CPUID_EXT_DEST_ID           (1u << 5)   /* 15-bit APIC dest */
#define XEN_HVM_CPUID_UPCALL_VECTOR         (1u << 6)   /* per-vCPU vectors work */

/* base+5 ebx */
#define XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK (0xffu << 0)

#endif /* SABLE_PUBLIC_CPUID_H */
