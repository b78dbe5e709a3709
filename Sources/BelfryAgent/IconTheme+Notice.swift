import BelfryCore
import Logging

extension IconTheme {
    /// Says once, at start, which configured icons are installed nowhere and what popups show instead,
    /// so a user who has not run `make install` (or named an icon no theme has) knows why.
    func noteMissing(_ config: BelfryConfig, logger: Logger) {
        let wanted = Set([config.desktop.icon] + config.sources.filter(\.enabled).compactMap(\.icon))
        for icon in wanted.sorted() where !icon.isEmpty && !isInstalled(icon) {
            let instead = resolve(icon)
            logger.notice("icon \"\(icon)\" is in no icon theme\(icon == "belfry" ? " (`make install` installs it)" : ""); popups show \(instead.isEmpty ? "no icon" : "\"\(instead)\"") instead")
        }
    }
}
