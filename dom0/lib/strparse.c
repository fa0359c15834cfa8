/*
 * Strict number parsing (dom0/include/dom0/strparse.h).
 */
#include <dom0/libc.h>
#include <dom0/strparse.h>

static int digit_value(char c, unsigned int base)
{
    int d = -1;

    if (c >= '0' && c <= '9')
        d = c - '0';
    else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
    return d < (int)base ? d : -1;
}

bool parse_base_n(const char *s, size_t len, unsigned int base, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        int d = digit_value(s[i], base);

        if (d < 0 || v > (max - (uint64_t)d) / base)
            return false;
        v = v * base + (uint64_t)d;
    }
    *out = v;
    return true;
}

bool parse_decimal_n(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    return parse_base_n(s, len, 10, max, out);
}

bool parse_decimal(const char *s, uint64_t max, uint64_t *out)
{
    return parse_base_n(s, strlen(s), 10, max, out);
}

bool parse_number_n(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return parse_base_n(s + 2, len - 2, 16, max, out);
    return parse_base_n(s, len, 10, max, out);
}
