import Logging
import NIOCore
import NIOHTTP1
import Verification

/// One connection's requests, one at a time (NIO's pipelining handler holds the next one back until the answer is
/// written): collects the head and the body (at most `maxBodySize`), answers, and keeps the connection or closes it.
///
/// This is where every request gets what verifyd adds to all of them: its request id (echoed, and in the log
/// metadata of its task), an envelope for any refusal or error, and its metrics. Routes that need no I/O are answered
/// right here on the event loop, with no task; the others in one task each. Confined to its channel's event loop.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let endpoints: Endpoints
    private let maxBodySize: Int
    private var remoteAddress: SocketAddress?
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var bodyTooLarge = false
    private var answering = false
    /// The client closed its side (it sends nothing more): the connection closes once the answer is written.
    private var inputClosed = false
    /// The input stopped being HTTP: nothing more is read, and the connection closes after the answer due.
    private var unreadable = false
    /// The last answer is written or being written: the connection closes once it is out.
    private var closing = false
    /// Our side is closed (the last answer went out); the connection closes when the client closes its side.
    private var outputClosed = false

    /// A handler answering through `endpoints`, refusing bodies over `maxBodySize` bytes with 413.
    init(endpoints: Endpoints, maxBodySize: Int) {
        self.endpoints = endpoints
        self.maxBodySize = maxBodySize
    }

    func handlerAdded(context: ChannelHandlerContext) {
        remoteAddress = context.channel.remoteAddress
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !unreadable else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            bodyTooLarge = false
        case .body(var part):
            guard !bodyTooLarge else { return }
            if body.readableBytes + part.readableBytes > maxBodySize {
                bodyTooLarge = true
                body = ByteBuffer()
            } else {
                body.writeBuffer(&part)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let request = IncomingRequest(head: head, body: body, remoteAddress: remoteAddress)
            body = ByteBuffer()
            respond(to: request, context: context)
        }
    }

    /// Input that is not HTTP (a head the decoder could not read, a body that breaks its framing, bytes left over at
    /// the end): nothing more is read, and the connection closes. With no answer due, the answer is a 400 envelope;
    /// an answer already due (a valid request before the garbage) is written first. Any other error (the socket
    /// failed) closes at once.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !unreadable else { return }
        guard error is HTTPParserError || error is ByteToMessageDecoderError else {
            context.close(promise: nil)
            return
        }
        unreadable = true
        guard !answering else { return }
        answering = true
        write(
            ErrorEnvelope.envelope(for: .badRequest, language: .en).response(), version: .http1_1, closing: true,
            context: context)
    }

    /// The client closed its side: closes now when no answer is due and none is being written, else once it is out.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .some(.inputClosed) = event as? ChannelEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        if outputClosed || (!answering && !closing) { context.close(promise: nil) }
    }

    private func respond(to request: IncomingRequest, context: ChannelHandlerContext) {
        answering = true
        let exchange = Exchange(
            request: request, id: RequestID.of(request.header(RequestID.header)),
            route: endpoints.route(request.head.method, request.path), started: .now())
        if bodyTooLarge {
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

    /// Adds the request id, counts the answer and writes it; closes the connection after it when the client asked,
    /// or when what followed the request was not HTTP.
    private func finish(_ exchange: Exchange, _ response: OutgoingResponse, _ context: ChannelHandlerContext) {
        var response = response
        response.headers.add(name: RequestID.header, value: exchange.id)
        let head = exchange.request.head
        let keepAlive = head.isKeepAlive && !unreadable
        if keepAlive && head.version.major == 1 && head.version.minor == 0 {
            response.headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        HTTPMetrics.answered(
            route: exchange.route?.label ?? "unknown", method: head.method.rawValue, status: response.status.code,
            code: response.headers.first(name: Envelope.codeHeader),
            nanoseconds: (NIODeadline.now() - exchange.started).nanoseconds)
        write(response, version: head.version, closing: !keepAlive, context: context)
    }

    private func write(
        _ response: OutgoingResponse, version: HTTPVersion, closing: Bool, context: ChannelHandlerContext
    ) {
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
        if closing { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))),
            promise: nil)
        if response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        answering = false
        guard closing || inputClosed else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        self.closing = true
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            bound.value.handler.closeAfterAnswer(bound.value.context)
        }
    }

    /// Closes once the last answer is out. While the client may still be sending, only our side closes (the client
    /// reads the answer, then closes its side, and so the connection): closing both at once with unread bytes would
    /// reset the connection, and a reset can destroy the answer before the client reads it.
    private func closeAfterAnswer(_ context: ChannelHandlerContext) {
        guard !inputClosed else { return context.close(promise: nil) }
        outputClosed = true
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.close(mode: .output).whenFailure { _ in bound.value.close(promise: nil) }
    }
}
