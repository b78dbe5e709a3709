import FoundationEssentials
import Testing
@testable import BelfryCore

/// The icon lookup on folders the test builds.
@Suite struct IconThemeTests {
    let root = "/tmp/belfry-icons-\(UInt64.random(in: 0...UInt64.max))"

    func touch(_ relative: String) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: String(path[..<path.lastIndex(of: "/")!]), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: [UInt8]("x".utf8).withUnsafeBytes { Data($0) })
        return path
    }

    @Test func namesAreFoundInThemesBaseFoldersAndPixmaps() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try touch("icons/hicolor/scalable/apps/belfry.svg")
        _ = try touch("icons/breeze/apps/48/other.png")        // <theme>/<context>/<size>
        _ = try touch("pixmaps/legacy.xpm")
        let theme = IconTheme(searchDirs: [root + "/icons", root + "/pixmaps"])
        #expect(theme.resolve("belfry") == "belfry")
        #expect(theme.isInstalled("other"))
        #expect(theme.isInstalled("legacy"))
        #expect(!theme.isInstalled("nowhere"))
        #expect(!theme.isInstalled("hicolor/scalable/apps/belfry.svg"), "a relative path means nothing to a server")
    }

    @Test func missingIconsFallBackToAnInstalledStockNameElseNone() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(IconTheme(searchDirs: [root + "/icons"]).resolve("belfry") == "", "no stock icon either: no icon, never a placeholder")
        _ = try touch("icons/Adwaita/48x48/legacy/dialog-information.png")
        #expect(IconTheme(searchDirs: [root + "/icons"]).resolve("belfry") == "dialog-information")
        _ = try touch("icons/Adwaita/48x48/legacy/mail-unread.png")
        #expect(IconTheme(searchDirs: [root + "/icons"]).resolve("belfry") == "mail-unread")
        #expect(IconTheme(searchDirs: [root + "/icons"]).resolve("") == "", "no icon asked, none sent")
    }

    @Test func pathsMustExist() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = try touch("mine.png")
        let theme = IconTheme(searchDirs: [])
        #expect(theme.resolve(file) == file)
        #expect(theme.resolve("file://" + file) == "file://" + file)
        #expect(!theme.isInstalled(root + "/missing.png"))
        #expect(!theme.isInstalled(root), "a folder is not an icon")
    }

    @Test func theDefaultFoldersFollowTheXDGVariables() {
        let dirs = IconTheme(environment: ["HOME": "/home/u", "XDG_DATA_DIRS": "/opt/share:/usr/share"]).searchDirs
        #expect(dirs == ["/home/u/.local/share/icons", "/home/u/.icons", "/opt/share/icons", "/usr/share/icons", "/usr/share/pixmaps"])
        #expect(IconTheme(environment: ["HOME": "/h", "XDG_DATA_HOME": "/d"]).searchDirs.first == "/d/icons")
        #expect(IconTheme(environment: [:]).searchDirs.contains("/usr/share/icons"))
    }
}
