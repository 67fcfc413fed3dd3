"""Member codes.

A member code is 12 digits: 11 random digits (the first never 0, so the code keeps its length in
spreadsheets) and a Luhn check digit, so a mistyped or misread code is caught before any lookup.
The card shows the code as a barcode (sellercenter.barcodes).
"""

import secrets

CODE_LENGTH = 12


def luhn_check_digit(digits: str) -> str:
    total = 0
    # From the right, every second digit of the payload (the one next to the check digit first) doubles.
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def member_code_new() -> str:
    payload = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(CODE_LENGTH - 2))
    return payload + luhn_check_digit(payload)


def member_code_is_valid(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isdigit() and luhn_check_digit(code[:-1]) == code[-1]
