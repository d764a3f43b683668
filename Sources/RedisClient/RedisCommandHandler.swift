import NIOCore

/// A command on its way to Redis: its encoded bytes, the promise for its reply, and its deadline.
struct RedisRequest {
    var encoded: ByteBuffer
    var promise: EventLoopPromise<RESPValue>
    var deadline: NIODeadline
}

/// Pipelines commands on one connection: writes at once, completes replies in order (FIFO), enforces deadlines.
///
/// Confined to its channel's event loop. A missed deadline fails every pending command and closes the
/// connection, since a late reply would otherwise be matched to the wrong command.
///
/// The deadline timer is re-armed only when it fires, not scheduled and cancelled around every command.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<RESPValue>
        var deadline: NIODeadline
    }

    private var pending = CircularBuffer<Pending>(initialCapacity: 64)
    private let maxPending: Int
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var closedError: RedisError?

    init(maxPending: Int) {
        self.maxPending = maxPending
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedError {
            request.promise.fail(closedError)
            promise?.fail(closedError)
            return
        }
        guard pending.count < maxPending else {
            request.promise.fail(RedisError.overloaded)
            promise?.fail(RedisError.overloaded)
            return
        }
        pending.append(Pending(promise: request.promise, deadline: request.deadline))
        armTimer(context: context, for: request.deadline)
        context.write(wrapOutboundOut(request.encoded), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        guard let head = pending.popFirst() else {
            failAll(context: context, error: .protocolError("reply without a pending command"))
            return
        }
        head.promise.succeed(value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(context: context, error: .connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(context: context, error: (error as? RedisError) ?? .connectionClosed)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        drain(.connectionClosed)
    }

    private func armTimer(context: ChannelHandlerContext, for deadline: NIODeadline) {
        if let current = timerDeadline, current <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.timerFired(context: context, armedFor: deadline)
        }
    }

    /// The timer fires at `deadline` or later: whatever was due by then has missed its deadline.
    private func timerFired(context: ChannelHandlerContext, armedFor deadline: NIODeadline) {
        timer = nil
        timerDeadline = nil
        if pending.contains(where: { $0.deadline <= deadline }) {
            failAll(context: context, error: .timeout)
            return
        }
        // Nothing pending: no timer until the next command.
        if let next = pending.map(\.deadline).min() { armTimer(context: context, for: next) }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }

    private func failAll(context: ChannelHandlerContext, error: RedisError) {
        if closedError == nil { closedError = error }
        cancelTimer()
        drain(error)
        context.close(promise: nil)
    }

    private func drain(_ error: RedisError) {
        while let item = pending.popFirst() { item.promise.fail(error) }
    }
}
