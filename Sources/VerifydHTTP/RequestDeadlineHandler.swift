import NIOCore
import NIOHTTP1

/// Closes a connection whose next request does not arrive whole (head and body) within `timeout`, so a slow
/// client (one byte a second) cannot hold a connection forever. Also bounds how long an idle keep-alive
/// connection stays open. Confined to its channel's event loop.
///
/// One timer per connection, not one per request: each answer only moves the deadline, and the timer, when it
/// fires early, waits again for what is left. A request that has arrived whole clears the deadline until its answer
/// (and the answers of any requests pipelined behind it). Each write is one whole answer (`HTTPRequestHandler`).
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    /// When the connection closes unless a request has arrived whole by then; nil while one is being answered.
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?
    /// Requests that have arrived whole and are not answered yet.
    private var unanswered = 0

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            unanswered += 1
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An answer to input that was not HTTP answers no request: the count stays at 0.
        unanswered = max(0, unanswered - 1)
        if unanswered == 0 { arm(context) }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    private func arm(_ context: ChannelHandlerContext) {
        let deadline = context.eventLoop.now + timeout
        self.deadline = deadline
        if timer == nil { schedule(at: deadline, context) }
    }

    private func schedule(at deadline: NIODeadline, _ context: ChannelHandlerContext) {
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) { bound.value.handler.fired(bound.value.context) }
    }

    /// The timer went off: close if the deadline has passed, wait again if it moved, stop while a request is being
    /// answered (its answer arms it again).
    private func fired(_ context: ChannelHandlerContext) {
        timer = nil
        guard let deadline else { return }
        if deadline <= context.eventLoop.now {
            context.close(promise: nil)
        } else {
            schedule(at: deadline, context)
        }
    }

    private func stop() {
        timer?.cancel()
        timer = nil
        deadline = nil
    }
}
