import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// verifyd's HTTP/1.1 connections, on HummingbirdCore's server (listening, graceful shutdown): NIO's HTTP/1 request
/// decoder, the request deadline, and `HTTPRequestHandler`, which handles pipelining and writes each answer as one
/// buffer. No per-connection async stream and no per-request task for the routes that need no I/O.
struct VerifydHTTPChannel: ServerChildChannel {
    typealias Value = Connection

    /// An accepted connection, once its pipeline is set up.
    struct Connection: ServerChildChannelValue {
        let channel: any Channel
    }

    let endpoints: Endpoints
    let settings: HTTPSettings

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Connection> {
        channel.eventLoop.makeCompletedFuture {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = settings.maxHeaderBytes
            limits.maxHeaderListSize = settings.maxHeaderBytes
            limits.maxHeaderFieldCount = 100
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(limitConfiguration: limits)))
            try pipeline.addHandler(RequestDeadlineHandler(timeout: TimeAmount(settings.requestTimeout)))
            try pipeline.addHandler(HTTPRequestHandler(endpoints: endpoints, maxBodySize: settings.maxBodySize))
            return Connection(channel: channel)
        }
    }

    /// Waits until the connection closes: the handlers do the work. On shutdown the server asks each connection to
    /// quiesce (`HTTPRequestHandler` closes it once the answers due are written).
    func handle(value: Connection, logger: Logger) async {
        await withTaskCancellationHandler {
            try? await value.channel.closeFuture.get()
        } onCancel: {
            value.channel.close(promise: nil)
        }
    }
}
