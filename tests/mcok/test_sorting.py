from mcok.sorting import natural_key, naturally_sorted


def test_codes_sort_by_their_numbers():
    codes = ["2.3.10", "2.3.2", "2.3.1", "2.10", "2.9", "1.1", "2.3"]
    assert sorted(codes, key=natural_key) == ["1.1", "2.3", "2.3.1", "2.3.2", "2.3.10", "2.9", "2.10"]


def test_letters_and_numbers_mix_without_errors():
    codes = ["П10", "п9", None, "П1", "A", "1"]
    assert naturally_sorted(codes, key=lambda c: c) == [None, "1", "A", "П1", "п9", "П10"]


def test_items_sort_by_the_code_read_from_them():
    rows = [{"code": "q10"}, {"code": "q2"}]
    assert naturally_sorted(rows, key=lambda r: r["code"]) == [{"code": "q2"}, {"code": "q10"}]
