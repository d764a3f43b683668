import Foundation

/// The languages messages exist in; chosen from `X-Fresns-Client-Lang-Tag`.
public enum Language: String, Sendable, CaseIterable {
    case en = "en"
    case zhHans = "zh-Hans"
    case zhHant = "zh-Hant"

    /// The language for a client's tag (`zh-Hans`, `zh-CN`, `zh-TW`, `en-US`…), falling back to English.
    public init(tag: String?) {
        guard let tag = tag.map(LanguageTag.folded), !tag.isEmpty else {
            self = .en
            return
        }
        if tag.hasPrefix("zh-hant") || ["zh-tw", "zh-hk", "zh-mo"].contains(tag) {
            self = .zhHant
        } else if tag == "zh" || tag.hasPrefix("zh-") {
            self = .zhHans
        } else {
            self = .en
        }
    }
}
