/// What a cluster node's error reply asks of the client: go to another node, or try again shortly.
enum ClusterReply: Equatable {
    /// `MOVED <slot> <host>:<port>`: the slot lives on that node now.
    case moved(slot: Int, node: ClusterTopology.Node)
    /// `ASK <slot> <host>:<port>`: this one command goes to that node, after `ASKING`.
    case ask(slot: Int, node: ClusterTopology.Node)
    /// `TRYAGAIN` (a multi-key command during a migration) or `CLUSTERDOWN`: the slot is not served right now.
    case retry

    /// Whether the reply sends the command to another node (MOVED or ASK).
    var isRedirect: Bool {
        if case .retry = self { return false }
        return true
    }

    /// The redirect or retry in an error reply, or nil for any other error. An empty host (`:7000`, the node
    /// does not know its own address) means the host of `origin`, the node that answered.
    init?(error message: String, origin host: String) {
        if message.hasPrefix("TRYAGAIN") || message.hasPrefix("CLUSTERDOWN") {
            self = .retry
            return
        }
        let parts = message.split(separator: " ")
        guard parts.count >= 3, parts[0] == "MOVED" || parts[0] == "ASK", let slot = Int(parts[1]),
            (0..<HashSlot.count).contains(slot), let colon = parts[2].lastIndex(of: ":"),
            let port = Int(parts[2][parts[2].index(after: colon)...])
        else { return nil }
        var nodeHost = String(parts[2][..<colon])
        if nodeHost.hasPrefix("[") && nodeHost.hasSuffix("]") { nodeHost = String(nodeHost.dropFirst().dropLast()) }
        let node = ClusterTopology.Node(host: nodeHost.isEmpty ? host : nodeHost, port: port)
        self = parts[0] == "MOVED" ? .moved(slot: slot, node: node) : .ask(slot: slot, node: node)
    }
}
