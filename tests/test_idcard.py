"""GB 11643 identity numbers: check character, dates, sex, mangling, masking."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_analysis import idcard

# Published example of GB 11643-1999 (Annex): 11010519491231002X, a woman born 1949-12-31.
PUBLISHED = "11010519491231002X"


def test_published_example_check_character():
    assert idcard.check_char("11010519491231002") == "X"
    assert idcard.is_valid(PUBLISHED)
    assert idcard.is_valid(PUBLISHED.lower())


def test_derived_birth_date_and_sex():
    out = idcard.validate(pd.Series([PUBLISHED, "430527199001011237"]))
    assert out["birth_date"].dt.strftime("%Y-%m-%d").tolist() == ["1949-12-31", "1990-01-01"]
    assert out["sex"].tolist() == ["女", "男"]  # 17th digit 2 even, 3 odd


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("4.30527E+17", "mangled"),
        ("4.30527199001011e+17", "mangled"),
        ("430527199001011000.0", "mangled"),
        ("43052719900101123", "malformed"),  # 17 characters
        ("43052719900101123A", "malformed"),
        ("430527199002301234", "bad_date"),  # 30 February
        ("430527189912311234", "bad_date"),  # before 1900
        ("430527199001011234", "bad_check"),
        ("", "missing"),
        (None, "missing"),
    ],
)
def test_statuses(value, status):
    assert idcard.validate(pd.Series([value], dtype="str"))["status"].iloc[0] == status


def test_future_birth_date_against_reference_date():
    first17 = "43052720170601123"
    number = first17 + idcard.check_char(first17)
    out = idcard.validate(pd.Series([number]), reference_date="2016-12-31")
    assert out["status"].iloc[0] == "future"
    assert idcard.validate(pd.Series([number]), reference_date="2018-01-01")["status"].iloc[0] == (
        "valid"
    )


def test_full_width_spaces_and_apostrophe_accepted():
    messy = pd.Series(
        ["４３０５２７ １９９００１０１１２３７", "'430527199001011237", " 11010519491231002x"]
    )
    assert idcard.validate(messy)["status"].eq("valid").all()
    assert idcard.normalize_ids(messy).tolist()[2] == PUBLISHED


def test_leap_day():
    for birth, ok in (("20000229", True), ("19000229", False), ("20040229", True)):
        first17 = "430527" + birth + "123"
        status = idcard.validate(pd.Series([first17 + idcard.check_char(first17)]))["status"]
        assert (status.iloc[0] == "valid") is ok, birth


def test_mask():
    assert idcard.mask("430527199001011237") == "430527********1237"
    assert "19900101" not in idcard.mask("430527199001011237")


def test_index_is_kept():
    s = pd.Series([PUBLISHED, None], index=[10, 20])
    assert idcard.validate(s).index.tolist() == [10, 20]


# --- properties ---------------------------------------------------------------------------

births = st.dates(min_value=pd.Timestamp("1900-01-01").date(),
                  max_value=pd.Timestamp("2016-12-31").date())
areas = st.sampled_from(["430527", "110105", "530102", "652801"])
seqs = st.integers(min_value=0, max_value=999)


def _make(area, birth, seq):
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + idcard.check_char(first17)


@settings(max_examples=200, deadline=None)
@given(areas, births, seqs)
def test_random_valid_numbers_pass(area, birth, seq):
    number = _make(area, birth, seq)
    out = idcard.validate(pd.Series([number, number.lower()]))
    assert out["status"].eq("valid").all()
    assert out["birth_date"].iloc[0].date() == birth
    assert out["sex"].iloc[0] == ("男" if seq % 2 else "女")


@settings(max_examples=300, deadline=None)
@given(areas, births, seqs, st.integers(0, 17), st.sampled_from(list("0123456789X")))
def test_single_character_changes_fail(area, birth, seq, pos, char):
    number = _make(area, birth, seq)
    if number[pos] == char or (pos < 17 and char == "X"):
        return  # not a change, or an X in a digit position (malformed: also fails)
    changed = number[:pos] + char + number[pos + 1 :]
    assert not idcard.is_valid(changed, reference_date="2016-12-31")


def test_vectorised_matches_scalar_on_many():
    rng = np.random.default_rng(1)
    values = ["".join(rng.choice(list("0123456789"), 17)) for _ in range(2000)]
    numbers = [v + idcard.check_char(v) for v in values]
    statuses = idcard.validate(pd.Series(numbers), reference_date="2262-01-01")["status"]
    # random digits often make impossible dates; the check character is always right
    assert set(statuses) <= {"valid", "bad_date", "future"}  # years up to 9999
    scalar = [idcard.is_valid(n, reference_date="2262-01-01") for n in numbers]
    assert statuses.eq("valid").tolist() == scalar  # two independent implementations agree
    wrong = [n[:17] + ("0" if n[17] != "0" else "1") for n in numbers]
    assert not idcard.validate(pd.Series(wrong))["status"].eq("valid").any()


def test_check_arrow_numbers_identify_the_person():
    values = [PUBLISHED, PUBLISHED.lower(), " " + PUBLISHED, "4.30527E+17", None,
              "430527199001011237"]
    out = idcard.check_arrow(pa.array(values))
    assert out.number[0] == out.number[1] == out.number[2] != out.number[5]
    assert out.number[3] == out.number[4] == -1
    assert out.normalised.tolist() == [False, True, True, False, False, False]
    assert out.id_number.to_pylist()[:3] == [PUBLISHED] * 3
    assert [idcard.STATUSES[s] for s in out.status] == [
        "valid", "valid", "valid", "mangled", "missing", "valid"]


def test_numbers_stored_as_integers_are_read_as_text():
    out = idcard.validate(pd.Series([430527199001011237, None, "11010519491231002x"], dtype=object))
    assert out["status"].tolist() == ["valid", "missing", "valid"]
    assert out["id_number"].tolist()[0] == "430527199001011237"
