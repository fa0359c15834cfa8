/*
 * Boot-domain options (interface and syntax in sable/domain_options.h).
 *
 * The keys are one table: each row says where the value goes, what kind of
 * value it is and its limits, so a new key is one row. Checks that involve
 * two keys (a cap against the number of vCPUs) come after the whole line
 * has been read.
 */
#include <sable/domain_options.h>
#include <sable/cmdline.h>
#include <sable/errno.h>
#include <sable/lib.h>

enum domopt_kind {
    DOMOPT_UINT,        /* a number in [min, max] */
    DOMOPT_SIZE,        /* a byte count with K/M/G suffixes, in [min, max] */
    DOMOPT_TIME,        /* a duration (duration_parse), ns in [min, max] */
    DOMOPT_STRING,      /* a word that fits the field; check() may refuse it */
    DOMOPT_CPUS,        /* a CPU list of online CPUs (cpu_list_parse) */
    DOMOPT_ENUM,        /* one of words[]; the field gets its index */
    DOMOPT_FLAG,        /* a word with no value: the field becomes 1 */
};

struct domopt_key {
    const char *key;                    /* after "sable." */
    enum domopt_kind kind;
    uint32_t given;                     /* DOMOPT_GIVEN_* bit */
    size_t offset, width;               /* the field in struct domain_options */
    uint64_t min, max;
    const char *const *words;           /* DOMOPT_ENUM, NULL-terminated */
    const char *(*check)(const char *value);    /* DOMOPT_STRING: NULL or why not */
};

#define FIELD(f) .offset = offsetof(struct domain_options, f), \
                 .width = sizeof(((struct domain_options *)0)->f)

/* Domain names are printed and looked up: letters, digits, '.', '-', '_'. */
static const char *name_check(const char *v)
{
    if (!*v)
        return "must not be empty";
    for (const char *p = v; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
            return "may hold only letters, digits, '.', '-' and '_'";
    return NULL;
}

static const char *const type_words[] = { "pv", "pvh", NULL };   /* DOMOPT_TYPE_* */

static const struct domopt_key keys[] = {
    { "vcpus", DOMOPT_UINT, DOMOPT_GIVEN_VCPUS, FIELD(vcpus), .min = 1, .max = 64 },
    { "mem", DOMOPT_SIZE, DOMOPT_GIVEN_MEM, FIELD(mem),
      .min = DOMOPT_MEM_MIN, .max = DOMOPT_MEM_MAX },
    { "name", DOMOPT_STRING, DOMOPT_GIVEN_NAME, FIELD(name), .check = name_check },
    { "weight", DOMOPT_UINT, DOMOPT_GIVEN_WEIGHT, FIELD(sched.weight),
      .min = 1, .max = SCHED_WEIGHT_MAX },
    { "cap", DOMOPT_UINT, DOMOPT_GIVEN_CAP, FIELD(sched.cap), .min = 0, .max = 100 * 64 },
    { "warp", DOMOPT_TIME, DOMOPT_GIVEN_WARP, FIELD(sched.warp), .max = SCHED_WARP_MAX },
    { "warpl", DOMOPT_TIME, DOMOPT_GIVEN_WARPL, FIELD(sched.warpl), .max = SCHED_WARP_TIME_MAX },
    { "warpu", DOMOPT_TIME, DOMOPT_GIVEN_WARPU, FIELD(sched.warpu), .max = SCHED_WARP_TIME_MAX },
    { "affinity", DOMOPT_CPUS, DOMOPT_GIVEN_AFFINITY, FIELD(affinity) },
    { "soft_affinity", DOMOPT_CPUS, DOMOPT_GIVEN_SOFT_AFFINITY, FIELD(soft_affinity) },
    { "type", DOMOPT_ENUM, DOMOPT_GIVEN_TYPE, FIELD(type), .words = type_words },
    { "initrd", DOMOPT_FLAG, DOMOPT_GIVEN_INITRD, FIELD(initrd) },
    { "file", DOMOPT_FLAG, DOMOPT_GIVEN_FILE, FIELD(file) },
    { "grant_frames", DOMOPT_UINT, DOMOPT_GIVEN_GRANT_FRAMES, FIELD(grant_frames),
      .min = 1, .max = 4096 },
    { "maptrack_frames", DOMOPT_UINT, DOMOPT_GIVEN_MAPTRACK_FRAMES, FIELD(maptrack_frames),
      .min = 1, .max = 4096 },
};

/* ---- value syntax ---- */

int duration_parse(const char *s, uint64_t *ns)
{
    static const struct { const char *unit; uint64_t ns; } units[] = {
        { "ns", 1 }, { "us", NSEC_PER_USEC }, { "ms", NSEC_PER_MSEC }, { "s", NSEC_PER_SEC },
        { "", NSEC_PER_MSEC },
    };
    char digits[24];
    size_t n = 0;
    uint64_t v;
    int rc;

    while (s[n] >= '0' && s[n] <= '9' && n < sizeof(digits) - 1) {
        digits[n] = s[n];
        n++;
    }
    digits[n] = '\0';
    if (n == 0 || (s[n] >= '0' && s[n] <= '9'))
        return n ? -ERANGE : -EINVAL;
    rc = parse_uint(digits, &v, false);
    if (rc)
        return rc;
    for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
        if (strcmp(s + n, units[i].unit))
            continue;
        if (v > UINT64_MAX / units[i].ns)
            return -ERANGE;
        *ns = v * units[i].ns;
        return 0;
    }
    return -EINVAL;
}

