import Crypto
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Codes: generated from the system CSPRNG, stored only as an HMAC, and sealed (AES-GCM) in the outbox.
///
/// Both keys are derived from `VERIFYD_CODE_SECRET` with HKDF, one per purpose.
public struct CodeCrypto: Sendable {
    private let keys: Keys
    /// Digits per code.
    public let length: Int

    /// The two keys, made once. Neither is ever mutated after `init`: the HMAC's prepared state is copied on write
    /// (swift-crypto's digest contexts are), and a `SymmetricKey` is immutable. So sharing them between threads is
    /// safe, which swift-crypto does not declare on Linux.
    private struct Keys: @unchecked Sendable {
        /// HMAC-SHA256 with the hash key, its inner and outer pads already hashed.
        let hashing: HMAC<SHA256>
        let seal: SymmetricKey
    }

    /// Keys derived from `secret`; `length` digits per code (4–10).
    public init(secret: String, length: Int) {
        let master = SymmetricKey(data: Array(secret.utf8))
        let hashKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Array("verifyd code hash v1".utf8), outputByteCount: 32)
        let sealKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Array("verifyd outbox seal v1".utf8), outputByteCount: 32)
        keys = Keys(hashing: HMAC<SHA256>(key: hashKey), seal: sealKey)
        self.length = length
    }

    /// A new code of `length` decimal digits, uniformly distributed, and its seal for the outbox (see `seal`), with
    /// `context` authenticated. The code's digits and the seal's nonce come from the process's pool of system
    /// randomness (`RandomPool`), three words per code.
    public func generateSealed(context: String) throws -> (code: String, sealed: String) {
        var drawn = DrawnRandom()
        let code = generate(using: &drawn)
        var nonce: [UInt8] = []
        nonce.reserveCapacity(16)
        for _ in 0..<2 { withUnsafeBytes(of: drawn.next()) { nonce.append(contentsOf: $0) } }
        return (code, try seal(code: code, context: context, nonce: AES.GCM.Nonce(data: nonce.prefix(12))))
    }

    private func generate(using rng: inout some RandomNumberGenerator) -> String {
        var value = UInt64.random(in: 0..<Self.powersOfTen[length], using: &rng)
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: length)
        for position in digits.indices.reversed() {
            digits[position] += UInt8(value % 10)
            value /= 10
        }
        return String(decoding: digits, as: UTF8.self)
    }

    private static let powersOfTen: [UInt64] = (0...19).map { (0..<$0).reduce(1) { product, _ in product * 10 } }

    /// The keyed hash stored in Redis, bound to the target and template so it cannot be moved to another key.
    public func hash(code: String, target: Target, templateId: Int) -> String {
        var message: [UInt8] = []
        message.reserveCapacity(24 + target.key.utf8.count + code.utf8.count)
        message.append(contentsOf: "v1|".utf8)
        message.append(contentsOf: target.key.utf8)
        message.append(UInt8(ascii: "|"))
        message.append(contentsOf: String(templateId).utf8)
        message.append(UInt8(ascii: "|"))
        message.append(contentsOf: code.utf8)
        var mac = keys.hashing
        mac.update(data: message)
        return mac.finalize().withUnsafeBytes { Hex.encode($0) }
    }

    /// Compares a code with a stored hash in constant time.
    public func matches(code: String, target: Target, templateId: Int, storedHash: String) -> Bool {
        Self.sameHash(hash(code: code, target: target, templateId: templateId), storedHash)
    }

    /// Whether two hashes are equal, compared in constant time.
    public static func sameHash(_ one: String, _ other: String) -> Bool {
        let left = Array(one.utf8)
        let right = Array(other.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for i in left.indices { difference |= left[i] ^ right[i] }
        return difference == 0
    }

    /// The code encrypted for the outbox (base64 of nonce, ciphertext and tag); `context` is authenticated.
    public func seal(code: String, context: String) throws -> String {
        try seal(code: code, context: context, nonce: AES.GCM.Nonce())
    }

    private func seal(code: String, context: String, nonce: AES.GCM.Nonce) throws -> String {
        let box = try AES.GCM.seal(
            Array(code.utf8), using: keys.seal, nonce: nonce, authenticating: Array(context.utf8))
        guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
        return combined.base64EncodedString()
    }

    /// Opens a sealed code; throws when it was tampered with or sealed with another secret.
    public func open(_ sealed: String, context: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw CryptoKitError.incorrectParameterSize }
        let box = try AES.GCM.SealedBox(combined: data)
        let plain = try AES.GCM.open(box, using: keys.seal, authenticating: Array(context.utf8))
        return String(decoding: plain, as: UTF8.self)
    }
}

extension CodeCrypto: SecretHolding {
    public var redactedDescription: String { "CodeCrypto(length: \(length), keys: redacted)" }
}

/// Three random words from the process's pool of system randomness (`RandomPool`), then, if more are asked for (a
/// rare rejection in `random(in:)`), from `SystemRandomNumberGenerator`.
private struct DrawnRandom: RandomNumberGenerator {
    private var words: (UInt64, UInt64, UInt64)
    private var used = 0

    init() { words = RandomPool.threeWords() }

    mutating func next() -> UInt64 {
        defer { used += 1 }
        switch used {
        case 0: return words.0
        case 1: return words.1
        case 2: return words.2
        default:
            var system = SystemRandomNumberGenerator()
            return system.next()
        }
    }
}

/// Words of the system CSPRNG, drawn 4 KiB at a time: one `getrandom` for 170 sends, where each send drew its
/// own. Each word is handed out once and zeroed as it is, so the pool holds only randomness not yet used.
enum RandomPool {
    private static let size = 512
    private static let pool = Mutex((words: [UInt64](repeating: 0, count: size), next: size))

    /// Three words no one else gets.
    static func threeWords() -> (UInt64, UInt64, UInt64) {
        pool.withLock { pool in
            if pool.next + 3 > size {
                // glibc's arc4random_buf (2.36 and later) is getrandom; Darwin's is its CSPRNG.
                pool.words.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
                pool.next = 0
            }
            defer {
                for index in pool.next..<pool.next + 3 { pool.words[index] = 0 }
                pool.next += 3
            }
            return (pool.words[pool.next], pool.words[pool.next + 1], pool.words[pool.next + 2])
        }
    }
}
