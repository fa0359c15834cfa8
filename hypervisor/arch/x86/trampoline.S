/*
 * Application processor start-up code. The boot CPU copies
 * [trampoline_start, trampoline_end) to TRAMPOLINE_PA (below 1 MiB, page
 * aligned) and points a SIPI at it; the AP then starts here in real mode
 * with CS = TRAMPOLINE_PA >> 4, IP = 0.
 *
 * 16-bit -> 32-bit protected mode (flat GDT inside this page) -> long mode
 * on a temporary page table: a copy of the hypervisor's L4 plus an identity
 * map of this page, so the instruction after enabling paging still exists.
 * The 64-bit code jumps at once to ap_entry64 at its linked address, which
 * switches to the real page table, where this page is not mapped at all.
 * The boot CPU fills tramp_data (struct trampoline_data in asm/smp.h)
 * before each SIPI.
 */
#include <asm/smp.h>

#define TRAMP(x)  (TRAMPOLINE_PA + (x) - trampoline_start)
#define MSR_EFER  0xc0000080
#define CR4_PAE_PGE ((1 << 5) | (1 << 7))

        .section .rodata.trampoline, "a"
        .code16
        .globl  trampoline_start
trampoline_start:
        cli
        cld
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   tramp_gdt_desc - trampoline_start
        mov     %cr0, %eax
        or      $1, %eax                        /* CR0.PE */
        mov     %eax, %cr0
        ljmpl   $0x08, $TRAMP(tramp32)

        .code32
tramp32:
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     $CR4_PAE_PGE, %eax
        mov     %eax, %cr4
        mov     TRAMP(tramp_data), %eax         /* temporary L4 */
        mov     %eax, %cr3
        mov     $MSR_EFER, %ecx                 /* LME, and NXE like the boot CPU */
        mov     TRAMP(tramp_data + 8), %eax
        mov     TRAMP(tramp_data + 12), %edx
        wrmsr
        mov     TRAMP(tramp_data + 4), %eax     /* the boot CPU's CR0: PG, WP, ... */
        mov     %eax, %cr0
        ljmp    $0x18, $TRAMP(tramp64)

        .code64
tramp64:
        mov     TRAMP(tramp_data + 16), %rsp
        mov     TRAMP(tramp_data + 24), %rax
        jmp     *%rax

        .p2align 3
tramp_gdt:
        .quad   0
        .quad   0x00cf9a000000ffff              /* 0x08: 32-bit code */
        .quad   0x00cf92000000ffff              /* 0x10: data */
        .quad   0x00af9a000000ffff              /* 0x18: 64-bit code */
tramp_gdt_end:
tramp_gdt_desc:
        .word   tramp_gdt_end - tramp_gdt - 1
        .long   TRAMP(tramp_gdt)

        .p2align 3
        .globl  tramp_data
tramp_data:
        .fill   32, 1, 0                        /* struct trampoline_data */
        .globl  trampoline_end
trampoline_end:                                 /* one page at most: smp.c checks */

/*
 * At the linked address, still on the temporary page table, RSP on this
 * CPU's stack block (in the direct map, mapped in both tables).
 */
        .text
        .globl  ap_entry64
ap_entry64:
        mov     ap_boot_cr3(%rip), %rax
        mov     %rax, %cr3
        xor     %ebp, %ebp                      /* ends the backtrace */
        call    smp_ap_start
1:      cli
        hlt
        jmp     1b
