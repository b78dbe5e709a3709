#ifndef BELFRY_BUILD_INFO_H
#define BELFRY_BUILD_INFO_H

/// The git commit `belfry` was built from, as `make` (scripts/build-release.sh) passes it in the
/// BELFRY_COMMIT environment variable (Package.swift turns it into a C define); "" for a plain
/// `swift build`. C because a SwiftPM define carries a value only for C targets.
const char *belfry_build_commit(void);

#endif
