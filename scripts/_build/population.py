"""Population tables: totals, age × sex, the 2019 projection and the working-age series."""

from __future__ import annotations

import pandas as pd

from soteplan.region.build._readers import read_11re_csv, read_municipality_key

from _build.common import (
    ALL_CODES,
    CODES_22,
    KUHMOINEN,
    SOURCES,
    Build,
    BuildError,
    check_sum,
    write_csv,
)

STATFIN = "Statistics Finland (Tilastokeskus)"
CC_BY = "CC BY 4.0"


def municipality_key(build: Build) -> pd.DataFrame:
    """geofi ``municipality_key`` rows of the region's municipalities (codes zero-padded)."""
    if "key" not in build.frames:
        k = read_municipality_key(build.path("geofi", "converted", "municipality_key.csv"))
        build.frames["key"] = k[k["code"].isin(ALL_CODES)].copy()
    return build.frames["key"]


def name_to_code(build: Build) -> dict[str, str]:
    """Finnish municipality name → code for the 23 municipalities (names unchanged since 2009)."""
    k = municipality_key(build)
    names = k.loc[k["year"] == 2020, ["code", "name_fi"]].drop_duplicates()
    if sorted(names["code"]) != list(ALL_CODES):
        raise BuildError("geofi municipality_key 2020 does not hold all 23 region municipalities")
    return dict(zip(names["name_fi"], names["code"], strict=True))


def _map_names(build: Build, names: pd.Series, label: str) -> pd.Series:
    mapping = name_to_code(build)
    codes = names.map(mapping)
    found = set(codes.dropna())
    missing = sorted(set(ALL_CODES) - found - {KUHMOINEN})
    if missing:
        raise BuildError(f"{label}: no rows for municipalities {missing} (matched by name)")
    return codes


# --------------------------------------------------------------------------- totals
def population_totals(build: Build) -> None:
    """31.12. population 2000–2022 (Sotkanet indicator 127 via geofi)."""
    s = pd.read_csv(build.path("geofi", "converted", "sotkadata_population.csv"), dtype=str)
    s["municipality"] = s["municipality_code"].str.zfill(3)
    s = s[s["municipality"].isin(ALL_CODES)]
    out = pd.DataFrame(
        {
            "municipality": s["municipality"],
            "year": pd.to_numeric(s["year"]).astype(int),
            "population": pd.to_numeric(s["primary.value"]).round().astype(int),
        }
    ).sort_values(["municipality", "year"], ignore_index=True)
    years = sorted(out["year"].unique())
    if years != list(range(2000, 2023)):
        raise BuildError(f"sotkadata_population years {years[0]}..{years[-1]}, expected 2000..2022")
    counts = out.groupby("municipality").size()
    if len(counts) != 23 or (counts != 23).any():
        raise BuildError(f"population_totals: expected 23 years for 23 municipalities: {counts}")
    if out.duplicated(["municipality", "year"]).any():
        raise BuildError("population_totals: duplicate municipality-year rows")
    build.frames["totals"] = out
    t22 = out[out["municipality"].isin(CODES_22)].groupby("year")["population"].sum()
    build.figures["population_22_2020"] = int(t22[2020])
    build.figures["population_22_2022"] = int(t22[2022])
    build.figures["population_22_2000"] = int(t22[2000])
    write_csv(build, "population_totals.csv", out)
    g = SOURCES["geofi"]
    build.record(
        "population_totals.csv",
        title="Population 31.12. by municipality, 2000–2022",
        publisher=STATFIN,
        licence=CC_BY,
        source="Statistics Finland population statistics, published by THL Sotkanet "
        "(indicator 127 'Väestö 31.12.'), as packaged in geofi::sotkadata_population",
        intermediary=g.ref,
        intermediary_licence=g.licence,
        years=[2000, 2022],
        transformation="codes zero-padded; kept the 23 municipalities (22 + Kuhmoinen 291); "
        "integers",
        approximations="none; figures on the current municipal division (mergers back-cast "
        "by the publisher)",
        attribution="Source: Statistics Finland; THL / Sotkanet",
    )


