import pytest
from django.core.exceptions import ValidationError

from customers.phones import phone_search_fragments, phone_to_e164


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("0912-345-678", "+84912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("+84 (0) 912 345 678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("0084912345678", "+84912345678"),
        ("912345678", "+84912345678"),
        ("(028) 3822 1234", "+842838221234"),
        ("024 3825 1234", "+842438251234"),
        # 11-digit mobiles renumbered in 2018.
        ("01662 345 678", "+84362345678"),
        ("0120 345 6789", "+84703456789"),
        ("+84 1688 123 456", "+84388123456"),
        ("+1 650 253 0000", "+16502530000"),
        ("  ", ""),
        ("", ""),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, expected):
    assert phone_to_e164(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "abc", "0912 345", "+84 000 000 000", "09123456789012"])
def test_what_is_not_a_phone_number_is_refused(raw):
    with pytest.raises(ValidationError):
        phone_to_e164(raw)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("0912 345 678", ["0912345678", "912345678"]),
        ("+84912345678", ["84912345678", "912345678"]),
        ("345678", ["345678"]),
        ("Lan", []),
        ("lan@example.vn", []),
    ],
)
def test_search_fragments_match_numbers_typed_any_way(term, expected):
    assert phone_search_fragments(term) == expected
