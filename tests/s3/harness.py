"""Local S3 for the s3:// tests: moto's S3 server on 127.0.0.1 with the test buckets, behind a
small fault-injecting proxy. Prints one JSON line {"moto": port, "proxy": port} when ready and
serves until its standard input closes.

Buckets (filled through moto's backend, not over HTTP, to keep start-up short):
  sample   data/sample in the S3 delivery layout (AWSLogs/...);
  faults   the same, with the faults below;
  dups     the same, plus a copy of one object under another key (same ETag: read once);
  many     1,100 tiny valid logs in AWSLogs/<account>/vpcflowlogs/<region>/2026/10/DD/
           (two accounts, two regions, days 01-11): pagination and pruning;
  parquet  the files of --parquet DIR under the same relative keys (Hive-style Parquet);
  denied   exists, but the proxy answers every request for it with 403 AccessDenied;
  locked   one object, AWSLogs/forbidden.log, whose GET the proxy refuses (403).
Faults (proxy, bucket faults only): the first GET of a key containing "T0600Z" gets 503
SlowDown; the first GET of a key containing "T1200Z" is held --delay seconds before it is
forwarded; a GET of a key containing "forbidden" (any bucket) gets 403 AccessDenied. Every request is appended to --log as JSON lines
(method, path, status), before its reply is sent (so the log is complete once the client has its answer): a held
request is logged "held" when it is held and its late reply "late-<status>"; a reply whose client is gone adds a
"client-gone" line.
"""

import argparse
import http.client
import http.server
import json
import os
import logging
import sys
import threading
import time

from moto.server import ThreadedMotoServer
from moto.s3.models import s3_backends

ACCOUNT = "123456789012"

# moto's server logs every request on stderr; the proxy's own log file records what the tests need.
logging.getLogger("werkzeug").setLevel(logging.ERROR)


def backend():
    return s3_backends[ACCOUNT]["aws"]


def fill(args):
    b = backend()
    for name in ["sample", "faults", "dups", "many", "parquet", "denied", "locked"]:
        b.create_bucket(name, "us-east-1")
    root = os.path.join(args.sample, "AWSLogs")
    first = None
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            path = os.path.join(dirpath, f)
            key = os.path.relpath(path, args.sample).replace(os.sep, "/")
            with open(path, "rb") as fh:
                data = fh.read()
            for bucket in ["sample", "faults", "dups"]:
                b.put_object(bucket, key, data)
            if first is None:
                first = (key, data)
    b.put_object("locked", "AWSLogs/forbidden.log", b"not readable through the proxy\n")
    # The copy sorts after the original (same folder, later name).
    key, data = first
    b.put_object("dups", key + ".copy.log.gz", data)
    header = b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
    n = 0
    for account in ["111111111111", "222222222222"]:
        for region in ["us-east-1", "eu-west-1"]:
            for day in range(1, 12):
                for i in range(25):
                    start = 1790000000 + day * 86400 + i
                    body = header + (
                        "2 %s eni-0a1b2c3d4e5f60718 10.0.1.5 52.94.133.%d 44321 443 6 10 %d %d %d ACCEPT OK\n"
                        % (account, (i % 200) + 1, 1000 + n, start, start + 60)
                    ).encode()
                    key = "AWSLogs/%s/vpcflowlogs/%s/2026/10/%02d/%s_vpcflowlogs_%s_fl-0123456789abcdef0_202610%02dT00%02dZ_%08x.log" % (
                        account, region, day, account, region, day, i, n)
                    b.put_object("many", key, body)
                    n += 1
    if args.parquet:
        for dirpath, _, files in os.walk(args.parquet):
            for f in sorted(files):
                path = os.path.join(dirpath, f)
                key = os.path.relpath(path, args.parquet).replace(os.sep, "/")
                with open(path, "rb") as fh:
                    b.put_object("parquet", key, fh.read())


def error_xml(code, message, resource):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
        "<Resource>%s</Resource><RequestId>test</RequestId></Error>" % (code, message, resource)
    ).encode()


def make_proxy(moto_port, log_path, delay):
    seen = set()
    lock = threading.Lock()

    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def record(self, status):
            with lock:
                with open(log_path, "a") as fh:
                    fh.write(json.dumps({"method": self.command, "path": self.path, "status": status}) + "\n")

        def reply(self, status, body, headers=(), held=False):
            self.record("late-%d" % status if held else status)
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?")[0]
            xml = [("Content-Type", "application/xml")]
            if path.startswith("/denied"):
                return self.reply(403, error_xml("AccessDenied", "Access Denied", path), xml)
            if self.command == "GET" and "forbidden" in path:
                return self.reply(403, error_xml("AccessDenied", "Access Denied", path), xml)
            faults = path.startswith("/faults/")
            if faults and self.command == "GET" and "T0600Z" in path and "range" not in {k.lower() for k in self.headers}:
                with lock:
                    first = ("503", path) not in seen
                    seen.add(("503", path))
                if first:
                    return self.reply(503, error_xml("SlowDown", "Please reduce your request rate.", path), xml)
            held = False
            if faults and self.command == "GET" and "T1200Z" in path:
                with lock:
                    held = ("slow", path) not in seen
                    seen.add(("slow", path))
                if held:
                    self.record("held")
                    time.sleep(delay)
            conn = http.client.HTTPConnection("127.0.0.1", moto_port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            out = [(k, v) for k, v in resp.getheaders()
                   if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date")]
            conn.close()
            try:
                self.reply(resp.status, data, out, held)
            except (BrokenPipeError, ConnectionResetError):
                self.record("client-gone")

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    return server


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sample", required=True)
    p.add_argument("--parquet")
    p.add_argument("--log", required=True)
    p.add_argument("--delay", type=float, default=3.0)
    args = p.parse_args()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    _, moto_port = moto.get_host_and_port()
    fill(args)
    proxy = make_proxy(moto_port, args.log, args.delay)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    print(json.dumps({"moto": moto_port, "proxy": proxy.server_address[1]}), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
