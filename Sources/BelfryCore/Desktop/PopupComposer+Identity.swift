/// Who a popup says it is from, and what it offers: the parts servers group, draw and click.
extension PopupComposer {
    /// The source's `app_name`, else its name ("work"): servers that group by application (swaync,
    /// GNOME, KDE) then group by service. `[desktop] app_name` names popups that belong to no source.
    public func appName(for source: SourceConfig?) -> String {
        guard let source else { return desktop.appName }
        return source.appName ?? source.name
    }

    /// The source's `icon`, else `[desktop] icon`, when it is installed; else a stock icon (see
    /// `IconTheme.resolve`), so no server draws a placeholder.
    public func icon(for source: SourceConfig?) -> String {
        icons.resolve(source?.icon ?? desktop.icon)
    }

    /// Exactly one open action, `default` labelled "Open": servers that draw actions as buttons show
    /// one Open button, the others open on a click on the popup (if their configuration says so).
    /// Then the other configured buttons ("Mark read"). `open` in `[desktop] actions` is that default
    /// action; no `open` key is sent any more (an `open` from an older popup is still obeyed).
    func actions(hasLink: Bool) -> [NotificationAction] {
        guard hasActions else { return [] }
        var out: [NotificationAction] = []
        if hasLink { out.append(.init(key: "default", label: "Open")) }
        if desktop.actions.contains("mark-read") { out.append(.init(key: "mark-read", label: "Mark read")) }
        return out
    }
}
