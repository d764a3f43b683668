import NIOConcurrencyHelpers

/// Sending commands to the node that serves their slot, following redirects within the command's deadline.
extension ClusterRouter {
    /// The most redirects (MOVED or ASK) one command follows before its last one is its reply. From the second on,
    /// each waits the retry pause first: while a slot's new owner is being set node by node, two nodes can send a
    /// command back and forth for a few milliseconds.
    static let maxRedirects = 16
    /// The first pause before retrying a TRYAGAIN or CLUSTERDOWN reply; it doubles up to `maxRetryPause`.
    static let firstRetryPause: Duration = .milliseconds(10)
    static let maxRetryPause: Duration = .milliseconds(200)

    /// The deadline of a call: now plus its own timeout, or plus the command timeout.
    func deadline(_ timeout: Duration?) -> ContinuousClock.Instant {
        .now + (timeout ?? configuration.commandTimeout)
    }

    /// Sends one command; an error reply is thrown as `RedisError.server`.
    func send(_ command: RedisCommand, timeout: Duration?) async throws -> RESPValue {
        let reply = try await execute(command, deadline: deadline(timeout))
        if case .error(let message) = reply {
            RedisMetrics.error(.server(message))
            throw RedisError.server(message)
        }
        return reply
    }

    /// Groups the commands by node, sends each group as one pipeline, all groups at once, and puts the replies
    /// back in the callers' order. A redirected command is then followed on its own, and the keyless commands that
    /// came after it in its group (a `WAIT` after a write) run again on the node that finally answered it.
    func pipeline(_ commands: [RedisCommand], timeout: Duration?) async throws -> [RESPValue] {
        let deadline = deadline(timeout)
        let groups = try route(commands)
        var replies = [RESPValue](repeating: .null, count: commands.count)
        if groups.count == 1, let only = groups.first {
            for (index, reply) in zip(only.indices, try await send(only, of: commands, deadline: deadline)) {
                replies[index] = reply
            }
        } else {
            try await withThrowingTaskGroup(of: [(Int, RESPValue)].self) { group in
                for routed in groups {
                    group.addTask {
                        Array(zip(routed.indices, try await self.send(routed, of: commands, deadline: deadline)))
                    }
                }
                for try await answered in group { for (index, reply) in answered { replies[index] = reply } }
            }
        }
        // One after the other: two redirected commands on one key keep their order.
        for index in replies.indices {
            if case .error(let message) = replies[index],
                let origin = groups.first(where: { $0.indices.contains(index) }),
                ClusterReply(error: message, origin: origin.node.host) != nil
            {
                let following = origin.indices.filter { $0 > index && RoutingKey.slot(of: commands[$0]) == nil }
                if following.isEmpty {
                    replies[index] = try await execute(
                        commands[index], deadline: deadline, firstReply: (replies[index], origin.node))
                } else {
                    try await redirect(
                        index, with: following, of: commands, from: (replies[index], origin.node),
                        deadline: deadline, into: &replies)
                }
            }
        }
        return replies
    }

    /// Follows the redirect of the command at `index` together with the keyless commands after it (a `WAIT` must
    /// run on the connection that wrote), in one pipeline to the node named. When that node redirects it again, or
    /// the reply asks to retry, the command is followed alone and the keyless ones answer an error: they did not
    /// run where they should have.
    private func redirect(
        _ index: Int, with following: [Int], of commands: [RedisCommand], from first: (RESPValue, ClusterTopology.Node),
        deadline: ContinuousClock.Instant, into replies: inout [RESPValue]
    ) async throws {
        guard case .error(let message) = first.0, let cluster = ClusterReply(error: message, origin: first.1.host)
        else { return }
        var batch = [commands[index]] + following.map { commands[$0] }
        let node: ClusterTopology.Node
        switch cluster {
        case .moved(let slot, let target):
            countRedirect(.moved)
            learn(slot: slot, movedTo: target)
            requestRefresh()
            node = target
        case .ask(_, let target):
            countRedirect(.ask)
            batch.insert(RedisCommand("ASKING"), at: 0)
            node = target
        case .retry:
            replies[index] = try await execute(commands[index], deadline: deadline, firstReply: first)
            for position in following { replies[position] = .error("TRYAGAIN not run after a retried command") }
            return
        }
        let answers = try await send(batch, to: pool(of: node), deadline: deadline).suffix(following.count + 1)
        let reply = answers.first ?? .null
        if case .error(let again) = reply, ClusterReply(error: again, origin: node.host) != nil {
            replies[index] = try await execute(commands[index], deadline: deadline, firstReply: (reply, node))
            for position in following { replies[position] = .error("TRYAGAIN not run after a redirected command") }
            return
        }
        replies[index] = reply
        for (position, answer) in zip(following, answers.dropFirst()) { replies[position] = answer }
    }