# --------------------------------------------------------------------------- age × sex
def _read_11re(build: Build, parts: tuple[str, ...], year: int) -> pd.DataFrame:
    df = read_11re_csv(build.path(*parts), year)
    df["municipality"] = df["area"].map(name_to_code(build))
    df = df[df["municipality"].notna()].copy()
    found = set(df["municipality"])
    if found != set(ALL_CODES):
        raise BuildError(f"11re {year}: municipalities missing: {sorted(set(ALL_CODES) - found)}")
    for c in ("male", "female", "total"):
        df[c] = pd.to_numeric(df[c])
    is_total = df["age"].str.startswith("Yhteens")
    tot_rows = df[is_total].set_index("municipality")
    df = df[~is_total].copy()
    df["age"] = df["age"].str.replace("100 -", "100", regex=False).astype(int)
    if sorted(df["age"].unique()) != list(range(101)):
        raise BuildError(f"11re {year}: ages are not 0..100")
    if df["total"].notna().all():
        bad = df[df["male"] + df["female"] != df["total"]]
        if len(bad):
            raise BuildError(f"11re {year}: male + female != total in {len(bad)} rows")
    if len(tot_rows):  # the file's own 'Yhteensä' rows must equal the sum over ages
        sums = df.groupby("municipality")[["male", "female"]].sum()
        diff = (sums - tot_rows[["male", "female"]]).abs().to_numpy().max()
        if diff != 0:
            raise BuildError(f"11re {year}: age rows do not add up to the 'Yhteensä' rows")
    long = df.melt(
        id_vars=["municipality", "age"],
        value_vars=["male", "female"],
        var_name="sex",
        value_name="population",
    )
    long["year"] = year
    return long


def population_age_sex(build: Build) -> None:
    """StatFin 11re, 31.12.2018–2020, single-year age × sex; checked against the totals."""
    files = {
        2018: ("statfin-11re", "005_11re_2018.csv"),
        2019: ("statfin-11re", "005_11re_2019.csv"),
        2020: ("statfin-11re-2020-finngen", "11re_2020.csv"),
    }
    frames = [_read_11re(build, parts, year) for year, parts in files.items()]
    out = pd.concat(frames, ignore_index=True)
    out["population"] = out["population"].astype(int)
    out = out[["municipality", "year", "sex", "age", "population"]]
    out["_s"] = out["sex"].map({"male": 0, "female": 1})
    out = out.sort_values(["municipality", "year", "_s", "age"]).drop(columns="_s")
    out = out.reset_index(drop=True)
    # Every municipality-year must equal the published 31.12. total (Sotkanet 127).
    totals = build.frames["totals"].set_index(["municipality", "year"])["population"]
    sums = out.groupby(["municipality", "year"])["population"].sum()
    diff = (sums - totals.reindex(sums.index)).rename("difference")
    bad = diff[diff != 0]
    if len(bad):
        table = pd.concat([sums.rename("age_sex_sum"), totals.reindex(sums.index), diff], axis=1)
        raise BuildError(
            "population_age_sex does not match population_totals:\n"
            + table.loc[bad.index].to_string()
        )
    s20 = int(out[(out["year"] == 2020) & out["municipality"].isin(CODES_22)]["population"].sum())
    check_sum("population_age_sex 2020, 22 municipalities", s20, 272_617)
    build.figures["age_sex_22_2020"] = s20
    build.figures["age_sex_22_2020_75plus"] = int(
        out[(out["year"] == 2020) & out["municipality"].isin(CODES_22) & (out["age"] >= 75)][
            "population"
        ].sum()
    )
    build.frames["age_sex"] = out
    write_csv(build, "population_age_sex.csv", out)
    r18, r19, fg = SOURCES["reina2018"], SOURCES["reina2019"], SOURCES["finngen"]
    build.record(
        "population_age_sex.csv",
        title="Population 31.12. by municipality, sex and single-year age (0–100+), 2018–2020",
        publisher=STATFIN,
        licence=CC_BY,
        source="StatFin table 11re 'Väestö iän (1-v.) ja sukupuolen mukaan alueittain' "
        "(PxWeb exports, unmodified)",
        intermediary=f"2018: {r18.ref}; 2019: {r19.ref}; 2020: {fg.ref}",
        intermediary_licence=f"{r18.licence} (2018, 2019); {fg.licence} (2020)",
        years=[2018, 2020],
        transformation="municipalities matched by Finnish name; age '100 -' → 100 (means "
        "100 and over); sexes Miehet → male, Naiset → female; long format. Checked: "
        "male + female = total, ages add up to the file's own totals, and every "
        "municipality-year equals population_totals.csv exactly (the build fails otherwise)",
        approximations="none",
        attribution="Source: Statistics Finland, StatFin 11re",
    )


