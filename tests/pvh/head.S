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
