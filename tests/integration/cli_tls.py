#!/usr/bin/env python3
"""The htpx tool's TLS (issue 5) against the TLS servers of run-with-servers.sh --tls, through
its documented contract only: exit statuses, the --report JSON lines on stderr, stdout.

    run-with-servers.sh --tls --httpbin --proxy -- python3 cli_tls.py path/to/htpx

Covered: https:// URLs with --cacert (pinned CA, keep-alive across URLs), the system bundle by
default (the test CA is unknown there), each bad certificate's ConnectError and detail, -k and
--insecure, --cert/--key against nginx's ssl_verify_client and a handshake that requires a
certificate, unusable --cacert/--cert/--key files (exit 5), option combinations (exit 1), a body
cut off without close_notify (ReadError), -Z over TLS, httpbin behind TLS (-j, -L, a redirect
from https to http refused), https through tinyproxy (--proxy and HTTPS_PROXY: a CONNECT
tunnel), --http2 still refused (exit 4).
Exit status 0 when every check passes, 1 otherwise, 77 when the servers are not there (and
HTPX_REQUIRE_SERVERS is not set)."""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

HTPX = sys.argv[1]
E = os.environ
TLS = E.get("HTPX_TLS_URL", "")
HTTPBIN_TLS = E.get("HTPX_TLS_HTTPBIN_URL", "")
PROXY = E.get("HTPX_PROXY_URL", "")
if not TLS or not HTTPBIN_TLS or not PROXY:
    print("HTPX_TLS_URL, HTPX_TLS_HTTPBIN_URL or HTPX_PROXY_URL not set: run through "
          "run-with-servers.sh --tls --httpbin --proxy")
    sys.exit(1 if E.get("HTPX_REQUIRE_SERVERS") else 77)
CA = E["HTPX_TLS_CA_FILE"]
CERT = E["HTPX_TLS_CLIENT_CERT"]
KEY = E["HTPX_TLS_CLIENT_KEY"]
SMALL = E["HTPX_TLS_SMALL_PATH"]
MIB = E["HTPX_TLS_1MIB_PATH"]
MIB_SHA256 = E["HTPX_TLS_1MIB_SHA256"]
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                   "NO_PROXY", "no_proxy")

failures = []
passes = 0


class Run:
    """One invocation of the tool: exit status, stdout, stderr, the parsed --report lines and
    stdout parsed as JSON when it is. The environment has no proxy variables unless `env` adds
    them."""

    def __init__(self, *args, env=None, timeout=30):
        environment = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
        environment.update(env or {})
        began = time.monotonic()
        p = subprocess.run([HTPX, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                           env=environment)
        self.seconds = time.monotonic() - began
        self.args = args
        self.env = env or {}
        self.rc = p.returncode
        self.out = p.stdout
        self.err = p.stderr.decode("utf-8", "replace")
        self.reports = [json.loads(line) for line in self.err.splitlines() if line.startswith("{")]
        try:
            self.json = json.loads(self.out) if self.out.startswith(b"{") else {}
        except ValueError:
            self.json = {}

    def report(self, i=0):
        return self.reports[i] if i < len(self.reports) else {}

    def describe(self):
        env = " ".join("%s=%s" % kv for kv in self.env.items())
        return "%s htpx %s -> exit %d\n  stdout: %r\n  stderr: %s" % (
            env, " ".join(self.args), self.rc, self.out[:400], self.err[:1200])


def check(name, run, *conditions):
    """Every condition (a (bool, text) pair) must hold."""
    global passes
    wrong = [text for ok, text in conditions if not ok]
    if wrong:
        failures.append(name)
        print("FAIL %s: %s\n  %s" % (name, "; ".join(wrong), run.describe()))
    else:
        passes += 1
        print("ok   %s (%.2f s)" % (name, run.seconds))


def report_is(r, **expected):
    return all(r.get(k) == v for k, v in expected.items())


def connect_error(r, detail):
    return report_is(r, status=None, error="ConnectError", detail=detail, conn=None, bytes=0)


# ---- verification ------------------------------------------------------------------------------
r = Run("--report", "--cacert", CA, TLS + SMALL, TLS + SMALL)
check("cacert", r,
      (r.rc == 0, "exit 0"),
      (r.out == b"hello from nginx\n" * 2, "both bodies"),
      (report_is(r.report(0), status=200, http_version="HTTP/1.1", error=None, conn=1), "report 1: 200"),
      (report_is(r.report(1), status=200, error=None, conn=1), "report 2: 200 on the same connection"))

r = Run("--report", "--cacert", os.path.join(E["HTPX_TLS_CERT_DIR"], "ca.der"), TLS + SMALL)
check("cacert-der", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=200), "a DER CA file works too"))

