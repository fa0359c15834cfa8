/*
 * Command-line parsing. Portable: compiled into the hypervisor and into the
 * host unit tests (tests/unit/test_cmdline.c).
 */
#include <sable/cmdline.h>
#include <sable/errno.h>
#include <sable/lib.h>

int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "1", "yes", "on", "true", "enable" };
    static const char *const no[] = { "0", "no", "off", "false", "disable" };

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!strcmp(s, yes[i])) { *out = true; return 0; }
        if (!strcmp(s, no[i])) { *out = false; return 0; }
    }
    return -EINVAL;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 99;
}

int parse_uint(const char *s, uint64_t *out, bool sizes)
{
    unsigned int base = 10, shift = 0;
    uint64_t v = 0;
    const char *p = s;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p)
        return -EINVAL;
    for (; *p; p++) {
        int d = digit_value(*p);
        if (d >= (int)base)
            break;
        if (v > (UINT64_MAX - d) / base)
            return -ERANGE;
        v = v * base + d;
    }
    if (p == s || (base == 16 && p == s + 2))
        return -EINVAL;
    if (sizes && *p) {
        switch (*p) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        case 't': case 'T': shift = 40; break;
        default: return -EINVAL;
        }
        p++;
        if ((*p == 'b' || *p == 'B') && !p[1])
            p++;
        if (v > (UINT64_MAX >> shift))
            return -ERANGE;
        v <<= shift;
    }
    if (*p)
        return -EINVAL;
    *out = v;
    return 0;
}

static const struct param *find_param(const char *name, const struct param *params,
                                      size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(params[i].name, name))
            return &params[i];
    return NULL;
}

/* Apply one value; negative errno when it does not fit the option. */
static int apply_value(const struct param *p, const char *val, bool negated)
{
    uint64_t u;
    bool b;
    int rc;

    switch (p->type) {
    case PARAM_BOOL:
        if (!val) {
            *(bool *)p->var = !negated;
            return 0;
        }
        if (negated || (rc = parse_bool(val, &b)))
            return -EINVAL;
        *(bool *)p->var = b;
        return 0;
    case PARAM_UINT:
    case PARAM_SIZE:
        if (!val || negated)
            return -EINVAL;
        rc = parse_uint(val, &u, p->type == PARAM_SIZE);
        if (rc)
            return rc;
        if (u < p->min || u > p->max)
            return -ERANGE;
        *(uint64_t *)p->var = u;
        return 0;
    case PARAM_STRING:
        if (!val || negated || strlen(val) >= p->len)
            return -EINVAL;
        strlcpy(p->var, val, p->len);
        return 0;
    case PARAM_CUSTOM:
        if (negated)
            return -EINVAL;
        return p->custom(val ? val : "");
    }
    return -EINVAL;
}

int cmdline_parse(const char *cmdline, const struct param *params, size_t nparams,
                  cmdline_report_t report)
{
    char word[CMDLINE_MAX], msg[CMDLINE_MAX + 96];
    const char *s = cmdline;
    int errors = 0;

    while (s && *s) {
        size_t len = 0;
        char *val, *name = word;
        const struct param *p;
        bool negated = false;

        while (*s == ' ' || *s == '\t')
            s++;
        while (s[len] && s[len] != ' ' && s[len] != '\t')
            len++;
        if (!len)
            break;
        if (len >= sizeof(word))
            len = sizeof(word) - 1;
        memcpy(word, s, len);
        word[len] = '\0';
        while (*s && *s != ' ' && *s != '\t')
            s++;

        val = strchr(word, '=');
        if (val)
            *val++ = '\0';
        p = find_param(name, params, nparams);
        if (!p && !strncmp(name, "no-", 3)) {
            p = find_param(name + 3, params, nparams);
            negated = p != NULL;
        }
        if (!p) {
            snprintf(msg, sizeof(msg), "unknown option '%s' ignored", name);
            report(msg);
            errors++;
        } else if (apply_value(p, val, negated)) {
            snprintf(msg, sizeof(msg), "invalid value '%s' for option '%s' ignored",
                     val ? val : "", p->name);
            report(msg);
            errors++;
        }
    }
    return errors;
}