# --------------------------------------------------------------------------- projection
def population_projection(build: Build) -> None:
    """Statistics Finland population projection 2019 (table 128v), ages 0–100, 2019–2040."""
    p = pd.read_csv(
        build.path("kt162r-pttry", "converted", "pop_fore_2019_KS_and_whole_country.csv"),
        dtype={"kunta": str},
    )
    p = p[p["kunta"].isin(ALL_CODES)].rename(
        columns={
            "kunta": "municipality",
            "vuosi": "year",
            "ika_999_is_total": "age",
            "vaesto_e19": "population",
        }
    )
    if set(p["municipality"]) != set(ALL_CODES):
        raise BuildError("projection 2019: not all 23 municipalities present")
    p["population"] = pd.to_numeric(p["population"])
    if (p["population"] != p["population"].round()).any():
        raise BuildError("projection 2019: non-integer population values")
    p["population"] = p["population"].astype(int)
    tot = p[p["age"] == 999].set_index(["municipality", "year"])["population"]
    ages = p[p["age"] != 999].copy()
    if sorted(ages["age"].unique()) != list(range(101)):
        raise BuildError("projection 2019: ages are not 0..100")
    sums = ages.groupby(["municipality", "year"])["population"].sum()
    if not sums.sort_index().equals(tot.sort_index()):
        raise BuildError("projection 2019: the age-999 total rows do not equal the sums over ages")
    years = sorted(ages["year"].unique())
    if years != list(range(2019, 2041)):
        raise BuildError(f"projection 2019: years {years[0]}..{years[-1]}, expected 2019..2040")
    out = ages.sort_values(["municipality", "year", "age"], ignore_index=True)
    out = out[["municipality", "year", "age", "population"]]
    by_year = out[out["municipality"].isin(CODES_22)].groupby("year")["population"].sum()
    build.figures["projection_22"] = {int(y): int(by_year[y]) for y in (2019, 2025, 2030, 2040)}
    write_csv(build, "population_projection_2019.csv", out)
    k = SOURCES["kt162r"]
    build.record(
        "population_projection_2019.csv",
        title="Population projection 2019 by municipality and single-year age, 2019–2040",
        publisher=STATFIN,
        licence=CC_BY,
        source="Statistics Finland population projection 2019 (StatFin table 128v, "
        "'vaesto_e19'), sexes combined",
        intermediary=k.ref + " (data/pop_fore_dat.rda, converted to CSV)",
        intermediary_licence=k.licence,
        years=[2019, 2040],
        transformation="kept the 23 municipalities; dropped the age-999 total rows after "
        "checking that each equals the sum of ages 0–100 (the build fails otherwise); "
        "age 100 means 100 and over",
        approximations="none (the figures are Statistics Finland's own projection)",
        attribution="Source: Statistics Finland, population projection 2019",
    )


