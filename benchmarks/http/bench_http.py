#!/usr/bin/python3
"""HTTP load benchmark: KATANA's examples/hello against nginx and a "floor" server.

Method (docs/BENCHMARKS.md has the long form):
  * Every contestant of a scenario is started at once, pinned to one core (--server-cpu); wrk
    runs pinned to another (--client-cpu). Only 127.0.0.1 is ever targeted.
  * wrk visits the contestants in turn in short slices (wrk -t1 -c64 -d1s), for --cycles
    cycles; the visiting order rotates every cycle. The machine's speed drifts over minutes, so
    each server is compared with the floor's slice OF THE SAME CYCLE, and the median of those
    per-cycle ratios is reported.
  * CPU time per request = utime+stime of all the server's processes (/proc/PID/stat) over the
    slice / responses wrk counted in that slice.
  * Memory: VmRSS (summed over the server's processes) after start and after the load; with
    --idle-conns N, RSS growth per idle keep-alive connection instead of the load scenarios.

Everything it starts is stopped on exit, on Ctrl-C and on SIGTERM/SIGHUP; servers also get
SIGTERM from the kernel if this script dies (PR_SET_PDEATHSIG). Only Python's standard library.
"""

import argparse
import ctypes
import datetime
import http.client
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CLK_TCK = os.sysconf("SC_CLK_TCK")
HOST = "127.0.0.1"

PLAINTEXT_BODY = b"Hello, World!"
JSON_BODY = b'{"message":"Hello, World!"}'

# The "product" scenario POSTs this Product (benchmarks/codegen/product.yaml, 10 tags, 494
# bytes): KATANA's product_server parses, validates and serializes it back; the floor answers
# with the same bytes without looking at them.
PRODUCT = {
    "id": 4711,
    "sku": "KT-004711-XL",
    "name": "Ergonomic Oak Desk 120",
    "description": "Solid oak top, steel frame; height adjustable from 65 to 125 cm. Ships flat-packed \u2014 "
                   "assembly takes about 20 minutes.",
    "price": 649.9,
    "currency": "EUR",
    "status": "active",
    "tags": ["furniture", "office", "desk", "oak", "ergonomic", "height-adjustable", "steel", "bestseller", "eco",
             "new"],
    "dimensions": {"width": 120.5, "height": 75.25, "depth": 80.5, "unit": "cm"},
    "discontinued_at": None,
    "created_at": "2024-03-15T09:30:00.250+01:00",
}
PRODUCT_BODY = json.dumps(PRODUCT, separators=(",", ":"), ensure_ascii=False).encode()
# Must be answered 422 by a validating server (additionalProperties: false).
INVALID_PRODUCT_BODY = json.dumps(dict(PRODUCT, colour="red"), separators=(",", ":")).encode()

# name -> (request path, floor mode, pipeline depth or 0, body every server must answer with)
SCENARIOS = {
    "plaintext": ("/plaintext", "plaintext", 0, PLAINTEXT_BODY),
    "json": ("/json", "json", 0, JSON_BODY),
    "pipeline": ("/plaintext", "plaintext", 16, PLAINTEXT_BODY),
    "product": ("/products", "product", 0, PRODUCT_BODY),
}
# Scenarios whose request is a POST of the scenario's body (the answer must be the same JSON value).
POST_SCENARIOS = {"product": INVALID_PRODUCT_BODY}
ALL_SERVERS = ["floor", "nginx", "katana-epoll", "katana-io_uring"]


class Interrupted(Exception):
    """Raised from SIGTERM/SIGHUP handlers so `finally` blocks clean up like on Ctrl-C."""


def on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


# ---------------------------------------------------------------------------------------------
# /proc helpers


