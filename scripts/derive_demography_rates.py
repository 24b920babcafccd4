"""Derive the default cohort-component rates shipped in soteplan/demography/data.

Usage (from the repository root, with the shared raw data next to it)::

    .venv/bin/python scripts/derive_demography_rates.py [--raw ../shared/data/raw]

Inputs (raw files are never copied into the repository):

* ``statfin-11rc-national/statfin_vaerak_pxt_11rc.px`` – Statistics Finland,
  population by 5-year age group and sex, whole country, 1865–2023 (CC BY 4.0);
* ``statfin-11re/005_11re_2018.csv``, ``005_11re_2019.csv`` and
  ``statfin-11re-2020-finngen/11re_2020.csv`` – Statistics Finland table 11re,
  population by single year of age and sex by municipality, 31 Dec (CC BY 4.0);
* ``kt162r-pttry/converted/reg_keytable_2017.csv`` – municipality names → codes
  and regions (Statistics Finland classification).

Outputs (``src/soteplan/demography/data``): ``survival.csv``,
``cohort_change_ratios.csv``, ``mortality_improvement.csv``,
``fertility_schedule.csv``, ``fertility.csv``,
``net_migration.csv`` and ``PROVENANCE.md``.  The methods are in
:mod:`soteplan.demography._estimate`.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from pathlib import Path

import pandas as pd

from soteplan.demography._estimate import (
    adjust_migration_level,
    fertility_levels,
    fertility_schedule,
    mortality_improvement,
    residual_net_migration,
    split_migration,
    survival_from_cohort_ratios,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "soteplan" / "demography" / "data"
SURVIVAL_PERIOD = (2009, 2019)  # transitions 2009->2014 ... 2014->2019 (pre-pandemic)
REGION_CODE = 13  # Keski-Suomi (maakunta)
LONG_RUN = (2010, 2020)  # window for the level of net migration


def read_px_national(path: Path) -> pd.DataFrame:
    """Parse the 11rc PX file: year × sex × 5-year age, national population."""
    text = path.read_bytes().decode("iso-8859-15")
    head, data = text.split("\nDATA=", 1)

    def values(key: str) -> list[str]:
        m = re.search(rf"^{re.escape(key)}=(.*?);\s*$", head, flags=re.M | re.S)
        if m is None:
            raise SystemExit(f"{path}: no {key}")
        return re.findall(r'"([^"]*)"', m.group(1))

    years = [int(y) for y in values('CODES("Vuosi")')]
    sexes = values('CODES("Sukupuoli")')
    ages = values('CODES("Ikä")')
    nums = [float(x) for x in data.replace(";", " ").split()]
    if len(nums) != len(years) * len(sexes) * len(ages):
        raise SystemExit(f"{path}: {len(nums)} numbers, expected a full cube")
    rows = []
    i = 0
    for y in years:
        for s in sexes:
            for a in ages:
                v = nums[i]
                i += 1
                if s == "SSS" or a == "SSS":
                    continue
                rows.append(
                    {
                        "year": y,
                        "sex": "male" if s == "1" else "female",
                        "age_start": int(a.split("-")[0]),
                        "population": v,
                    }
                )
    return pd.DataFrame(rows)


def read_11re(path: Path, year: int, codes: dict[str, str]) -> pd.DataFrame:
    """Single-year age × sex for the region's municipalities from an 11re CSV export."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-1")
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith('"Alue"'))
    delim = ";" if lines[start].count(";") > lines[start].count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(lines[start:])), delimiter=delim)
    header = next(reader)
    i_men = next(i for i, h in enumerate(header) if h.startswith("Miehet"))
    i_women = next(i for i, h in enumerate(header) if h.startswith("Naiset"))
    rows = []
    for rec in reader:
        if len(rec) < len(header):
            continue
        area, m = rec[0], re.match(r"\s*(\d+)", rec[1])
        if area not in codes or m is None:
            continue
        a = min(int(m.group(1)), 100)  # "100 -" (100 and over) -> 100
        for sex, v in (("male", rec[i_men]), ("female", rec[i_women])):
            rows.append(
                {
                    "municipality": codes[area],
                    "year": year,
                    "sex": sex,
                    "age": a,
                    "population": float(v),
                }
            )
    df = pd.DataFrame(rows)
    return df.groupby(["municipality", "year", "sex", "age"], as_index=False)["population"].sum()


def read_totals(path: Path, year: int, codes: dict[str, str]) -> pd.Series:
    """Population totals on 31 Dec of ``year`` by code (KT162R extract of StatFin)."""
    d = pd.read_csv(path)
    d = d[(d["time"] == year) & d["alue"].isin(codes)]
    return d.set_index(d["alue"].map(codes))["vakiluku"].astype(float)


