#!/usr/bin/env python3
r"""A small real SMTP server (RFC 5321) for tests: it accepts mail and keeps it in files.

Python 3.11 standard library only (no smtpd, no aiosmtpd). Listens on 127.0.0.1.

    python3 tools/smtp_sink.py --port 0 --port-file F --dir D
        [--fail-first N] [--reject-rcpt ADDR]... [--tls-cert PEM --tls-key PEM]
        [--implicit-tls] [--auth USER:PASSWORD] [--no-ehlo]

  --port P           port to listen on; 0 picks a free one
  --port-file F      once listening, the port is written to F (atomically: wait for F to appear)
  --dir D            accepted messages go to D/<n>.eml (n = 1, 2, ...; the message as received
                     after DATA, dot-stuffing undone, CRLF line ends) and D/<n>.json, written
                     before the 250 reply:
                       {"mail_from": "...", "rcpt_to": ["...", ...], "helo": "...",
                        "tls": false, "auth_user": null,
                        "subject": "...", "body": "...", "message_id": "<...>"}
                     subject and body decoded by Python's email package (body with "\n" line
                     ends), null when the message cannot be parsed
  --fail-first N     the first N transactions get "451 4.3.0" to MAIL FROM (try again later)
  --reject-rcpt A    RCPT TO:<A> gets "550 5.1.1" (repeatable; compared case-insensitively)
  --tls-cert/--tls-key
                     a certificate and key: STARTTLS is offered (RFC 3207)
  --implicit-tls     TLS from the first byte instead (needs --tls-cert/--tls-key)
  --auth U:P         AUTH PLAIN is offered (over TLS only) and required before MAIL FROM
  --no-ehlo          EHLO gets 502 (an old server that knows HELO only)

Commands: EHLO, HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT (others: 502).
EHLO offers 8BITMIME, SMTPUTF8 and SIZE. SIGTERM or SIGINT ends it.
"""

import argparse
import asyncio
import base64
import binascii
import email
import email.policy
import json
import os
import signal
import ssl
import sys

MAX_LINE = 4096
MAX_MESSAGE = 32 * 1024 * 1024


