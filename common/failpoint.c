/*
 * failpoint.c - see failpoint.h.
 */
#include "common/failpoint.h"

#include "common/log.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void failpoint(const char *name)
{
    static const char *armed;
    static int loaded;
    if (!loaded) {
        armed = getenv("O2P_FAILPOINT");
        loaded = 1;
    }
    if (armed && strcmp(armed, name) == 0) {
        log_warn(NULL, "op=failpoint name=%s action=SIGKILL", name);
        raise(SIGKILL);
    }
}