# --------------------------------------------------------------------------- working age
def working_age(build: Build) -> None:
    """Population and population aged 15–64, 1980–2018 (for the 2008 = 100 index)."""
    d = pd.read_csv(build.path("kt162r-pttry", "converted", "dat_kuntien_vakiluvut_1972_2018.csv"))
    d["municipality"] = _map_names(build, d["alue"], "dat_kuntien_vakiluvut")
    d = d[d["municipality"].notna() & (d["time"] >= 1980)].copy()
    out = pd.DataFrame(
        {
            "municipality": d["municipality"],
            "year": d["time"].astype(int),
            "population": d["vakiluku"].round().astype(int),
            "population_15_64": d["vaki_15_64"].round().astype(int),
        }
    ).sort_values(["municipality", "year"], ignore_index=True)
    if out.duplicated(["municipality", "year"]).any():
        raise BuildError("working_age_population: duplicate municipality-year rows")
    if set(out["municipality"]) != set(ALL_CODES) or len(out) != 23 * 39:
        raise BuildError(f"working_age_population: expected 23 × 39 rows, got {len(out)}")
    # Cross-check against Sotkanet 127 where the series overlap (2000–2018). A single outlier
    # is known (Jämsä 2006: 23,612 here vs 24,188 in Sotkanet); more means a mapping error.
    tot = build.frames["totals"].set_index(["municipality", "year"])["population"]
    ov = out[out["year"] >= 2000].set_index(["municipality", "year"])["population"]
    rel = (ov - tot.reindex(ov.index)).abs() / tot.reindex(ov.index)
    off = rel[rel > 0.005]
    outliers = [
        f"{m} {y}: {int(ov[(m, y)]):,} vs Sotkanet {int(tot[(m, y)]):,}" for m, y in off.index
    ]
    build.figures["working_age_vs_totals"] = {
        "rows_compared": len(rel),
        "rows_within_0.5pct": int((rel <= 0.005).sum()),
        "outliers": outliers,
    }
    if len(off) > 2:
        raise BuildError(f"working_age_population differs from Sotkanet 127: {outliers}")
    write_csv(build, "working_age_population.csv", out)
    k = SOURCES["kt162r"]
    build.record(
        "working_age_population.csv",
        title="Population and population aged 15–64 by municipality, 1980–2018",
        publisher=STATFIN,
        licence=CC_BY,
        source="Statistics Finland population statistics (municipal population and age "
        "groups), as collected in KT162R 'dat_kuntien_vakiluvut'",
        intermediary=k.ref + " (data/dat_kuntien_vakiluvut.rda, converted to CSV)",
        intermediary_licence=k.licence,
        years=[1980, 2018],
        transformation="municipalities matched by exact Finnish name (2018 division) to "
        "codes; integers; the totals were cross-checked against Sotkanet 127 for 2000–2018: "
        f"{int((rel <= 0.005).sum())} of {len(rel)} municipality-years agree within 0.5 %; "
        f"outliers: {'; '.join(outliers) or 'none'}",
        approximations="none; for the working-age index (15–64 in year t / 15–64 in 2008 × "
        "100) compute from this file",
        attribution="Source: Statistics Finland",
    )


