"""One neutraliser for every CSV: formula-like text gets a quote, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from grader.files.csv_cells import cell, csv_text, neutralise, number_text


@pytest.mark.parametrize("text, expected", [
    # the characters spreadsheets read as the start of a formula
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+1+2", "'+1+2"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    # hidden behind spaces, or in full-width form
    ("  =1+1", "'  =1+1"),
    ("\uff1d1+1", "'\uff1d1+1"),
    # harmless text is left alone
    ("Ada Lovelace", "Ada Lovelace"),
    ("a=b", "a=b"),
    ("O'Brien", "O'Brien"),
    ("", ""),
    ("    Points Possible", "    Points Possible"),
])
def test_neutralise(text, expected):
    assert neutralise(text) == expected


@pytest.mark.parametrize("value, expected", [
    # numbers are written as numbers, negative ones too
    (32.0, "32"),
    (31.25, "31.25"),
    (-0.5, "-0.5"),
    (-0.0, "0"),
    (0.1 + 0.2, "0.3"),
    (7, "7"),
    # text is neutralised, None is an empty cell
    ("-0.5", "'-0.5"),
    ("=1", "'=1"),
    (None, ""),
])
def test_cell(value, expected):
    assert cell(value) == expected


@pytest.mark.parametrize("value, error", [
    (True, TypeError),
    ([1], TypeError),
    (float("nan"), ValueError),
    (float("inf"), ValueError),
])
def test_cell_refuses_what_is_not_a_cell(value, error):
    with pytest.raises(error):
        cell(value)


def test_number_text_rounds_to_the_scores_precision():
    assert number_text(35.99999999) == "36"


def test_csv_text_round_trips_and_uses_crlf():
    rows = [["name", "score"], ['Ada, "the first"', 1.5], ["Ада\nЛавлейс", None]]
    text = csv_text(rows)
    assert text.endswith("\r\n") and text.count("\r\n") == 3
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["name", "score"], ['Ada, "the first"', "1.5"],
                                                                 ["Ада\nЛавлейс", ""]]


@pytest.mark.parametrize("bom", [True, False])
def test_csv_text_byte_order_mark(bom):
    assert csv_text([["a"]], byte_order_mark=bom).startswith("\ufeff") is bom
