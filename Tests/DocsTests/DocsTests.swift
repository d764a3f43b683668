import Foundation
import SettingKit
import Testing
import VerifydApp

/// The docs stay true: the settings table is the declarations', and every relative link leads somewhere.
@Suite struct DocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let begin = "<!-- BEGIN SETTINGS TABLE"
    static let end = "<!-- END SETTINGS TABLE -->"

    @Test func theSettingsTableIsTheDeclarations() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let start = try #require(text.range(of: Self.begin), "docs/configuration.md has no settings table marker")
        let stop = try #require(text.range(of: Self.end), "docs/configuration.md has no end marker")
        let afterMarker = try #require(text[start.upperBound...].firstIndex(of: "\n"))
        let table = String(text[text.index(after: afterMarker)..<stop.lowerBound])
        #expect(
            table == VerifydConfiguration.catalog.markdown(),
            "docs/configuration.md is out of date: run `make docs`")
        for setting in VerifydConfiguration.catalog.settings {
            #expect(table.contains("`\(setting.name)`"), "\(setting.name) is missing from the table")
        }
    }

    @Test func theReadmeIsAFrontDoor() throws {
        let size = try FileManager.default.attributesOfItem(atPath: Self.root.appendingPathComponent("README.md").path)[
            .size]
        #expect((size as? Int ?? .max) <= 15 * 1024, "README.md is over 15 KB: move reference material to docs/")
    }

    @Test func everyRelativeLinkResolves() throws {
        let docs = Self.root.appendingPathComponent("docs")
        let names = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }
        let files = [Self.root.appendingPathComponent("README.md")] + names.map { docs.appendingPathComponent($0) }
        #expect(names.count >= 9)
        var checked = 0
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for target in Self.links(in: text) {
                let path = String(target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
                if path.isEmpty { continue }
                let resolved = file.deletingLastPathComponent().appendingPathComponent(path).standardized
                #expect(
                    FileManager.default.fileExists(atPath: resolved.path),
                    "\(file.lastPathComponent) links to \(target), which does not exist")
                checked += 1
            }
        }
        #expect(checked > 20)
    }

    /// The targets of Markdown links `[text](target)` that are not absolute URLs.
    static func links(in text: String) -> [String] {
        var targets: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "](") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: ")") else { break }
            let target = String(rest[..<close]).split(separator: " ").first.map(String.init) ?? ""
            if !target.contains("://"), !target.hasPrefix("mailto:") { targets.append(target) }
            rest = rest[close...]
        }
        return targets
    }
}
