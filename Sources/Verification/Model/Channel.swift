/// How a code travels: the request's `type`.
public enum Channel: String, Sendable, CaseIterable, Codable {
    case email
    case sms
}

/// What the code is for: the request's `useType`.
public enum UseType: Int, Sendable, CaseIterable {
    /// The address must not belong to an account yet (register, change to a new address).
    case newAccount = 1
    /// The address must belong to an account (login with code, reset password).
    case existingAccount = 2
    /// Logged in, and the account's address of this kind must be blank (bind).
    case fillInBlank = 3
    /// Logged in; the code goes to the account's own bound address.
    case authentication = 4
    /// Sent to the given address without further checks.
    case direct = 5

    /// Whether the request must name the `account`.
    public var needsAccount: Bool { self != .authentication }
    /// Whether the request must come from a logged-in account.
    public var needsLogin: Bool { self == .fillInBlank || self == .authentication }
}
