"""The cleaner on the seed files (crawled text with converter noise) and on demo pages."""

from __future__ import annotations

import re
import urllib.request

import pytest

from crawlers import noise
from crawlers.clean import clean_fragment, clean_html, clean_text, fragment_text, page_warnings
from tests.crawlers.conftest import SEEDS

PINYIN_LEFT = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔù]+[)）]")


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seeds_lose_their_noise(prefix):
    result = clean_text(seed(prefix))
    text = result.text
    assert len(text) > 2000  # the body stays
    assert not PINYIN_LEFT.search(text)
    assert not re.search(r"[,，、][,，、]|[,，、][。；]", text)
    assert "||" not in text and not re.search(r"^\s*\|", text, re.M)
    for chrome in (
        "网站地图",
        "ICP备",
        "网站标识码",
        "浏览器",
        "涉密文件严禁上网",
        "索引号",
        "成文日期",
    ):
        assert chrome not in text, chrome
    assert "政务舆情" in text or "政府信息公开" in text


def test_traditional_seed_is_converted_and_pinyin_dropped():
    raw = seed("000")
    assert "網(wǎng)站" in raw and "輿情" in raw
    text = clean_text(raw).text
    assert "舆情" in text and "輿" not in text and "網" not in text
    assert "临汾市人民政府办公厅" in text


def test_converter_punctuation_is_repaired():
    text = clean_text(seed("004")).text
    assert "一、明确工作原则" in text
    assert "(一)公开透明原则。按照“公开为常态，不公开为例外”" in text
    assert (
        noise.fix_punctuation("一,、明确 原则,。 常态,,不 收集,、研判")
        == "一、明确 原则。 常态，不 收集、研判"
    )


def test_metadata_blocks_are_kept_aside():
    result = clean_text(seed("003"))
    assert result.metadata["索引号"] == "001008010002066/2023-00175"
    assert result.metadata["发布机构"] == "茅畲乡"
    assert result.metadata["成文日期"] == "2023-01-05"
    assert result.text.startswith("茅畲乡政府信息公开工作制度\n")  # table residue and crumbs gone
    meta = clean_text(seed("004")).metadata
    assert meta["发布机构"].startswith("宣城市文化和旅游局") and meta["文号"] == ""


def test_injected_seo_spam_is_removed_and_reported():
    result = clean_text(seed("004"))
    assert result.warnings == ["seo_spam"]
    assert "毛片" not in result.text and "无码" not in result.text
    assert result.text.startswith("宣城市文化和旅游局网络政务舆情收集研判和回应工作方案")


def test_noise_helpers():
    assert (
        noise.fix_pinyin_annotations("网(wǎng)站 县(xiàn) 定安(Ding'an) 的(de)")
        == "网站 县 定安(Ding'an) 的"
    )
    assert (
        noise.strip_table_residue("茅畲乡政府信息公开工作制度 | ||||")
        == "茅畲乡政府信息公开工作制度"
    )
    assert noise.strip_table_residue("| ||||") == ""
    assert noise.parse_metadata("索引号: | 001/2023 | 文件编号: | |") == {
        "索引号": "001/2023",
        "文件编号": "",
    }
    assert noise.parse_metadata("文　　号：定防指〔2025〕12号") == {"文号": "定防指〔2025〕12号"}
    assert noise.is_breadcrumb("> 信息公开 | > 乡镇目录 | > 茅畲乡 |".replace("|", ""))


def test_demo_notice_page(demo_sites):
    notice = demo_sites.gov.content.in_column("tzgg")[0]
    html = urllib.request.urlopen(demo_sites.base_url + notice.path()).read()
    result = clean_html(html, demo_sites.base_url + notice.path())
    assert result.title == notice.title
    assert result.text.splitlines() == notice.body
    assert result.metadata["发布机构"] == notice.publisher
    assert set(result.metadata) >= {"索引号", "发布机构", "成文日期", "文号"}
    assert result.warnings == []


def test_user_typed_markup_stays_text(demo_sites):
    html = (
        urllib.request.urlopen(demo_sites.base_url + "/forum/forum.php?mod=viewthread&tid=18899")
        .read()
        .decode("utf-8")
    )
    assert "<script>alert(1)</script>" not in html  # the page escapes it
    message = re.search(r'<td class="t_f" id="postmessage_\d+">(.*?)</td>', html, re.S).group(1)
    text = clean_fragment(message).text
    assert "发了这段：<script>alert(1)</script>" in text.splitlines()[0]
    assert fragment_text("<p>a<br>b</p><script>evil()</script>").split() == ["a", "b"]


def test_encodings_and_fallback():
    gbk = "<html><head><meta charset='gbk'><title>定安</title></head><body><p>定安县停水通知</p></body></html>"
    assert "定安县停水通知" in clean_html(gbk.encode("gbk")).text
    assert clean_html(b"").text == ""
    assert page_warnings("<p>无码 毛片 人妻 高潮</p><p>正文</p>") == ["seo_spam"]