by_address = "https://127.0.0.1:%s%s" % (E["HTPX_TLS_PORT"], SMALL)
r = Run("--report", "--cacert", CA, by_address)
check("cacert-ip-address", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=200), "verified against the certificate's IP address"))

r = Run("--report", TLS + SMALL)
check("system-bundle-by-default", r,
      (r.rc == 2, "exit 2"),
      (connect_error(r.report(), "unknown CA"), "the test CA is not in the system bundle"),
      ("ConnectError: unknown CA" in r.err, "the error line on stderr"))

bad = [("HTPX_TLS_EXPIRED_URL", "certificate has expired"),
       ("HTPX_TLS_NOT_YET_VALID_URL", "certificate is not yet valid"),
       ("HTPX_TLS_WRONG_HOST_URL", "hostname mismatch"),
       ("HTPX_TLS_SELF_SIGNED_URL", "unknown CA")]
r = Run("--report", "--cacert", CA, *[E[variable] + SMALL for variable, _ in bad], TLS + SMALL)
check("bad-certificates", r,
      (r.rc == 2, "exit 2"),
      (len(r.reports) == len(bad) + 1, "one report per URL"),
      *[(connect_error(r.report(i), detail), "URL %d: ConnectError %r" % (i + 1, detail))
        for i, (_, detail) in enumerate(bad)],
      (report_is(r.report(len(bad)), status=200, error=None), "the good server after them"),
      (r.out == b"hello from nginx\n", "only the good server's body"))

for option in ("-k", "--insecure"):
    r = Run("--report", option, *[E[variable] + SMALL for variable, _ in bad])
    check("insecure " + option, r,
          (r.rc == 0, "exit 0"),
          (all(report_is(r.report(i), status=200, error=None) for i in range(len(bad))), "every one 200"),
          (r.out == b"hello from nginx\n" * len(bad), "every body"))

# ---- mutual TLS ------------------------------------------------------------------------------------
MTLS = E["HTPX_TLS_MTLS_URL"] + "/tls-info"
r = Run("--report", "--cacert", CA, MTLS)
check("mtls-without-cert", r,
      (r.rc == 0, "exit 0: nginx answers 400"),
      (report_is(r.report(), status=400, error=None), "report: 400"),
      (b"No required SSL certificate was sent" in r.out, "nginx says why"))
r = Run("--report", "-f", "--cacert", CA, MTLS)
check("mtls-without-cert-fail", r, (r.rc == 3, "exit 3 with -f"))
r = Run("--report", "--cacert", CA, "--cert", CERT, "--key", KEY, MTLS)
check("mtls-with-cert", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=200, error=None), "report: 200"),
      (b"client=SUCCESS" in r.out, "nginx verified the client certificate"))

STRICT = E["HTPX_TLS_STRICT_MTLS_URL"] + "/"
r = Run("--report", "--cacert", CA, STRICT)
check("strict-mtls-without-cert", r,
      (r.rc == 2, "exit 2"),
      (connect_error(r.report(), "client certificate required"), "ConnectError: client certificate required"))
r = Run("--report", "--cacert", CA, "--cert", CERT, "--key", KEY, STRICT)
check("strict-mtls-with-cert", r,
      (r.rc == 0, "exit 0"),
      (r.out == b"client=htpx test client\n", "the server saw the certificate"))

# ---- unusable files and option combinations ---------------------------------------------------------
with tempfile.TemporaryDirectory() as scratch:
    junk = os.path.join(scratch, "junk.pem")
    with open(junk, "w") as f:
        f.write("not a certificate\n")
    out_file = os.path.join(scratch, "out.txt")
    with open(out_file, "w") as f:
        f.write("kept\n")
    for name, args, says in (
            ("cacert-missing", ("--cacert", os.path.join(scratch, "missing.pem")), "cannot read the file"),
            ("cacert-junk", ("--cacert", junk), "--cacert " + junk),
            ("cert-missing", ("--cacert", CA, "--cert", os.path.join(scratch, "missing.pem"), "--key", KEY),
             "cannot read the file"),
            ("key-not-a-key", ("--cacert", CA, "--cert", CERT, "--key", CA), "not a valid private key")):
        r = Run("--report", "-o", out_file, *args, TLS + SMALL)
        check(name, r,
              (r.rc == 5, "exit 5"),
              (says in r.err, "stderr says %r" % says),
              (not r.reports, "no request was made"),
              (open(out_file).read() == "kept\n", "-o FILE untouched"))