# --------------------------------------------------------------------------- published indicators
def published_indicators(build: Build) -> None:
    """Published values to check the demography engine against."""
    rows: list[pd.DataFrame] = []
    col = "[VÄESTÖNMUUTOS] Huoltosuhde, demografinen"
    k = pd.read_csv(build.path("sotkanet-2014", "converted", "sotkanet_wide_kunta_1990_2012.csv"))
    k["municipality"] = _map_names(build, k["Alue"], "sotkanet kunta")
    k = k[k["municipality"].notna() & k[col].notna()]
    m = pd.read_csv(
        build.path("sotkanet-2014", "converted", "sotkanet_wide_maakunta_1990_2012.csv")
    )
    m = m[(m["Alue"] == "Keski-Suomi") & m[col].notna()].assign(municipality="KS")
    sot = pd.concat([k, m])
    rows.append(
        pd.DataFrame(
            {
                "municipality": sot["municipality"],
                "year": sot["Vuosi"].astype(int),
                "indicator": "dependency_ratio_sotkanet",
                "value": sot[col].astype(float),
                "unit": "(0-14 + 65+) per 100 aged 15-64",
                "source": "thl-sotkanet-761",
            }
        )
    )
    a = pd.read_csv(build.path("kt162r-pttry", "converted", "kuntien_avainluvut_2006_2016.csv"))
    a["municipality"] = _map_names(build, a["Alue"], "kuntien_avainluvut")
    a = a[a["municipality"].notna()]
    shares = {
        "share_0_14_pct": "Alle_15_vuotiaiden_osuus_vaestosta",
        "share_15_64_pct": "X15_64_vuotiaiden_osuus_vaestosta",
        "share_65_plus_pct": "Yli_64_vuotiaiden_osuus_vaestosta",
    }
    kf = "statfin-kuntien-avainluvut"
    for ind, c in shares.items():
        rows.append(
            pd.DataFrame(
                {
                    "municipality": a["municipality"],
                    "year": a["vuosi"].astype(int),
                    "indicator": ind,
                    "value": a[c].astype(float),
                    "unit": "% of population",
                    "source": kf,
                }
            )
        )
    dep = (
        100
        * (a[shares["share_0_14_pct"]] + a[shares["share_65_plus_pct"]])
        / a[shares["share_15_64_pct"]]
    )
    rows.append(
        pd.DataFrame(
            {
                "municipality": a["municipality"],
                "year": a["vuosi"].astype(int),
                "indicator": "dependency_ratio_statfin",
                "value": dep.round(1),
                "unit": "(0-14 + 65+) per 100 aged 15-64",
                "source": "derived-from-" + kf + "-shares",
            }
        )
    )
    rows.append(
        pd.DataFrame(
            {
                "municipality": a["municipality"],
                "year": a["vuosi"].astype(int),
                "indicator": "economic_dependency_ratio_statfin",
                "value": a["Taloudellinen_huoltosuhde"].astype(float),
                "unit": "non-employed per 100 employed",
                "source": kf,
            }
        )
    )
    out = pd.concat(rows, ignore_index=True).dropna(subset=["value"])
    out = out.sort_values(["indicator", "municipality", "year"], ignore_index=True)
    out = out[["municipality", "year", "indicator", "value", "unit", "source"]]
    if out.duplicated(["municipality", "year", "indicator"]).any():
        raise BuildError("published_indicators: duplicate keys")
    # Cross-check: the dependency ratio derived from the key-figure shares should agree with
    # Sotkanet 761 where both exist (2006–2012); rounding of the shares allows ~0.3.
    piv = out[out["indicator"].isin(["dependency_ratio_sotkanet", "dependency_ratio_statfin"])]
    piv = piv.pivot_table(index=["municipality", "year"], columns="indicator", values="value")
    both = piv.dropna()
    diff = (both["dependency_ratio_sotkanet"] - both["dependency_ratio_statfin"]).abs()
    build.figures["dependency_ratio_check"] = {
        "pairs": len(both),
        "max_abs_diff": round(float(diff.max()), 2),
    }
    if len(both) < 100 or diff.max() > 1.0:
        raise BuildError(
            f"dependency ratio: Sotkanet 761 vs key-figure shares differ by {diff.max()}"
        )
    write_csv(build, "published_indicators.csv", out)
    s, kt = SOURCES["sotkanet2014"], SOURCES["kt162r"]
    build.record(
        "published_indicators.csv",
        title="Published demographic indicators for checking (dependency ratio, age shares)",
        publisher="THL / Sotkanet (indicator 761); " + STATFIN + " (municipal key figures)",
        licence=CC_BY,
        source="Sotkanet indicator 761 'Huoltosuhde, demografinen' 1990–2012 (municipalities "
        "and the maakunta, municipality = 'KS'), downloaded 2013–2014; Statistics Finland "
        "Kuntien avainluvut 2006–2016",
        intermediary=f"Sotkanet: {s.ref}; key figures: {kt.ref}",
        intermediary_licence=f"{s.licence}; {kt.licence}",
        years=[1990, 2016],
        transformation="names matched to codes; long format; the source column holds short "
        "tags: thl-sotkanet-761, statfin-kuntien-avainluvut, "
        "derived-from-statfin-kuntien-avainluvut-shares. dependency_ratio_statfin is "
        "DERIVED here: 100 × (share <15 + share 65+) / share 15–64 from the published "
        "one-decimal shares (the key-figure table has no demographic ratio; its "
        "'huoltosuhde' is the economic one, shipped as economic_dependency_ratio_statfin). "
        f"Checked against Sotkanet 761 on {len(both)} municipality-years: largest absolute "
        f"difference {diff.max():.2f}",
        approximations="dependency_ratio_statfin carries the rounding of the shares (±0.3)",
        attribution="THL / Sotkanet; Source: Statistics Finland",
    )


