/* System time: nanoseconds since boot, monotonic, the same on every CPU. */
#ifndef SABLE_TIME_H
#define SABLE_TIME_H

#include <sable/types.h>

typedef int64_t s_time_t;

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC  1000000000ULL

/* 0 until the TSC is calibrated. */
uint64_t now_ns(void);

#endif
