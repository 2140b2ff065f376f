#!/usr/bin/env python3
"""Load client for `contentfilter-serve`: many concurrent streaming chat completions, against the fake
upstream directly and through the proxy in alternating runs, so both see the same machine load.

Every request asks the fake upstream (Tests/Serve/fake_upstream.py) for "TIMESTAMPS N": N chunks whose
content is "ts=<CLOCK_MONOTONIC ns> ", stamped just before the upstream writes them. A chunk's latency is
the client's receive time (time.monotonic_ns, the same clock on the same machine) of its first byte minus
that stamp; its whole-chunk latency is taken at its last byte (the two differ when the filter holds the
end of a chunk back until later text decides it). The proxy's added latency is the proxied latency minus
the direct one, over runs that alternate on the same machine. The content is checked too: every stamp
present, in order and plausible (digits changed or lost count as errors), and any other text reported.

Each run keeps CONCURRENCY streams open for DURATION seconds (closed loop: a stream that ends starts the
next request), then waits up to DRAIN seconds for the streams still open. The socket reads only record
(time, bytes); HTTP, SSE and JSON are parsed after the run, so parsing does not delay the reads.

Usage: load_client.py --upstream URL --proxy URL [--upstream-pid PID] [--proxy-pid PID] [--concurrency 200]
       [--chunks 50] [--pause 0.02] [--rounds 3] [--duration 10] [--drain 15] [--ramp 1] [--json]
(--pause only describes the upstream, which was started with it.) Prints a report, or one JSON object.
"""
import argparse
import asyncio
import bisect
import json
import os
import re
import statistics
import sys
import time
from urllib.parse import urlsplit

TOKEN = re.compile(r"ts=(\d+) ?")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Stream(asyncio.Protocol):
    """One request on its own connection (`Connection: close`): writes the request, records each read."""

    def __init__(self, request, done):
        self.request = request
        self.done = done
        self.reads = []
        self.tail = b""
        self.transport = None
        self.error = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        now = time.monotonic_ns()
        self.reads.append((now, data))
        # The last chunk of a chunked body ends the answer: no need to wait for the server to close.
        ending = (self.tail + data)[-7:]
        self.tail = ending
        if ending == b"\r\n0\r\n\r\n" and not self.done.done():
            self.done.set_result(now)
            self.transport.close()

    def connection_lost(self, exc):
        if exc is not None:
            self.error = f"connection lost: {exc}"
        if not self.done.done():
            self.done.set_result(time.monotonic_ns())


