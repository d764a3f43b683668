#!/usr/bin/env python3
"""A real SMTP server for tests (aiosmtpd). Every accepted message is parsed and written as one JSON line.

The behaviour is read from DIR/mode at each DATA command, so a test can change it while the sink runs:
  ok       accept (250)
  tempfail answer 451 (transient)
  reject   answer 550 (permanent)
  hang     never answer
  drop     close the connection in the middle of DATA (after the message, before any reply)
  acceptdrop  record the message as accepted, then close the connection without a reply (the provider took
           the message but its answer was lost: the client retries, so the recipient gets it twice)

DIR/modes, when present and not empty, is a comma-separated queue consumed one mode per DATA command before
DIR/mode is read (for example `tempfail,tempfail` then whatever DIR/mode says). Each DATA command also appends the
mode it used and the recipients as one JSON line to DIR/attempts.jsonl.

Optional delay before accepting a message (a provider that takes a while per message): `--delay SECONDS`, or
DIR/delay (seconds, read at each DATA command, overrides the option); only the `ok` mode waits. Each message in
DIR/messages.jsonl carries `session`, a number per SMTP connection (1, 2, … in the order of their first message), and
`peer_port`, the client's port, so several messages sent over one session can be told apart. With
`--envelope-only` a message is recorded without parsing its MIME structure (sender, recipients, size, session and
times only): for benches, where parsing would cost the sink more CPU than the client under test spends.
With `--tls-cert FILE --tls-key FILE` the sink offers STARTTLS with that certificate; with `--implicit-tls` as well,
it speaks TLS from the first byte instead (smtps, as on port 465) and offers no STARTTLS. Each message records `tls`,
whether it came over TLS (STARTTLS or implicit), and `tls_version` (`TLSv1.3`, …, or null).
"""
import argparse, asyncio, itertools, json, os, ssl, sys, time
from email import policy
from email.parser import BytesParser
from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory, delay=0.0, envelope_only=False):
        self.directory = directory
        self.delay = delay
        self.envelope_only = envelope_only
        self.sessions = itertools.count(1)

    def delay_seconds(self):
        try:
            with open(os.path.join(self.directory, "delay")) as f:
                return float(f.read().strip() or 0)
        except (FileNotFoundError, ValueError):
            return self.delay

    def session_id(self, session):
        """A number per connection, given at its first message: aiosmtpd makes a new Session after STARTTLS, but
        no message goes over the plaintext one before it."""
        if not hasattr(session, "sink_id"):
            session.sink_id = next(self.sessions)
        return session.sink_id

    def mode(self):
        path = os.path.join(self.directory, "modes")
        try:
            with open(path) as f:
                queue = [m.strip() for m in f.read().split(",") if m.strip()]
        except FileNotFoundError:
            queue = []
        if queue:
            with open(path, "w") as f:
                f.write(",".join(queue[1:]))
            return queue[0]
        try:
            with open(os.path.join(self.directory, "mode")) as f:
                return f.read().strip() or "ok"
        except FileNotFoundError:
            return "ok"

    def count(self, name):
        path = os.path.join(self.directory, name)
        with open(path, "a") as f:
            f.write("x")

    async def handle_DATA(self, server, session, envelope):
        data_at = time.time()
        mode = self.mode()
        self.count("attempts")
        with open(os.path.join(self.directory, "attempts.jsonl"), "a") as f:
            f.write(json.dumps({"mode": mode, "rcpt_tos": envelope.rcpt_tos, "at": time.time()}) + "\n")
        if mode == "tempfail":
            return "451 4.3.0 try again later"
        if mode == "reject":
            return "550 5.1.1 mailbox unavailable"
        if mode == "hang":
            await asyncio.sleep(3600)
        if mode == "drop":
            session.transport.close() if hasattr(session, "transport") else None
            server.transport.close()
            return "421 closing"
        if mode == "acceptdrop":
            self.record(server, session, envelope, data_at)
            server.transport.close()
            return "421 closing"
        delay = self.delay_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        self.record(server, session, envelope, data_at)
        return "250 OK"

    @staticmethod
    def tls_version(server):
        """The TLS version of the connection (after STARTTLS, or implicit), None when it is plaintext."""
        ssl_object = server.transport.get_extra_info("ssl_object") if server.transport else None
        return ssl_object.version() if ssl_object else None

    def record(self, server, session, envelope, data_at):
        tls_version = self.tls_version(server)
        if self.envelope_only:
            content = envelope.original_content or envelope.content or b""
            self.write({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "size": len(content),
                        "received_at": time.time(), "data_at": data_at, "session": self.session_id(session),
                        "peer_port": session.peer[1] if isinstance(session.peer, tuple) else None,
                        "tls": tls_version is not None, "tls_version": tls_version})
            return
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "date": str(message["Date"]),
            "message_id": str(message["Message-ID"]),
            "content_type": message.get_content_type(),
            "text": text.get_content() if text else None,
            "html": html.get_content() if html else None,
            "received_at": time.time(),
            "data_at": data_at,
            "session": self.session_id(session),
            "peer_port": session.peer[1] if isinstance(session.peer, tuple) else None,
            "tls": tls_version is not None,
            "tls_version": tls_version,
        }
        self.write(record)

    def write(self, record):
        with open(os.path.join(self.directory, "messages.jsonl"), "a") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before accepting a message")
    parser.add_argument("--envelope-only", action="store_true", help="record messages without parsing them")
    parser.add_argument("--tls-cert", help="offer STARTTLS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    parser.add_argument("--implicit-tls", action="store_true",
                        help="TLS from the first byte (smtps) with --tls-cert, instead of offering STARTTLS")
    args = parser.parse_args()
    if (args.tls_cert is None) != (args.tls_key is None) or (args.implicit_tls and not args.tls_cert):
        parser.error("--tls-cert and --tls-key go together, and --implicit-tls needs them")
    os.makedirs(args.dir, exist_ok=True)
    tls = {}
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        # aiosmtpd: `ssl_context` wraps the listening socket (implicit TLS), `tls_context` serves STARTTLS.
        tls = {"ssl_context": context} if args.implicit_tls else {"tls_context": context}
    controller = Controller(Handler(args.dir, args.delay, args.envelope_only), hostname="127.0.0.1", port=args.port,
                            decode_data=False, **tls)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
