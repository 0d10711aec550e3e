#!/usr/bin/env python3
"""The htpx tool against real servers, through its documented contract only: exit statuses,
the --report JSON lines on stderr (one per URL, in URL order), stdout and -o.

    run-with-servers.sh --nginx --httpbin -- python3 cli_contract.py path/to/htpx

Needs HTPX_NGINX_URL, HTPX_HTTPBIN_URL and the file variables that run-with-servers.sh exports.
Exit status 0 when every check passes, 1 otherwise, 77 when the servers are not there (and
HTPX_REQUIRE_SERVERS is not set)."""

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HTPX = sys.argv[1]
NGINX = os.environ.get("HTPX_NGINX_URL", "")
HTTPBIN = os.environ.get("HTPX_HTTPBIN_URL", "")
if not NGINX or not HTTPBIN:
    print("HTPX_NGINX_URL or HTPX_HTTPBIN_URL not set: run through run-with-servers.sh")
    sys.exit(1 if os.environ.get("HTPX_REQUIRE_SERVERS") else 77)
SMALL = NGINX + os.environ["HTPX_NGINX_SMALL_PATH"]
MIB = NGINX + os.environ["HTPX_NGINX_1MIB_PATH"]
MIB_SHA256 = os.environ["HTPX_NGINX_1MIB_SHA256"]

failures = []
passes = 0


