#!/usr/bin/python3
"""A metrics subscriber written from docs/metrics.md alone: bind, receive, validate every message.

usage: subscriber.py ENDPOINT SECONDS

Binds a SUB socket on ENDPOINT (trainers connect to it), subscribes to everything and reads
messages for up to SECONDS or until the first run_end. Every message is checked against the
schema of docs/metrics.md; each violation is printed. At the end prints

    kinds: run_start=1 step=N samples=N checkpoint=N eval=N warning=N run_end=1 lost=N dropped=N violations=N

and exits 1 on any violation or if no run_start, step or run_end arrived (2 on bad usage).
Needs Debian's python3-zmq; run with /usr/bin/python3.
"""
import json
import sys
import time

import zmq

MAX_MESSAGE = 65536
KINDS = ["run_start", "step", "samples", "checkpoint", "eval", "warning", "run_end"]
STEP_MEASURED = ["loss_d", "loss_g", "d_real", "d_fake", "d_real_gap", "d_fake_gap", "grad_norm_d",
                 "grad_norm_g", "images_per_s"]
TIME_SPLIT = ["g_compute", "g_exchange", "g_allreduce", "d_compute", "d_exchange", "d_allreduce", "d_data"]


def is_int(v):
    return type(v) is int and 0 <= v < 2**53


def is_number(v):
    return type(v) in (int, float)


def check_fields(obj, spec, where, errors):
    """spec: {field: (predicate, description)}; appends one error per missing or wrong field."""
    for key, (ok, what) in spec.items():
        if key not in obj:
            errors.append(f"{where}: missing \"{key}\"")
        elif not ok(obj[key]):
            errors.append(f"{where}: \"{key}\" is not {what}: {obj[key]!r:.60}")


INT = (is_int, "a whole number in [0, 2^53)")
NUMBER = (is_number, "a number")
NUMBER_OR_NULL = (lambda v: v is None or is_number(v), "a number or null")
STRING = (lambda v: type(v) is str, "a string")
OBJECT = (lambda v: type(v) is dict, "an object")

COMMON = {
    "schema": (lambda v: type(v) is int and v == 1, "1"),
    "kind": (lambda v: v in KINDS, "one of " + ", ".join(KINDS)),
    "run": (lambda v: type(v) is str and 1 <= len(v.encode()) <= 255, "a string of 1..255 bytes"),
    "rank": INT,
    "role": (lambda v: v in ("G", "D", "GD"), "G, D or GD"),
    "seq": INT,
    "time": NUMBER,
    "dropped": INT,
}
BY_KIND = {
    "run_start": {"config": STRING, "layout": STRING, "steps": INT, "batch": INT, "resumed_from": INT},
    "step": dict({"step": INT, "epoch": INT, "steps": INT, "time_split": OBJECT},
                 **{k: NUMBER_OR_NULL for k in STEP_MEASURED}),
    "samples": {"step": INT, "path": STRING},
    "checkpoint": {"step": INT, "path": STRING},
    "eval": {"step": INT, "metrics": OBJECT},
    "warning": {"text": STRING},
    "run_end": {"status": (lambda v: v in ("done", "checkpointed", "failed"), "done, checkpointed or failed"),
                "reason": STRING, "step": INT},
}


def validate(frames):
    """Returns (message or None, errors) for one received ZeroMQ message (a list of frames)."""
    if len(frames) != 1:
        return None, [f"a multipart message ({len(frames)} parts)"]
    data = frames[0]
    if len(data) > MAX_MESSAGE:
        return None, [f"{len(data)} bytes, over the {MAX_MESSAGE}-byte limit"]
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return None, [f"not UTF-8 JSON: {e}"]
    if type(obj) is not dict:
        return None, ["not a JSON object"]
    errors = []
    check_fields(obj, COMMON, "message", errors)
    kind = obj.get("kind")
    if errors or kind not in BY_KIND:
        return None, errors
    where = f"{kind} seq {obj['seq']}"
    check_fields(obj, BY_KIND[kind], where, errors)
    if kind == "run_start" and "config_truncated" in obj and obj["config_truncated"] is not True:
        errors.append(f"{where}: \"config_truncated\" is present but not true")
    if kind == "step" and type(obj.get("time_split")) is dict:
        check_fields(obj["time_split"], {k: NUMBER_OR_NULL for k in TIME_SPLIT}, where + " time_split", errors)
    if kind == "step" and "ranks" in obj:
        ranks = obj["ranks"]
        if type(ranks) is not list or not 1 <= len(ranks) <= 64:
            errors.append(f"{where}: \"ranks\" is not a list of 1..64 entries")
        else:
            rank_fields = {"rank": INT, "role": COMMON["role"], "compute": NUMBER_OR_NULL,
                           "exchange": NUMBER_OR_NULL, "allreduce": NUMBER_OR_NULL, "data": NUMBER_OR_NULL}
            for i, entry in enumerate(ranks):
                if type(entry) is not dict:
                    errors.append(f"{where}: ranks[{i}] is not an object")
                else:
                    check_fields(entry, rank_fields, f"{where} ranks[{i}]", errors)
    if kind == "samples" and type(obj.get("path")) is str and type(obj.get("step")) is int:
        name = obj["path"].rsplit("/", 1)[-1]
        if name != "step_%08d.png" % obj["step"]:
            errors.append(f"{where}: the picture of step {obj['step']} is {name}, not step_{obj['step']:08d}.png")
    if kind == "eval" and type(obj.get("metrics")) is dict:
        for name, value in obj["metrics"].items():
            if not is_number(value):
                errors.append(f"{where}: eval metric \"{name}\" is not a number: {value!r:.60}")
    return (None if errors else obj), errors


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    endpoint, seconds = sys.argv[1], float(sys.argv[2])
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.bind(endpoint)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    counts = {k: 0 for k in KINDS}
    next_seq = {}  # (run, rank, role) -> the seq expected next
    dropped = {}
    lost = violations = 0
    deadline = time.monotonic() + seconds
    ended = False
    while not ended:
        left = deadline - time.monotonic()
        if left <= 0 or not sub.poll(int(left * 1000) + 1):
            break
        msg, errors = validate(sub.recv_multipart())
        for e in errors:
            print("violation:", e)
        violations += len(errors)
        if msg is None:
            continue
        counts[msg["kind"]] += 1
        pub = (msg["run"], msg["rank"], msg["role"])
        if pub in next_seq and msg["seq"] > next_seq[pub]:
            lost += msg["seq"] - next_seq[pub]
        next_seq[pub] = msg["seq"] + 1
        dropped[pub] = msg["dropped"]
        ended = msg["kind"] == "run_end"
    sub.close()
    ctx.term()
    summary = " ".join(f"{k}={n}" for k, n in counts.items())
    print(f"kinds: {summary} lost={lost} dropped={sum(dropped.values())} violations={violations}")
    missing = [k for k in ("run_start", "step", "run_end") if counts[k] == 0]
    if missing:
        print("no " + ", ".join(missing) + " message arrived" + ("" if ended else f" within {seconds:g} s"))
    return 1 if violations or missing else 0


if __name__ == "__main__":
    sys.exit(main())
