// CDBus: libdbus for Swift.
//
// Swift calls libdbus's functions directly; nothing of libdbus itself needs wrapping (BelfryDBus
// avoids the variadic dbus_message_append_args/get_args and builds messages with iterators).
// The one addition is <sys/eventfd.h>: Glibc's Swift module map leaves it out, and BelfryDBus's
// connection thread sleeps in poll() on the libdbus watch fds plus an eventfd that async callers
// signal when they queue work for it.
#pragma once
#include <dbus/dbus.h>
#include <sys/eventfd.h>