def read_stat(pid):
    """(ppid, utime+stime ticks) of one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    rest = data[data.rindex(b")") + 2 :].split()
    return int(rest[1]), int(rest[11]) + int(rest[12])


def process_tree(root):
    """PIDs of `root` and all its descendants (nginx: master and worker)."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = read_stat(int(name))
            if st is not None:
                children.setdefault(st[0], []).append(int(name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_ticks(pids):
    """{pid: utime+stime} for those of `pids` still alive."""
    out = {}
    for pid in pids:
        st = read_stat(pid)
        if st is not None:
            out[pid] = st[1]
    return out


def rss_by_process(pids):
    """[(pid, command name, VmRSS KiB)]: shows how a multi-process server's RSS splits."""
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        out.append((pid, comm, rss_kib([pid])))
    return out


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


# ---------------------------------------------------------------------------------------------
# Servers


def set_pdeathsig():
    """Runs in the child before exec: the kernel sends it SIGTERM when this script dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def port_is_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
            return True
        except OSError:
            return False


def nginx_config(workdir, port):
    """A self-contained nginx.conf: no system config, every path inside `workdir`."""
    return f"""# Generated by benchmarks/http/bench_http.py
daemon off;
master_process on;    # production shape: a master plus one worker; CPU and RSS count both
worker_processes 1;
worker_rlimit_nofile 20000;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;

events {{
    worker_connections 20000;
}}

http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;

    server {{
        listen {HOST}:{port};
        location = /plaintext {{
            default_type text/plain;
            return 200 "Hello, World!";
        }}
        location = /json {{
            default_type application/json;
            return 200 '{{"message":"Hello, World!"}}';
        }}
    }}
}}
"""


class Server:
    """One contestant process (tree). `skip` holds why it cannot run, else None."""

    def __init__(self, name, port, argv, workdir):
        self.name = name
        self.port = port
        self.argv = argv
        self.workdir = workdir
        self.proc = None
        self.log_path = os.path.join(workdir, f"{name}-{port}.log")
        self.skip = None

    def start(self, cpu):
        if not port_is_free(self.port):
            self.skip = f"port {self.port} on {HOST} is already in use"
            return
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["taskset", "-c", str(cpu)] + self.argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=set_pdeathsig,
            # Its own process group: Ctrl-C reaches only this script, which then stops it.
            start_new_session=True,
        )
        log.close()

    def wait_ready(self, timeout=15.0):
        """Waits until the port accepts connections; sets `skip` if the process died instead."""
        if self.proc is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.skip = f"exited with status {self.proc.returncode} during start-up: {self.log_tail()}"
                return
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.skip = f"not listening on {HOST}:{self.port} after {timeout:.0f} s: {self.log_tail()}"

    def request(self, method, path, body=None):
        """(status, body) of one request, or an error message string."""
        try:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            got = resp.read()
            conn.close()
            return resp.status, got
        except (OSError, http.client.HTTPException) as e:
            return f"{method} {path} failed: {e}"

    def check_response(self, path, body, post_invalid=None):
        """One real request: the contestant must answer 200 with the scenario's body. For a POST
        scenario (post_invalid is the invalid body) the request carries `body`, the answer must be
        the same JSON value, and a validating server must answer 422 to post_invalid."""
        method = "GET" if post_invalid is None else "POST"
        r = self.request(method, path, None if post_invalid is None else body)
        if isinstance(r, str):
            self.skip = r
            return
        status, got = r
        same = got == body
        if post_invalid is not None and not same:
            try:
                same = json.loads(got) == json.loads(body)
            except ValueError:
                same = False
        if status != 200 or not same:
            self.skip = f"{method} {path} answered {status} {got[:60]!r}, expected 200 {body[:60]!r}"
            return
        if post_invalid is not None and self.name != "floor":
            r = self.request("POST", path, post_invalid)
            if isinstance(r, str) or r[0] != 422:
                self.skip = f"POST {path} of an invalid Product answered {r if isinstance(r, str) else r[0]}, expected 422"

    def pids(self):
        return process_tree(self.proc.pid) if self.alive() else []

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read()[-400:].decode(errors="replace").strip()
            return text.replace("\n", " | ") or "(no output)"
        except OSError:
            return "(no log)"

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        tree = process_tree(self.proc.pid)
        # nginx's master stops its worker on SIGTERM; anything left gets SIGKILL below.
        try:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def make_servers(names, scenario, args, workdir, base_port):
    """The contestants of one scenario, each on its own port."""
    _, floor_mode, _, _ = SCENARIOS[scenario]
    servers = []
    for i, name in enumerate(names):
        port = base_port + i
        if name == "floor" and floor_mode == "product":
            body_file = os.path.join(workdir, "product.json")
            with open(body_file, "wb") as f:
                f.write(PRODUCT_BODY)
            argv = [args.floor, "--port", str(port), "--mode", "json", "--body-file", body_file]
        elif name == "floor":
            argv = [args.floor, "--port", str(port), "--mode", floor_mode]
        elif name == "nginx" and floor_mode == "product":
            argv = [args.nginx]
        elif name == "nginx":
            ndir = os.path.join(workdir, f"nginx-{port}")
            os.makedirs(ndir, exist_ok=True)
            conf = os.path.join(ndir, "nginx.conf")
            with open(conf, "w") as f:
                f.write(nginx_config(ndir, port))
            argv = [args.nginx, "-p", ndir + "/", "-c", conf, "-e", os.path.join(ndir, "error.log")]
        elif floor_mode == "product":
            backend = name.split("-", 1)[1]
            argv = [args.product_server, "--port", str(port), "--threads", "1", "--backend", backend]
            if args.product_impl:
                argv += ["--impl", args.product_impl]
        else:
            backend = name.split("-", 1)[1]
            argv = [args.hello, "--port", str(port), "--threads", "1", "--backend", backend]
        s = Server(name, port, argv, workdir)
        if name == "nginx" and floor_mode == "product":
            s.skip = "not a contestant here: nginx cannot parse or validate a JSON body"
        elif not os.access(argv[0], os.X_OK):
            hint = ""
            if name.startswith("katana"):
                target = "product_server" if floor_mode == "product" else "hello"
                hint = f" (build it: cmake --build build/release --target {target})"
            elif name == "floor":
                hint = " (build it: cmake --build build/release --target floor_server)"
            s.skip = f"{argv[0]} not found or not executable{hint}"
        servers.append(s)
    return servers


# ---------------------------------------------------------------------------------------------
# wrk

UNIT_US = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


def parse_time_us(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    return float(m.group(1)) * UNIT_US[m.group(2)] if m else None


def parse_wrk(out):
    """Requests, req/s, p50/p99 (µs) and error counts from `wrk --latency` output."""
    r = {"requests": 0, "rps": 0.0, "p50_us": None, "p99_us": None, "socket_errors": 0, "non2xx": 0}
    m = re.search(r"^\s*(\d+) requests in ([\d.]+\w+)", out, re.M)
    if m:
        r["requests"] = int(m.group(1))
        r["wrk_runtime_us"] = parse_time_us(m.group(2))
    m = re.search(r"^Requests/sec:\s*([\d.]+)", out, re.M)
    if m:
        r["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_us"), ("99", "p99_us")):
        m = re.search(rf"^\s*{pct}%\s+([\d.]+\w+)", out, re.M)
        # wrk prints 0.00us when its end-of-run latency correction has pushed the rank past
        # the samples it walks (it happens with pipelining): that is "unknown", not zero.
        if m and parse_time_us(m.group(1)):
            r[key] = parse_time_us(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["socket_errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    return r


def post_script(workdir, body):
    """A wrk script that POSTs `body`: a static request, so wrk runs no Lua per request."""
    path = os.path.join(workdir, "post.lua")
    text = body.decode()
    level = "=" * 4
    assert f"]{level}]" not in text
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = [{level}[{text}]{level}]\n")
    return path


def run_slice(server, path, depth, args, script=None):
    """One wrk slice against `server`; returns the parsed result with the server's CPU time."""
    cmd = ["taskset", "-c", str(args.client_cpu), args.wrk, "-t1", f"-c{args.connections}",
           f"-d{args.slice}s", "--latency"]
    if depth:
        cmd += ["-s", os.path.join(HERE, "pipeline.lua")]
    elif script:
        cmd += ["-s", script]
    cmd.append(f"http://{HOST}:{server.port}{path}")
    if depth:
        cmd += ["--", str(depth)]

    pids = server.pids()
    before = cpu_ticks(pids)
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.slice + 20)
        out = done.stdout + done.stderr
    except subprocess.TimeoutExpired as e:
        out = f"wrk timed out after {e.timeout} s\n"
    wall = time.monotonic() - t0
    after = cpu_ticks(pids)
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)

    r = parse_wrk(out)
    r["raw"] = out
    r["wall_s"] = wall
    # Only processes alive at both ends count; a server that lost a process is flagged.
    ticks = sum(after[p] - before[p] for p in before if p in after)
    r["cpu_s"] = ticks / CLK_TCK
    r["lost_process"] = len(after) != len(before)
    r["server_cpu_pct"] = 100.0 * r["cpu_s"] / wall
    wrk_cpu = (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime)
    r["wrk_cpu_pct"] = 100.0 * wrk_cpu / wall
    r["cpu_us_per_req"] = r["cpu_s"] * 1e6 / r["requests"] if r["requests"] else None
    # Little's law for a closed loop: requests always in flight / throughput = mean latency.
    # Unlike wrk's histogram it stays valid with pipelining (see pipeline.lua).
    in_flight = args.connections * max(depth, 1)
    r["little_us"] = in_flight * 1e6 / r["rps"] if r["rps"] else None
    return r


