import Logging
import NIOCore
import NIOHTTP1
import Verification

/// One connection's requests, answered one at a time and in order: collects each head and body (at most
/// `maxBodySize`), answers, and keeps the connection or closes it. Each answer leaves as one buffer.
///
/// Pipelining is handled here, not by NIO's `HTTPServerPipelineHandler`: a request that arrives while another is
/// being answered waits in a queue, and the socket is read on as long as none waits. NIO's handler stopped reading
/// during every answer, which cost two `epoll_ctl` per request.
///
/// This is where every request gets what verifyd adds to all of them: its request id (echoed, and in the log
/// metadata of its task), an envelope for any refusal or error, and its metrics. Routes that need no I/O are answered
/// right here on the event loop, with no task; the others in one task each. Confined to its channel's event loop.
final class HTTPRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Where the connection is in its life.
    private enum Lifecycle {
        /// Reading requests and answering them.
        case open
        /// Nothing new is read (shutdown, or input that is not HTTP): the answers due are written, then it closes.
        case draining
        /// The last answer is being written: the connection closes once it is out.
        case closing
        /// Our side is closed (the last answer went out); the connection closes when the client closes its side.
        case outputClosed
    }

    /// A request whose head has arrived and whose body is being collected.
    private struct Arriving {
        var head: HTTPRequestHead
        var body = ByteBuffer()
        var tooLarge = false
    }

    private let endpoints: Endpoints
    private let maxBodySize: Int
    private var remoteAddress: SocketAddress?
    private var lifecycle = Lifecycle.open
    private var arriving: Arriving?
    /// Requests that arrived whole while an earlier one was being answered, in order.
    private var waiting = CircularBuffer<(request: IncomingRequest, tooLarge: Bool)>()
    private var answering = false
    /// The client closed its side (it sends nothing more): the connection closes after the answers due.
    private var inputClosed = false
    /// A read was held back while requests wait; it is passed on once they are answered.
    private var readHeld = false
    /// The server is shutting down: after the last answer the connection closes at once, both ways.
    private var shuttingDown = false
    /// No other request waits or is arriving: the answer being written is the last one due.
    private var lastDue: Bool { waiting.isEmpty && arriving == nil }

    /// A handler answering through `endpoints`, refusing bodies over `maxBodySize` bytes with 413.
    init(endpoints: Endpoints, maxBodySize: Int) {
        self.endpoints = endpoints
        self.maxBodySize = maxBodySize
    }

    func handlerAdded(context: ChannelHandlerContext) {
        remoteAddress = context.channel.remoteAddress
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard lifecycle == .open else { return }
            arriving = Arriving(head: head)
        case .body(var part):
            guard var request = arriving, !request.tooLarge else { return }
            arriving = nil  // the body is not shared while it grows
            if request.body.readableBytes + part.readableBytes > maxBodySize {
                request.tooLarge = true
                request.body = ByteBuffer()
            } else {
                request.body.writeBuffer(&part)
            }
            arriving = request
        case .end:
            guard let request = arriving else { return }
            arriving = nil
            let incoming = IncomingRequest(head: request.head, body: request.body, remoteAddress: remoteAddress)
            if answering {
                waiting.append((incoming, request.tooLarge))
            } else {
                respond(to: incoming, tooLarge: request.tooLarge, context: context)
            }
        }
    }

    /// Reads on while no request waits for its turn; past that, the client waits for its answers first. (Once the
    /// connection drains or closes, what is read is dropped, but reading on shows when the client closes its side.)
    func read(context: ChannelHandlerContext) {
        if waiting.isEmpty {
            context.read()
        } else {
            readHeld = true
        }
    }

    /// Input that is not HTTP (a head the decoder could not read, a body that breaks its framing, bytes left over at
    /// the end): nothing more is read, and the connection closes. With no answer due, the answer is a 400 envelope;
    /// the answers to the valid requests before the garbage are written first. Any other error (the socket failed)
    /// closes at once.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError || error is ByteToMessageDecoderError else {
            context.close(promise: nil)
            return
        }
        guard lifecycle == .open else {
            // Draining for shutdown with a request arriving: that request will never end now.
            guard lifecycle == .draining, arriving != nil else { return }
            arriving = nil
            if !answering { context.close(promise: nil) }
            return
        }
        lifecycle = .draining
        arriving = nil
        guard !answering else { return }
        answering = true
        let answer = ErrorEnvelope.envelope(for: .badRequest, language: .en).response()
        write(answer, version: .http1_1, keepAlive: false, omitBody: false, context: context)
    }

    /// The client closed its side: closes now when no answer is due, else once the answers due are out. On
    /// shutdown (`ChannelShouldQuiesceEvent`): closes now when idle, else after the answers due (a request arriving
    /// included), the last of them saying `Connection: close`.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            shuttingDown = true
            guard lifecycle == .open else { return }
            lifecycle = .draining
            if !answering && arriving == nil { context.close(promise: nil) }
            return
        }
        guard case .some(.inputClosed) = event as? ChannelEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        arriving = nil
        if lifecycle == .outputClosed || (!answering && lifecycle != .closing) { context.close(promise: nil) }
    }

    private func respond(to request: IncomingRequest, tooLarge: Bool, context: ChannelHandlerContext) {
        answering = true
        let exchange = Exchange(
            request: request, id: RequestID.of(request.header(RequestID.header)),
            route: endpoints.route(request.head.method, request.path), started: .now())
        if tooLarge {
            let language = FresnsHeaders.language(of: request)
            return finish(
                exchange, ErrorEnvelope.envelope(for: .payloadTooLarge, language: language).response(), context)
        }
        guard let route = exchange.route else { return finish(exchange, endpoints.notFound(request), context) }
        if Endpoints.isImmediate(route) { return finish(exchange, endpoints.answerNow(route, request), context) }
        let endpoints = self.endpoints
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        // A plain task (enqueued on this loop, since NIO's loops are the global executor). `Task.immediate`, which
        // runs the task right here up to its first wait, counted fewer instructions one request at a time but cost
        // 15-25 % more CPU per send under load, in six A/B pairs.
        Task {
            let response = await RequestID.$current.withValue(exchange.id) {
                await endpoints.answer(route, exchange.request)
            }
            if bound.eventLoop.inEventLoop {
                bound.value.handler.finish(exchange, response, bound.value.context)
            } else {
                bound.eventLoop.execute { bound.value.handler.finish(exchange, response, bound.value.context) }
            }
        }
    }

    /// What one request carries from its end to its answer.
    private struct Exchange: Sendable {
        var request: IncomingRequest
        var id: String
        var route: Route?
        var started: NIODeadline
    }

    /// Adds the request id, counts the answer and writes it; the connection closes after it when the client asked,
    /// or when it was the last answer due of a connection that is draining.
    private func finish(_ exchange: Exchange, _ response: OutgoingResponse, _ context: ChannelHandlerContext) {
        var response = response
        response.headers.add(name: RequestID.header, value: exchange.id)
        let head = exchange.request.head
        let keepAlive = head.isKeepAlive && !(lifecycle == .draining && lastDue)
        if keepAlive && head.version.major == 1 && head.version.minor == 0 {
            response.headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        HTTPMetrics.answered(
            route: exchange.route?.label ?? "unknown", method: head.method.rawValue, status: response.status.code,
            code: response.headers.first(name: Envelope.codeHeader),
            nanoseconds: (NIODeadline.now() - exchange.started).nanoseconds)
        write(response, version: head.version, keepAlive: keepAlive, omitBody: head.method == .HEAD, context: context)
    }

    /// Writes one answer. Then either the connection closes (the client asked, the answer was the last due of a
    /// draining or half-closed connection) or the next waiting request is answered.
    private func write(
        _ response: OutgoingResponse, version: HTTPVersion, keepAlive: Bool, omitBody: Bool,
        context: ChannelHandlerContext
    ) {
        let bytes = response.bytes(
            version: version, closing: !keepAlive, omitBody: omitBody, allocator: context.channel.allocator)
        answering = false
        guard !keepAlive || (lastDue && (inputClosed || lifecycle == .draining)) else {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            return answerNext(context)
        }
        lifecycle = .closing
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in
            bound.value.handler.closeAfterAnswer(bound.value.context)
        }
    }

    /// Answers the next waiting request, if any; once none waits, passes on a read held back meanwhile.
    private func answerNext(_ context: ChannelHandlerContext) {
        if let next = waiting.popFirst() {
            return respond(to: next.request, tooLarge: next.tooLarge, context: context)
        }
        guard readHeld else { return }
        readHeld = false
        read(context: context)
    }

    /// Closes once the last answer is out. While the client may still be sending, only our side closes (the client
    /// reads the answer, then closes its side, and so the connection): closing both at once with unread bytes would
    /// reset the connection, and a reset can destroy the answer before the client reads it. On shutdown it closes
    /// both ways at once, as NIO's pipelining handler did, so that a client keeping its side open cannot hold the
    /// process.
    private func closeAfterAnswer(_ context: ChannelHandlerContext) {
        guard !inputClosed && !shuttingDown else { return context.close(promise: nil) }
        lifecycle = .outputClosed
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.close(mode: .output).whenFailure { _ in bound.value.close(promise: nil) }
    }
}
