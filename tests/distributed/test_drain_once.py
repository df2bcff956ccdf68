"""`--once` over Kafka: a stage drains what is waiting and returns, also when the broker is slow
to complete a group join (Tansu takes ~5 s, like Kafka's group.initial.rebalance.delay.ms).

The bug this pins down: after two empty polls the runner asks the consumer for the group's lag;
the lag read the committed offsets through the consumer's own coordinator connection, where the
request queues behind the pending JoinGroup. The join then completes while no poll awaits it, and
kafka-python 3.0.12 drops a join result nobody awaited and sends a new JoinGroup: the consumer
never got its partitions and `yuqing classify --once` (and `yuqing demo` on Kafka) spun forever.
"""

from __future__ import annotations

import threading
import time

import pytest

from pipeline.config import load_settings
from pipeline.runner import StageRunner
from pipeline.stage import StageContext
from tests.distributed.harness import produce_items, write_config
from tests.distributed.items import realistic_items
from tests.pipeline.effect_stage import EffectStage

BOUND_S = 60.0


@pytest.fixture(params=["noida", "tansu"])
def bus_url(request: pytest.FixtureRequest) -> str:
    if request.param == "noida":
        return request.getfixturevalue("own_noida").kafka_url
    return request.getfixturevalue("own_tansu")


@pytest.mark.kafka
def test_once_drains_the_topic_and_returns(bus_url, tmp_path):
    items = realistic_items(60)
    produce_items(bus_url, items)
    settings = load_settings(write_config(tmp_path, bus=bus_url, store="sqlite"))
    runner = StageRunner(EffectStage(StageContext(settings)), batch_size=20, poll_timeout_s=0.5)
    stop = threading.Event()
    watchdog = threading.Timer(BOUND_S, stop.set)
    watchdog.start()
    started = time.monotonic()
    try:
        runner.run(stop, max_idle_polls=2)
    finally:
        watchdog.cancel()
    took = time.monotonic() - started
    assert not stop.is_set(), f"--once did not return within {BOUND_S:.0f}s"
    assert runner.processed == len(items), f"processed {runner.processed} in {took:.1f}s"