class Sink:
    def __init__(self, args):
        self.args = args
        self.dir = args.dir
        self.count = 0
        self.transactions = 0
        self.reject = {address.lower() for address in args.reject_rcpt}
        self.tls_context = None
        if args.tls_cert:
            self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls_context.load_cert_chain(args.tls_cert, args.tls_key)
        self.auth = None
        if args.auth:
            user, _, password = args.auth.partition(":")
            self.auth = (user, password)

    def save(self, session, data):
        self.count += 1
        number = self.count
        record = {
            "mail_from": session["mail_from"],
            "rcpt_to": session["rcpt_to"],
            "helo": session["helo"],
            "tls": session["tls"],
            "auth_user": session["auth_user"],
            "subject": None,
            "body": None,
            "message_id": None,
        }
        try:
            message = email.message_from_bytes(data, policy=email.policy.default)
            record["subject"] = str(message["subject"]) if message["subject"] is not None else None
            record["body"] = message.get_content().replace("\r\n", "\n")
            record["message_id"] = (str(message["message-id"]) if message["message-id"] is not None
                                    else None)
        except Exception as error:  # a message we cannot parse is still kept as it came
            record["parse_error"] = str(error)
        eml = os.path.join(self.dir, f"{number}.eml")
        with open(eml + ".tmp", "wb") as out:
            out.write(data)
        os.replace(eml + ".tmp", eml)
        path = os.path.join(self.dir, f"{number}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False, indent=1)
        os.replace(path + ".tmp", path)
        return number

    async def handle(self, reader, writer):
        session = {"helo": None, "tls": self.args.implicit_tls, "auth_user": None,
                   "mail_from": None, "rcpt_to": []}

        async def reply(text):
            writer.write((text + "\r\n").encode("utf-8"))
            await writer.drain()

        async def read_line():
            line = await reader.readline()
            if not line:
                return None
            if len(line) > MAX_LINE:
                raise ValueError("line too long")
            return line

        def reset():
            session["mail_from"] = None
            session["rcpt_to"] = []

        try:
            await reply("220 threathub-smtp-sink ESMTP ready")
            while True:
                raw = await read_line()
                if raw is None:
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb, _, rest = line.partition(" ")
                verb = verb.upper()
                if verb == "EHLO" and self.args.no_ehlo:
                    await reply("502 5.5.2 command not recognized")
                elif verb == "EHLO":
                    session["helo"] = rest
                    reset()
                    lines = ["250-threathub-smtp-sink greets " + rest, "250-8BITMIME",
                             "250-SMTPUTF8", f"250-SIZE {MAX_MESSAGE}"]
                    if self.tls_context and not session["tls"]:
                        lines.append("250-STARTTLS")
                    if self.auth and session["tls"]:
                        lines.append("250-AUTH PLAIN")
                    lines.append("250 HELP")
                    await reply("\r\n".join(lines))
                elif verb == "HELO":
                    session["helo"] = rest
                    reset()
                    await reply("250 threathub-smtp-sink")
                elif verb == "STARTTLS":
                    if not self.tls_context or session["tls"]:
                        await reply("502 5.5.1 STARTTLS not available")
                        continue
                    await reply("220 2.0.0 ready to start TLS")
                    await writer.start_tls(self.tls_context)
                    session.update(tls=True, helo=None, auth_user=None)
                    reset()
                elif verb == "AUTH":
                    mechanism, _, initial = rest.partition(" ")
                    if not self.auth or not session["tls"] or mechanism.upper() != "PLAIN":
                        await reply("504 5.5.4 mechanism not available")
                        continue
                    if not initial:
                        await reply("334 ")
                        initial = ((await read_line()) or b"").decode("ascii", "replace").strip()
                    try:
                        _, user, password = base64.b64decode(initial, validate=True).decode(
                            "utf-8").split("\0")
                    except (binascii.Error, ValueError, UnicodeDecodeError):
                        await reply("501 5.5.2 cannot decode the credentials")
                        continue
                    if (user, password) == self.auth:
                        session["auth_user"] = user
                        await reply("235 2.7.0 authentication successful")
                    else:
                        await reply("535 5.7.8 authentication credentials invalid")
                elif verb == "MAIL":
                    if not rest.upper().startswith("FROM:"):
                        await reply("501 5.5.4 syntax: MAIL FROM:<address>")
                    elif session["helo"] is None:
                        await reply("503 5.5.1 EHLO first")
                    elif self.auth and session["auth_user"] is None:
                        await reply("530 5.7.0 authentication required")
                    else:
                        self.transactions += 1
                        if self.transactions <= self.args.fail_first:
                            await reply("451 4.3.0 temporary failure, try again later")
                            continue
                        address = rest[5:].strip().split(" ")[0]
                        session["mail_from"] = address.strip("<>")
                        session["rcpt_to"] = []
                        await reply("250 2.1.0 sender ok")
                elif verb == "RCPT":
                    if not rest.upper().startswith("TO:"):
                        await reply("501 5.5.4 syntax: RCPT TO:<address>")
                    elif session["mail_from"] is None:
                        await reply("503 5.5.1 MAIL first")
                    else:
                        address = rest[3:].strip().split(" ")[0].strip("<>")
                        if address.lower() in self.reject:
                            await reply(f"550 5.1.1 <{address}>: recipient rejected")
                        else:
                            session["rcpt_to"].append(address)
                            await reply("250 2.1.5 recipient ok")
                elif verb == "DATA":
                    if not session["rcpt_to"]:
                        await reply("503 5.5.1 RCPT first")
                        continue
                    await reply("354 end data with <CR><LF>.<CR><LF>")
                    data = bytearray()
                    while True:
                        raw = await read_line()
                        if raw is None:
                            raise ConnectionError("connection closed during DATA")
                        if raw in (b".\r\n", b".\n"):
                            break
                        if raw.startswith(b"."):  # RFC 5321 section 4.5.2
                            raw = raw[1:]
                        data += raw
                        if len(data) > MAX_MESSAGE:
                            raise ValueError("message too large")
                    number = self.save(session, bytes(data))
                    reset()
                    await reply(f"250 2.0.0 queued as {number}")
                elif verb == "RSET":
                    reset()
                    await reply("250 2.0.0 ok")
                elif verb == "NOOP":
                    await reply("250 2.0.0 ok")
                elif verb == "QUIT":
                    await reply("221 2.0.0 bye")
                    break
                else:
                    await reply("502 5.5.2 command not recognized")
        except (OSError, ValueError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as error:
            print(f"smtp_sink: {error}", file=sys.stderr)
        finally:
            try:
                writer.close()
                await writer.wait_closed()
            except OSError:
                pass


async def serve(args):
    sink = Sink(args)
    server = await asyncio.start_server(
        sink.handle, "127.0.0.1", args.port, limit=MAX_MESSAGE,
        ssl=sink.tls_context if args.implicit_tls else None)
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as out:
        out.write(f"{port}\n")
    os.replace(args.port_file + ".tmp", args.port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    async with server:
        await stop.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--reject-rcpt", action="append", default=[])
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--auth")
    parser.add_argument("--no-ehlo", action="store_true")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.implicit_tls and not args.tls_cert:
        parser.error("--implicit-tls needs --tls-cert and --tls-key")
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
