#!/usr/bin/env python3
"""A small TLS server for what nginx will not do, on 127.0.0.1 only (servers/nginx_tls.sh starts
it). TLS runs over memory BIOs, so the script decides every byte on the wire: in particular it
can end a body by closing TCP without sending close_notify (catalogue T-11, port rule L-04).

    tls_raw.py --certs DIR --port P --strict-port Q

Port P (DIR/server.crt, the test CA's localhost certificate), one request per connection:
  /truncated         200, close-delimited body (no Content-Length), then TCP closes without
                     close_notify: a client must report the body as truncated, not complete
  /truncated-length  200, Content-Length: 1000, 100 bytes, then TCP closes without close_notify
  /clean             200, close-delimited body, then close_notify, then TCP closes: complete
  anything else      404 with Content-Length, close_notify
Port Q: the handshake requires a client certificate signed by DIR/client-ca.crt (OpenSSL's
CERT_REQUIRED: without one the handshake fails); then 200 "client=<subject CN>".
"""

import argparse
import socket
import ssl
import sys
import threading

BODY = b"a close-delimited body that the server cuts off\n"


class Conn:
    """TLS over a blocking TCP socket through memory BIOs."""

    def __init__(self, raw, context):
        self.raw = raw
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_side=True)

    def flush(self):
        data = self.outgoing.read()
        if data:
            self.raw.sendall(data)

    def pump(self, operation, *args):
        while True:
            try:
                result = operation(*args)
                self.flush()
                return result
            except ssl.SSLWantReadError:
                self.flush()
                data = self.raw.recv(65536)
                if not data:
                    raise ConnectionError("peer closed during TLS")
                self.incoming.write(data)
            except ssl.SSLError:
                self.flush()  # the alert
                self.linger()
                raise

    def linger(self):
        # A close with unread bytes (the client's last flight) makes the kernel send a reset,
        # which can overtake the alert: stop sending, read what still comes, then close (nginx's
        # lingering close does the same).
        try:
            self.raw.shutdown(socket.SHUT_WR)
            self.raw.settimeout(1)
            while self.raw.recv(65536):
                pass
        except OSError:
            pass

    def read_head(self):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.pump(self.tls.read, 65536)
            if not chunk:
                break
            head += chunk
            if len(head) > 65536:
                break
        return head

    def write(self, data):
        self.pump(self.tls.write, data)

    def close_notify(self):
        try:
            self.tls.unwrap()  # queues close_notify (does not wait for the peer's)
        except (ssl.SSLWantReadError, ssl.SSLError):
            pass
        self.flush()


def serve_plain(raw, context):
    conn = Conn(raw, context)
    try:
        conn.pump(conn.tls.do_handshake)
        head = conn.read_head()
        line = head.split(b"\r\n", 1)[0].split(b" ")
        path = line[1].decode("latin-1") if len(line) > 1 else ""
        if path == "/truncated":
            conn.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + BODY)
            # No close_notify: TCP's FIN (from close() below) is all the client sees.
        elif path == "/truncated-length":
            conn.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n"
                       b"Connection: close\r\n\r\n" + b"x" * 100)
        elif path == "/clean":
            conn.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + BODY)
            conn.close_notify()
        else:
            conn.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            conn.close_notify()
    except (OSError, ssl.SSLError, ConnectionError) as e:
        print("plain: %s" % e, file=sys.stderr, flush=True)
    finally:
        raw.close()


def serve_strict(raw, context):
    conn = Conn(raw, context)
    try:
        conn.pump(conn.tls.do_handshake)
        peer = conn.tls.getpeercert() or {}
        name = ""
        for rdn in peer.get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    name = value
        conn.read_head()
        body = ("client=%s\n" % name).encode()
        conn.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                   % len(body) + body)
        conn.close_notify()
    except (OSError, ssl.SSLError, ConnectionError) as e:
        print("strict: %s" % e, file=sys.stderr, flush=True)
    finally:
        raw.close()


def listen(port, context, serve):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)

    def loop():
        while True:
            raw, _ = server.accept()
            raw.settimeout(30)
            threading.Thread(target=serve, args=(raw, context), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--certs", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--strict-port", type=int, required=True)
    a = parser.parse_args()

    plain = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    plain.load_cert_chain(a.certs + "/server.crt", a.certs + "/server.key")
    plain.set_alpn_protocols(["http/1.1"])
    strict = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    strict.load_cert_chain(a.certs + "/server.crt", a.certs + "/server.key")
    strict.load_verify_locations(a.certs + "/client-ca.crt")
    strict.verify_mode = ssl.CERT_REQUIRED
    strict.set_alpn_protocols(["http/1.1"])
    listen(a.port, plain, serve_plain)
    listen(a.strict_port, strict, serve_strict)
    print("tls_raw.py: serving on 127.0.0.1:%d and :%d (strict)" % (a.port, a.strict_port), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
