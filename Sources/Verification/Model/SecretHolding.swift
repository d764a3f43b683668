/// A value that holds secrets: printing it, interpolating it into a log line or reflecting it (`Mirror`, `dump`,
/// a containing struct's default description) shows only `redactedDescription`.
public protocol SecretHolding: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// What may be shown of the value.
    var redactedDescription: String { get }
}

extension SecretHolding {
    public var description: String { redactedDescription }
    public var debugDescription: String { redactedDescription }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
