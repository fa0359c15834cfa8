/*
 * PVH entry of Sable's HVM test kernel: entered in 32-bit protected mode,
 * paging off, EBX = hvm_start_info. Builds an identity map of the first
 * 4 GiB (2 MiB pages), enters long mode and calls pvh_main(start_info).
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

        .section .note.Xen, "a", @note
        .p2align 2
        .long   4, 4, XEN_ELFNOTE_PHYS32_ENTRY
        .asciz  "Xen"
        .long   pvh_start

        .section .text.entry, "ax"
        .code32
        .globl  pvh_start
pvh_start:
        cld
        mov     %ebx, %esi              /* start_info, kept for pvh_main */
        lgdt    gdt_desc
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     $stack_top, %esp

        /* L4[0] -> L3; L3[0..3] -> four L2s of 512 2 MiB pages each. */
        mov     $pt_l3, %eax
        or      $0x3, %eax
        mov     %eax, pt_l4
        xor     %ecx, %ecx
1:      mov     %ecx, %eax
        shl     $12, %eax
        add     $pt_l2, %eax
        or      $0x3, %eax
        mov     %eax, pt_l3(,%ecx,8)
        inc     %ecx
        cmp     $4, %ecx
        jne     1b
        xor     %ecx, %ecx
2:      mov     %ecx, %eax
        shl     $21, %eax
        or      $0x83, %eax             /* present, writable, 2 MiB */
        mov     %eax, pt_l2(,%ecx,8)
        mov     %ecx, %eax
        shr     $11, %eax               /* high half of the 2 MiB frame address */
        mov     %eax, pt_l2+4(,%ecx,8)
        inc     %ecx
        cmp     $2048, %ecx
        jne     2b

        mov     %cr4, %eax
        or      $0x20, %eax             /* PAE */
        mov     %eax, %cr4
        mov     $pt_l4, %eax
        mov     %eax, %cr3
        mov     $0xc0000080, %ecx       /* EFER.LME: an intercepted WRMSR */
        rdmsr
        or      $0x100, %eax
        wrmsr
        mov     %cr0, %eax
        or      $0x80000001, %eax       /* PG | PE */
        mov     %eax, %cr0
        ljmp    $0x08, $long_mode

        .code64
long_mode:
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     $stack_top, %rsp
        mov     %esi, %edi
        call    pvh_main
3:      hlt
        jmp     3b

/*
 * Second vCPU: INIT/SIPI starts it in real mode at AP_TRAMP (vector 8),
 * where apic.c copied ap_tramp_start..ap_tramp_end. It loads its own GDT
 * (in the copy: real mode cannot reach the kernel's), goes through 32-bit
 * protected mode to long mode on the boot vCPU's page tables and calls
 * ap_main on its own stack.
 */
#define AP_TRAMP 0x8000
#define TRAMP(sym) (AP_TRAMP + ((sym) - ap_tramp_start))

        .text
        .code16
        .globl  ap_tramp_start, ap_tramp_end
ap_tramp_start:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        lgdtl   TRAMP(tramp_gdt_desc)
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $0x18, $TRAMP(tramp32)

        .code32
tramp32:
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %cr4, %eax
        or      $0x20, %eax             /* PAE */
        mov     %eax, %cr4
        mov     $pt_l4, %eax
        mov     %eax, %cr3
        mov     $0xc0000080, %ecx
        rdmsr
        or      $0x100, %eax            /* EFER.LME */
        wrmsr
        mov     %cr0, %eax
        or      $0x80000001, %eax
        mov     %eax, %cr0
        ljmp    $0x08, $ap_long_mode

        .p2align 3
tramp_gdt:
        .quad   0
        .quad   0x00af9a000000ffff      /* 0x08: 64-bit code */
        .quad   0x00cf92000000ffff      /* 0x10: data */
        .quad   0x00cf9a000000ffff      /* 0x18: 32-bit code */
tramp_gdt_desc:
        .word   tramp_gdt_desc - tramp_gdt - 1
        .long   TRAMP(tramp_gdt)
ap_tramp_end:

        .code64
ap_long_mode:
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     $ap_stack_top, %rsp
        call    ap_main
4:      cli
        hlt
        jmp     4b

        .section .rodata
        .p2align 3
gdt:    .quad   0
        .quad   0x00af9a000000ffff      /* 0x08: 64-bit code */
        .quad   0x00cf92000000ffff      /* 0x10: data */
gdt_desc:
        .word   gdt_desc - gdt - 1
        .long   gdt

        .bss
        .p2align 12
pt_l4:  .skip   4096
pt_l3:  .skip   4096
pt_l2:  .skip   4 * 4096
stack:  .skip   16384
stack_top:
        .globl  ap_stack, ap_stack_top
ap_stack:
        .skip   16384
ap_stack_top:
