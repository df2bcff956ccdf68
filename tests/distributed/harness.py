"""Helpers of the distributed tests: a config file per test, stage subprocesses with their
logs, producing items, reading back the stores, the scored topic and the consumer group.

Every wait is bounded (`wait_for` fails with what it waited for and the stage logs).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.bus import bus_from_url
from pipeline.config import Settings, load_settings
from pipeline.models import Case, Item, ScoredItem
from pipeline.storage import CaseQuery, Stores, open_stores
from pipeline.topics import ALL_TOPICS, ITEMS_RAW, ITEMS_SCORED

with warnings.catch_warnings():  # kafka-python 3.0.12 loads its schemas with a deprecated API
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, TopicPartition
    from kafka.admin import KafkaAdminClient, MemberToRemove

ROOT = Path(__file__).resolve().parents[2]
CLASSIFY_GROUP = "yuqing.classify"


def write_config(
    tmp_path: Path,
    bus: str,
    store: str,
    classify_batch: int = 20,
    **extra: Any,
) -> Path:
    """A config of this test alone: its data dir, its backends, its index prefix."""
    config = {
        "data_dir": str(tmp_path / "data"),
        "profile": "dingan",
        "bus": bus,
        "store": store,
        "es_prefix": f"t{uuid.uuid4().hex[:10]}",
        "tokenizer": "classifiers.tokenize:segment_for_index",
        "log_level": "INFO",
        "stages": {
            "classify": {
                "class": "classifiers.stage:ClassifyStage",
                "batch_size": classify_batch,
                "poll_timeout_s": 0.5,
            },
            "alert": {"class": "alerts.stage:AlertStage", "batch_size": 200},
        },
        "web": {"enabled": False},
        **extra,
    }
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class StageProcess:
    """`python -m pipeline.cli ARGS` in its own process group, its log in a file."""

    name: str
    args: Sequence[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    # > 0: the process runs at a lower priority than the test, so that a test polling for
    # the moment to kill it still gets the CPU on a loaded machine (and kills on time)
    nice: int = 0

    def start(self) -> StageProcess:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pipeline.cli", *self.args],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **self.env},
                preexec_fn=(lambda: os.nice(self.nice)) if self.nice else None,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> int:
        """Signal the whole group (the stage and anything it started); returns the exit code."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        return self.process.wait(timeout=60)

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} ({self.log_path}) ---\n{self.log()[-chars:]}"


def stage(config: Path, name: str, tag: str, *extra: str, env: dict | None = None) -> StageProcess:
    log = config.parent / f"{tag}.log"
    return StageProcess(tag, [name, "--config", str(config), *extra], log, env or {}).start()


@contextlib.contextmanager
def stopped_at_exit(*procs: StageProcess) -> Iterator[None]:
    """Kill whatever is still running when the test ends, pass or fail."""
    try:
        yield
    finally:
        for proc in procs:
            if proc.alive():
                proc.kill()


def stage_processes(config: Path, stage: str) -> list[int]:
    """Pids of the `yuqing stage STAGE` processes running with this config."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if b"stage" in argv and stage.encode() in argv and str(config).encode() in argv:
            pids.append(int(entry.name))
    return pids


def wait_for(
    predicate: Callable[[], Any],
    timeout_s: float,
    what: str,
    logs: Sequence[StageProcess] = (),
    interval_s: float = 0.2,
) -> Any:
    """Poll `predicate` until it returns something truthy; fail with the stage logs if not."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval_s)
    details = "\n".join(p.tail() for p in logs)
    raise AssertionError(f"{what}: not after {timeout_s:.0f}s (last: {last!r})\n{details}")


def produce_items(bus_url: str, items: Sequence[Item], data_dir: Path | None = None) -> None:
    """Send items to items.raw as a crawler does (keyed by id) and wait for the broker's ack."""
    bus = bus_from_url(bus_url, data_dir)
    try:
        bus.ensure_topics(ALL_TOPICS)
        producer = bus.producer()
        for item in items:
            producer.send(ITEMS_RAW.name, item.to_bytes(), item.id.encode())
        producer.close()
    finally:
        bus.close()


@contextlib.contextmanager
def opened_stores(config: Path) -> Iterator[Stores]:
    stores = open_stores(load_settings(config))
    try:
        yield stores
    finally:
        stores.close()


def settings_of(config: Path) -> Settings:
    return load_settings(config)


def stored_count(config: Path) -> int:
    with opened_stores(config) as stores:
        stores.items.refresh()  # the workers' writes, searchable now
        return stores.items.count()


def stored_items(config: Path, ids: Sequence[str]) -> list[ScoredItem]:
    with opened_stores(config) as stores:
        found: list[ScoredItem] = []
        for start in range(0, len(ids), 200):
            found += stores.items.get_many(ids[start : start + 200])
        return found


def all_cases(config: Path) -> list[Case]:
    with opened_stores(config) as stores:
        return stores.cases.list(CaseQuery(limit=100_000))


