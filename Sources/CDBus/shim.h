// CDBus: libdbus for Swift.
#pragma once
#include <dbus/dbus.h>
