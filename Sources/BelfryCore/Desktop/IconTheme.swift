import FoundationEssentials
import Synchronization

/// Finds out whether an icon name is installed in any icon theme, as a notification server would look
/// for it (freedesktop Icon Theme Specification: `$XDG_DATA_HOME/icons`, `~/.icons`, `icons` in each of
/// `$XDG_DATA_DIRS`, `/usr/share/pixmaps`), so a popup never names an icon that is nowhere: servers draw
/// a broken-image placeholder for it (xfce4-notifyd, swaync). A name that is missing is replaced by a
/// stock name of the Icon Naming Specification that is installed, else by no icon at all.
///
/// Answers are cached per name; a new `IconTheme` (a reload) looks again.
public struct IconTheme: Sendable {
    /// Icon base folders, searched in order: each holds theme folders (`hicolor/scalable/apps/…`) and
    /// may hold unthemed icons directly (as `/usr/share/pixmaps` does).
    public let searchDirs: [String]
    /// Stock names tried, in order, when the wanted icon is missing.
    public static let stockNames = ["mail-unread", "dialog-information"]
    static let extensions = ["svg", "png", "xpm"]

    private final class Cache: Sendable {
        let found = Mutex<[String: Bool]>([:])
    }
    private let cache = Cache()

    public init(searchDirs: [String]) {
        self.searchDirs = searchDirs
    }

    /// The folders a server searches, from the environment (the spec's defaults where unset).
    public init(environment: [String: String]) {
        let home = environment["HOME"] ?? ""
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
        let dataDirs = (environment["XDG_DATA_DIRS"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/share:/usr/share")
            .split(separator: ":").map(String.init)
        var dirs = [dataHome + "/icons"]
        if !home.isEmpty { dirs.append(home + "/.icons") }
        dirs += dataDirs.map { $0 + "/icons" }
        dirs.append("/usr/share/pixmaps")
        self.init(searchDirs: dirs)
    }

    /// What to send as `app_icon` for `wanted`: itself when it is installed (a name in some theme, an
    /// absolute path or `file://` URI of a file that exists), else the first installed stock name,
    /// else "" (no icon; never a placeholder). An empty `wanted` stays empty.
    public func resolve(_ wanted: String) -> String {
        if wanted.isEmpty || isInstalled(wanted) { return wanted }
        return Self.stockNames.first { isInstalled($0) } ?? ""
    }

    /// Whether `icon` would be found: a name in some theme or base folder, or a path that exists.
    public func isInstalled(_ icon: String) -> Bool {
        if let hit = cache.found.withLock({ $0[icon] }) { return hit }
        let found = lookUp(icon)
        cache.found.withLock { $0[icon] = found }
        return found
    }

    private func lookUp(_ icon: String) -> Bool {
        let fm = FileManager.default
        var path = icon
        if path.hasPrefix("file://") { path.removeFirst("file://".count) }
        if path.hasPrefix("/") {
            var isDir: Bool = false
            return fm.fileExists(atPath: path, isDirectory: &isDir) && !isDir
        }
        if icon.contains("/") { return false }  // a relative path means nothing to a server
        let files = Self.extensions.map { icon + "." + $0 }
        for base in searchDirs {
            if files.contains(where: { fm.fileExists(atPath: base + "/" + $0) }) { return true }
            // <theme>/<size>/<context>/ (hicolor/48x48/apps) or <theme>/<context>/<size>/ (breeze/apps/48).
            for theme in subfolders(base) {
                for level1 in subfolders(theme) {
                    for level2 in subfolders(level1) where files.contains(where: { fm.fileExists(atPath: level2 + "/" + $0) }) {
                        return true
                    }
                }
            }
        }
        return false
    }

    private func subfolders(_ path: String) -> [String] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: path) else { return [] }
        return names.sorted().compactMap { name in
            var isDir: Bool = false
            let full = path + "/" + name
            return fm.fileExists(atPath: full, isDirectory: &isDir) && isDir ? full : nil
        }
    }
}
