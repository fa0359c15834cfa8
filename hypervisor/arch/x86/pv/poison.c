/*
 * debug_poison_free=<size>: before the boot domains are built, fill that
 * much free memory with 'Z' and give it back. Freed blocks are the first
 * to be handed out again (the buddy's free lists are last in, first out),
 * so the domains built next get frames full of old data, as they would
 * after other domains have run: the isolation tests check that a guest
 * still sees only zeros (tests/integration/test_svm.py, pvhtest `zero`).
 *
 *   poison: 64 MiB of free memory filled with 'Z'
 */
#include <sable/cmdline.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <asm/pv.h>

#define POISON_BYTE   'Z'
#define POISON_ORDER  9                 /* 2 MiB blocks, as guest RAM is allocated */
#define POISON_BLOCKS 512               /* 1 GiB at most */

static uint64_t poison_bytes;
size_param("debug_poison_free", poison_bytes, 0, (uint64_t)POISON_BLOCKS << (POISON_ORDER + 12));

void boot_poison_free_memory(void)
{
    static struct page_info *blocks[POISON_BLOCKS];
    unsigned int n = 0;

    if (!poison_bytes)
        return;
    while (n < POISON_BLOCKS && ((uint64_t)n << (POISON_ORDER + 12)) < poison_bytes &&
           (blocks[n] = alloc_pages(POISON_ORDER)))
        memset(page_to_virt(blocks[n++]), POISON_BYTE, PAGE_SIZE << POISON_ORDER);
    /* Freed in reverse, so the first block poisoned is the first reused. */
    for (unsigned int i = n; i-- > 0;)
        free_pages(blocks[i], POISON_ORDER);
    printk("poison: %u MiB of free memory filled with '%c'\n", n * 2, POISON_BYTE);
}
