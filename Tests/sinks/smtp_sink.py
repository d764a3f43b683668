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
"""
import argparse, asyncio, json, os, sys, time
from email import policy
from email.parser import BytesParser
from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory):
        self.directory = directory

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
        self.record(envelope)
        if mode == "acceptdrop":
            server.transport.close()
            return "421 closing"
        return "250 OK"

    def record(self, envelope):
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
        }
        with open(os.path.join(self.directory, "messages.jsonl"), "a") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Handler(args.dir), hostname="127.0.0.1", port=args.port, decode_data=False)
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
