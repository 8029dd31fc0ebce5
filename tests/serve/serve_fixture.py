"""Starts gemmakit-serve on a free loopback port for a test and stops it afterwards."""
import json
import re
import subprocess
import time
import urllib.error
import urllib.request


class Server:
    def __init__(self, binary, model, *extra):
        self.proc = subprocess.Popen([binary, model, "--port", "0", *extra], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"http://([\d.]+):(\d+)/v1", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("server did not start: " + line + self.proc.stderr.read())
        self.url = f"http://{m.group(1)}:{m.group(2)}"

    def request(self, method, path, body=None, key=None, raw=None, headers=None):
        """(status, parsed JSON or text, headers) of one request."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json", **(headers or {})}
        if key:
            h["Authorization"] = "Bearer " + key
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, text, hdrs = r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            status, text, hdrs = e.code, e.read().decode(), dict(e.headers)
        try:
            return status, json.loads(text), hdrs
        except ValueError:
            return status, text, hdrs

    def metrics(self):
        _, text, _ = self.request("GET", "/metrics")
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        return values

    def stop(self):
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.stop()


failures = []


def check(cond, what):
    """Prints one check's outcome; the failed ones are kept in `failures`."""
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)