def scored_messages(bus_url: str, want_ids: set[str], timeout_s: float = 30.0) -> list[ScoredItem]:
    """Every message of items.scored (a fresh group reads from the start), until every wanted
    id was seen and one more poll came back empty, or the bound runs out."""
    bus = bus_from_url(bus_url, None)
    consumer = bus.consumer(f"test-reader-{uuid.uuid4().hex[:8]}", [ITEMS_SCORED.name])
    got: list[ScoredItem] = []
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = consumer.poll(1000, 1.0)
            got += [ScoredItem.from_json(m.value) for m in batch]
            if not batch and want_ids <= {s.id for s in got}:
                break
    finally:
        consumer.close()
        bus.close()
    return got


class _Admin(KafkaAdminClient):
    """kafka-python's admin client, tolerant of Tansu's DescribeGroups answer: Tansu fills in
    `authorized_operations` (15) although it was not asked for, and kafka-python 3.0.12 fails
    decoding it (ValueError: 15 is not a valid ACLOperation)."""

    def _process_acl_operations(self, obj: dict) -> dict:
        obj.pop("authorized_operations", None)
        return obj


@contextlib.contextmanager
def admin(bus_url: str) -> Iterator[KafkaAdminClient]:
    client = _Admin(
        bootstrap_servers=bus_url.removeprefix("kafka://"),
        bootstrap_timeout_ms=5000,
        request_timeout_ms=10000,
    )
    try:
        yield client
    finally:
        client.close()


def group_members(bus_url: str, group: str = CLASSIFY_GROUP) -> dict[str, list[int] | None]:
    """member id → the items.raw partitions it holds, once the group is Stable ({} before).
    None where the broker does not report assignments (Tansu does not)."""
    with admin(bus_url) as client:
        described = client.describe_groups([group])[group]
    if described.get("group_state") != "Stable":
        return {}
    members: dict[str, list[int] | None] = {}
    for member in described.get("members", []):
        assignment = member.get("member_assignment")
        if not assignment:
            members[member["member_id"]] = None
            continue
        members[member["member_id"]] = sorted(
            p
            for topic in assignment.get("assigned_partitions") or []
            if topic.get("topic") == ITEMS_RAW.name
            for p in topic.get("partitions", [])
        )
    return members


def expire_members(bus_url: str, group: str = CLASSIFY_GROUP) -> int:
    """Remove every member from the group, as a broker does with one whose session timed out:
    the live ones rejoin at once (their next heartbeat or commit fails), the dead stay out.
    For noida-db, which never expires a session (see test_scale_out.py)."""
    with admin(bus_url) as client:
        described = client.describe_groups([group])[group]
        members = [MemberToRemove(member_id=m["member_id"]) for m in described["members"]]
        if members:
            client.remove_group_members(group, members)
    return len(members)


def committed_offsets(bus_url: str, group: str = CLASSIFY_GROUP) -> dict[int, int]:
    """partition of items.raw → the group's committed offset."""
    with admin(bus_url) as client:
        offsets = client.list_group_offsets({group: None})[group]
    return {tp.partition: o.offset for tp, o in offsets.items() if tp.topic == ITEMS_RAW.name}


def end_offsets(bus_url: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
    """Each partition's end offset, read by a consumer in no group (it joins nothing)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bus_url.removeprefix("kafka://"), group_id=None, request_timeout_ms=10000
    )
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        return consumer.end_offsets(partitions) if partitions else {}
    finally:
        consumer.close()


def case_problems(cases: Sequence[Case], stored: Sequence[ScoredItem]) -> list[str]:
    """What would mean a doubled case: two live cases of one event, an item listed twice, an
    item in two cases, or an item in a case of another event than its own. Events an item
    showed to be one (`same_event_as`) count as one event; their cases may have been merged
    (the absorbed case is dismissed "merged into X" and holds no items)."""
    parent: dict[str, str] = {}

    def root(e: str) -> str:
        while parent.get(e, e) != e:
            e = parent[e]
        return e

    for s in stored:
        for other in s.same_event_as:
            parent[root(other)] = root(s.event_id)
    problems = []
    live = [c for c in cases if not (c.dismissed_reason or "").startswith("merged into")]
    per_event = Counter(root(c.event_id) for c in live)
    problems += [f"{n} cases for event {e}" for e, n in per_event.items() if n > 1]
    holders: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        dup = [i for i, n in Counter(case.items).items() if n > 1]
        if dup:
            problems.append(f"case {case.case_id} lists {dup} more than once")
        for item_id in case.items:
            holders[item_id].append(case.case_id)
    problems += [f"item {i} in cases {c}" for i, c in holders.items() if len(c) > 1]
    event_of = {s.id: root(s.event_id) for s in stored}
    for case in cases:
        wrong = [i for i in case.items if i in event_of and event_of[i] != root(case.event_id)]
        if wrong:
            problems.append(f"case {case.case_id} ({case.event_id}) holds items of other events")
    return problems
