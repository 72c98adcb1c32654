// libsystemd: sd_notify for the service manager, sd_journal_sendv for native journald entries.
#include <stdint.h>
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <time.h>

// CLOCK_MONOTONIC in microseconds, as MONOTONIC_USEC= of sd_notify(3) wants it.
static inline uint64_t dvcg_monotonic_usec(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}
