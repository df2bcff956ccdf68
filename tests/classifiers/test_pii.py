"""Personal data is masked; check digits and Luhn keep other numbers readable; officials'
names and titles are not personal data."""

from __future__ import annotations

import pytest

from classifiers.pii import (
    ADDRESS_MASK,
    CARD_MASK,
    ID_MASK,
    PHONE_MASK,
    PiiMasker,
    luhn_valid,
    valid_id_number,
)
from tests.classifiers.conftest import item

masker = PiiMasker()


def test_id_number_with_valid_check_digit_is_masked() -> None:
    assert valid_id_number("11010519491231002X")
    assert masker.mask("身份证11010519491231002X。") == f"身份证{ID_MASK}。"


def test_id_number_with_wrong_check_digit_is_left_alone() -> None:
    assert not valid_id_number("110105194912310021")
    assert masker.mask("编号110105194912310021") == "编号110105194912310021"


@pytest.mark.parametrize(
    "text",
    [
        "电话13812345678",
        "电话138-1234-5678",
        "手机 +86 138 1234 5678",
        "座机0898-65551234",
        "(0898)65551234",
        "联系电话：65551234",
    ],
)
def test_phones_are_masked(text: str) -> None:
    assert PHONE_MASK in masker.mask(text)
    assert not any(ch.isdigit() for ch in masker.mask(text).replace("86", ""))


def test_service_numbers_amounts_and_dates_stay() -> None:
    text = "请拨打12345或110，金额3000元，2023年10月5日，订单20231201123456789"
    assert masker.mask(text) == text


def test_bank_card_needs_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert masker.mask("卡号4111 1111 1111 1111") == f"卡号{CARD_MASK}"
    assert masker.mask("卡号4111111111111112") == "卡号4111111111111112"


def test_private_names_after_cues_are_masked() -> None:
    masked = masker.mask("村民王大明反映，家长张三说孩子被打，我叫林小红，联系人：陈伟。")
    assert masked == "村民王某反映，家长张某说孩子被打，我叫林某，联系人：陈某。"


def test_officials_and_organisations_are_not_personal_data() -> None:
    text = "县水务局局长王建国表示将尽快处理；联系人：李局长；龙湖镇党委书记陈志强到场。"
    assert masker.mask(text) == text


def test_addresses_with_units_and_home_numbers() -> None:
    masked = masker.mask("家住定城镇见龙社区人民路25号，金鸡岭小区3栋2单元501室")
    assert masked == f"家住定城镇见龙社区人民路{ADDRESS_MASK}，金鸡岭小区{ADDRESS_MASK}"


def test_masking_is_idempotent() -> None:
    once = masker.mask("村民王大明电话13812345678，住3栋2单元501室")
    assert masker.mask(once) == once


def test_classifier_masks_text_title_and_author(classifier) -> None:
    scored = classifier.score(
        item(
            "我叫王小明，电话13812345678，龙湖镇停水了",
            title="求助13912345678",
            author="王小明",
            source_type="forum",
            source_name="定安论坛",
        )
    )
    assert "13812345678" not in scored.text and "王小明" not in scored.text
    assert scored.title == f"求助{PHONE_MASK}"
    assert scored.author == "王某"
