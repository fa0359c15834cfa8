/*
 * The C library functions dom0 needs beyond guest/'s (dom0/include/dom0/libc.h),
 * for the dom0 kernel only; the host unit tests use the real libc.
 *
 * malloc and friends carve a static arena: dom0 cannot map more memory
 * until PV page-table updates land (docs/dom0.md), and its image is loaded
 * with the arena already mapped.
 */
#include <dom0/arena.h>
#include <dom0/libc.h>

#include "../dom0.h"

#define HEAP_SIZE   (8u << 20)

static uint8_t heap_mem[HEAP_SIZE] __aligned(16);
struct arena dom0_heap;
static bool heap_ready;

static struct arena *heap(void)
{
    if (!heap_ready)
        heap_ready = arena_init(&dom0_heap, heap_mem, sizeof(heap_mem));
    return &dom0_heap;
}

void *malloc(size_t size)
{
    return arena_alloc(heap(), size);
}

void *calloc(size_t n, size_t size)
{
    void *p;

    if (size && n > SIZE_MAX / size)
        return NULL;
    p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *p, size_t size)
{
    return arena_realloc(heap(), p, size);
}

void free(void *p)
{
    arena_free(heap(), p);
}

char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d)
        memcpy(d, s, n);
    return d;
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;

    do {
        if (*s == (char)c)
            last = s;
    } while (*s++);
    return (char *)last;
}
