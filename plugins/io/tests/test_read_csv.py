"""io.read_csv on real files: options a user sets, and every bad file explained with where and how to fix."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from dataflow_io.nodes import read_csv, read_file

from dataflow.sdk import NodeError, run_node


def read(**params):
    return run_node(read_csv, **params)["table"]


def test_types_are_inferred_as_pandas_would(tmp_path):
    path = tmp_path / "shop.csv"
    path.write_text("id,price,name,ok\n1,9.5,apple,True\n2,10,pear,False\n")
    table = read(path=str(path))
    assert table["id"].tolist() == [1, 2] and table["id"].dtype == "int64"
    assert table["price"].dtype == "float64"
    assert table["name"].dtype == "str" and table["name"].tolist() == ["apple", "pear"]
    assert table["ok"].dtype == "bool"
    pd.testing.assert_frame_equal(table, pd.read_csv(path))


def test_semicolon_separator_with_decimal_comma(tmp_path):
    path = tmp_path / "european.csv"
    path.write_text("city;temp\nLyon;12,5\nOslo;-3,25\n")
    table = read(path=str(path), separator=";", decimal=",")
    assert table["temp"].tolist() == [12.5, -3.25]


@pytest.mark.parametrize("separator", ["\\t", "\t", "tab"])
def test_a_tab_separator_can_be_typed_as_backslash_t(tmp_path, separator):
    path = tmp_path / "data.txt"
    path.write_text("a\tb\n1\t2\n")
    assert read(path=str(path), separator=separator).columns.tolist() == ["a", "b"]


def test_a_cp1252_file_reads_with_its_encoding_and_utf8_says_which_to_try(tmp_path):
    path = tmp_path / "excel-export.csv"
    path.write_bytes("name,city\nRené,Besançon\nZoë,Köln\n".encode("cp1252"))
    assert read(path=str(path), encoding="cp1252")["city"].tolist() == ["Besançon", "Köln"]
    with pytest.raises(NodeError) as error:
        read(path=str(path))
    message = str(error.value)
    assert error.value.param == "encoding"
    assert "excel-export.csv" in message and "line 2" in message and "column 4" in message
    assert "try encoding='cp1252'" in message


def test_a_utf16_file_is_recognised_by_its_byte_order_mark(tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-16")
    with pytest.raises(NodeError, match="encoding='utf-16'"):
        read(path=str(path))
    assert read(path=str(path), encoding="utf-16")["b"].tolist() == [2]


def test_no_header_names_columns_and_types_can_use_those_names(tmp_path):
    path = tmp_path / "raw.csv"
    path.write_text("007,1.5,2024-03-01\n010,2.5,2024-03-02\n")
    table = read(path=str(path), header_row=-1, column_types={"column_1": "str"}, date_columns=["column_3"])
    assert table.columns.tolist() == ["column_1", "column_2", "column_3"]
    assert table["column_1"].tolist() == ["007", "010"]
    assert pd.api.types.is_datetime64_any_dtype(table["column_3"])


def test_header_row_and_skip_rows_skip_a_preamble(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text("Sales report\ngenerated 2024-01-01\nregion,total\nnorth,10\nsouth,20\n")
    assert read(path=str(path), skip_rows=2)["total"].tolist() == [10, 20]
    assert read(path=str(path), header_row=2).columns.tolist() == ["region", "total"]


def test_column_types_keep_leading_zeros_and_allow_missing_integers(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("zip,count\n00501,3\n02134,\n")
    table = read(path=str(path), column_types={"zip": "str", "count": "Int64"})
    assert table["zip"].tolist() == ["00501", "02134"]
    assert str(table["count"].dtype) == "Int64" and table["count"].isna().tolist() == [False, True]


def test_date_columns_are_parsed(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("when,n\n2024-01-05 10:00:00,1\n2024-01-06 11:30:00,2\n")
    table = read(path=str(path), date_columns=["when"])
    assert pd.api.types.is_datetime64_any_dtype(table["when"])
    assert table["when"].iloc[1] == pd.Timestamp("2024-01-06 11:30")


def test_a_date_column_that_does_not_parse_is_kept_and_warned_about(tmp_path, run_with_warnings):
    path = tmp_path / "events.csv"
    path.write_text("when,n\n2024-01-05,1\nsoon,2\n")
    outputs, warnings = run_with_warnings(read_csv, path=str(path), date_columns=["when"])
    assert outputs["table"]["when"].tolist() == ["2024-01-05", "soon"]
    assert len(warnings) == 1 and "'when'" in warnings[0] and "'soon'" in warnings[0]


def test_max_rows_reads_only_the_first_rows(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("n\n" + "\n".join(map(str, range(1000))) + "\n")
    assert read(path=str(path), max_rows=5)["n"].tolist() == [0, 1, 2, 3, 4]
    assert len(read(path=str(path))) == 1000


def test_missing_values_turn_placeholders_into_nan(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("x\n1\n-\n3\n")
    assert read(path=str(path))["x"].dtype == "str"
    table = read(path=str(path), missing_values=["-"])
    assert table["x"].dtype == "float64" and table["x"].isna().sum() == 1


def test_a_column_mixing_numbers_and_text_is_warned_about_with_examples(tmp_path, run_with_warnings):
    path = tmp_path / "mixed.csv"
    path.write_text("qty,label\n" + "".join(f"{i},item{i}\n" for i in range(50)) + "unknown,last\n")
    outputs, warnings = run_with_warnings(read_csv, path=str(path))
    assert outputs["table"]["qty"].dtype == "str"  # pandas' own behaviour: the whole column is text
    assert len(warnings) == 1, warnings
    assert "'qty'" in warnings[0] and "'unknown'" in warnings[0] and "'0'" in warnings[0]
    assert "mixed.csv" in warnings[0] and "label" not in warnings[0]


def test_one_word_among_many_numbers_is_found_by_the_full_scan(tmp_path, run_with_warnings):
    path = tmp_path / "big.csv"
    rows = 300_000
    lines = [f"{i},{i * 0.5}" for i in range(rows)]
    lines[123_457] = "123457,oops"
    path.write_text("n,value\n" + "\n".join(lines) + "\n")
    outputs, warnings = run_with_warnings(read_csv, path=str(path))
    assert outputs["table"]["value"].dtype == "str" and outputs["table"]["n"].dtype == "int64"
    assert len(warnings) == 1 and "'value'" in warnings[0] and "'oops' in row 123458" in warnings[0]


def test_booleans_with_gaps_stay_booleans(tmp_path):
    path = tmp_path / "flags.csv"
    path.write_text("flag,n\nTrue,1\n,2\nFalse,3\n" + "True,4\n" * 300_000)
    flags = read(path=str(path))["flag"]
    assert flags.dtype == "object" and flags.iloc[[0, 2]].tolist() == [True, False] and pd.isna(flags.iloc[1])


def test_text_columns_and_typed_columns_give_no_warning(tmp_path, run_with_warnings):
    path = tmp_path / "clean.csv"
    path.write_text("name,code\nann,1\nbob,x\n")
    _, warnings = run_with_warnings(read_csv, path=str(path), column_types={"code": "str"})
    assert warnings == []


# --- bad files -------------------------------------------------------------------------------

def test_a_ragged_row_names_its_line(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n")
    with pytest.raises(NodeError) as error:
        read(path=str(path))
    assert "ragged.csv" in str(error.value) and "line 4" in str(error.value) and "Expected 3 fields" in str(error.value)
    assert error.value.param == "path"


# --- rows with fewer fields than the header: read, with a warning naming their lines ------------

def short_row_warnings(warnings):
    return [w for w in warnings if "fewer fields" in w]


def test_short_rows_are_read_with_empty_fields_and_warned_about_with_their_lines(tmp_path, run_with_warnings):
    path = tmp_path / "sales.csv"
    path.write_text('a,b,c\nann,2,3\nbob,5\n"two\nlines",7,8\n\ncid\ndan,11,12\n')
    outputs, warnings = run_with_warnings(read_csv, path=str(path))
    table = outputs["table"]
    assert table["c"].isna().tolist() == [False, True, False, True, False]
    assert table["b"].isna().tolist() == [False, False, False, True, False]
    assert warnings == ["'sales.csv': 2 rows have fewer fields than the header (lines 3, 7): their missing "
                        "fields are empty; if they should not be, check the separator and quoting"]


@pytest.mark.parametrize("params", [{"skip_rows": 2}, {"header_row": 2}, {"skip_rows": 1, "header_row": 1}])
def test_short_row_lines_count_the_skipped_lines_and_the_lines_before_the_header(tmp_path, run_with_warnings,
                                                                                 params):
    path = tmp_path / "report.csv"
    path.write_text("Sales report\ngenerated 2024-01-01\nregion,total,note\nnorth,10,ok\nsouth,20\n")
    outputs, warnings = run_with_warnings(read_csv, path=str(path), **params)
    assert outputs["table"].columns.tolist() == ["region", "total", "note"]
    assert short_row_warnings(warnings) == [
        "'report.csv': 1 row has fewer fields than the header (line 5): its missing fields are empty; "
        "if they should not be, check the separator and quoting"]


def test_without_a_header_short_rows_are_those_shorter_than_the_first(tmp_path, run_with_warnings):
    path = tmp_path / "raw.csv"
    path.write_text("1,2,3\n4,5\n")
    outputs, warnings = run_with_warnings(read_csv, path=str(path), header_row=-1)
    assert outputs["table"]["column_3"].isna().tolist() == [False, True]
    assert short_row_warnings(warnings) == [
        "'raw.csv': 1 row has fewer fields than the first row (line 2): its missing fields are empty; "
        "if they should not be, check the separator and quoting"]


def test_many_short_rows_are_counted_and_the_first_five_lines_shown(tmp_path, run_with_warnings):
    path = tmp_path / "big.csv"
    lines = [f'{i},"x, {i}",{i}' for i in range(300_000)]  # over 1 MB, with quoted separators throughout
    short = [3, 4, 10, 150_000, 299_998, 299_999]
    for i in short:
        lines[i] = f'{i},"y, {i}"'
    path.write_text("n,text,last\n" + "\n".join(lines))  # no line end after the last row
    outputs, warnings = run_with_warnings(read_csv, path=str(path))
    assert outputs["table"]["last"].isna().sum() == len(short)
    assert short_row_warnings(warnings) == [
        "'big.csv': 6 rows have fewer fields than the header (lines 5, 6, 12, 150002, 300000, ...): their "
        "missing fields are empty; if they should not be, check the separator and quoting"]


def test_a_quick_look_reports_only_the_short_rows_it_read(tmp_path, run_with_warnings):
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1,2\n3\n4,5\n6\n")
    _, warnings = run_with_warnings(read_csv, path=str(path), max_rows=2)
    assert "1 row has fewer fields than the header (line 3)" in short_row_warnings(warnings)[0]


@pytest.mark.parametrize("content", [
    'a,b,c\n1,2,\n4,5,""\n7,8,NA\n',  # empty and missing last fields: all fields are there
    'a,b,c\r\n1,2,\r\n  \r\n\r\n4,5,6\r\n',  # Windows line ends and blank lines
    'a,b,c\n"x,y","1\n2",\n"q""uote, d",5,\n',  # separators and line ends inside quotes
    'a,b,c\n"x,\ny","1,2\n3",\n"",,\n',  # a quoted field across lines, empty quoted fields
    'a,b,c\n1,5" pipe,\n"x,\ny",2,\n',  # a quote inside an unquoted field: read as pandas reads it
    'a,b,c\n1,2,"3,\n4"\n5,6,\n',  # the quoted last field holds a separator and a line end
])
def test_well_formed_rows_with_quotes_and_empty_last_fields_give_no_warning(tmp_path, run_with_warnings, content):
    path = tmp_path / "fine.csv"
    path.write_bytes(content.encode())
    outputs, warnings = run_with_warnings(read_csv, path=str(path))
    assert outputs["table"]["c"].isna().any()  # so the file was looked at again
    assert short_row_warnings(warnings) == []


def test_quoted_separators_do_not_hide_a_short_row(tmp_path, run_with_warnings):
    path = tmp_path / "quoted.csv"
    path.write_text('a,b,c\n"1,2",3\n"4\n5",6,7\n8,"9,10"\n11,5" pipe,12\n')
    _, warnings = run_with_warnings(read_csv, path=str(path))
    assert "2 rows have fewer fields than the header (lines 2, 5)" in short_row_warnings(warnings)[0]


@pytest.mark.parametrize(("name", "content"), [
    ("data.csv", b"a,b,c\n1,2,3\n4,5\n"),
    ("data.tsv", b"a\tb\tc\n1\t2\t3\n4\t5\n"),
    ("data.csv.gz", gzip.compress(b"a,b,c\n1,2,3\n4,5\n")),
])
def test_read_file_warns_about_short_rows_as_read_csv_does(tmp_path, run_with_warnings, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    outputs, warnings = run_with_warnings(read_file, path=str(path))
    assert outputs["table"]["c"].isna().tolist() == [False, True]
    assert short_row_warnings(warnings) == [
        f"'{name}': 1 row has fewer fields than the header (line 3): its missing fields are empty; "
        "if they should not be, check the separator and quoting"]


def test_a_cp1252_file_with_short_rows_names_their_lines(tmp_path, run_with_warnings):
    path = tmp_path / "export.csv"
    path.write_bytes("name;city;zip\nRené;Besançon\nZoë;Köln;50667\n".encode("cp1252"))
    _, warnings = run_with_warnings(read_csv, path=str(path), separator=";", encoding="cp1252")
    assert "1 row has fewer fields than the header (line 2)" in short_row_warnings(warnings)[0]


def test_a_binary_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(NodeError, match=r"image.csv' looks like a binary file.*offset 8"):
        read(path=str(path))


def test_a_parquet_file_given_as_csv_says_what_it_is(tmp_path, frame):
    path = tmp_path / "data.csv"
    frame.to_parquet(path)
    with pytest.raises(NodeError, match="Parquet file"):
        read(path=str(path))


@pytest.mark.parametrize(("content", "expected"), [
    (b"", r"is empty \(0 bytes\)"),
    (b"\n\n\n", "holds no columns"),
])
def test_an_empty_file_is_explained(tmp_path, content, expected):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(NodeError, match=expected):
        read(path=str(path))


def test_a_missing_file_and_a_folder_are_named(tmp_path):
    with pytest.raises(NodeError, match="file not found: .*nope.csv"):
        read(path=str(tmp_path / "nope.csv"))
    with pytest.raises(NodeError, match="is a folder"):
        read(path=str(tmp_path))
    with pytest.raises(NodeError, match="no file chosen"):
        read(path="")


def test_options_naming_unknown_columns_suggest_the_right_one(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("price,name\n1,a\n")
    with pytest.raises(NodeError) as error:
        read(path=str(path), column_types={"prise": "float64"})
    assert error.value.param == "column_types" and "'prise'" in str(error.value) and "'price'" in str(error.value)
    with pytest.raises(NodeError) as error:
        read(path=str(path), date_columns=["nmae"])
    assert error.value.param == "date_columns" and "'name'" in str(error.value)


def test_a_value_that_does_not_fit_its_type_names_the_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,2,x\n3,4,5\n")
    with pytest.raises(NodeError) as error:
        read(path=str(path), column_types={"a": "int64", "c": "int64"})
    assert error.value.param == "column_types" and "column 'c' cannot be read as int64" in str(error.value)


@pytest.mark.parametrize(("params", "param", "text"), [
    ({"column_types": {"a": "integer"}}, "column_types", "unknown type 'integer'"),
    ({"encoding": "utf-9"}, "encoding", "unknown encoding 'utf-9'"),
    ({"separator": ";;"}, "separator", "not a single character"),
    ({"decimal": ","}, "decimal", "both ','"),
    ({"header_row": 10}, "header_row", "header=10"),
    ({"header_row": -2}, "header_row", "-1 for no header"),
    ({"max_rows": -1}, "max_rows", "0 for all rows"),
])
def test_bad_options_name_the_parameter_and_the_fix(tmp_path, params, param, text):
    path = tmp_path / "ok.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(NodeError) as error:
        read(path=str(path), **params)
    assert error.value.param == param and text in str(error.value)
