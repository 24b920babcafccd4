"""read_pxweb on real StatFin excerpts (PX, CSV, JSON-stat) and broken variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soteplan.errors import DataError
from soteplan.region.io import read_pxweb

DATA = Path(__file__).resolve().parents[2] / "data" / "loaders"


def test_px_excerpt_structure_and_values() -> None:
    df = read_pxweb(DATA / "11rc_2017_2019.px")
    meta = df.attrs["meta"]
    assert meta["format"] == "PX"
    assert meta["codepage"] == "iso-8859-15"
    assert list(df.columns) == ["Vuosi", "Sukupuoli", "Ikä", "Tiedot", "value"]
    assert len(df) == 3 * 3 * 19
    # every age group sums to the "Yhteensä" age row, and males + females = total
    for (_year, _sex), g in df.groupby(["Vuosi", "Sukupuoli"]):
        total = g.loc[g["Ikä"] == "Yhteensä", "value"].item()
        assert g.loc[g["Ikä"] != "Yhteensä", "value"].sum() == total
    t = df[df["Ikä"] == "Yhteensä"].pivot_table(index="Vuosi", columns="Sukupuoli", values="value")
    np.testing.assert_array_equal(t["Miehet"] + t["Naiset"], t["Yhteensä"])


def test_px_matches_csv_for_the_whole_country() -> None:
    """The PX file (11rc) and the CSV export (11re) are two tables; their 2019 totals agree."""
    px = read_pxweb(DATA / "11rc_2017_2019.px")
    csv = read_pxweb(DATA / "11re_2019_excerpt.csv")
    px_tot = px[(px["Vuosi"] == "2019") & (px["Ikä"] == "Yhteensä")].set_index("Sukupuoli")
    csv_tot = csv[(csv["Alue"] == "KOKO MAA") & (csv["Ikä"] == "Yhteensä")].set_index("sex")
    for sex in ("Yhteensä", "Miehet", "Naiset"):
        assert px_tot.loc[sex, "value"] == csv_tot.loc[sex, "value"]


def test_px_languages_and_codes() -> None:
    en = read_pxweb(DATA / "11rc_2017_2019.px", language="en")
    assert list(en.columns[:3]) == ["Year", "Sex", "Age"]
    assert set(en["Sex"]) == {"Total", "Males", "Females"}
    codes = read_pxweb(DATA / "11rc_2017_2019.px", labels="code")
    assert set(codes["Sukupuoli"]) == {"SSS", "1", "2"}
    fi = read_pxweb(DATA / "11rc_2017_2019.px")
    np.testing.assert_array_equal(en["value"], fi["value"])
    with pytest.raises(DataError, match="no language 'de'"):
        read_pxweb(DATA / "11rc_2017_2019.px", language="de")


def test_px_missing_symbols() -> None:
    good = read_pxweb(DATA / "11rc_2017_2019.px")
    df = read_pxweb(DATA / "px_missing_symbols.px")
    meta = df.attrs["meta"]
    assert meta["missing_cells"] == 2 and meta["nil_cells"] == 1
    assert df["value"].isna().sum() == 3
    changed = np.flatnonzero(df["value"].isna().to_numpy())
    assert changed.tolist() == [2 * 57 + 3, 2 * 57 + 4, 2 * 57 + 40]
    assert np.array_equal(df["value"].dropna(), good["value"].drop(index=changed))
    zero = read_pxweb(DATA / "px_missing_symbols.px", dash="zero")
    assert zero["value"].iloc[2 * 57 + 4] == 0.0


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("broken_px_count.px", "DATA has 170 values but the variables .* define 171 cells"),
        ("broken_px_value.px", "row 2, field 'Yhteensä 20 - 24 Väestö 31.12.': '12x45'"),
        ("broken_px_codepage.px", "field 'encoding': byte 0xe4 .* not valid utf-8"),
        ("broken_px_novalues.px", r'missing VALUES\("Ikä"\)'),
    ],
)
def test_px_broken(name: str, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern) as err:
        read_pxweb(DATA / name)
    assert all(p.source == name for p in err.value.problems)


def test_csv_iso_8859_1_semicolon_with_title() -> None:
    df = read_pxweb(DATA / "11re_2019_excerpt.csv")
    meta = df.attrs["meta"]
    assert meta["delimiter"] == ";"
    assert meta["encoding"].startswith("iso-8859-1")
    assert meta["title"].startswith("11re -- Väestö iän (1-v.)")
    assert meta["stub"] == ["Alue", "Ikä"]
    assert set(df["sex"]) == {"Yhteensä", "Miehet", "Naiset"}
    assert set(df["year"]) == {"2019"}
    assert set(df["Alue"]) == {"KOKO MAA", "Jyväskylä", "Muurame", "Uurainen",
                               "Maarianhamina - Mariehamn"}  # fmt: skip
    assert df["value"].notna().all()


def test_csv_comma_and_utf8_variants() -> None:
    d18 = read_pxweb(DATA / "11re_2018_excerpt.csv")
    assert d18.attrs["meta"]["delimiter"] == ","
    assert set(d18["sex"]) == {"Miehet", "Naiset"}
    d20 = read_pxweb(DATA / "11re_2020_excerpt.csv")
    assert d20.attrs["meta"]["encoding"] == "utf-8"
    assert d20.attrs["meta"]["title_lines"] == 0
    assert "Ikä" in d20.columns


def test_jsonstat_equals_csv() -> None:
    js = read_pxweb(DATA / "11re_2019_excerpt.jsonstat.json")
    assert js.attrs["meta"]["format"] == "JSON-stat"
    assert list(js.columns) == ["Alue", "Vuosi", "Sukupuoli", "Ikä", "Tiedot", "value"]
    csv = read_pxweb(DATA / "11re_2019_excerpt.csv")
    a = js.set_index(["Alue", "Sukupuoli", "Ikä"])["value"].sort_index()
    b = (
        csv[csv["Alue"].isin(a.index.get_level_values(0))]
        .set_index(["Alue", "sex", "Ikä"])["value"]
        .sort_index()
    )
    assert len(a) == len(b) == 3 * 3 * 102
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    codes = read_pxweb(DATA / "11re_2019_excerpt.jsonstat.json", labels="code")
    assert set(codes["Alue"]) == {"KU179", "KU500", "KU892"}


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("broken_jsonstat_size.json", "917 values but the dimensions define 918 cells"),
        ("broken_jsonstat_value.json", "row 11, field 'value': 'abc' is not a number"),
        ("broken_csv_mojibake.csv", "field 'encoding': line 1 contains 'Ã¤'"),
        ("broken_csv_nonnumeric.csv", "row 440, field 'Yhteensä 2019 Väestö 31.12.': 'n/a'"),
    ],
)
def test_broken_exports(name: str, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        read_pxweb(DATA / name)


def test_wrong_explicit_encoding() -> None:
    with pytest.raises(DataError, match="not valid utf-8") as err:
        read_pxweb(DATA / "11re_2019_excerpt.csv", encoding="utf-8")
    assert err.value.problems[0].field == "encoding"


def test_not_json_and_not_dataset(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text('{"class": "dataset", "id": ["a"]', encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        read_pxweb(p)
    p.write_text('{"hello": 1, "world": 2}', encoding="utf-8")
    with pytest.raises(DataError, match="not a JSON-stat dataset"):
        read_pxweb(p)


def test_full_real_files(shared_raw: Path) -> None:
    px = read_pxweb(shared_raw / "statfin-11rc-national" / "statfin_vaerak_pxt_11rc.px")
    assert len(px) == 159 * 3 * 19  # 1865–2023 × sex × age groups
    c19 = read_pxweb(shared_raw / "statfin-11re" / "005_11re_2019.csv")
    whole = c19[
        (c19["Alue"] == "KOKO MAA") & (c19["Ikä"] == "Yhteensä") & (c19["sex"] == "Yhteensä")
    ]
    p19 = px[(px["Vuosi"] == "2019") & (px["Ikä"] == "Yhteensä") & (px["Sukupuoli"] == "Yhteensä")]
    assert whole["value"].item() == p19["value"].item() == 5_525_292


def _write_px(path: Path, dims: list[tuple[str, list[str]]], n_stub: int, values: list[str],
              width: int, encoding: str) -> None:  # fmt: skip
    """A minimal PX writer: long strings split in 7-character quoted parts over lines."""

    def q(s: str) -> str:
        parts = [s[i : i + 7] for i in range(0, len(s), 7)] or [""]
        return "\r\n".join(f'"{p}"' for p in parts)

    lines = [f'CODEPAGE="{encoding}";', 'LANGUAGE="fi";', 'TITLE="Testi; puolipiste";']
    lines.append("STUB=" + ",".join(q(n) for n, _ in dims[:n_stub]) + ";")
    lines.append("HEADING=" + ",".join(q(n) for n, _ in dims[n_stub:]) + ";")
    for name, cats in dims:
        lines.append(f'VALUES("{name}")=' + ",".join(q(c) for c in cats) + ";")
    body = [" ".join(values[i : i + width]) for i in range(0, len(values), width)]
    lines.append("DATA=\r\n" + "\r\n".join(body) + ";")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


_label = st.text(alphabet="abcäöåÄÖ xyz-.", min_size=1, max_size=15).map(str.strip).filter(bool)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4),
    n_stub=st.integers(min_value=0, max_value=4),
    data=st.data(),
)
def test_px_round_trip_property(
    tmp_path: Path, sizes: list[int], n_stub: int, data: st.DataObject
) -> None:
    """Any table written as PX (split strings, any stub/heading split) reads back cell by cell."""
    n_stub = min(n_stub, len(sizes))
    dims = [
        (f"Muuttuja {i}ä", data.draw(st.lists(_label, min_size=k, max_size=k, unique=True)))
        for i, k in enumerate(sizes)
    ]
    n = int(np.prod(sizes))
    nums = data.draw(
        st.lists(st.one_of(st.integers(-10**6, 10**6).map(str), st.just('".."')),
                 min_size=n, max_size=n)
    )  # fmt: skip
    width = int(np.prod(sizes[n_stub:])) if n_stub < len(sizes) else 1
    p = tmp_path / "t.px"
    _write_px(p, dims, n_stub, nums, width, "iso-8859-15")
    df = read_pxweb(p)
    assert list(df.columns) == [d[0] for d in dims] + ["value"]
    expected = [np.nan if v == '".."' else float(v) for v in nums]
    np.testing.assert_array_equal(df["value"].to_numpy(), np.array(expected))
    # the last dimension varies fastest
    assert list(df.iloc[: sizes[-1], len(dims) - 1]) == dims[-1][1]
    assert df.attrs["meta"]["title"] == "Testi; puolipiste"


def test_px_keys_layout_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "keys.px"
    p.write_bytes(
        b'CODEPAGE="iso-8859-1";\r\nSTUB="A";\r\nHEADING="B";\r\nVALUES("A")="x","y";\r\n'
        b'VALUES("B")="z";\r\nKEYS("A")=VALUES;\r\nDATA=\r\n"x" 1\r\n"y" 2;\r\n'
    )
    with pytest.raises(DataError, match="KEYS"):
        read_pxweb(p)
