#include "BelfryBuildInfo.h"

#ifndef BELFRY_COMMIT
#define BELFRY_COMMIT ""
#endif

const char *belfry_build_commit(void) { return BELFRY_COMMIT; }
