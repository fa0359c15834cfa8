/*
 * Entry from a Multiboot (v1) or Multiboot2 loader: 32-bit protected mode,
 * paging off, EAX = loader magic, EBX = physical address of the boot info.
 *
 * We build nothing at run time here: the boot page tables below are filled
 * in by the assembler. They map physical 0..1 GiB twice (identity, so the
 * next instruction after enabling paging still exists, and at
 * SABLE_VIRT_START, where the image is linked) and 0..4 GiB at
 * DIRECTMAP_VIRT_START. C code replaces them once it knows the memory map.
 */
#include <asm/memlayout.h>
#include <sable/multiboot.h>
#include <asm/percpu.h>

#define PA(x) ((x) - SABLE_VIRT_START)
#define PTE_P   0x001
#define PTE_RW  0x002
#define PTE_PS  0x080
#define PDE_2M  (PTE_P | PTE_RW | PTE_PS)
#define PTE_TBL (PTE_P | PTE_RW)

#define MB1_FLAGS (MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMINFO | MB1_FLAG_AOUT_KLUDGE)

        .section .boot.header, "a"
        .align 4
mb1_header:
        .long MB1_HEADER_MAGIC
        .long MB1_FLAGS
        .long -(MB1_HEADER_MAGIC + MB1_FLAGS)
        .long PA(mb1_header)            /* header_addr */
        .long PA(_image_start)          /* load_addr */
        .long PA(_edata)                /* load_end_addr */
        .long PA(_end)                  /* bss_end_addr */
        .long PA(start32)               /* entry_addr */

        .align 8
mb2_header:
        .long MB2_HEADER_MAGIC
        .long MB2_ARCH_I386
        .long mb2_header_end - mb2_header
        .long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
        /* address tag: load like the v1 a.out kludge */
        .word 2, 0
        .long 24
        .long PA(mb2_header), PA(_image_start), PA(_edata), PA(_end)
        /* entry address tag */
        .word 3, 0
        .long 12
        .long PA(start32)
        .long 0                         /* pad to 8 */
        /* end tag */
        .word 0, 0
        .long 8
mb2_header_end:

        .section .boot.text, "ax"
        .code32
        .globl start32
start32:
        cli
        cld
        mov     %eax, %edi              /* loader magic, kept for C */
        mov     %ebx, %esi              /* boot info, physical */

        /* Long mode present? Otherwise say so on COM1 and stop. */
        mov     $0x80000000, %eax
        cpuid
        cmp     $0x80000001, %eax
        jb      no_long_mode
        mov     $0x80000001, %eax
        cpuid
        bt      $29, %edx
        jnc     no_long_mode
        mov     %edx, %ebp              /* remember NX support (bit 20) */

        lgdt    PA(boot_gdt_desc)
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs

        /* CR4.PAE + PGE, CR3 = boot L4 */
        mov     %cr4, %eax
        or      $((1 << 5) | (1 << 7)), %eax
        mov     %eax, %cr4
        mov     $PA(boot_l4), %eax
        mov     %eax, %cr3

        /* EFER.LME (+ NXE when the CPU has it) */
        mov     $0xc0000080, %ecx
        rdmsr
        or      $(1 << 8), %eax
        bt      $20, %ebp
        jnc     1f
        or      $(1 << 11), %eax
1:      wrmsr

        /* CR0.PG + PE + WP: enters compatibility mode */
        mov     %cr0, %eax
        or      $((1 << 31) | (1 << 16) | 1), %eax
        mov     %eax, %cr0
        ljmp    $0x08, $PA(start64_low)

no_long_mode:
        mov     $PA(msg_no_lm), %ebx
2:      movb    (%ebx), %al
        test    %al, %al
        jz      3f
        mov     $0x3f8, %dx
        outb    %al, %dx
        mov     $0xe9, %dx
        outb    %al, %dx
        inc     %ebx
        jmp     2b
3:      hlt
        jmp     3b

        .code64
start64_low:
        movabs  $start64, %rax
        jmp     *%rax

        .text
start64:
        /* Now running at the linked (high) address. */
        lgdt    boot_gdt_desc_high(%rip)
        xor     %eax, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %fs
        mov     %eax, %gs
        mov     %eax, %ss
        lea     cpu0_stack_top - CPU_INFO_SIZE(%rip), %rsp
        xor     %ebp, %ebp              /* ends the backtrace */
        mov     %edi, %edi              /* zero-extend magic and boot info */
        mov     %esi, %esi
        call    start_sable
4:      cli
        hlt
        jmp     4b

        .section .rodata
msg_no_lm:
        .asciz  "Sable: this CPU has no 64-bit long mode; cannot boot.\r\n"

        .section .data
        .align 16
boot_gdt:
        .quad   0
        .quad   0x00af9a000000ffff      /* 0x08: 64-bit code */
        .quad   0x00cf92000000ffff      /* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
        .word   boot_gdt_end - boot_gdt - 1
        .long   PA(boot_gdt)
        .align 8
boot_gdt_desc_high:
        .word   boot_gdt_end - boot_gdt - 1
        .quad   boot_gdt

        .section .data.page_aligned, "aw"
        .align 4096
        .globl boot_l4
boot_l4:
        .quad   PA(boot_l3_ident) + PTE_TBL             /* slot 0 */
        .fill   260, 8, 0
        .quad   PA(boot_l3_image) + PTE_TBL             /* slot 261 */
        .quad   PA(boot_l3_dmap) + PTE_TBL              /* slot 262 */
        .fill   249, 8, 0
boot_l3_ident:
        .quad   PA(boot_l2_dmap) + PTE_TBL
        .fill   511, 8, 0
boot_l3_image:                                  /* 0xffff82d080000000 */
        .fill   322, 8, 0
        .quad   PA(boot_l2_dmap) + PTE_TBL
        .fill   189, 8, 0
boot_l3_dmap:
        .quad   PA(boot_l2_dmap) + PTE_TBL
        .quad   PA(boot_l2_dmap) + 0x1000 + PTE_TBL
        .quad   PA(boot_l2_dmap) + 0x2000 + PTE_TBL
        .quad   PA(boot_l2_dmap) + 0x3000 + PTE_TBL
        .fill   508, 8, 0
        /* 4 x 512 2-MiB pages: physical 0..4 GiB */
boot_l2_dmap:
        .set    i, 0
        .rept   2048
        .quad   (i << 21) + PDE_2M
        .set    i, i + 1
        .endr

        .section .bss.stack, "aw", @nobits
        .align  STACK_SIZE
        .globl cpu0_stack, cpu0_stack_top
cpu0_stack:
        .skip   STACK_SIZE
cpu0_stack_top:
