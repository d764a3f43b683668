/// The address checks the send script makes itself for an anonymous send (one round trip in all).
struct AddressGuards: Sendable, Equatable {
    /// Whether an address must be free or already belong to an account.
    enum OwnerRule: String, Sendable {
        /// Refused with 34205 (email) or 34206 (phone) when some account has it.
        case free
        /// Refused with 34301 when no account has it.
        case taken
    }

    /// The email domain and its parents to look up in the blocked set; empty for none.
    var domains: [String] = []
    /// The owner rule, or nil for no owner lookup.
    var owner: OwnerRule?
}
