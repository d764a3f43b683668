/// Which primary serves each of a cluster's 16384 slots, read from `CLUSTER SHARDS` (Redis 7) or `CLUSTER SLOTS`.
public struct ClusterTopology: Sendable, Equatable {
    /// A node's address.
    public struct Node: Sendable, Hashable, CustomStringConvertible {
        /// Host name or address.
        public var host: String
        /// TCP port.
        public var port: Int

        /// A node at `host` (without brackets for IPv6) and `port`.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, `[v6]:port` for an IPv6 address.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The primaries, each once.
    public private(set) var primaries: [Node] = []
    /// The replicas `CLUSTER SHARDS` named: after a failover one of them holds the map that names it primary.
    public private(set) var replicas: [Node] = []
    /// The primaries the answering node has flagged as failed: its view may lag a promotion, so another node's
    /// map, one that names the successor, is better.
    public private(set) var failedPrimaries: [Node] = []
    /// For each slot, the index of its primary in `primaries`; -1 when no node serves it.
    private var owners = [Int16](repeating: -1, count: HashSlot.count)

    /// The primary serving `slot`, or nil when none does.
    public func primary(forSlot slot: Int) -> Node? {
        let owner = owners[slot]
        return owner < 0 ? nil : primaries[Int(owner)]
    }

    /// The primary serving `key`'s slot.
    public func primary(forKey key: String) -> Node? { primary(forSlot: HashSlot.of(key)) }

    /// Whether every slot has a primary.
    public var coversAllSlots: Bool { !owners.contains(-1) }

    /// Assigns `slots` to `node`, adding it to the primaries if new (a MOVED reply moves one slot).
    mutating func assign(_ slots: ClosedRange<Int>, to node: Node) {
        let index: Int
        if let known = primaries.firstIndex(of: node) {
            index = known
        } else {
            primaries.append(node)
            index = primaries.count - 1
        }
        for slot in slots where slot >= 0 && slot < HashSlot.count { owners[slot] = Int16(index) }
    }

    /// The topology in a `CLUSTER SHARDS` reply: shards of `slots` ranges and `nodes`, of which the one whose
    /// `role` is `master` serves them. `seedHost` replaces an empty or unknown endpoint (`?`), as the spec asks.
    public init(shards reply: RESPValue, seedHost: String) throws(RedisError) {
        guard let shards = reply.array else { throw .protocolError("CLUSTER SHARDS: not an array") }
        for shard in shards {
            let fields = Self.map(shard)
            guard let ranges = fields["slots"]?.array, let nodes = fields["nodes"]?.array else {
                throw .protocolError("CLUSTER SHARDS: a shard without slots or nodes")
            }
            let members = nodes.map(Self.map)
            for replica in members where replica["role"]?.string != "master" && !Self.failed(replica) {
                if let node = Self.node(replica, seedHost: seedHost), !replicas.contains(node) { replicas.append(node) }
            }
            guard
                let primary = members.first(where: { $0["role"]?.string == "master" }),
                let node = Self.node(primary, seedHost: seedHost)
            else { continue }
            if Self.failed(primary) { failedPrimaries.append(node) }
            var index = 0
            while index + 1 < ranges.count {
                guard let start = ranges[index].int, let end = ranges[index + 1].int, start <= end else {
                    throw .protocolError("CLUSTER SHARDS: a bad slot range")
                }
                assign(Int(start)...Int(end), to: node)
                index += 2
            }
        }
    }

    /// The topology in a `CLUSTER SLOTS` reply: `[start, end, [host, port, id, …], replicas…]` per range.
    public init(slots reply: RESPValue, seedHost: String) throws(RedisError) {
        guard let ranges = reply.array else { throw .protocolError("CLUSTER SLOTS: not an array") }
        for range in ranges {
            guard let parts = range.array, parts.count >= 3, let start = parts[0].int, let end = parts[1].int,
                start <= end, let primary = parts[2].array, primary.count >= 2, let port = primary[1].int
            else { throw .protocolError("CLUSTER SLOTS: a bad slot range") }
            let host = primary[0].string ?? ""
            assign(
                Int(start)...Int(end), to: Node(host: host.isEmpty || host == "?" ? seedHost : host, port: Int(port)))
        }
    }

    /// The address of one node of a `CLUSTER SHARDS` shard; `seedHost` when its endpoint is empty or `?`.
    private static func node(_ fields: [String: RESPValue], seedHost: String) -> Node? {
        guard let port = fields["port"]?.int ?? fields["tls-port"]?.int else { return nil }
        let endpoint = fields["endpoint"]?.string ?? fields["ip"]?.string ?? ""
        return Node(host: endpoint.isEmpty || endpoint == "?" ? seedHost : endpoint, port: Int(port))
    }

    /// Whether the answering node has flagged this node as failed (`health` is `fail`; the docs say `failed`).
    private static func failed(_ fields: [String: RESPValue]) -> Bool {
        let health = fields["health"]?.string
        return health == "fail" || health == "failed"
    }

    /// A flat `[name, value, …]` array as a dictionary of values.
    private static func map(_ value: RESPValue) -> [String: RESPValue] {
        var fields: [String: RESPValue] = [:]
        let items = value.array ?? []
        var index = 0
        while index + 1 < items.count {
            if let name = items[index].string { fields[name] = items[index + 1] }
            index += 2
        }
        return fields
    }
}
