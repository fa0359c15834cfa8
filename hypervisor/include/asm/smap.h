/* SMEP and SMAP: see arch/x86/smap.c. */
#ifndef ASM_SMAP_H
#define ASM_SMAP_H

#ifndef __ASSEMBLER__
#include <sable/types.h>

/* 1 once SMAP is on: STAC/CLAC are then executed (they #UD without SMAP). */
extern uint8_t smap_active;

/*
 * Boot CPU, after the final page tables and before the other CPUs start
 * (they copy its CR4): turn SMEP and SMAP on where the CPU has them.
 */
void smap_init(void);

/* Allow / forbid supervisor access to user pages (RFLAGS.AC). */
static inline void stac(void)
{
    if (smap_active)
        __asm__ volatile("stac" ::: "memory");
}

static inline void clac(void)
{
    if (smap_active)
        __asm__ volatile("clac" ::: "memory");
}

#else /* __ASSEMBLER__ */

/* STAC / CLAC when SMAP is on; flags are clobbered. */
        .macro  SMAP_STAC
        testb   $1, smap_active(%rip)
        jz      .Lno_stac\@
        stac
.Lno_stac\@:
        .endm

        .macro  SMAP_CLAC
        testb   $1, smap_active(%rip)
        jz      .Lno_clac\@
        clac
.Lno_clac\@:
        .endm

#endif

#endif