for name, args in (("cert-without-key", ("--cert", CERT)), ("key-without-cert", ("--key", KEY)),
                   ("insecure-and-cacert", ("-k", "--cacert", CA)), ("cacert-empty", ("--cacert=",))):
    r = Run(*args, TLS + SMALL)
    check(name, r, (r.rc == 1, "exit 1"), (not r.out, "no request"))
for option in ("--http2", "--http2-prior-knowledge"):
    r = Run(option, "--cacert", CA, TLS + SMALL)
    check("still-unsupported " + option, r,
          (r.rc == 4, "exit 4"),
          ("not supported yet" in r.err, "says so"))

# ---- the end of a body ----------------------------------------------------------------------------
RAW = E["HTPX_TLS_RAW_URL"]
r = Run("--report", "--cacert", CA, RAW + "/truncated")
check("truncated", r,
      (r.rc == 2, "exit 2"),
      (report_is(r.report(), status=200, error="ReadError", detail="TLS connection truncated (no close_notify)"),
       "ReadError: truncated"),
      (r.report().get("bytes", 0) > 0, "the bytes before the cut were received"))
r = Run("--report", "--cacert", CA, RAW + "/clean")
check("clean-close", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=200, error=None), "close_notify ends the body"))

# ---- many connections, httpbin, proxies -------------------------------------------------------------
with tempfile.TemporaryDirectory() as scratch:
    out_file = os.path.join(scratch, "all.bin")
    r = Run("--report", "-Z", "4", "-o", out_file, "--cacert", CA, *[TLS + MIB] * 8)
    data = open(out_file, "rb").read() if os.path.exists(out_file) else b""
    pieces = [data[i * 1048576:(i + 1) * 1048576] for i in range(8)]
    conns = {rep.get("conn") for rep in r.reports}
    check("parallel-over-tls", r,
          (r.rc == 0, "exit 0"),
          (len(data) == 8 * 1048576, "8 MiB written"),
          (all(hashlib.sha256(p).hexdigest() == MIB_SHA256 for p in pieces), "every body's SHA-256"),
          (len(conns) == 4 and None not in conns, "four connections: %s" % sorted(c or 0 for c in conns)))

r = Run("--report", "--cacert", CA, "-j", '{"over": "tls"}', HTTPBIN_TLS + "/post")
check("httpbin-json", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=200), "200"),
      (r.json.get("json") == {"over": "tls"}, "httpbin echoed the JSON"))

r = Run("--report", "-L", "--cacert", CA, HTTPBIN_TLS + "/redirect/2")
check("httpbin-follow", r, (report_is(r.report(), status=200, redirects=2), "two redirects within https"))

plain_target = "http://127.0.0.1:1/get"  # never reached: the redirect is refused first
r = Run("--report", "-L", "--cacert", CA, HTTPBIN_TLS + "/redirect-to?url=" + plain_target)
check("https-to-http-refused", r,
      (r.rc == 2, "exit 2"),
      (report_is(r.report(), error="UnsupportedProtocol", detail="redirect from https to http refused"),
       "UnsupportedProtocol"))

def tunnels(origin):
    with open(E["HTPX_PROXY_LOG"], encoding="utf-8", errors="replace") as f:
        return f.read().count("): CONNECT %s HTTP/1.1" % origin)


origin = "127.0.0.1:" + E["HTPX_TLS_HTTPBIN_PORT"]
url = "https://%s/headers" % origin
before = tunnels(origin)
r = Run("--report", "--cacert", CA, "--proxy", PROXY, url, url)
check("proxy-connect-tunnel", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(0), status=200, conn=1) and report_is(r.report(1), status=200, conn=1),
       "both requests in one tunnel"),
      (tunnels(origin) == before + 1, "tinyproxy logged one CONNECT"),
      (b"tinyproxy" not in r.out, "no Via: the proxy saw only ciphertext"))

before = tunnels(origin)
r = Run("--report", "--cacert", CA, url, env={"HTTPS_PROXY": PROXY})
check("https-proxy-env", r,
      (report_is(r.report(), status=200), "200"),
      (tunnels(origin) == before + 1, "through the proxy of HTTPS_PROXY"))

expired = "https://127.0.0.1:%s%s" % (E["HTPX_TLS_EXPIRED_PORT"], SMALL)
r = Run("--report", "--cacert", CA, "--proxy", PROXY, expired)
check("proxy-bad-certificate", r,
      (r.rc == 2, "exit 2"),
      (connect_error(r.report(), "certificate has expired"), "verified through the tunnel too"))

print("%d passed, %d failed" % (passes, len(failures)))
sys.exit(1 if failures else 0)
