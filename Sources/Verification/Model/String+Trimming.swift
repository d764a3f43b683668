extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (Unicode `Zs` and U+0009): what
    /// `trimmingCharacters(in: .whitespaces)` removes, without bridging through NSString on the request path.
    public func trimmingSpaces() -> String {
        // Nothing to trim when both ends are visible ASCII (every character trimmed is a tab, a space or non-ASCII).
        let scalars = unicodeScalars
        if let first = scalars.first?.value, let last = scalars.last?.value, (0x21..<0x80).contains(first),
            (0x21..<0x80).contains(last)
        {
            return String(self)
        }
        guard let first = scalars.firstIndex(where: { !$0.isSpaceOrTab }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.isSpaceOrTab })!
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return String(self) }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}

extension Unicode.Scalar {
    /// A tab or a space separator (Unicode general category `Zs`).
    var isSpaceOrTab: Bool {
        self == " " || self == "\t" || (value >= 0x80 && properties.generalCategory == .spaceSeparator)
    }
}
