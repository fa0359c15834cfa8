/* mmhostile: every memory attack of issue 5, each refused with Xen's code. */
#ifndef MMHOSTILE_H
#define MMHOSTILE_H

#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/mm.h>
#include <guest/test.h>
#include <guest/traps.h>

#define VA(p)   ((uint64_t)(uintptr_t)(p))
#define PAGE    GUEST_PAGE_SIZE
#define RW_PTE  (PTE_P | PTE_RW | PTE_A | PTE_D)

extern uint8_t scratch[PAGE];           /* a page of ours to point mappings at */
extern domid_t victim;

/* Is mfn one of ours, or our shared_info page? */
bool own_mfn(uint64_t mfn);
/* One mmu_update of entry ma to val: its result. */
long mmu1(uint64_t ma, uint64_t val);

void attack_frames(void);
void attack_tables(void);
void attack_batches_and_foreign(void);
void attack_memory_op(void);
void attack_descriptors_and_misc(void);

#endif