class Run:
    """One invocation of the tool: exit status, stdout, stderr, the parsed --report lines."""

    def __init__(self, *args, timeout=30):
        began = time.monotonic()
        p = subprocess.run([HTPX, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        self.seconds = time.monotonic() - began
        self.args = args
        self.rc = p.returncode
        self.out = p.stdout
        self.err = p.stderr.decode("utf-8", "replace")
        self.reports = []
        for line in self.err.splitlines():
            if line.startswith("{"):
                self.reports.append(json.loads(line))

    def describe(self):
        return "htpx %s -> exit %d\n  stdout: %r\n  stderr: %s" % (
            " ".join(self.args), self.rc, self.out[:300], self.err[:1200])


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


# ---- success: status, version, body on stdout ---------------------------------------------
r = Run("--report", SMALL)
check("get-nginx", r,
      (r.rc == 0, "exit 0"),
      (r.out == b"hello from nginx\n", "stdout is the file"),
      (len(r.reports) == 1, "one report line"),
      (len(r.reports) == 1 and report_is(r.reports[0], url=SMALL, method="GET", status=200,
                                         http_version="HTTP/1.1", error=None, bytes=17), "report fields"),
      (len(r.reports) == 1 and isinstance(r.reports[0].get("conn"), int), "conn is a number"))

r = Run("--report", "-p", "q=a b", "-p", "lang=c++", "-H", "X-Contract: yes", HTTPBIN + "/get")
body = json.loads(r.out or b"{}")
check("get-httpbin-params-headers", r,
      (r.rc == 0, "exit 0"),
      (len(r.reports) == 1 and report_is(r.reports[0], status=200, http_version="HTTP/1.1", error=None),
       "report fields"),
      (body.get("args") == {"q": "a b", "lang": "c++"}, "params echoed"),
      (body.get("headers", {}).get("X-Contract") == "yes", "header echoed"),
      (body.get("headers", {}).get("User-Agent", "").startswith("htpx"), "User-Agent htpx"))

r = Run("--report", "-j", '{"sensor": "t1", "value": 21.5}', HTTPBIN + "/post")
body = json.loads(r.out or b"{}")
check("post-json", r,
      (r.rc == 0, "exit 0"),
      (len(r.reports) == 1 and report_is(r.reports[0], method="POST", status=200, error=None), "report fields"),
      (body.get("json") == {"sensor": "t1", "value": 21.5}, "body echoed as JSON"))

r = Run("--report", HTTPBIN + "/stream/20")
lines = r.out.decode("utf-8", "replace").splitlines()
check("stream-lines", r,
      (r.rc == 0, "exit 0"),
      (len(lines) == 20 and [json.loads(l)["id"] for l in lines] == list(range(20)), "20 JSON lines"),
      (len(r.reports) == 1 and r.reports[0].get("bytes") == len(r.out), "bytes counts the body"))

# ---- keep-alive: several URLs in one invocation share a connection per origin ---------------
# (-Z 1, the default, allows one connection: the httpbin URLs that follow get a new one.)
urls = [SMALL, SMALL + "?2", MIB, HTTPBIN + "/get", HTTPBIN + "/status/200", HTTPBIN + "/bytes/100"]
r = Run("--report", "-o", os.devnull, *urls)
conns = [x.get("conn") for x in r.reports]
check("reuse-per-origin", r,
      (r.rc == 0, "exit 0"),
      (len(r.reports) == 6, "six report lines"),
      ([x.get("url") for x in r.reports] == urls, "reports in URL order"),
      ([x.get("status") for x in r.reports] == [200] * 6, "all 200"),
      (len(conns) == 6 and conns[0] == conns[1] == conns[2] and conns[0] is not None, "nginx: one connection"),
      (len(conns) == 6 and conns[3] == conns[4] == conns[5] and conns[3] is not None, "httpbin: one connection"),
      (len(conns) == 6 and conns[0] != conns[3], "two origins, two connections"))

r = Run("--report", "-Z", "5", *([HTTPBIN + "/delay/1"] * 5))
check("parallel-delays", r,
      (r.rc == 0, "exit 0"),
      (len(r.reports) == 5 and all(x.get("status") == 200 for x in r.reports), "five 200s"),
      (len({x.get("conn") for x in r.reports}) == 5, "five connections"),
      (r.seconds < 3.0, "about 1 s, not 5"))

# ---- -o: the file's bytes, nothing on stdout -----------------------------------------------
with tempfile.TemporaryDirectory() as tmp:
    saved = os.path.join(tmp, "saved.bin")
    r = Run("--report", "-o", saved, MIB)
    digest = hashlib.sha256(open(saved, "rb").read()).hexdigest() if os.path.exists(saved) else ""
    check("output-file", r,
          (r.rc == 0, "exit 0"),
          (r.out == b"", "nothing on stdout"),
          (digest == MIB_SHA256, "file hash equals the served file's"),
          (len(r.reports) == 1 and report_is(r.reports[0], status=200, bytes=1048576), "report fields"))

# ---- errors: names in the report, exit statuses --------------------------------------------
refusing = socket.socket()  # bound, never listening: connections to it are refused
refusing.bind(("127.0.0.1", 0))
closed_url = "http://127.0.0.1:%d/" % refusing.getsockname()[1]
r = Run("--report", closed_url)
check("connect-error", r,
      (r.rc == 2, "exit 2"),
      (len(r.reports) == 1 and report_is(r.reports[0], error="ConnectError", status=None, http_version=None,
                                         bytes=0, conn=None), "report fields"))

r = Run("--report", "--read-timeout", "0.5", HTTPBIN + "/delay/2")
check("read-timeout", r,
      (r.rc == 2, "exit 2"),
      (len(r.reports) == 1 and report_is(r.reports[0], error="ReadTimeout", status=None), "report fields"),
      (len(r.reports) == 1 and 400 <= r.reports[0].get("elapsed_ms", 0) < 1900, "gave up after about 0.5 s"),
      (r.seconds < 1.9, "did not wait for the delay"))

r = Run("--report", "-f", HTTPBIN + "/status/404")
check("fail-on-404", r,
      (r.rc == 3, "exit 3"),
      (len(r.reports) == 1 and report_is(r.reports[0], error="HTTPStatusError", status=404), "report fields"))

r = Run("--report", HTTPBIN + "/status/404")
check("404-without-f", r,
      (r.rc == 0, "exit 0"),
      (len(r.reports) == 1 and report_is(r.reports[0], error=None, status=404), "report fields"))

r = Run("--report", "-f", SMALL, HTTPBIN + "/status/500", closed_url)
check("first-failure-decides", r,
      (r.rc == 3, "exit 3 (the 500 comes before the refused connection)"),
      ([x.get("error") for x in r.reports] == [None, "HTTPStatusError", "ConnectError"], "one report per URL"))

refusing.close()
print("%d passed, %d failed" % (passes, len(failures)))
sys.exit(1 if failures else 0)