def chat_request(url, chunks):
    parts = urlsplit(url)
    body = json.dumps({"model": "fake", "stream": True,
                       "messages": [{"role": "user", "content": f"TIMESTAMPS {chunks}"}]}).encode()
    head = (f"POST {parts.path.rstrip('/')}/v1/chat/completions HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode()
    return parts.hostname, parts.port or 80, head + body


class ChunkedDecoder:
    """Decodes an HTTP/1.1 chunked body fed in pieces."""

    def __init__(self):
        self.buffer = b""
        self.state = "size"
        self.remaining = 0

    def feed(self, data):
        self.buffer += data
        out = []
        while True:
            if self.state == "size":
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    break
                size = int(self.buffer[:end].split(b";")[0], 16)
                self.buffer = self.buffer[end + 2:]
                if size == 0:
                    self.state = "done"
                    break
                self.remaining, self.state = size, "data"
            elif self.state == "data":
                if not self.buffer:
                    break
                piece = self.buffer[:self.remaining]
                out.append(piece)
                self.buffer = self.buffer[len(piece):]
                self.remaining -= len(piece)
                if self.remaining == 0:
                    self.state = "crlf"
            elif self.state == "crlf":
                if len(self.buffer) < 2:
                    break
                self.buffer, self.state = self.buffer[2:], "size"
            else:
                break
        return b"".join(out)


def analyse(reads, chunks, started_ns, skip=0):
    """One request's reads → its status, content events, tokens and problems. A token's latency is taken
    at the event holding its first byte, its complete latency at the event holding its last (the two
    differ when the filter holds the end of a chunk back); the first `skip` tokens are left out of both."""
    result = {"status": None, "problems": [], "latencies": [], "complete_latencies": [], "first_token_ns": None, "first_chunk_latency": None,
              "split_tokens": 0, "extra_text": "", "gaps": []}
    raw = b""
    index = 0
    while index < len(reads) and b"\r\n\r\n" not in raw:
        raw += reads[index][1]
        index += 1
    if b"\r\n\r\n" not in raw:
        result["problems"].append("no response" if not raw else "incomplete headers")
        return result
    head, rest = raw.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    try:
        result["status"] = int(lines[0].split()[1])
    except (IndexError, ValueError):
        result["problems"].append("bad status line")
        return result
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if result["status"] != 200:
        result["problems"].append(f"status {result['status']}")
        return result
    chunked = headers.get("transfer-encoding", "").lower() == "chunked"
    decoder = ChunkedDecoder() if chunked else None
    # (time, body bytes) pieces: the rest of the read that completed the headers, then the others.
    pieces = [(reads[index - 1][0], rest)] + reads[index:]
    sse = b""
    events = []  # (receive time, content)
    done = finished = False
    for when, data in pieces:
        sse += decoder.feed(data) if decoder else data
        sse = sse.replace(b"\r\n", b"\n")
        while b"\n\n" in sse:
            record, sse = sse.split(b"\n\n", 1)
            payload = b"\n".join(line[5:].lstrip() for line in record.split(b"\n") if line.startswith(b"data:"))
            if not payload:
                continue
            if payload == b"[DONE]":
                done = True
                continue
            try:
                chunk = json.loads(payload)
            except ValueError:
                result["problems"].append("bad JSON event")
                continue
            if "error" in chunk:
                result["problems"].append(f"error event {chunk['error'].get('code')}")
                continue
            for choice in chunk.get("choices", []):
                content = (choice.get("delta") or {}).get("content")
                if content:
                    events.append((when, content))
                if choice.get("finish_reason"):
                    finished = True
                    if choice["finish_reason"] != "stop":
                        result["problems"].append(f"finish_reason {choice['finish_reason']}")
    if decoder and decoder.state != "done":
        result["problems"].append("body cut short")
    if not done:
        result["problems"].append("no [DONE]")
    if not finished:
        result["problems"].append("no finish_reason")
    text = "".join(content for _, content in events)
    starts = []
    position = 0
    for _, content in events:
        starts.append(position)
        position += len(content)
    values = []
    out_of_range = False
    previous_end = 0
    extra = []
    for match in TOKEN.finditer(text):
        extra.append(text[previous_end:match.start()])
        previous_end = match.end()
        first = bisect.bisect_right(starts, match.start()) - 1
        last = bisect.bisect_right(starts, match.end() - 1) - 1
        sent = int(match.group(1))
        values.append(sent)
        if events[first][0] < sent or sent < started_ns:
            out_of_range = True
        if result["first_token_ns"] is None:
            result["first_token_ns"] = events[first][0] - started_ns
            result["first_chunk_latency"] = events[last][0] - sent
        if len(values) <= skip:
            continue
        if first != last:
            result["split_tokens"] += 1
        result["latencies"].append(events[first][0] - sent)
        result["complete_latencies"].append(events[last][0] - sent)
    extra.append(text[previous_end:])
    result["extra_text"] = "".join(extra)
    if len(values) != chunks:
        result["problems"].append(f"{len(values)} of {chunks} timestamps")
    if any(b <= a for a, b in zip(values, values[1:])):
        result["problems"].append("timestamps out of order (changed digits?)")
    if out_of_range:
        result["problems"].append("timestamps out of range (changed digits?)")
    result["gaps"] = [b - a for a, b in zip(values, values[1:])]
    return result


def cpu_ticks(pid):
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except OSError:
        return None


def memory(pid):
    """VmHWM and VmRSS of a process, in KiB."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    found[key] = int(value.split()[0])
    except OSError:
        pass
    return found


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


async def run(mode, url, options, pids):
    """One run: CONCURRENCY streams for DURATION seconds, then a drain; its figures and latency samples."""
    host, port, request = chat_request(url, options.chunks)
    loop = asyncio.get_running_loop()
    records = []  # [started_ns, Stream or None, connect error or None]
    stop_at = time.monotonic() + options.duration

    async def worker(delay):
        await asyncio.sleep(delay)
        while time.monotonic() < stop_at:
            entry = [time.monotonic_ns(), None, None]
            records.append(entry)
            done = loop.create_future()
            try:
                transport, stream = await loop.create_connection(lambda: Stream(request, done), host, port)
            except OSError as error:
                entry[2] = f"connect: {error.strerror or error}"
                await asyncio.sleep(0.05)
                continue
            entry[1] = stream
            try:
                await done
            finally:
                transport.close()

    ticks_before = {name: cpu_ticks(pid) for name, pid in pids.items()}
    client_before, wall_before = time.process_time(), time.monotonic()
    tasks = [asyncio.ensure_future(worker(options.ramp * i / options.concurrency)) for i in range(options.concurrency)]
    _, pending = await asyncio.wait(tasks, timeout=options.duration + options.drain)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    wall = time.monotonic() - wall_before
    cpu = {}
    for name, pid in pids.items():
        after = cpu_ticks(pid)
        if after is not None and ticks_before[name] is not None:
            cpu[name] = (after - ticks_before[name]) / CLOCK_TICKS / wall * 100
    cpu["client"] = (time.process_time() - client_before) / wall * 100

    samples = {"first": [], "complete": [], "first_token": [], "first_chunk": [], "gaps": []}
    problems, other_texts = {}, {}
    completed = split = 0
    for started, stream, connect_error in records:
        analysis = None
        if connect_error or stream is None:
            issues = [connect_error or "cancelled before connecting"]
        else:
            analysis = analyse(stream.reads, options.chunks, started, options.skip)
            issues = list(analysis["problems"])
            if stream.error:
                issues.append(stream.error)
            if not stream.done.done():
                issues.append("unfinished at the deadline")
        for issue in dict.fromkeys(issues):
            problems[issue] = problems.get(issue, 0) + 1
        if analysis:
            samples["first"] += analysis["latencies"]
            samples["complete"] += analysis["complete_latencies"]
            samples["gaps"] += analysis["gaps"]
            split += analysis["split_tokens"]
            if analysis["first_token_ns"] is not None:
                samples["first_token"].append(analysis["first_token_ns"])
                samples["first_chunk"].append(analysis["first_chunk_latency"])
            if analysis["extra_text"]:
                other_texts[analysis["extra_text"]] = other_texts.get(analysis["extra_text"], 0) + 1
        if not issues:
            completed += 1
    result = {
        "mode": mode, "requests": len(records), "completed": completed, "errors": len(records) - completed,
        "problems": problems, "wall_s": round(wall, 3), "rps": completed / wall,
        "chunks_measured": len(samples["first"]), "held_back_chunks": split,
        "latency_ms": summary(samples["first"]),
        "complete_latency_ms": summary(samples["complete"]),
        "first_token_ms": summary(samples["first_token"]),
        "first_chunk_latency_ms": summary(samples["first_chunk"]),
        "upstream_gap_ms_mean": statistics.fmean(samples["gaps"]) / 1e6 if samples["gaps"] else None,
        "cpu_percent": cpu,
        "other_text": [{"text": text[:120], "requests": count}
                       for text, count in sorted(other_texts.items(), key=lambda item: -item[1])[:3]],
    }
    if pids.get("proxy"):
        result["proxy_memory_kib"] = memory(pids["proxy"])
    return result, samples


def summary(values_ns):
    if not values_ns:
        return None
    return {"p50": percentile(values_ns, 0.5) / 1e6, "p99": percentile(values_ns, 0.99) / 1e6,
            "max": max(values_ns) / 1e6, "n": len(values_ns)}


async def main_async(options):
    pids = {name: pid for name, pid in (("upstream", options.upstream_pid), ("proxy", options.proxy_pid)) if pid}
    idle_memory = memory(options.proxy_pid) if options.proxy_pid else {}
    load_before = os.getloadavg()[0]
    deadline = time.monotonic() + options.max_time
    rounds = []
    pooled = {mode: {"first": [], "complete": []} for mode in MODES}
    for number in range(options.rounds):
        if rounds and time.monotonic() > deadline:
            break
        order = [("direct", options.upstream), ("proxy", options.proxy)]
        if number % 2:
            order.reverse()  # direct, proxy, proxy, direct, ...: neither mode always runs first
        runs = {}
        for mode, url in order:
            if not options.json:
                print(f"round {number + 1}/{options.rounds}: {mode}", file=sys.stderr, flush=True)
            runs[mode], samples = await run(mode, url, options, pids)
            for kind in ("first", "complete"):
                pooled[mode][kind] += samples[kind]
            await asyncio.sleep(options.settle)
        rounds.append(runs)
    result = report(options, rounds, pooled, idle_memory)
    result["machine"] = {"cpus": os.cpu_count(), "load_average_1min_before": load_before,
                         "load_average_1min_after": os.getloadavg()[0]}
    return result


MODES = ("direct", "proxy")
KINDS = (("latency_ms", "first"), ("complete_latency_ms", "complete"))


def difference(a, b, key):
    return None if not a or not b else a[key] - b[key]


def median_of(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def report(options, rounds, pooled, idle_memory):
    """Both modes over all rounds: latency percentiles of all samples pooled, the rest medians of runs."""
    combined = {}
    for mode in MODES:
        runs = [r[mode] for r in rounds]
        problems = {}
        for run in runs:
            for issue, count in run["problems"].items():
                problems[issue] = problems.get(issue, 0) + count
        combined[mode] = {
            "requests": sum(r["requests"] for r in runs), "completed": sum(r["completed"] for r in runs),
            "errors": sum(r["errors"] for r in runs), "problems": problems,
            "rps": median_of([r["rps"] for r in runs]),
            "latency_ms": summary(pooled[mode]["first"]),
            "complete_latency_ms": summary(pooled[mode]["complete"]),
            "first_token_ms_p50": median_of([r["first_token_ms"] and r["first_token_ms"]["p50"] for r in runs]),
            "first_chunk_latency_ms_p50": median_of([r["first_chunk_latency_ms"] and r["first_chunk_latency_ms"]["p50"] for r in runs]),
            "held_back_chunks": sum(r["held_back_chunks"] for r in runs),
            "chunks_measured": sum(r["chunks_measured"] for r in runs),
            "cpu_percent": {name: median_of([r["cpu_percent"].get(name) for r in runs]) for name in ("upstream", "proxy", "client")},
            "upstream_gap_ms_mean": median_of([r["upstream_gap_ms_mean"] for r in runs]),
            "other_text": runs[-1]["other_text"] if runs else [],
        }
    added = {}
    for field, _ in KINDS:
        entry = {}
        for key in ("p50", "p99"):
            entry[key] = difference(combined["proxy"][field], combined["direct"][field], key)
            entry[f"{key}_per_round"] = [difference(r["proxy"][field], r["direct"][field], key) for r in rounds]
        added[field] = entry
    memory_now = memory(options.proxy_pid) if options.proxy_pid else {}
    return {
        "settings": {"concurrency": options.concurrency, "chunks": options.chunks, "pause_s": options.pause,
                     "rounds": len(rounds), "duration_s": options.duration, "ramp_s": options.ramp, "skip": options.skip,
                     "ideal_rps": options.concurrency / ((options.chunks + 1) * options.pause) if options.pause else None},
        "direct": combined["direct"], "proxy": combined["proxy"], "added_ms": added,
        "proxy_memory_kib": {"idle_rss": idle_memory.get("VmRSS"), "peak_hwm": memory_now.get("VmHWM"),
                             "rss_end": memory_now.get("VmRSS")},
        "rounds": rounds,
    }


def fmt(value, digits=3):
    return "-" if value is None else f"{value:,.{digits}f}"


def print_report(result):
    s = result["settings"]
    print(f"contentfilter-serve load test: {s['concurrency']} concurrent streams of {s['chunks']} chunks "
          f"{s['pause_s'] * 1000:g} ms apart, {s['rounds']} rounds of {s['duration_s']:g} s per mode "
          f"(first {s['skip']} chunk(s) of each stream not timed)")
    print(f"{'':7}{'requests':>9}{'errors':>7}{'req/s':>7}  {'chunk latency ms p50':>20}{'p99':>10}{'max':>10}"
          f"  {'whole chunk p50':>15}{'p99':>10}  cpu% upstream/proxy/client")
    for mode in MODES:
        m = result[mode]
        first, complete = m["latency_ms"] or {}, m["complete_latency_ms"] or {}
        cpus = "/".join(fmt(m["cpu_percent"].get(name), 0) for name in ("upstream", "proxy", "client"))
        print(f"{mode:7}{m['requests']:>9}{m['errors']:>7}{fmt(m['rps'], 1):>7}  {fmt(first.get('p50')):>20}"
              f"{fmt(first.get('p99')):>10}{fmt(first.get('max'), 1):>10}  {fmt(complete.get('p50')):>15}"
              f"{fmt(complete.get('p99')):>10}  {cpus}")
    for field, label in (("latency_ms", "first byte of each chunk"), ("complete_latency_ms", "whole chunk")):
        a = result["added_ms"][field]
        rounds = ", ".join(f"{fmt(p50)}/{fmt(p99)}" for p50, p99 in zip(a["p50_per_round"], a["p99_per_round"]))
        print(f"added by the proxy, {label}: p50 {fmt(a['p50'])} ms, p99 {fmt(a['p99'])} ms "
              f"(rounds p50/p99: {rounds})")
    d, p = result["direct"], result["proxy"]
    print(f"first chunk of a stream (not timed above), p50: latency direct {fmt(d['first_chunk_latency_ms_p50'])} ms, "
          f"proxy {fmt(p['first_chunk_latency_ms_p50'])} ms; request to first token direct "
          f"{fmt(d['first_token_ms_p50'], 1)} ms, proxy {fmt(p['first_token_ms_p50'], 1)} ms")
    machine = result["machine"]
    print(f"machine: {machine['cpus']} CPUs, 1-minute load average {machine['load_average_1min_before']:.2f} before, "
          f"{machine['load_average_1min_after']:.2f} after (this test's own processes included)")
    mem = result["proxy_memory_kib"]
    mib = lambda kib: "-" if kib is None else f"{kib / 1024:.1f} MiB"
    print(f"proxy memory: RSS idle {mib(mem['idle_rss'])}, peak (VmHWM) {mib(mem['peak_hwm'])}, at end {mib(mem['rss_end'])}")
    if s["ideal_rps"]:
        print(f"req/s if every stream took exactly {s['chunks'] + 1} pauses: {s['ideal_rps']:.1f}; mean gap between "
              f"timestamps: direct {fmt(result['direct']['upstream_gap_ms_mean'], 2)} ms, "
              f"proxied {fmt(result['proxy']['upstream_gap_ms_mean'], 2)} ms")
    for mode in MODES:
        m = result[mode]
        if m["problems"]:
            print(f"{mode} errors: " + "; ".join(f"{issue} ×{count}" for issue, count in m["problems"].items()))
        if m["held_back_chunks"]:
            print(f"{mode}: {m['held_back_chunks']} of {m['chunks_measured']} timed chunks arrived in pieces "
                  f"(the end of the chunk held back until later text)")
        for other in m["other_text"]:
            print(f"{mode}: besides the timestamps ({other['requests']} requests of the last run): "
                  f"{json.dumps(other['text'], ensure_ascii=False)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="the fake upstream's base URL")
    parser.add_argument("--proxy", required=True, help="the proxy's base URL")
    parser.add_argument("--upstream-pid", type=int)
    parser.add_argument("--proxy-pid", type=int)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=50, help="timestamp chunks per stream")
    parser.add_argument("--pause", type=float, default=0.02, help="the upstream's pause between chunks (for the report)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each one direct and one proxied run")
    parser.add_argument("--duration", type=float, default=10, help="seconds each run starts new requests")
    parser.add_argument("--drain", type=float, default=15, help="seconds each run then waits for open streams")
    parser.add_argument("--ramp", type=float, default=1, help="seconds over which the first requests start")
    parser.add_argument("--settle", type=float, default=1, help="seconds of rest between runs")
    parser.add_argument("--skip", type=int, default=1,
                        help="timestamps at the start of each stream left out of the chunk latencies, which measure "
                             "streaming (default 1: the proxy holds the first text until the disclosure's language is "
                             "known; the first chunk's latency is reported on its own)")
    parser.add_argument("--max-time", type=float, default=300, help="no round starts after this many seconds")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    options = parser.parse_args()
    if options.concurrency < 1 or options.chunks < 1 or options.rounds < 1 or options.duration <= 0:
        parser.error("--concurrency, --chunks, --rounds and --duration must be positive")
    result = asyncio.run(main_async(options))
    if options.json:
        print(json.dumps(result))
    else:
        print_report(result)


if __name__ == "__main__":
    main()
