/* A private ring-3 address space for the hypervisor's own checks (asm/user_space.h). */
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <asm/memlayout.h>
#include <asm/processor.h>
#include <asm/user_space.h>

#define USER_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)

BUILD_BUG_ON(((USER_SPACE_DATA >> PAGE_SHIFT) % PT_ENTRIES) + (1 << USER_SPACE_MAX_ORDER) > PT_ENTRIES);

static void *zeroed_page(void)
{
    void *p = alloc_xenheap_pages(0);

    if (p)
        memset(p, 0, PAGE_SIZE);
    return p;
}

void user_space_free(struct user_space *s)
{
    void *pages[] = { s->l4, s->l3, s->l2, s->l1, s->code, s->stack };

    for (unsigned int i = 0; i < ARRAY_SIZE(pages); i++)
        if (pages[i])
            free_xenheap_pages(pages[i], 0);
    if (s->data)
        free_xenheap_pages(s->data, s->data_order);
    *s = (struct user_space){ 0 };
}

int user_space_build(struct user_space *s, unsigned int data_order)
{
    uint64_t nx = (rdmsr(MSR_EFER) & EFER_NXE) ? _PAGE_NX : 0;

    ASSERT(data_order <= USER_SPACE_MAX_ORDER);
    *s = (struct user_space){ .data_order = data_order };
    s->l4 = zeroed_page();
    s->l3 = zeroed_page();
    s->l2 = zeroed_page();
    s->l1 = zeroed_page();
    s->code = zeroed_page();
    s->stack = zeroed_page();
    s->data = alloc_xenheap_pages(data_order);
    if (!s->l4 || !s->l3 || !s->l2 || !s->l1 || !s->code || !s->stack || !s->data) {
        user_space_free(s);
        return -ENOMEM;
    }
    memcpy(s->l4, maddr_to_virt(read_cr3() & PTE_ADDR_MASK), PAGE_SIZE);
    s->l4[pt_index(USER_SPACE_BASE, 4)] = virt_to_maddr(s->l3) | USER_TABLE;
    s->l3[pt_index(USER_SPACE_BASE, 3)] = virt_to_maddr(s->l2) | USER_TABLE;
    s->l2[pt_index(USER_SPACE_BASE, 2)] = virt_to_maddr(s->l1) | USER_TABLE;
    s->l1[pt_index(USER_SPACE_CODE, 1)] = virt_to_maddr(s->code) | _PAGE_PRESENT |
                                          _PAGE_USER | _PAGE_ACCESSED;
    s->l1[pt_index(USER_SPACE_STACK_TOP - 1, 1)] = virt_to_maddr(s->stack) | USER_TABLE |
                                                   _PAGE_DIRTY | nx;
    for (unsigned int i = 0; i < 1U << data_order; i++)
        s->l1[pt_index(USER_SPACE_DATA, 1) + i] =
            (virt_to_maddr(s->data) + i * PAGE_SIZE) | USER_TABLE | _PAGE_DIRTY | nx;
    return 0;
}

uint64_t user_space_enter(const struct user_space *s)
{
    uint64_t cr3 = read_cr3();

    ASSERT(!local_irq_enabled());
    write_cr3(virt_to_maddr(s->l4));
    return cr3;
}
