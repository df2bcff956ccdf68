"""A small generator of realistic Item records for the distributed tests.

Posts about a few dozen local events (a town × an issue), each event posted several times in
different words and on different platforms (reposts, follow-ups, a news report), mixed with
unrelated chatter. Items of one event land on different partitions (items.raw is keyed by item
id), so two classify workers race to cluster them: exactly what the scale-out test must survive.
Deterministic: the same `n` gives the same items.
"""

from __future__ import annotations

import random

from pipeline.models import Item
from tests.factories import make_item

TOWNS = [
    "定城镇",
    "新竹镇",
    "龙湖镇",
    "黄竹镇",
    "雷鸣镇",
    "龙门镇",
    "龙河镇",
    "岭口镇",
    "翰林镇",
    "富文镇",
]
ISSUES = [
    ("停水", "{town}{village}已经停水{days}天了，几百户村民只能去井里挑水，水务局电话一直打不通。"),
    (
        "欠薪",
        "{town}{village}一个工地拖欠{count}名农民工工资{days}个月，包工头失联，工人到镇政府讨薪。",
    ),
    (
        "学校撤并",
        "{town}{village}小学要撤并到镇里，孩子上学要走{count}里山路，家长们非常担心安全。",
    ),
    ("垃圾", "{town}{village}路边垃圾堆了{days}天没人清运，臭味很大，蚊蝇滋生，村民意见很大。"),
    ("食品安全", "{town}{village}学校食堂被曝使用过期食材，{count}名学生腹痛送医，家长要求彻查。"),
    ("洪水", "{town}{village}连降暴雨，河水暴涨，{count}户民房进水，村道被冲毁，急需救援。"),
]
VILLAGES = ["居丁村", "南丽湖村", "大坡村", "文头村", "仙屯村", "光明村"]
SOURCES = [
    ("forum", "定安论坛"),
    ("weibo", "微博"),
    ("news_comment", "南海网评论"),
    ("blog", "天涯博客"),
]
FOLLOW_UPS = ["转发：", "顶上去！", "有没有人管管？", "求扩散，", "跟帖："]
CHATTER = [
    "今天去南丽湖钓鱼，天气真好，收获了三条罗非鱼。",
    "求推荐定城镇好吃的海南粉店，周末带家人去尝尝。",
    "这周末的篮球赛谁去看？我们村队进决赛了。",
    "分享一下自家种的荔枝，今年雨水足，特别甜。",
]


def realistic_items(n: int, seed: int = 7, events: int = 24) -> list[Item]:
    """`n` items: about one in six unrelated chatter, the rest posts about `events` events."""
    rng = random.Random(seed)
    seeds = [
        (rng.choice(TOWNS), rng.choice(VILLAGES), ISSUES[i % len(ISSUES)]) for i in range(events)
    ]
    items = []
    for i in range(n):
        source_type, source_name = rng.choice(SOURCES)
        common = {
            "id": f"dist-{seed}-{i}",
            "source_type": source_type,
            "source_name": source_name,
            "url": f"http://bbs.example.cn/{source_type}/thread-{seed}-{i}.html",
        }
        if i % 6 == 5:
            text = rng.choice(CHATTER)
            items.append(make_item(i, title="", text=text, **common))
            continue
        town, village, (issue, template) = seeds[i % events]
        body = template.format(
            town=town, village=village, days=3 + i % events % 5, count=20 + i % events
        )
        prefix = "" if i < events else rng.choice(FOLLOW_UPS)
        title = f"{town}{village}{issue}问题" if source_type != "weibo" else ""
        items.append(make_item(i, title=title, text=prefix + body, **common))
    return items
