// libsystemd: sd_notify for the service manager, sd_journal_sendv for native journald entries.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>