/* One decimal CPU number at *p (advanced past it), below 64. */
static int cpu_number(const char **p, unsigned int *cpu)
{
    unsigned int v = 0;
    const char *s = *p;

    if (*s < '0' || *s > '9')
        return -EINVAL;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (unsigned int)(*s++ - '0');
        if (v >= 64)
            return -ERANGE;
    }
    *p = s;
    *cpu = v;
    return 0;
}

int cpu_list_parse(const char *s, uint64_t allowed, uint64_t *mask)
{
    uint64_t m = 0;
    const char *p = s;

    if (!strcmp(s, "all")) {
        if (!allowed)
            return -EINVAL;
        *mask = allowed;
        return 0;
    }
    for (;;) {
        unsigned int first, last;
        int rc = cpu_number(&p, &first);

        if (rc)
            return rc;
        last = first;
        if (*p == '-') {
            p++;
            rc = cpu_number(&p, &last);
            if (rc)
                return rc;
            if (last < first)
                return -EINVAL;
        }
        for (unsigned int c = first; c <= last; c++)
            m |= 1ULL << c;
        if (*p == '\0')
            break;
        if (*p++ != ',')
            return -EINVAL;
    }
    if (m & ~allowed)
        return -ERANGE;
    *mask = m;
    return 0;
}

/* ---- one key ---- */

static void store(struct domain_options *o, const struct domopt_key *k, uint64_t v)
{
    char *field = (char *)o + k->offset;

    if (k->width == sizeof(uint32_t)) {
        uint32_t v32 = (uint32_t)v;
        memcpy(field, &v32, sizeof(v32));
    } else {
        memcpy(field, &v, sizeof(v));
    }
}

/* Parse value for key k into o; NULL, or why it is refused. */
static const char *key_apply(struct domain_options *o, const struct domopt_key *k,
                             const char *value, uint64_t cpus_online)
{
    uint64_t v = 0;

    switch (k->kind) {
    case DOMOPT_UINT:
    case DOMOPT_SIZE:
        if (parse_uint(value, &v, k->kind == DOMOPT_SIZE))
            return k->kind == DOMOPT_SIZE ? "not a size (e.g. 64M)" : "not a number";
        break;
    case DOMOPT_TIME:
        if (duration_parse(value, &v))
            return "not a duration (e.g. 10ms, 500us)";
        break;
    case DOMOPT_STRING: {
        const char *why = k->check ? k->check(value) : NULL;
        if (why)
            return why;
        if (strlen(value) >= k->width)
            return "too long";
        strlcpy((char *)o + k->offset, value, k->width);
        return NULL;
    }
    case DOMOPT_CPUS:
        switch (cpu_list_parse(value, cpus_online, &v)) {
        case 0: store(o, k, v); return NULL;
        case -ERANGE: return "names a CPU that is not online";
        default: return "not a CPU list (e.g. 0-1,3)";
        }
    case DOMOPT_FLAG:
        return "takes no value";
    case DOMOPT_ENUM:
        for (v = 0; k->words[v]; v++)
            if (!strcmp(value, k->words[v]))
                break;
        if (!k->words[v])
            return "not one of the accepted words";
        store(o, k, v);
        return NULL;
    }
    if (v < k->min || v > k->max)
        return "out of range";
    store(o, k, v);
    return NULL;
}

/* The limits of key k, for a message: " (1..65535)". */
static void key_limits(const struct domopt_key *k, char *buf, size_t len)
{
    buf[0] = '\0';
    if (k->kind == DOMOPT_UINT || k->kind == DOMOPT_SIZE)
        snprintf(buf, len, " (%lu..%lu)", (unsigned long)k->min, (unsigned long)k->max);
    else if (k->kind == DOMOPT_TIME)
        snprintf(buf, len, " (0..%lums)", (unsigned long)(k->max / NSEC_PER_MSEC));
}

