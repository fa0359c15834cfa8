/*
 * pvmm: the PV memory test kernel (issue 5). Each file checks one part of
 * direct paging from the inside; main.c runs them in order, since later
 * parts build on earlier ones (the physmap, then a fresh address space).
 */
#ifndef PVMM_H
#define PVMM_H

#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/mm.h>
#include <guest/test.h>
#include <guest/traps.h>

#define VA(p)       ((uint64_t)(uintptr_t)(p))
#define PAGE        GUEST_PAGE_SIZE

/* Test regions of the kernel half, each in an L4 slot of its own. */
#define REGION_BATCH    0xffffc80000000000ULL   /* one big mmu_update */
#define REGION_MAP      0xffffc88000000000ULL   /* thousands mapped and unmapped */
#define REGION_DEMAND   0xffffc90000000000ULL   /* filled by the #PF handler */
#define REGION_PTWR     0xffffc98000000000ULL   /* writable page tables */
#define REGION_BENCH    0xffffca0000000000ULL

void pvmm_basics(void);
void pvmm_physmap(void);
void pvmm_batches(void);
void pvmm_new_address_space(void);
void pvmm_map_unmap(void);
void pvmm_demand_faults(void);
void pvmm_writable_pagetables(void);
void pvmm_descriptors(void);
void pvmm_user_mode(void);
void pvmm_bench(void);
void pvmm_memory(void);
void pvmm_shootdown(void);


#endif
