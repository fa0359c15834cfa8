/*
 * Options on the guest's command line (start_info.cmd_line), which the
 * domain builder copies from the text after the module's path.
 */
#include <guest/guest.h>

/* Find "key" or "key=value" as a whole word; copy value into buf. */
bool cmdline_get(const char *key, char *buf, size_t size)
{
    const char *p = guest_cmdline;
    size_t klen = strlen(key);

    while (*p) {
        const char *word = p, *end;

        while (*p && *p != ' ')
            p++;
        end = p;
        while (*p == ' ')
            p++;
        if ((size_t)(end - word) < klen || strncmp(word, key, klen))
            continue;
        if (word + klen == end || word[klen] == '=') {
            const char *val = word + klen + (word + klen < end);
            size_t n = end - val;

            if (size) {
                n = n < size - 1 ? n : size - 1;
                memcpy(buf, val, n);
                buf[n] = '\0';
            }
            return true;
        }
    }
    return false;
}

/* A decimal option: its value, or dflt when absent or not a number. */
unsigned long cmdline_get_ulong(const char *key, unsigned long dflt)
{
    char buf[24];
    unsigned long v = 0;

    if (!cmdline_get(key, buf, sizeof(buf)) || buf[0] < '0' || buf[0] > '9')
        return dflt;
    for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (*p - '0');
    return v;
}