def natural_increase(
    pop: pd.DataFrame, survival: pd.DataFrame, tfr: pd.Series, sched: pd.Series
) -> pd.Series:
    """Modelled births minus deaths per year by municipality (persons), from one year's stock."""
    s = survival.set_index(["sex", "age"])["survival"]
    q = 1.0 - s.reindex(pd.MultiIndex.from_frame(pop[["sex", "age"]])).to_numpy()
    deaths = (pop["population"] * q).groupby(pop["municipality"]).sum()
    women = pop[(pop["sex"] == "female") & pop["age"].between(15, 49)]
    w = women["population"] * women["age"].map(sched).to_numpy()
    births = w.groupby(women["municipality"]).sum() * tfr
    return births - deaths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data" / "raw")
    args = ap.parse_args()
    raw: Path = args.raw
    OUT.mkdir(parents=True, exist_ok=True)

    key = pd.read_csv(raw / "kt162r-pttry/converted/reg_keytable_2017.csv", dtype=str)
    key = key[key["Mkkoodi"].astype(int) == REGION_CODE]
    codes = dict(zip(key["Kunta"], key["Knro"], strict=True))

    pop5 = read_px_national(raw / "statfin-11rc-national/statfin_vaerak_pxt_11rc.px")
    survival, ratios = survival_from_cohort_ratios(
        pop5, first_year=SURVIVAL_PERIOD[0], last_year=SURVIVAL_PERIOD[1]
    )
    survival.to_csv(OUT / "survival.csv", index=False, float_format="%.7f")
    earlier, _ = survival_from_cohort_ratios(
        pop5, first_year=SURVIVAL_PERIOD[0] - 5, last_year=SURVIVAL_PERIOD[1] - 5
    )
    improvement = mortality_improvement(earlier, survival, years_apart=5)
    improvement.to_csv(OUT / "mortality_improvement.csv", index=False, float_format="%.5f")
    print("annual mortality improvement (ages 50-95):", improvement.to_dict("records"))
    ratios.to_csv(OUT / "cohort_change_ratios.csv", index=False, float_format="%.6f")

    pop = pd.concat(
        [
            read_11re(raw / "statfin-11re/005_11re_2018.csv", 2018, codes),
            read_11re(raw / "statfin-11re/005_11re_2019.csv", 2019, codes),
            read_11re(raw / "statfin-11re-2020-finngen/11re_2020.csv", 2020, codes),
        ]
    )
    found = sorted(pop["municipality"].unique())
    if len(found) != len(codes):
        raise SystemExit(f"expected {len(codes)} municipalities, found {len(found)}")
    sched = fertility_schedule()
    sched.to_frame().to_csv(OUT / "fertility_schedule.csv", float_format="%.7f")
    fert = fertility_levels(pop, sched)
    fert.to_csv(OUT / "fertility.csv", float_format="%.5f")
    mig = residual_net_migration(pop, survival)
    # Long-run level: total change LONG_RUN[0]->2020 minus the modelled natural increase.
    natural = natural_increase(pop[pop["year"] == 2019], survival, fert["tfr"], sched)
    t0 = read_totals(
        raw / "kt162r-pttry/converted/dat_kuntien_vakiluvut_1972_2018.csv", LONG_RUN[0], codes
    )
    t1 = pop[pop["year"] == LONG_RUN[1]].groupby("municipality")["population"].sum()
    years = LONG_RUN[1] - LONG_RUN[0]
    long_run = (t1 - t0.reindex(t1.index)) / years - natural.reindex(t1.index)
    short = mig.groupby("municipality")["net_migration"].sum()
    pd.DataFrame(
        {"residual_2018_2020": short, "long_run": long_run, "natural_increase": natural}
    ).to_csv(OUT / "net_migration_levels.csv", float_format="%.2f")
    mig = adjust_migration_level(mig, long_run)
    mig = split_migration(mig, pop, survival)
    mig.to_csv(OUT / "net_migration.csv", index=False, float_format="%.4f")

    totals = pop.groupby("year")["population"].sum()
    print("population of the 23 municipalities:", totals.to_dict())
    print(
        "regional TFR (pooled):", round(fert["births_observed"].sum() / fert["exposure"].sum(), 3)
    )
    print("net migration per year, region:", round(mig["net_migration_total"].sum(), 1))
    e0 = {
        s: float(survival[survival.sex == s]["survival"].cumprod().sum() + 0.5)
        for s in ("male", "female")
    }
    print(
        "implied period life expectancy at birth (years):", {k: round(v, 1) for k, v in e0.items()}
    )


if __name__ == "__main__":
    main()
