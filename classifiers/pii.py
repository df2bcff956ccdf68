"""Personal-data masking (contracts.md: phones, ID numbers, bank cards, private persons'
names and addresses are masked in text, title and author before anything is stored).

Validated where a check exists (ID check digit, Luhn) so order numbers and amounts stay
readable. Officials' titles and organisations are not personal data: a name is masked only
after a private-person cue (村民, 业主, 家长, 我叫, 联系人 …), never after a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ID_MASK = "【身份证号】"
CARD_MASK = "【银行卡号】"
PHONE_MASK = "【电话】"
ADDRESS_MASK = "【门牌号】"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# letters may touch it ("ID110101…", "…258tel:"): the check digit keeps codes readable
_ID = re.compile(
    r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"\d{3}[0-9Xx](?!\d)"
)
_CARD = re.compile(r"(?<![\d-])[1-9](?:[ -]?\d){15,18}(?![\d-])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])(?:[(（]0\d{2,3}[)）][ -]?|0\d{2,3}[ -])?[2-9]\d{6,7}(?![\d-])")
_LANDLINE_AREA = re.compile(
    r"(?<![\d-])(?:[(（]0\d{2,3}[)）]|0\d{2,3}[ -])[ -]?[2-9]\d{6,7}(?![\d-])"
)
_PHONE_CUE = re.compile(r"(?:电话|手机|座机|联系方式|热线|tel|Tel|TEL)[号码]*[:：是为 ]*$")
_UNIT = re.compile(  # the lookahead only skips, fast, where no alternative can start
    r"(?=[\d一二三四五六七八九十])(?:"
    r"(?:\d{1,4}|[一二三四五六七八九十]{1,3})(?:号楼|栋|幢)(?:[-之]?\d{1,3}单元)?(?:[-之]?\d{1,5}(?:室|号|房))?"
    r"|\d{1,3}单元[-之]?\d{1,5}(?:室|号|房)?"
    r"|(?<=[楼栋幢元])\d{3,5}(?:室|房)"
    r")"
)
_HOME = re.compile(
    r"((?:家住|住在|住址|家庭住址|地址|家在|居住在|现住)[:：]?[^，。；,;！!？?\n]{1,24}?"
    r"(?:路|街|巷|村|里|弄|道|小区|花园|苑|坊|队))(\d{1,5}(?:-\d{1,5})?号)"
)

_SURNAMES_1 = (
    "王陈吴李林黄符张冯莫邢云钟梁周许蔡韩潘羊曾文郑唐何卢庞谭杨刘孙徐赵叶邓苏傅麦洪伍朱吕翁"
    "蒙龙黎欧冼揭甘范谢罗郭马高胡宋董袁于余丁沈姚彭蒋魏贾薛阎邱夏田任石姜方金戴崔钱汪孔廖邹"
    "熊陆郝白万段雷侯秦史顾毛邵孟龚尹贺易常武乔赖严施牛温俞章鲁葛韦毕聂焦向柳覃祝单舒付关包"
    "左尚江童颜辛陶柯凌岑詹骆游农盘庄纪涂邝简饶卓阮练晏柴瞿闫吉容巫蓝牟宁倪曹程谷卜陈"
)
_SURNAMES_2 = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙")
_TITLES = (
    "某|先生|女士|小姐|老师|医生|师傅|阿姨|大爷|大妈|大叔|大姐|老板|书记|主任|局长|镇长|县长|村长|支书|"
    "所长|队长|站长|院长|校长|经理|科长|警官|律师|记者|同学|总"
)
# characters that end a name: verbs, particles and the like that follow a name in a sentence
_STOP = set(
    "说称表反向和与及告被因于是今昨到去来也都就对把从已曾又还要会先女男一夫妻等在的了向称讲指透介问拨打家"
)
_CUES = (
    "村民|居民|市民|业主|家长|我叫|本人|联系人|患者|病人|老人|当事人|举报人|投诉人|求助人|受害人|"
    "死者|伤者|户主|农民工|工人|车主|租户|房东|网民|学生|孩子|儿子|女儿|丈夫|妻子|姓名"
)
_NAME = re.compile(
    rf"(?P<cue>{_CUES})(?P<sep>[:：]?\s?(?:叫|是)?)"
    rf"(?P<sur>{'|'.join(_SURNAMES_2)}|[{_SURNAMES_1}])"
    rf"(?!(?:{_TITLES}))(?P<given>[\u4e00-\u9fa5]{{1,2}})"
)
# cheap pre-checks: most texts have no long digit run and no unit words, so the costly
# patterns below are skipped for them
_LONG_DIGITS = re.compile(r"\d[\d ()（）+-]{5,}\d")
_HOME_CUES = ("家住", "住在", "住址", "地址", "家在", "现住")  # every _HOME match has one
_PERSONAL_AUTHOR = re.compile(
    rf"^(?:{'|'.join(_SURNAMES_2)}|[{_SURNAMES_1}])[\u4e00-\u9fa5]{{1,2}}$"
)


def _may_have_unit(text: str) -> bool:
    """Whether `_UNIT` may match: it needs 栋, 幢, 号楼 or 单元, or 室/房 after 楼/元 and
    digits. Plain substring tests: "房子", "教室" alone skip the costly pattern."""
    return (
        "栋" in text
        or "幢" in text
        or "号楼" in text
        or "单元" in text
        or (("室" in text or "房" in text) and ("楼" in text or "元" in text))
    )


def valid_id_number(number: str) -> bool:
    """GB 11643 check digit of an 18-digit resident ID number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


