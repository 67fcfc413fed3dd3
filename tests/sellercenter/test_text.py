"""Folding Vietnamese text for matching: the Python key and the SQL expression agree."""

import pytest
from django.db import connection
from django.db.models import Value
from django.db.utils import ConnectionHandler

from customers.models import Customer
from sellercenter.text import MARKED_LETTERS, Folded, fold_for_sql, search_key
from tests.customers.factories import CustomerFactory

VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"


def test_every_vietnamese_letter_folds_in_sql_as_it_does_in_python():
    letters = VIETNAMESE + VIETNAMESE.upper()
    assert set(letters) <= set(MARKED_LETTERS)
    assert fold_for_sql(letters) == search_key(letters)
    assert fold_for_sql("Nguyễn Văn Đức") == "nguyen van duc"
    assert fold_for_sql(None) is None


@pytest.mark.django_db
def test_the_database_folds_every_letter_as_python_does(shop):
    customer = CustomerFactory(shop=shop, full_name="Đặng Thị Ánh Tuyết " + VIETNAMESE + VIETNAMESE.upper())

    folded = Customer.objects.filter(pk=customer.pk).annotate(key=Folded("full_name")).values_list("key", flat=True)

    assert folded.get() == fold_for_sql(customer.full_name)
    assert folded.get().startswith("dang thi anh tuyet ")
    assert Customer.objects.annotate(key=Folded(Value("Hồ Chí Minh"))).values_list("key", flat=True).first() == (
        "ho chi minh"
    )
    assert connection.vendor in ("postgresql", "sqlite")


@pytest.mark.django_db
def test_a_name_written_decomposed_is_folded_and_found_as_any_other(shop):
    import unicodedata

    from customers.selectors import customer_search

    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    assert len(decomposed) > len("Nguyễn Thị Ánh Tuyết")  # marks of their own
    customer = CustomerFactory(shop=shop, full_name=decomposed)
    CustomerFactory(shop=shop, full_name="Trần Văn Bình")

    folded = Customer.objects.filter(pk=customer.pk).annotate(key=Folded("full_name")).values_list("key", flat=True)

    assert folded.get() == fold_for_sql(decomposed) == "nguyen thi anh tuyet"
    for typed in ["nguyen thi anh", "Nguyễn Thị Ánh", "ANH TUYET"]:
        assert list(customer_search(Customer.objects.filter(shop=shop), typed)) == [customer], typed


def test_sqlite_connections_get_the_fold_function(django_db_blocker):
    sqlite = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})["default"]
    with django_db_blocker.unblock():
        with sqlite.cursor() as cursor:
            cursor.execute("SELECT sellercenter_fold(%s), sellercenter_fold(NULL)", ["Đà Nẵng"])
            assert cursor.fetchone() == ("da nang", None)
        sqlite.close()
