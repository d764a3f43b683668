import Foundation

/// `redis+cluster://[user:password@]host:port[,host:port…]`: the seed nodes of a Redis Cluster.
extension RedisConfiguration {
    static let clusterScheme = "redis+cluster://"

    /// Parses a cluster URL. A port may be left out (6379); IPv6 seeds are written `[::1]:7000`. A database is
    /// refused: a cluster has only database 0.
    static func parseCluster(_ url: String) throws(RedisError) -> RedisConfiguration {
        var rest = Substring(url.dropFirst(clusterScheme.count))
        if let query = rest.firstIndex(of: "?") {
            throw .invalidConfiguration("a cluster URL takes no options (\(rest[query...].prefix(1))…)")
        }
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...].allSatisfy({ $0 == "/" }) else {
                throw .invalidConfiguration("a cluster has only database 0: remove the /db path")
            }
            rest = rest[..<slash]
        }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let colon = userinfo.firstIndex(of: ":")
            let user = try decode(colon.map { userinfo[..<$0] } ?? userinfo)
            username = user.isEmpty ? nil : user
            if let colon { password = try decode(userinfo[userinfo.index(after: colon)...]) }
        }
        let seeds = try rest.split(separator: ",", omittingEmptySubsequences: false).map(parseSeed)
        guard !seeds.isEmpty else { throw .invalidConfiguration("a cluster URL needs at least one host:port") }
        var configuration = RedisConfiguration(endpoint: .cluster(seeds: seeds), username: username, password: password)
        if configuration.password?.isEmpty == true { configuration.password = nil }
        return configuration
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    private static func parseSeed(_ text: Substring) throws(RedisError) -> Seed {
        let host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidConfiguration("unclosed [ in \(text)") }
            host = text[text.index(after: text.startIndex)..<close]
            let tail = text[text.index(after: close)...]
            if !tail.isEmpty {
                guard tail.hasPrefix(":") else { throw .invalidConfiguration("expected :port after ] in \(text)") }
                portText = tail.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            let tail = text[text.index(after: colon)...]
            guard !tail.contains(":") else { throw .invalidConfiguration("write an IPv6 seed in brackets: [\(text)]") }
            portText = tail
        } else {
            host = text
        }
        guard !host.isEmpty else { throw .invalidConfiguration("a cluster seed without a host") }
        var port = 6379
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else {
                throw .invalidConfiguration("bad port in cluster seed \(text)")
            }
            port = parsed
        }
        return Seed(host: String(host), port: port)
    }

    private static func decode(_ text: Substring) throws(RedisError) -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw .invalidConfiguration("bad percent-encoding in the user or password")
        }
        return decoded
    }
}