@dataclass
class MaskCounts:
    ids: int = 0
    cards: int = 0
    phones: int = 0
    addresses: int = 0
    names: int = 0
    kinds: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.ids + self.cards + self.phones + self.addresses + self.names


class PiiMasker:
    """Masks personal data in a string; idempotent (masking masked text changes nothing)."""

    def mask(self, text: str, counts: MaskCounts | None = None) -> str:
        if not text:
            return text
        c = counts if counts is not None else MaskCounts()
        if _LONG_DIGITS.search(text):
            text = self._sub(_ID, text, lambda s: valid_id_number(s), ID_MASK, c, "ids")
            text = self._sub(_CARD, text, _is_card, CARD_MASK, c, "cards")
            text = self._sub(_MOBILE, text, None, PHONE_MASK, c, "phones")
            text = self._sub(_LANDLINE_AREA, text, None, PHONE_MASK, c, "phones")
            text = self._cued_landlines(text, c)
        if "号" in text or _may_have_unit(text):
            text = self._addresses(text, c)
        return self._names(text, c)

    def mask_author(self, author: str | None, personal_source: bool) -> str | None:
        """An author is masked like text; a bare personal name on a social source too."""
        if not author:
            return author
        masked = self.mask(author)
        if personal_source and _PERSONAL_AUTHOR.match(masked) and not masked.endswith("某"):
            surname = next((s for s in _SURNAMES_2 if masked.startswith(s)), masked[0])
            return surname + "某"
        return masked

    @staticmethod
    def _sub(regex, text, check, mask, c: MaskCounts, kind: str) -> str:
        def repl(m: re.Match[str]) -> str:
            if check is not None and not check(m.group()):
                return m.group()
            setattr(c, kind, getattr(c, kind) + 1)
            return mask

        return regex.sub(repl, text)

    @staticmethod
    def _cued_landlines(text: str, c: MaskCounts) -> str:
        def repl(m: re.Match[str]) -> str:
            if not _PHONE_CUE.search(text[max(0, m.start() - 12) : m.start()]):
                return m.group()
            c.phones += 1
            return PHONE_MASK

        return _LANDLINE.sub(repl, text)

    @staticmethod
    def _addresses(text: str, c: MaskCounts) -> str:
        def unit(m: re.Match[str]) -> str:
            c.addresses += 1
            return ADDRESS_MASK

        def home(m: re.Match[str]) -> str:
            c.addresses += 1
            return m.group(1) + ADDRESS_MASK

        if "号" in text and any(cue in text for cue in _HOME_CUES):
            text = _HOME.sub(home, text)
        if _may_have_unit(text):
            text = _UNIT.sub(unit, text)
        # a run like 【门牌号】3栋2单元501室 is one address: collapse repeated masks
        return text.replace(ADDRESS_MASK + ADDRESS_MASK, ADDRESS_MASK)

    @staticmethod
    def _names(text: str, c: MaskCounts) -> str:
        def repl(m: re.Match[str]) -> str:
            given = m.group("given")
            if given[0] in _STOP or given[0] == "某":
                return m.group()
            if len(given) == 2 and given[1] in _STOP:
                given = given[0]
            c.names += 1
            tail = m.group("given")[len(given) :]
            return m.group("cue") + m.group("sep") + m.group("sur") + "某" + tail

        return _NAME.sub(repl, text)


def _is_card(value: str) -> bool:
    digits = re.sub(r"[ -]", "", value)
    return 16 <= len(digits) <= 19 and luhn_valid(digits)
