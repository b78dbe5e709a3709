// CBelfryLinux: Linux calls that Swift's Glibc module hides behind _GNU_SOURCE. The control socket
// needs them to create descriptors close-on-exec atomically (the agent forks xdg-open, which must
// not inherit a client connection) and to read the peer's uid for the SO_PEERCRED check.
#pragma once
#include <malloc.h>  // mallopt: the agent caps its arenas; malloc_trim: the benchmark reads live memory
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/types.h>

// Declared here because <sys/socket.h> only declares it under _GNU_SOURCE.
int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

/// A non-blocking, close-on-exec eventfd: the control I/O thread's wake-up.
static inline int belfry_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

/// accept(2) returning a non-blocking, close-on-exec descriptor.
static inline int belfry_accept(int fd) {
    return accept4(fd, (struct sockaddr *)0, (socklen_t *)0, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

/// A close-on-exec AF_UNIX stream socket, non-blocking if asked.
static inline int belfry_stream_socket(int nonblocking) {
    return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
}

/// Mirrors `struct ucred`, which glibc only defines under _GNU_SOURCE.
typedef struct { int pid; unsigned int uid; unsigned int gid; } belfry_peer_credentials;

/// getsockopt(SO_PEERCRED): the credentials of the process that connected (or listened).
static inline int belfry_peer_credentials_get(int fd, belfry_peer_credentials *out) {
    socklen_t len = sizeof(*out);
    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, out, &len);
}
