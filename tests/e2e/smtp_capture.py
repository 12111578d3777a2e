#!/usr/bin/python3
"""A tiny SMTP server for the tests (Debian's python3-aiosmtpd): every message it accepts is written as an
.eml file into --dir, named by arrival order, so a test can read the e-mail a person would get.

  smtp_capture.py --dir DIR [--port N] [--reject-rcpt SUBSTRING] [--tls-cert PEM --tls-key PEM]

Prints "listening on PORT" once ready. --reject-rcpt answers 550 to recipients containing SUBSTRING (a
permanent refusal, RFC 5321 section 4.2.1); with --tls-cert/--tls-key the server offers STARTTLS (RFC 3207).
Runs until SIGTERM or stdin closes.
"""
import argparse
import asyncio
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Capture:
    def __init__(self, directory, reject):
        self.directory = directory
        self.reject = reject
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and self.reject in address:
            return '550 5.1.1 mailbox unavailable'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        name = os.path.join(self.directory, '%04d.eml' % n)
        tmp = name + '.tmp'
        with open(tmp, 'wb') as f:
            header = 'X-Capture-Rcpt: %s\r\nX-Capture-From: %s\r\nX-Capture-TLS: %s\r\n' % (
                ','.join(envelope.rcpt_tos), envelope.mail_from,
                'yes' if session.ssl is not None else 'no')
            f.write(header.encode())
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, name)  # readers never see half a message
        return '250 Message accepted'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--reject-rcpt', default='')
    ap.add_argument('--tls-cert', default='')
    ap.add_argument('--tls-key', default='')
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Capture(args.dir, args.reject_rcpt)
    port = args.port or free_port()
    kwargs = {}
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs['tls_context'] = ctx
        kwargs['require_starttls'] = True
    controller = Controller(handler, hostname='127.0.0.1', port=port, server_kwargs=kwargs)
    controller.start()
    print('listening on %d' % port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def watch_stdin():
        # The parent closing our stdin (or dying) ends us too, so no server outlives its test.
        try:
            sys.stdin.read()
        finally:
            stop.set()
    threading.Thread(target=watch_stdin, daemon=True).start()
    stop.wait()
    controller.stop()


if __name__ == '__main__':
    main()
