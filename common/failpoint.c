/*
 * failpoint.c - see failpoint.h.
 */
#include "common/failpoint.h"

#include "common/log.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

bool failpoint_armed(const char *name)
{
    static const char *armed;
    static int loaded;
    if (!loaded) {
        armed = getenv("O2P_FAILPOINT");
        loaded = 1;
    }
    return armed && strcmp(armed, name) == 0;
}

void failpoint(const char *name)
{
    if (failpoint_armed(name)) {
        log_warn(NULL, "op=failpoint name=%s action=SIGKILL", name);
        raise(SIGKILL);
    }
}
