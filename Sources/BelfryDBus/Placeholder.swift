// libdbus behind DesktopSink.
