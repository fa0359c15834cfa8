/*
 * The C library dom0's portable code may use, on both of its builds:
 *
 *  - in dom0 (a PV kernel on guest/'s freestanding runtime): guest/lib.h
 *    (string functions, snprintf, printf on the console) plus what
 *    dom0/lib/libc.c adds (malloc and friends on an arena, strdup,
 *    strrchr);
 *  - on the host (SABLE_HOST_TEST, the cmocka unit tests): the real libc.
 *
 * Portable code sticks to the functions declared below, so either build
 * links it unchanged.
 */
#ifndef DOM0_LIBC_H
#define DOM0_LIBC_H

#ifdef SABLE_HOST_TEST
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef READ_ONCE
#define READ_ONCE(x)    (*(const volatile __typeof__(x) *)&(x))
#endif
#ifdef DOM0_FAULT_INJECT
/* tests/unit/test_xenstored_nomem.c: every allocation goes through these, to fail chosen ones. */
void *fi_malloc(size_t size);
void *fi_calloc(size_t n, size_t size);
void *fi_realloc(void *p, size_t size);
char *fi_strdup(const char *s);
void fi_free(void *p);
#define malloc(n)       fi_malloc(n)
#define calloc(n, s)    fi_calloc(n, s)
#define realloc(p, n)   fi_realloc(p, n)
#define strdup(s)       fi_strdup(s)
#define free(p)         fi_free(p)
#endif
#else
#include <guest/lib.h>

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
char *strdup(const char *s);
char *strrchr(const char *s, int c);
#endif

#define DOM0_MIN(a, b)  ((a) < (b) ? (a) : (b))

#endif /* DOM0_LIBC_H */
