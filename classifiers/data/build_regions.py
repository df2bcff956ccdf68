"""Build classifiers/data/regions.yaml from jionlp's bundled china_location.txt.

Run once, offline, from the repository root: python classifiers/data/build_regions.py
(jionlp is needed only here, not at run time). The hand-kept sections at the end of the
file (products, named_after, verb_counties) survive a rebuild. The counties whose head is a
common word (`verb_counties_derived`) come from jieba's dictionary; refresh only them, with
no jionlp: python classifiers/data/build_regions.py --verb-counties"""

import importlib.util
import pathlib
import re
import sys
from collections.abc import Iterable

OUT = pathlib.Path("classifiers/data/regions.yaml")
# the hand-kept sections (products) after this marker line are kept as they are
MARKER = "# ── 以下手工维护"
DERIVED = "verb_counties_derived:"
OWN = {"定安县", "定安", "海南省", "海南"}
RISKY = {
    "东方",
    "中山",
    "和平",
    "新华",
    "长安",
    "西安",
    "朝阳",
    "江北",
    "城关",
    "铁西",
    "南山",
    "白山",
    "通化",
    "吉林",
    "鼓楼",
    "普陀",
    "青山",
    "宝山",
    "开平",
    "新城",
    "城中",
    "河西",
    "河东",
    "海东",
    "金山",
    "安顺",
    "龙岩",
    "保山",
    "玉溪",
    "三沙",
    "兴安",
    "阿里",
    "那曲",
    "果洛",
    "黄南",
    "海北",
    "海南",
    "海西",
    "文山",
    "红河",
    "德宏",
    "怒江",
    "大理",
    "楚雄",
    "临沧",
    "丽江",
    "普洱",
    "昭通",
    "曲靖",
    "定西",
    "平凉",
    "庆阳",
    "天水",
    "武威",
    "张掖",
    "酒泉",
    "金昌",
    "白银",
    "嘉峪关",
    "东营",
}
# jieba's parts of speech of a word that runs on into the next ones ("比如/县城", "延长/县城"):
# verbs, adverbs, conjunctions, prepositions; not nouns ("公安县公安局" is 公安县's bureau),
# names, adjectives or locatives: "中方县医院", "南部县医院", "平定县医院" are those counties'
# hospitals far more often than "the Chinese side" or "southern" running into ours.
VERB_TAGS = frozenset({"v", "vd", "vn", "d", "c", "p"})
VERB_MIN_FREQ = 500


def derive_verb_counties(names: Iterable[str]) -> list[str]:
    """Counties "XY县" whose head XY is a frequent verb-like word of jieba's dictionary: a
    reader meets "比如县城" as 比如 + 县城 before the county 比如县."""
    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.submodule_search_locations
    dictionary = pathlib.Path(spec.submodule_search_locations[0]) / "dict.txt"
    words: dict[str, tuple[int, str]] = {}
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        word, freq, tag = line.split(" ")
        words[word] = (int(freq), tag)
    found = []
    for name in names:
        if len(name) == 3 and name.endswith("县") and name[:2] in words:
            freq, tag = words[name[:2]]
            if freq >= VERB_MIN_FREQ and tag in VERB_TAGS:
                found.append(name)
    return sorted(found)


def derived_section(names: Iterable[str]) -> str:
    counties = derive_verb_counties(names)
    head = (
        "# 县名前两字本身是 jieba 词典里的常用动词、副词、连词、形容词、方位词（词频≥"
        f"{VERB_MIN_FREQ}）的县，\n# 由 build_regions.py 生成；用法同手工表 verb_counties"
        "（rules/places.py）。名词（“公安县公安局”）不算。\n"
    )
    return head + DERIVED + "\n" + "".join(f"  - {n}\n" for n in counties)


def refresh_derived(path: pathlib.Path = OUT) -> None:
    """Rewrite only the derived section (before the hand-kept ones) from the regions list."""
    import yaml

    text = path.read_text(encoding="utf-8")
    names = yaml.safe_load(text)["regions"]
    end = text.index(MARKER)
    start = text.find("# 县名前两字本身是 jieba")
    start = end if start < 0 else start
    path.write_text(text[:start] + derived_section(names) + text[end:], encoding="utf-8")


def build() -> None:
    src = (
        pathlib.Path(importlib.util.find_spec("jionlp").submodule_search_locations[0])
        / "dictionary"
        / "china_location.txt"
    )
    _build(src)


def _build(src: pathlib.Path) -> None:
    provinces, cities, counties = set(), set(), set()
    parents: dict[str, set[str]] = {}  # one-character-stem county ("道县") → its province, city
    above: list[tuple[str, str]] = [("", ""), ("", "")]  # the current province's, city's names
    for raw in src.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip("\r")
        depth = len(line) - len(line.lstrip("\t"))
        cols = line.strip().split("\t")
        if len(cols) < 2 or not re.fullmatch(r"\d{6}", cols[1]):
            continue
        full, short = cols[0], cols[2] if len(cols) > 2 else ""
        target = {0: provinces, 1: cities, 2: counties}.get(depth)
        if target is None:
            continue
        target.add(full)
        if depth < 2 and len(short) >= 2 and short not in RISKY:
            target.add(short)
        if depth < 2:
            above[depth:] = [(full, short if len(short) >= 2 and short not in RISKY else "")]
            above += [("", "")] * (2 - len(above))
        elif len(full) == 2 and full[-1] in "县区市旗":
            names_above = {n for pair in above for n in pair if n} - OWN
            parents.setdefault(full, set()).update(names_above)
    names = sorted(
        {
            n
            for n in provinces | cities | counties
            if len(n) >= 2 and not (len(n) == 2 and n.endswith("区"))
        }
        - OWN,
        key=lambda n: (len(n), n),
    )
    # our neighbours are in the profile; keep them out so the profile decides
    old = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
    kept = old[old.index(MARKER) :] if MARKER in old else ""
    with OUT.open("w", encoding="utf-8") as fh:
        fh.write(
            "# 全国省、地级市、县级行政区名称（外地地名）：由 jionlp 附带的 china_location.txt 生成，\n"
        )
        fh.write(
            "# 用于判断“发生在外地的事件”（不相关）。县级只收全称（如“新郑市”）；易与普通词混淆的\n"
        )
        fh.write(
            "# 简称（如“中山”“东方”）未收。本辖区（定安、海南）不在表中；邻县在档案 neighbours 中。\n"
        )
        fh.write(f"# 共 {len(names)} 个名称。\n")
        fh.write("regions:\n")
        for n in names:
            fh.write(f"  - {n}\n")
        fh.write(
            "# 一字县名（“道县”“和县”）常是两个词的半边（“知道县医院”“和县里”）：只在文中也出现\n"
            "# 其省、市名，或紧跟同级字（“道县县委”）时才算外地地名（rules/places.py）。\n"
        )
        fh.write("short_parents:\n")
        for n in sorted((n for n in parents if n in names), key=lambda n: n):
            fh.write(f"  {n}: [{', '.join(sorted(parents[n], key=lambda x: (len(x), x)))}]\n")
        fh.write(derived_section(names))
        fh.write(kept)
    print(len(provinces), len(cities), len(counties), len(names))


if __name__ == "__main__":
    if sys.argv[1:] == ["--verb-counties"]:
        refresh_derived()
    else:
        build()
