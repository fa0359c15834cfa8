/*
 * Strict number parsing for text that comes from outside: XenStore
 * requests (domain ids, transaction ids, permissions) and configuration
 * files. No sign, no spaces, no base prefixes unless asked for, no
 * overflow: the whole string is the number or it is refused.
 */
#ifndef DOM0_STRPARSE_H
#define DOM0_STRPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal digits only, value <= max. */
bool parse_decimal(const char *s, uint64_t max, uint64_t *out);
/* The same for the len bytes at s (need not be NUL-terminated). */
bool parse_decimal_n(const char *s, size_t len, uint64_t max, uint64_t *out);
/* Decimal, or hexadecimal after 0x / 0X, value <= max. */
bool parse_number_n(const char *s, size_t len, uint64_t max, uint64_t *out);
/* Digits of one base (2..16, either case) only, value <= max. */
bool parse_base_n(const char *s, size_t len, unsigned int base, uint64_t max, uint64_t *out);

#endif /* DOM0_STRPARSE_H */