def net_costs(build: Build) -> None:
    """Social and health net operating costs €/inhabitant, 2008–2016 (nominal euros)."""
    a = pd.read_csv(build.path("kt162r-pttry", "converted", "kuntien_avainluvut_2006_2016.csv"))
    a["municipality"] = _map_names(build, a["Alue"], "kuntien_avainluvut")
    c = "Sosiaali_ja_terveystoiminta_yhteensa_nettokayttokustannukset_euroa_asukas"
    a = a[a["municipality"].notna() & a[c].notna()]
    out = pd.DataFrame(
        {
            "municipality": a["municipality"],
            "year": a["vuosi"].astype(int),
            "net_cost_eur_per_resident": a[c].astype(float),
        }
    ).sort_values(["municipality", "year"], ignore_index=True)
    if sorted(out["year"].unique()) != list(range(2008, 2017)):
        raise BuildError("net_costs: expected years 2008..2016")
    y16 = out[(out["year"] == 2016) & out["municipality"].isin(CODES_22)]
    build.figures["net_costs_2016_range"] = [
        float(y16["net_cost_eur_per_resident"].min()),
        float(y16["net_cost_eur_per_resident"].max()),
    ]
    write_csv(build, "net_costs.csv", out)
    kt = SOURCES["kt162r"]
    build.record(
        "net_costs.csv",
        title="Social and health care net operating costs, € per inhabitant, 2008–2016",
        publisher=STATFIN,
        licence=CC_BY,
        source="Statistics Finland municipal key figures (Kuntien avainluvut): "
        "'Sosiaali- ja terveystoiminta yhteensä, nettokäyttökustannukset, euroa/asukas'",
        intermediary=kt.ref + " (data/kuntien_avainluvut.rds, converted to CSV)",
        intermediary_licence=kt.licence,
        years=[2008, 2016],
        transformation="names matched to codes; rows without a value dropped",
        approximations="nominal euros of each year (not deflated); price year = the row's year",
        attribution="Source: Statistics Finland",
    )


def morbidity(build: Build) -> None:
    """THL age-standardised morbidity index by municipality (unverified, year unknown)."""
    s = pd.read_csv(
        build.path("sairastavuus-naapurustot", "sairastavuusindeksi_KS_by_municipality.csv"),
        dtype={"kunta": str},
    )
    s["kunta"] = s["kunta"].str.zfill(3)
    if set(s["kunta"]) != set(ALL_CODES):
        raise BuildError("morbidity index: expected the 23 municipalities")
    out = pd.DataFrame(
        {
            "municipality": s["kunta"],
            "value": s["sairastavuusindeksi"].astype(float),
            "indicator": "thl_morbidity_index_age_standardised",
            "year": pd.array([pd.NA] * len(s), dtype="Int64"),
            "verified": "false",
        }
    ).sort_values("municipality", ignore_index=True)
    dupes = out[out.duplicated("value", keep=False)]
    build.figures["morbidity_identical_values"] = sorted(dupes["municipality"].tolist())
    write_csv(build, "morbidity_index.csv", out)
    n = SOURCES["naapurustot"]
    build.record(
        "morbidity_index.csv",
        title="THL morbidity index (sairastavuusindeksi), age-standardised, by municipality",
        publisher="THL (Finnish Institute for Health and Welfare) / Sotkanet",
        licence=CC_BY,
        source="Sotkanet indicator 5641 (according to the intermediary's fetch script; the "
        "year is the latest of 2023/2022/2021/2020 that it found and was not stored)",
        intermediary=n.ref + " (scripts/health_index.json; DERIVED: one central postal code "
        "per municipality read back)",
        intermediary_licence=n.licence,
        years=None,
        transformation="codes zero-padded; year left empty (unknown); verified = false",
        approximations="UNVERIFIED values. Jämsä (182) and Multia (495) both read 95.0, which "
        "looks suspiciously low; check against Sotkanet before use",
        attribution="THL / Sotkanet",
    )
