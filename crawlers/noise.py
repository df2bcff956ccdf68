"""Repairs for the noise crawled Chinese pages carry, on plain text (seeds 000–004).

Converter noise (pinyin annotations "网(wǎng)站", doubled punctuation "一,、"), table residue
("| ||||"), metadata blocks (索引号/发布机构/成文日期/文号), portal boilerplate (site map,
ICP number, browser hints) and injected SEO spam lines. Each repair is a small pure function.
"""

from __future__ import annotations

import re

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# A pinyin annotation right after a CJK character: "网(wǎng)", "县(xiàn)", also full-width parens.
_PINYIN = re.compile(rf"(?<=[^\s(（])[(（]([a-z{_TONED}ü]{{1,6}})[)）]")
_NEUTRAL = {"de", "le", "me", "men", "zi", "ma", "ne", "ba", "zhe", "ge"}

_COMMA_RUN = re.compile(r"[,，、;；]*、[,，、;；]*|[,，]{2,}")
_STOP_RUN = re.compile(r"[,，、]+(?=[。！？；：])|(?<=[。！？；：])[,，、]+")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_HALF_AFTER_CJK = re.compile(rf"(?<=[{_CJK}）》”])([,;:?!])(?![\d/])")
# Crumbs hold no "<": "发了<b>字</b>" is markup a user typed, not a navigation trail.
_BREADCRUMB = re.compile(r"^(?:[>›»]?[^<>›»]{1,24}[>›»]){2,}[^<>›»]{0,24}$")

METADATA_LABELS = (
    "索引号",
    "主题分类",
    "组配分类",
    "发布机构",
    "成文日期",
    "发文日期",
    "文号",
    "发文字号",
    "文件编号",
    "发布日期",
    "公开方式",
    "公开范围",
    "公开时限",
    "信息来源",
    "有效性",
    "时效",
    "体裁分类",
    "名称",
    "标题",
)
# Labels are often spaced out to align a table column: "文　　号：".
_LABEL_ALT = "|".join(
    r"[\s\u3000]*".join(map(re.escape, x)) for x in sorted(METADATA_LABELS, key=len, reverse=True)
)
_LABEL = rf"(?:{_LABEL_ALT})"
_SPACES = r"[\s\u3000]*"
_META_PAIR = re.compile(
    rf"({_LABEL}){_SPACES}[:：]{_SPACES}\|?{_SPACES}(.*?){_SPACES}\|?{_SPACES}(?=(?:{_LABEL}){_SPACES}[:：]|$)"
)
_META_LINE = re.compile(rf"^{_SPACES}\|?{_SPACES}{_LABEL}{_SPACES}[:：]")

# Lines of portal chrome; only short lines are dropped, so a paragraph that merely
# mentions a browser stays.
_BOILERPLATE = re.compile(
    r"网站地图|联系我们|网站声明|ICP备|ICP证|公网安备|网站标识码|版权所有|主办[:：]|承办[:：]"
    r"|涉密文件严禁上网|分辨率|浏览器|最佳(?:浏览|显示)效果|您(?:当前|现在)?所在的?位置|当前位置[:：]"
    r"|打印本页|关闭窗口|字号[:：]|字体[:：]|浏览次数|分享到|设为首页|加入收藏|无障碍浏览"
    r"|Powered by|Processed in|GMT\+8|上一篇|下一篇|返回列表|返回顶部"
)
_BOILERPLATE_MAX = 90
_SPAM_TERMS = re.compile(
    r"无码|毛片|黄片|A片|乱伦|乱子|人妻|高潮|爽死|婬|淫|色情|成人视频|av(?:在线|无码)|一级片|特黄|露脸"
)
_SPAM_MIN_HITS = 3


def fix_pinyin_annotations(text: str) -> str:
    """ "网(wǎng)站" → "网站": drop pinyin a site converter put after characters."""

    def repl(m: re.Match[str]) -> str:
        syllable = m.group(1)
        after_cjk = re.match(rf"[{_CJK}]", m.string[m.start() - 1]) is not None
        if any(c in _TONED for c in syllable) or (after_cjk and syllable in _NEUTRAL):
            return ""
        return m.group(0)

    return _PINYIN.sub(repl, text)


def fix_punctuation(text: str) -> str:
    """ ",、" → "、", ",," → "，", ",。" → "。"; half-width , ; ? ! after CJK → full width."""
    text = _STOP_RUN.sub("", text)
    text = _COMMA_RUN.sub(lambda m: "、" if "、" in m.group(0) else "，", text)
    return _HALF_AFTER_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1)], text)


def parse_metadata(line: str) -> dict[str, str]:
    """ "索引号: X 发布机构: Y" (or table cells "索引号: | X |") → {"索引号": "X", …}."""
    return {
        re.sub(r"[\s\u3000]", "", k): v.strip(" |\u3000")
        for k, v in _META_PAIR.findall(line.strip())
    }


def is_metadata_line(line: str) -> bool:
    return bool(_META_LINE.match(line)) and bool(parse_metadata(line))


def strip_table_residue(line: str) -> str:
    """ "标题 | ||||" → "标题"; "| a | b |" → "a b"; a line of pipes only → ""."""
    if "|" not in line:
        return line
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)]
    return " ".join(c.replace("\\|", "|") for c in cells if c)


def is_boilerplate(line: str) -> bool:
    return len(line) <= _BOILERPLATE_MAX and bool(_BOILERPLATE.search(line))


def is_breadcrumb(line: str) -> bool:
    """ "> 信息公开 > 乡镇目录 > 茅畲乡 > 公开制度" (a navigation trail)."""
    return len(line) <= _BOILERPLATE_MAX and bool(_BREADCRUMB.match(line.replace(" ", "")))


def is_seo_spam(line: str) -> bool:
    """A line of injected porn keywords (seed 004): several spam terms in one line."""
    return len(_SPAM_TERMS.findall(line)) >= _SPAM_MIN_HITS


# C0/C1 control characters (tab and newlines kept), lone surrogates, and the bidi controls
# that can reverse how a line is shown ("\u202e"): never part of a post's text.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_controls(text: str) -> str:
    """Drop terminal escapes, control characters, lone surrogates and bidi overrides."""
    return _CONTROLS.sub("", _ANSI.sub("", text))


def normalise_spaces(line: str) -> str:
    line = line.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return re.sub(r"[ \t]{2,}", " ", line).strip(" \t\u3000")