/* A `sable.` word (without the prefix): find its row and apply it. */
static int word_apply(struct domain_options *o, const char *word, uint64_t cpus_online,
                      char *err, size_t errlen)
{
    const char *eq = strchr(word, '=');
    size_t keylen = eq ? (size_t)(eq - word) : strlen(word);
    const char *why;
    char limits[48];

    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const struct domopt_key *k = &keys[i];
        if (strlen(k->key) != keylen || strncmp(k->key, word, keylen))
            continue;
        if (!eq && k->kind == DOMOPT_FLAG) {
            store(o, k, 1);
            o->given |= k->given;
            return 0;
        }
        if (!eq) {
            snprintf(err, errlen, DOMOPT_PREFIX "%s: needs a value", k->key);
            return -EINVAL;
        }
        why = key_apply(o, k, eq + 1, cpus_online);
        if (why) {
            key_limits(k, limits, sizeof(limits));
            snprintf(err, errlen, DOMOPT_PREFIX "%s=%s: %s%s", k->key, eq + 1, why, limits);
            return -EINVAL;
        }
        o->given |= k->given;
        return 0;
    }
    snprintf(err, errlen, DOMOPT_PREFIX "%.*s: unknown option", (int)keylen, word);
    return -EINVAL;
}

/* ---- the whole line ---- */

/* Checks between keys, once everything is read. */
static int options_check(struct domain_options *o, unsigned int max_vcpus, char *err,
                         size_t errlen)
{
    if (o->vcpus > max_vcpus) {
        snprintf(err, errlen, DOMOPT_PREFIX "vcpus=%u: at most %u vCPUs per domain",
                 o->vcpus, max_vcpus);
        return -EINVAL;
    }
    if (o->sched.cap > 100 * o->vcpus) {
        snprintf(err, errlen, DOMOPT_PREFIX "cap=%u: above 100%% x %u vCPU%s", o->sched.cap,
                 o->vcpus, o->vcpus == 1 ? "" : "s");
        return -EINVAL;
    }
    return 0;
}

/* The last part of path, for a default domain name. */
static void default_name(struct domain_options *o)
{
    const char *base = o->path;

    for (const char *p = o->path; *p; p++)
        if (*p == '/')
            base = p + 1;
    strlcpy(o->name, *base ? base : "domain", sizeof(o->name));
}

/* Append word to the guest's command line, space-separated. */
static int cmdline_append(struct domain_options *o, const char *word, char *err,
                          size_t errlen)
{
    size_t used = strlen(o->cmdline), need = strlen(word) + (used ? 1 : 0);

    if (used + need >= sizeof(o->cmdline)) {
        snprintf(err, errlen, "guest command line longer than %zu bytes",
                 sizeof(o->cmdline) - 1);
        return -EINVAL;
    }
    if (used)
        o->cmdline[used++] = ' ';
    strlcpy(o->cmdline + used, word, sizeof(o->cmdline) - used);
    return 0;
}

/* Copy the next space-separated word of *line into word[len]; false at the end. */
static bool next_word(const char **line, char *word, size_t len, bool *truncated)
{
    const char *p = *line;
    size_t n = 0;

    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return false;
    *truncated = false;
    for (; *p && *p != ' ' && *p != '\t'; p++) {
        if (n + 1 < len)
            word[n++] = *p;
        else
            *truncated = true;
    }
    word[n] = '\0';
    *line = p;
    return true;
}

int domain_options_parse(const char *line, uint64_t cpus_online, unsigned int max_vcpus,
                         struct domain_options *o, char *err, size_t errlen)
{
    char word[DOMOPT_CMDLINE_LEN];
    bool first = true, truncated;
    int rc = 0;

    memset(o, 0, sizeof(*o));
    o->vcpus = 1;
    o->sched = SCHED_PARAMS_DEFAULT;
    o->affinity = o->soft_affinity = cpus_online;
    while (!rc && next_word(&line, word, sizeof(word), &truncated)) {
        if (truncated) {
            snprintf(err, errlen, "a word longer than %zu bytes", sizeof(word) - 1);
            rc = -EINVAL;
        } else if (first) {
            if (strlen(word) >= sizeof(o->path)) {
                snprintf(err, errlen, "module path longer than %zu bytes", sizeof(o->path) - 1);
                rc = -EINVAL;
            }
            strlcpy(o->path, word, sizeof(o->path));
        } else if (!strncmp(word, DOMOPT_PREFIX, strlen(DOMOPT_PREFIX))) {
            rc = word_apply(o, word + strlen(DOMOPT_PREFIX), cpus_online, err, errlen);
        } else {
            rc = cmdline_append(o, word, err, errlen);
        }
        first = false;
    }
    if (!rc)
        rc = options_check(o, max_vcpus, err, errlen);
    if (!rc && !(o->given & DOMOPT_GIVEN_NAME))
        default_name(o);
    return rc;
}
