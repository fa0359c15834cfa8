/*
 * Boot-domain options: what a Multiboot module's command line says about
 * the domain built from it.
 *
 *     <path> [sable.key=value ...] <guest command line>
 *
 * Words starting with `sable.` are the hypervisor's and are taken out; the
 * other words, in order, become the guest's command line
 * (start_info.cmd_line). Every key and value is checked, and a module with
 * a bad one is refused with a sentence naming the key: no domain is built
 * from a half-understood line. Portable (common/domain_options.c, unit
 * tests in tests/unit/test_domain_options.c).
 *
 * Adding a key: a field below, one row in the table in
 * common/domain_options.c (its kind, limits and `given` bit), a line in
 * docs/guests.md, a case in the unit test. Kinds cover numbers, sizes,
 * times, strings, CPU lists and one-of-several words (e.g. a domain type).
 */
#ifndef SABLE_DOMAIN_OPTIONS_H
#define SABLE_DOMAIN_OPTIONS_H

#include <sable/sched_params.h>
#include <sable/types.h>

#define DOMOPT_PREFIX       "sable."
#define DOMOPT_PATH_LEN     128
#define DOMOPT_NAME_LEN     32      /* = DOMAIN_NAME_LEN, with its NUL */
#define DOMOPT_CMDLINE_LEN  256     /* the whole module line fits (BOOT_MOD_CMDLINE) */
#define DOMOPT_MEM_MIN      (4ULL << 20)
#define DOMOPT_MEM_MAX      (4ULL << 30)

/* domain_options.given: which keys the module line set. */
#define DOMOPT_GIVEN_VCPUS          (1U << 0)
#define DOMOPT_GIVEN_MEM            (1U << 1)
#define DOMOPT_GIVEN_NAME           (1U << 2)
#define DOMOPT_GIVEN_WEIGHT         (1U << 3)
#define DOMOPT_GIVEN_CAP            (1U << 4)
#define DOMOPT_GIVEN_WARP           (1U << 5)
#define DOMOPT_GIVEN_WARPL          (1U << 6)
#define DOMOPT_GIVEN_WARPU          (1U << 7)
#define DOMOPT_GIVEN_AFFINITY       (1U << 8)
#define DOMOPT_GIVEN_SOFT_AFFINITY  (1U << 9)
#define DOMOPT_GIVEN_TYPE           (1U << 10)
#define DOMOPT_GIVEN_INITRD         (1U << 11)
#define DOMOPT_GIVEN_FILE           (1U << 12)
#define DOMOPT_GIVEN_GRANT_FRAMES    (1U << 13)
#define DOMOPT_GIVEN_MAPTRACK_FRAMES (1U << 14)

/* domain_options.type (sable.type): how the kernel is booted. */
#define DOMOPT_TYPE_PV      0       /* paravirtualized, ring 3 (default) */
#define DOMOPT_TYPE_PVH     1       /* hardware-assisted (SVM), PVH entry */

struct domain_options {
    char path[DOMOPT_PATH_LEN];         /* the module's first word */
    char name[DOMOPT_NAME_LEN];         /* sable.name, else the path's last part */
    char cmdline[DOMOPT_CMDLINE_LEN];   /* what the guest gets */
    uint32_t given;                     /* DOMOPT_GIVEN_* */

    uint32_t vcpus;                     /* sable.vcpus: 1 unless given */
    uint64_t mem;                       /* sable.mem, bytes; 0: the builder's default */
    struct sched_params sched;          /* sable.weight, cap, warp, warpl, warpu */
    uint64_t affinity;                  /* sable.affinity: CPUs its vCPUs may run on */
    uint64_t soft_affinity;             /* sable.soft_affinity: CPUs they prefer */
    uint32_t type;                      /* sable.type=pv|pvh: DOMOPT_TYPE_* */
    uint32_t initrd;                    /* sable.initrd (no value): this module is the
                                           initrd of the kernel module before it */
    uint32_t file;                      /* sable.file (no value): not a domain but a
                                           file handed to dom0 under its path */
    uint32_t grant_frames;              /* sable.grant_frames: 0, the default */
    uint32_t maptrack_frames;           /* sable.maptrack_frames: 0, the default */
};

/*
 * Parse module line `line` into *o. cpus_online (bit per CPU) bounds the
 * CPU lists; max_vcpus bounds sable.vcpus. Affinities default to every
 * online CPU. Returns 0, or -EINVAL with a sentence in err[errlen] naming
 * the key and what is wrong (o is then unspecified).
 */
int domain_options_parse(const char *line, uint64_t cpus_online, unsigned int max_vcpus,
                         struct domain_options *o, char *err, size_t errlen);

/*
 * Parse a CPU list ("0-3,6", "all") into a mask of CPUs below 64 that are
 * set in allowed. 0, or -EINVAL (syntax, empty) / -ERANGE (a CPU not allowed).
 */
int cpu_list_parse(const char *s, uint64_t allowed, uint64_t *mask);

/*
 * A duration: a number with a unit ns, us, ms or s (plain numbers are ms,
 * as xl's scheduler options). 0 or -EINVAL / -ERANGE.
 */
int duration_parse(const char *s, uint64_t *ns);

#endif
