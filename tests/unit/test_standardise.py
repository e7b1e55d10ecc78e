import pytest

from graph_etl.standardise import address_key, name_key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Zoë", "zoe"),
        ("O'Brien", "obrien"),
        ("Smith-Jones", "smith jones"),
        ("  mary   ANN ", "mary ann"),
        (None, ""),
    ],
)
def test_name_key(raw: str | None, key: str) -> None:
    assert name_key(raw) == key


def test_address_key_ignores_case_and_postcode_spacing() -> None:
    assert address_key("14 Mill Lane", "EX9 4QA") == address_key("14 mill lane", "ex94qa")


def test_address_key_keeps_house_numbers() -> None:
    assert address_key("19 Tower Avenue", "FX2 0RS") != address_key("26 Tower Avenue", "FX2 0RS")
    assert address_key("Flat 2, 19 Tower Avenue", "FX2 0RS").startswith("flat 2 19 tower avenue")