# ---------------------------------------------------------------------------------------------
# Reporting


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def quartiles(values):
    """(first, third) quartile, or None with fewer than two values."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None
    q = statistics.quantiles(values, n=4, method="inclusive")
    return (q[0], q[2])


def fmt_range(v):
    return "-" if v is None else f"{v[0]:.2f}-{v[1]:.2f}"


def fmt_us(v):
    if v is None:
        return "-"
    return f"{v / 1000:.2f}ms" if v >= 1000 else f"{v:.0f}us"


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


COLUMNS = [
    # header, key, formatter
    ("server", "server", str),
    ("req/s", "rps", lambda v: fmt(v, ",.0f")),
    ("p50", "p50_us", fmt_us),
    ("p99", "p99_us", fmt_us),
    ("mean lat*", "little_us", fmt_us),
    ("CPU us/req", "cpu_us_per_req", lambda v: fmt(v, ".3f")),
    ("CPU/floor", "cpu_ratio", lambda v: fmt(v, ".3f")),
    ("(IQR)", "cpu_ratio_iqr", fmt_range),
    ("req/s/floor", "rps_ratio", lambda v: fmt(v, ".3f")),
    ("srv CPU%", "server_cpu_pct", lambda v: fmt(v, ".0f")),
    ("wrk CPU%", "wrk_cpu_pct", lambda v: fmt(v, ".0f")),
    ("RSS idle KiB", "rss_idle_kib", lambda v: fmt(v, "d")),
    ("RSS loaded KiB", "rss_loaded_kib", lambda v: fmt(v, "d")),
    ("slices", "slices", lambda v: fmt(v, "d")),
    ("errors", "errors", lambda v: fmt(v, "d")),
]


def render_table(rows, columns):
    cells = [[h for h, _, _ in columns]]
    for row in rows:
        cells.append([f(row.get(k)) if row.get(k) is not None or k == "server" else "-" for _, k, f in columns])
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = []
    for n, r in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Report:
    """Prints and keeps every line of the human-readable report (written to the .txt file)."""

    def __init__(self):
        self.lines = []

    def say(self, text=""):
        print(text, flush=True)
        self.lines.append(text)


# ---------------------------------------------------------------------------------------------
# Load scenarios


def run_scenario(scenario, args, workdir, report, raw_log):
    path, _, depth, body = SCENARIOS[scenario]
    post_invalid = POST_SCENARIOS.get(scenario)
    script = post_script(workdir, body) if post_invalid is not None else None
    servers = make_servers(args.servers, scenario, args, workdir, args.base_port)
    what = f"POST {path} ({len(body)}-byte JSON body)" if script else f"GET {path}"
    report.say(f"\n=== scenario {scenario} (load average {loadavg()}): {what}, {args.connections} connections"
               + (f", pipelined {depth} deep" if depth else "") + f", {args.cycles} cycles of {args.slice} s slices ===")
    try:
        for s in servers:
            if s.skip is None:
                s.start(args.server_cpu)
        for s in servers:
            s.wait_ready()
        rss_idle = {}
        for s in servers:
            if s.skip is None:
                rss_idle[s.name] = rss_by_process(s.pids())
                s.check_response(path, body, post_invalid)
        for s in servers:
            if s.skip is not None:
                report.say(f"  {s.name}: SKIPPED - {s.skip}")
                s.stop()
        live = [s for s in servers if s.skip is None]
        if not any(s.name == "floor" for s in live):
            report.say("  the floor is not running: no ratios can be computed, scenario skipped")
            return None

        for s in live:
            run_slice(s, path, depth, args, script)  # warm-up, not recorded
        slices = {s.name: [] for s in live}
        for cycle in range(args.cycles):
            # Rotate the visiting order so no server always follows (or precedes) the same one.
            order = live[cycle % len(live):] + live[: cycle % len(live)]
            results = {}
            for s in order:
                if not s.alive():
                    continue
                r = run_slice(s, path, depth, args, script)
                r["cycle"] = cycle
                results[s.name] = r
                raw_log.write(f"--- {scenario} cycle {cycle} {s.name} cpu_s={r['cpu_s']:.2f}\n{r['raw']}\n")
            floor = results.get("floor")
            for name, r in results.items():
                ok = floor and floor["cpu_us_per_req"] and r["cpu_us_per_req"] and floor["rps"]
                r["cpu_ratio"] = r["cpu_us_per_req"] / floor["cpu_us_per_req"] if ok else None
                r["rps_ratio"] = r["rps"] / floor["rps"] if ok else None
                slices[name].append(r)
            progress = "  ".join(f"{n}={results[n]['rps']:,.0f}" for n in [s.name for s in live] if n in results)
            print(f"  cycle {cycle + 1}/{args.cycles}: req/s {progress}", flush=True)

        rows = []
        for s in live:
            rs = slices[s.name]
            row = {"server": s.name, "port": s.port, "slices": len(rs)}
            for key in ("rps", "p50_us", "p99_us", "little_us", "cpu_us_per_req", "cpu_ratio", "rps_ratio",
                        "server_cpu_pct", "wrk_cpu_pct"):
                row[key] = median([r.get(key) for r in rs])
            row["cpu_ratio_iqr"] = quartiles([r.get("cpu_ratio") for r in rs])
            row["cpu_ratio_q1"], row["cpu_ratio_q3"] = row["cpu_ratio_iqr"] or (None, None)
            # A slice in which wrk completed nothing (it failed or timed out) counts as one error.
            row["errors"] = sum(r["socket_errors"] + r["non2xx"] + (0 if r["requests"] else 1) for r in rs)
            row["lost_process"] = any(r["lost_process"] for r in rs)
            loaded = rss_by_process(s.pids())
            row["rss_idle_kib"] = sum(kib for _, _, kib in rss_idle.get(s.name, []))
            row["rss_loaded_kib"] = sum(kib for _, _, kib in loaded) if s.alive() else None
            row["rss_idle_by_process"] = rss_idle.get(s.name)
            row["rss_loaded_by_process"] = loaded
            row["alive_at_end"] = s.alive()
            row["per_cycle"] = [{k: v for k, v in r.items() if k != "raw"} for r in rs]
            rows.append(row)
        report.say(render_table(rows, COLUMNS))
        report.say("  medians over cycles; CPU/floor and req/s/floor are medians of per-cycle ratios."
                   " IQR: their quartiles."
                   " * mean lat = connections x depth / req/s (Little's law).")
        if depth:
            report.say(f"  p50/p99 are wrk's per-BATCH latencies (all {depth} responses), distorted by wrk's"
                       " latency correction; '-' where wrk printed 0. Prefer mean lat.")
        floor_row = next(row for row in rows if row["server"] == "floor")
        if floor_row["server_cpu_pct"] is not None and floor_row["wrk_cpu_pct"] is not None \
                and max(floor_row["server_cpu_pct"], floor_row["wrk_cpu_pct"]) < 80:
            report.say("  WARNING: neither the floor nor wrk kept its core busy (both < 80% CPU): other work on this"
                       " machine decided the pace, and the ratios are noisier for it; rerun when it is quiet.")
        for row in rows:
            if len(row["rss_loaded_by_process"]) > 1:
                split = ", ".join(f"{comm}[{pid}] {kib}" for pid, comm, kib in row["rss_loaded_by_process"])
                report.say(f"  {row['server']} loaded RSS by process, KiB: {split}")
            if not row["alive_at_end"]:
                report.say(f"  WARNING: {row['server']} died during the run")
            if row["lost_process"]:
                report.say(f"  WARNING: {row['server']} lost a process during a slice (its CPU time is undercounted)")
            busy = sum(1 for r in row["per_cycle"] if r["wrk_cpu_pct"] >= 95)
            if busy * 2 > row["slices"]:
                report.say(f"  note: wrk was saturated (>=95% CPU) in {busy}/{row['slices']} slices of {row['server']}: its"
                           " req/s is the client's limit, not the server's; CPU us/req still holds")
            if row["errors"]:
                report.say(f"  WARNING: {row['server']}: {row['errors']} wrk socket errors, non-2xx responses or"
                           " empty slices (see the -wrk.log file)")
        return {"scenario": scenario, "path": path, "pipeline_depth": depth,
                "skipped": {s.name: s.skip for s in servers if s.skip}, "rows": rows}
    finally:
        for s in servers:
            s.stop()


# ---------------------------------------------------------------------------------------------
# Idle connections


IDLE_COLUMNS = [
    ("server", "server", str),
    ("connections", "connections", lambda v: fmt(v, "d")),
    ("RSS before KiB", "rss_before_kib", lambda v: fmt(v, "d")),
    ("RSS holding KiB", "rss_holding_kib", lambda v: fmt(v, "d")),
    ("KiB/conn", "kib_per_conn", lambda v: fmt(v, ".2f")),
]


def run_idle(args, workdir, report):
    n = args.idle_conns
    report.say(f"\n=== idle keep-alive connections: {n} per server, each after one GET /plaintext ===")
    rows, skipped = [], {}
    # One server at a time: memory does not drift with CPU speed, and each gets the whole fd budget.
    for i, name in enumerate(args.servers):
        (s,) = make_servers([name], "plaintext", args, workdir, args.base_port + i)
        try:
            if s.skip is None:
                s.start(args.server_cpu)
                s.wait_ready()
            if s.skip is None:
                s.check_response("/plaintext", PLAINTEXT_BODY)
            if s.skip is not None:
                report.say(f"  {name}: SKIPPED - {s.skip}")
                skipped[name] = s.skip
                continue
            time.sleep(0.5)
            before = rss_kib(s.pids())
            holder = subprocess.Popen(
                ["taskset", "-c", str(args.client_cpu), args.idle_tool, "--port", str(s.port),
                 "--conns", str(n), "--hold", "120"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                preexec_fn=set_pdeathsig, start_new_session=True)
            try:
                line = holder.stdout.readline()  # "holding N connections", or EOF on failure
                if not line.startswith("holding"):
                    holder.wait(timeout=10)
                    msg = f"idle_conns failed: {holder.stderr.read().strip()[:300]}"
                    report.say(f"  {name}: {msg}")
                    skipped[name] = msg
                    continue
                time.sleep(1.0)  # let the server finish whatever it does after the last response
                holding = rss_kib(s.pids())
                alive = s.alive()
            finally:
                if holder.poll() is None:
                    holder.stdin.close()  # ends the hold
                    try:
                        holder.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        holder.kill()
                        holder.wait()
            rows.append({"server": name, "connections": n, "rss_before_kib": before,
                         "rss_holding_kib": holding, "kib_per_conn": (holding - before) / n,
                         "alive": alive})
        finally:
            s.stop()
    report.say(render_table(rows, IDLE_COLUMNS))
    report.say("  (VmRSS of the server's processes only; kernel socket buffers are not in it)")
    return {"connections": n, "rows": rows, "skipped": skipped}


# ---------------------------------------------------------------------------------------------


def write_tsv(f, result):
    """One line per (scenario, server) with the table's columns; empty cell = unknown."""
    def line(cells):
        f.write("\t".join("" if c is None else str(c) for c in cells) + "\n")

    if result["idle"]:
        keys = [k for _, k, _ in IDLE_COLUMNS]
        line(keys)
        for row in result["idle"]["rows"]:
            line(row.get(k) for k in keys)
    else:
        keys = [k for _, k, _ in COLUMNS if k != "cpu_ratio_iqr"] + ["cpu_ratio_q1", "cpu_ratio_q3"]
        line(["scenario"] + keys)
        for sc in result["scenarios"]:
            for row in sc["rows"]:
                line([sc["scenario"]] + [row.get(k) for k in keys])