    /// The reply of `command` from the node that serves its slot, after following MOVED and ASK (up to
    /// `maxRedirects`, pausing before each after the first, within `deadline`) and retrying TRYAGAIN and CLUSTERDOWN
    /// until `deadline`. Other error replies are returned.
    func execute(
        _ command: RedisCommand, deadline: ContinuousClock.Instant,
        firstReply: (RESPValue, ClusterTopology.Node)? = nil
    ) async throws -> RESPValue {
        let slot = RoutingKey.slot(of: command)
        var pending = firstReply
        var target: (node: ClusterTopology.Node, asking: Bool)?
        var redirects = 0
        var pause = Self.firstRetryPause
        while true {
            let reply: RESPValue
            let origin: ClusterTopology.Node
            if let answered = pending {
                (reply, origin) = answered
                pending = nil
            } else if let redirect = target {
                origin = redirect.node
                let batch = redirect.asking ? [RedisCommand("ASKING"), command] : [command]
                reply =
                    try await send(batch, to: pool(of: redirect.node), deadline: deadline).last ?? .null
                target = nil
            } else {
                let (node, pool) = try self.node(forSlot: slot)
                origin = node
                reply = try await send([command], to: pool, deadline: deadline)[0]
            }
            guard case .error(let message) = reply, let cluster = ClusterReply(error: message, origin: origin.host)
            else { return reply }
            if cluster.isRedirect && redirects > 0 {
                guard .now + pause < deadline, redirects < Self.maxRedirects else { return reply }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, Self.maxRetryPause)
            }
            switch cluster {
            case .moved(let movedSlot, let node):
                redirects += 1
                countRedirect(.moved)
                learn(slot: movedSlot, movedTo: node)
                requestRefresh()
                target = (node, false)
            case .ask(_, let node):
                redirects += 1
                countRedirect(.ask)
                target = (node, true)
            case .retry:
                if .now + pause >= deadline {
                    requestRefresh()
                    RedisMetrics.error(.clusterDown)
                    throw RedisError.clusterDown
                }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, Self.maxRetryPause)
            }
        }
    }

    private func countRedirect(_ kind: RedisMetrics.RedirectKind) {
        RedisMetrics.redirected(kind)
        state.withLockedValue { $0.redirects += 1 }
    }

    /// Redirects followed so far.
    var redirectCount: Int { state.withLockedValue { $0.redirects } }

    /// Maps applied so far.
    var refreshCount: Int { state.withLockedValue { $0.refreshes } }

    private func send(_ routed: Routed, of commands: [RedisCommand], deadline: ContinuousClock.Instant) async throws
        -> [RESPValue]
    {
        try await send(routed.indices.map { commands[$0] }, to: routed.pool, deadline: deadline)
    }

    /// Sends `commands` as one pipeline on one of `pool`'s connections, with what is left of the deadline (a pool
    /// just created for a new node may use it to connect first). A connectivity failure asks for a refresh: the
    /// node may have failed over.
    private func send(_ commands: [RedisCommand], to pool: ConnectionPool, deadline: ContinuousClock.Instant)
        async throws -> [RESPValue]
    {
        do {
            let connection = try await pool.connection(waitingUntil: deadline)
            let left = deadline - .now
            guard left > .zero else {
                RedisMetrics.error(.timeout)
                throw RedisError.timeout
            }
            return try await connection.pipeline(commands, timeout: left)
        } catch let error as RedisError where error.isConnectivity {
            requestRefresh()
            throw error
        }
    }
}
