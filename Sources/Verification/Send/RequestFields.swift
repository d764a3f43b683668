/// The fields of a JSON request body, read the way Fresns validates them: null and blank strings count as
/// missing (30001); a value of the wrong type or range is a parameter error (30000).
struct RequestFields {
    private let fields: [String: JSONScalar]

    /// The body's fields; throws 30000 when the body is not a JSON object.
    init(json body: some Collection<UInt8>) throws(ResultCode) {
        guard let fields = JSONObjectReader.members(body) else { throw .parameterError }
        self.fields = fields
    }

    init(fields: [String: JSONScalar]) { self.fields = fields }

    /// The raw value, nil when absent, null or blank.
    func present(_ name: String) -> JSONScalar? {
        guard let value = fields[name], !value.isBlank else { return nil }
        return value
    }

    /// The value as given, even when null or blank.
    func raw(_ name: String) -> JSONScalar? { fields[name] }

    /// A required integer in `range`.
    func integer(_ name: String, in range: ClosedRange<Int>) throws(ResultCode) -> Int {
        guard let value = present(name) else { throw .parameterMissing }
        guard let number = value.integer, range.contains(number) else { throw .parameterError }
        return number
    }

    /// The required `type`: `email` or `sms`.
    func channel() throws(ResultCode) -> Channel {
        guard let value = present("type") else { throw .parameterMissing }
        guard case .string(let name) = value, let channel = Channel(rawValue: name) else { throw .parameterError }
        return channel
    }

    /// The required `account`: a string (trimmed) or a positive JSON number.
    func account() throws(ResultCode) -> String {
        guard let value = present("account") else { throw .parameterMissing }
        switch value {
        case .string(let s): return s.trimmingSpaces()
        case .integer(let i) where i > 0: return String(i)
        default: throw .parameterError
        }
    }

    /// The optional `countryCode`: an integer when given.
    func countryCode() throws(ResultCode) -> Int? {
        guard let value = present("countryCode") else { return nil }
        guard let number = value.integer else { throw .parameterError }
        return number
    }
}