def tool_version(cmd):
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except OSError as e:
        return f"unavailable ({e})"
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0] if text else "?"


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="HTTP load benchmark: KATANA hello vs nginx vs the floor server (loopback only).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    rel = lambda *parts: os.path.join(REPO, *parts)  # noqa: E731
    p.add_argument("--hello", default=rel("build", "release", "bin", "hello"), help="KATANA hello binary")
    p.add_argument("--floor", default=rel("build", "release", "bin", "floor_server"), help="floor_server binary")
    p.add_argument("--product-server", default=rel("build", "release", "bin", "product_server"),
                   help="KATANA binary of the product scenario (benchmarks/codegen/product_server.cpp)")
    p.add_argument("--product-impl", choices=["generated", "handwritten"], default=None,
                   help="product_server --impl: the generated code (its default when built) or the hand-written"
                        " simdjson parser and writer")
    p.add_argument("--idle-tool", default=None, help="idle_conns binary; None means the one beside --floor")
    p.add_argument("--nginx", default="/usr/sbin/nginx")
    p.add_argument("--wrk", default="/usr/bin/wrk")
    p.add_argument("--out", default=rel("build", "bench-results"), help="results directory")
    p.add_argument("--servers", default=",".join(ALL_SERVERS), help="comma-separated contestants (floor is required)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated: " + ", ".join(SCENARIOS))
    p.add_argument("--cycles", type=int, default=15, help="visits of every server per scenario")
    p.add_argument("--slice", type=int, default=1, help="seconds per wrk slice")
    p.add_argument("--connections", type=int, default=64, help="wrk connections")
    p.add_argument("--pipeline-depth", type=int, default=16, help="requests per write in the pipeline scenario")
    p.add_argument("--server-cpu", type=int, default=0, help="core the servers are pinned to")
    p.add_argument("--client-cpu", type=int, default=1, help="core wrk is pinned to")
    p.add_argument("--base-port", type=int, default=18480, help="first of the consecutive ports used")
    p.add_argument("--idle-conns", type=int, default=0, metavar="N",
                   help="instead of the load scenarios: hold N idle keep-alive connections to each server "
                        "and report RSS growth per connection")
    a = p.parse_args(argv)
    a.servers = [s for s in a.servers.split(",") if s]
    a.scenarios = [s for s in a.scenarios.split(",") if s]
    for s in a.servers:
        if s not in ALL_SERVERS:
            p.error(f"unknown server {s!r}; known: {', '.join(ALL_SERVERS)}")
    for s in a.scenarios:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s!r}; known: {', '.join(SCENARIOS)}")
    if "floor" not in a.servers and not a.idle_conns:
        p.error("the floor server is required: every ratio is taken against it")
    if not 1 <= a.cycles <= 1000 or not 1 <= a.slice <= 60 or not 1 <= a.connections <= 10000:
        p.error("--cycles must be 1..1000, --slice 1..60, --connections 1..10000")
    if not 0 <= a.idle_conns <= 100000:
        p.error("--idle-conns must be 0..100000")
    SCENARIOS["pipeline"] = ("/plaintext", "plaintext", a.pipeline_depth, PLAINTEXT_BODY)
    if a.idle_tool is None:
        a.idle_tool = os.path.join(os.path.dirname(a.floor), "idle_conns")
    return a


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    # Every connection is a file descriptor on both ends: take the whole hard limit (inherited).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.idle_conns and hard < args.idle_conns + 100:
        print(f"error: open-file hard limit {hard} is too low for {args.idle_conns} connections", file=sys.stderr)
        return 2

    for tool in ("taskset", args.wrk, args.nginx):
        if shutil.which(tool) is None:
            print(f"error: {tool} not found (scripts/install-deps.sh installs it)", file=sys.stderr)
            return 2
    if os.cpu_count() is not None and max(args.server_cpu, args.client_cpu) >= os.cpu_count():
        print(f"error: this machine has {os.cpu_count()} CPUs", file=sys.stderr)
        return 2

    report = Report()
    started = datetime.datetime.now()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    report.say("command: " + shlex.join(sys.argv))
    report.say(f"cwd: {os.getcwd()}")
    report.say(f"date: {started.isoformat(timespec='seconds')}")
    report.say(f"nginx: {tool_version([args.nginx, '-v'])} ({args.nginx}; master_process on, 1 worker)")
    report.say(f"wrk: {tool_version([args.wrk, '-v'])} ({args.wrk})")
    report.say(f"kernel: {platform.release()}, {os.cpu_count()} CPUs; servers on CPU {args.server_cpu}, "
               f"wrk/idle_conns on CPU {args.client_cpu}; RLIMIT_NOFILE {hard}; load average {loadavg()}")
    report.say(f"hello: {args.hello}" + ("" if os.access(args.hello, os.X_OK) else " (missing: katana contestants skip)"))
    report.say(f"floor: {args.floor}")
    if "product" in args.scenarios:
        report.say(f"product_server: {args.product_server}" + (f" --impl {args.product_impl}" if args.product_impl else "")
                   + ("" if os.access(args.product_server, os.X_OK) else " (missing: katana contestants skip)"))

    os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="katana-bench-")
    result = {"command": shlex.join(sys.argv), "cwd": os.getcwd(),
              "date": started.isoformat(timespec="seconds"),
              "nginx_version": tool_version([args.nginx, "-v"]), "wrk_version": tool_version([args.wrk, "-v"]),
              "kernel": platform.release(), "server_cpu": args.server_cpu, "client_cpu": args.client_cpu,
              "cycles": args.cycles, "slice_s": args.slice, "connections": args.connections,
              "nginx_master_process": "on", "scenarios": [], "idle": None}
    base = os.path.join(args.out, f"http-{stamp}")
    status = 0
    try:
        if args.idle_conns:
            result["idle"] = run_idle(args, workdir, report)
        else:
            with open(base + "-wrk.log", "w") as raw_log:
                for scenario in args.scenarios:
                    r = run_scenario(scenario, args, workdir, report, raw_log)
                    if r is not None:
                        result["scenarios"].append(r)
    except (KeyboardInterrupt, Interrupted) as e:
        report.say(f"\ninterrupted ({str(e) or 'Ctrl-C'}): servers stopped, partial results written")
        status = 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    with open(base + ".json", "w") as f:
        json.dump(result, f, indent=1)
    with open(base + ".tsv", "w") as f:
        write_tsv(f, result)
    report.say(f"\nresults: {base}.json {base}.tsv {base}.txt" + ("" if args.idle_conns else f" {base}-wrk.log"))
    with open(base + ".txt", "w") as f:
        f.write("\n".join(report.lines) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
