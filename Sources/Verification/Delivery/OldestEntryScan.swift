import RedisClient

/// Finds the oldest queued entry of each channel on one shard's outbox stream, reading on from where the last scan
/// of that channel stopped.
///
/// A stream of at most `budget` entries (the workers keep it short) is read from its start. A longer one (a backlog)
/// is read on from the last scan: entry ids only grow and entries only leave, so a channel's oldest entry stays its
/// oldest until it leaves, and an entry that was not the channel's never becomes it. So each scan starts at the
/// channel's last oldest entry, or just after the last entry read without finding one, and a long backlog of one
/// channel is read once, `budget` entries per sample, not from its start every second (which, with 36,000 emails
/// and no SMS queued, took each shard's script 8-15 ms of Redis).
struct OldestEntryScan: Sendable {
    /// Where each channel's next scan starts on each shard: an id (inclusive), `(id` (exclusive), or `-`.
    struct Cursors: Sendable {
        fileprivate var starts: [[String]] = Array(
            repeating: Array(repeating: "-", count: Channel.allCases.count), count: OutboxShard.count)
    }

    /// The most entries one scan reads per channel.
    static let budget = 128

    /// `XLEN`, `TIME`, then per channel (ARGV pairs after the budget: channel, start) the id of its oldest entry
    /// from `start` on ('' when none was read) and the last id read ('' when nothing was).
    static let script = RedisScript(
        """
        local budget = tonumber(ARGV[1])
        local reply = {redis.call('XLEN', KEYS[1]), redis.call('TIME')}
        -- A stream no longer than the budget is read from its start: that costs less than following every entry
        -- the workers add and delete (a stream kept short by them), and is as exact.
        local short = reply[1] <= budget
        for c = 2, #ARGV, 2 do
          local channel, start = ARGV[c], ARGV[c + 1]
          if short then start = '-' end
          local found, last, scanned, count = '', '', 0, 1
          while found == '' and scanned < budget do
            -- One entry first: where the last scan found the channel's oldest, it usually still is.
            local page = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', math.min(count, budget - scanned))
            count = 64
            for _, entry in ipairs(page) do
              last = entry[1]
              local fields = entry[2]
              for i = 1, #fields, 2 do
                if fields[i] == 'channel' then
                  if fields[i + 1] == channel then found = entry[1] end
                  break
                end
              end
              if found ~= '' then break end
            end
            scanned = scanned + #page
            if #page == 0 then break end
            start = '(' .. last
          end
          reply[#reply + 1] = found
          reply[#reply + 1] = last
        end
        return reply
        """)

    let redis: RedisClient
    let keys: KeyLayout

    /// The shard's depth, and the age of each channel's oldest entry (by the Redis clock) where one was found;
    /// moves the shard's cursors on.
    func sample(_ shard: OutboxShard, _ cursors: inout Cursors) async throws -> (Int64, [Channel: Duration]) {
        let channels = Channel.allCases
        var arguments: [RedisArgument] = [.integer(Int64(Self.budget))]
        for (index, channel) in channels.enumerated() {
            arguments += [.string(channel.rawValue), .string(cursors.starts[shard.index][index])]
        }
        let reply = try await redis.eval(Self.script, keys: [.string(keys.outbox(shard))], arguments: arguments)
        let parts = reply.array ?? []
        guard parts.count == 2 + 2 * channels.count else { return (0, [:]) }
        let depth = parts[0].int ?? 0
        let nowMs = OutboxMonitor.milliseconds(ofTime: parts[1])
        var ages: [Channel: Duration] = [:]
        for (index, channel) in channels.enumerated() {
            let found = parts[2 + 2 * index].string ?? ""
            let last = parts[3 + 2 * index].string ?? ""
            if depth == 0 {
                cursors.starts[shard.index][index] = "-"  // an empty stream (or one made anew) is read from its start
            } else if let oldestMs = OutboxStream.addedMilliseconds(found) {
                ages[channel] = .milliseconds(max(0, nowMs - oldestMs))
                cursors.starts[shard.index][index] = found
            } else if !last.isEmpty {
                cursors.starts[shard.index][index] = "(" + last
            }
        }
        return (depth, ages)
    }
}
