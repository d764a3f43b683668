import Foundation
import TestSupport

/// A throwaway certificate authority and a server certificate it signed for 127.0.0.1 (and localhost), made with the
/// openssl CLI in a temporary directory: what a TLS relay in a test serves, and what the client is told to trust.
struct TestCertificates: Sendable {
    /// The directory holding the files; removed by `remove()`.
    let directory: URL
    /// The authority's certificate (PEM): the CA file a client trusts.
    let caFile: String
    /// The server's certificate (PEM), signed by the authority.
    let certificate: String
    /// The server certificate's private key (PEM).
    let key: String

    /// The extensions of both certificates: the authority may sign, the server certificate names 127.0.0.1.
    private static let configuration = """
        [req]
        distinguished_name = dn
        prompt = no
        [dn]
        CN = verifyd test
        [ca]
        basicConstraints = critical,CA:TRUE
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash
        [server]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,keyEncipherment
        extendedKeyUsage = serverAuth
        subjectAltName = IP:127.0.0.1,DNS:localhost
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid

        """

    /// A new authority named `name` and a server certificate it signed, valid for a day, in a new temporary directory.
    /// openssl runs as a child process of `Blocking`.
    static func make(authority name: String = "verifyd test CA") async throws -> TestCertificates {
        try await Blocking.childProcess { try makeNow(authority: name) }
    }

    private static func makeNow(authority name: String) throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ file: String) -> String { directory.appendingPathComponent(file).path }
        do {
            try configuration.write(toFile: path("openssl.cnf"), atomically: true, encoding: .utf8)
            let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            try openssl(
                ["req", "-x509"] + newKey + [
                    "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "1", "-config", path("openssl.cnf"),
                    "-extensions", "ca", "-subj", "/CN=\(name)",
                ])
            try openssl(
                ["req", "-new"] + newKey + [
                    "-keyout", path("server.key"), "-out", path("server.csr"), "-config", path("openssl.cnf"),
                    "-subj", "/CN=127.0.0.1",
                ])
            try openssl([
                "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "1", "-out", path("server.pem"),
                "-extfile", path("openssl.cnf"), "-extensions", "server",
            ])
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        return TestCertificates(
            directory: directory, caFile: path("ca.pem"), certificate: path("server.pem"), key: path("server.key"))
    }

    /// The sink's arguments to serve this certificate: STARTTLS, or TLS from the first byte when `implicit`.
    func sinkArguments(implicit: Bool = false) -> [String] {
        ["--tls-cert", certificate, "--tls-key", key] + (implicit ? ["--implicit-tls"] : [])
    }

    /// Removes the files.
    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Runs `openssl` with `arguments`; throws with its error output when it fails.
    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = try Executables.find("openssl")
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure(
                "openssl \(arguments.first ?? "") failed: \(String(decoding: output, as: UTF8.self))")
        }
    }
}
