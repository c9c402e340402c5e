# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 贫困的空间推断：精确检验、比率、双变量与地理探测器
# *Spatial inference on poverty: exact tests, rates, bivariate statistics and the
# geographical detector*
#
# Notebook 03 finds where poverty clusters. This notebook asks how sure one can be with
# a few dozen villages, and what the clusters go with: exact conditional p-values that no
# seed can move (instead of sampled permutations), Moran's I on rates standardised for
# village size, incidence against the neighbours' elevation and distance to the road,
# whether the designated villages sit next to each other, Geary's C, the geographical
# detector (地理探测器) that Chinese studies of village poverty use, and a spatial regression.
# Methods, and when each is the right tool: `docs/spatial.md`.

# %% tags=["parameters"]
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # registration roster (xlsx, csv, parquet)
geography: str = "../data/raw/zhaishi_geography.gpkg"  # villages, roads, seat; empty: none
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # village population (denominators)
reference: str = ""  # reference folder (fupin init); empty for the embedded tables
columns: str = ""  # header mapping (YAML: your header → column, as fupin clean --columns)
year: int = 2016  # incidence at the end of this year
count: str = "not_exited"  # numerator: "not_exited" (after the exits of the year) or "registered"
weights: str = "queen"  # spatial weights: queen, rook, knn:K or distance:METRES
alpha: float = 0.05  # significance level
limit: int = 10000000  # partial sums an exact count may hold per village (beyond: permutations)
permutations: int = 9999  # permutations of the global tests and of esda's p-values compared
seed: int = 20161231  # seed of the permutations (as in reports.yml)
seeds: int = 10  # how many seeds (0, 1, …) the seed comparison runs
join_permutations: int = 999  # permutations of the join counts (esda's are slow)
rule: str = "natural"  # discretisation of the detector: equal, quantile or natural
strata: int = 4  # strata per continuous factor in the detector
min_count: int = 3  # disclosure threshold: smaller counts of people or households read <3
output_dir: str = ""  # report run folder; empty: write nothing
figure_prefix: str = "07_spatial_inference"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
from IPython.display import Markdown, display

from fupin_analysis import clean_roster, findings, inputs, maps, outputs, plots, spatial
from fupin_analysis.provenance import is_synthetic
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster=roster, geography=geography, registry=registry)
t = plots.translator(lang)
ref = load_reference(reference)
place = ref.place.short
display(Markdown(findings.place_heading(ref, str(year))))
outputs.show_rule(min_count, lang)
suffix = t("（合成数据）", " (synthetic data)") if is_synthetic(roster) else ""
save = {"output_dir": output_dir, "prefix": figure_prefix, "min_count": min_count}
every_part = "spatial inference (exact tests, rates, bivariate statistics, detector, regression)"

# %%
clean = clean_roster(roster, reference=reference, columns=columns or None)
village_registry, no_registry = inputs.registry(registry)
if no_registry:
    outputs.not_available(every_part, no_registry, output_dir=output_dir, prefix=figure_prefix,
                          rest=True)  # fmt: skip
layers, no_geography = inputs.geography(geography, reference)
if no_geography:
    outputs.not_available(every_part, no_geography, output_dir=output_dir, prefix=figure_prefix,
                          rest=True)  # fmt: skip

# %%
rates = spatial.village_rates(
    clean.households, layers.villages, village_registry, year, count=count, weights=weights
)
rates["ar_rate"] = spatial.assuncao_reis(rates)
factors = spatial.village_factors(rates, layers)
frame = rates.join(factors)
continuous = spatial.continuous_factors(factors)
display(
    Markdown(
        f"**{len(rates)} villages**, incidence of the "
        f"{'poor not yet exited' if count == 'not_exited' else 'registered poor'} at the "
        f"end of {year}; weights `{weights}`. Factors available: "
        f"{', '.join(factors.columns) or 'none'}."
    )
)
outputs.not_available_parts(
    spatial.missing_factor_parts(factors), output_dir=output_dir, prefix=figure_prefix
)

# %% [markdown]
# ## Exact conditional p-values
#
# esda and GeoDa test each village by drawing random neighbour sets (conditional
# permutation). With a few dozen villages there are few enough sets to count them all: the
# p-value below is the share of *all* `C(n - 1, k)` neighbour sets at least as extreme as the
# real one, so it does not depend on a seed. It is **two-sided** (a cluster or an outlier,
# direction not fixed in advance). esda's default "directed" p-value picks the tail after
# seeing the data; it is shown beside it for comparison only.

# %%
exact = {"weights": weights, "alpha": alpha, "limit": limit, "permutations": permutations,
         "seed": seed}  # fmt: skip
lisa = spatial.exact_local_moran(rates, "incidence", **exact)
directed = spatial.exact_local_moran(rates, "incidence", alternative="directed", **exact)
gi = spatial.exact_getis_ord(rates, "incidence", **exact)
local = spatial.local_results(rates, "incidence", lisa, gi)
local["p_directed"] = directed["p_value"]
_ = outputs.save_table(local.reset_index(), "exact_local", **save)
columns = ["name", "designated", "incidence", "n_neighbours", "Ii", "method", "p_value",
           "p_directed", "min_p", "cluster", "significant_fdr", "can_reach_bonferroni",
           "spot"]  # fmt: skip
display(outputs.shown(local[columns], "en", min_count=min_count).round(4))
found = spatial.cluster_summary(local)
found_directed = spatial.cluster_summary(
    spatial.local_results(rates, "incidence", directed, gi)
)
display(
    Markdown(
        f"**Exact two-sided LISA.** {found.significant} of {found.villages} villages are "
        f"significant at {alpha} ({found.significant_fdr} after the Benjamini–Hochberg "
        f"FDR, {found.significant_bonferroni} with Bonferroni); High-High: "
        f"{', '.join(found.high_high) or 'none'}; Low-Low: "
        f"{', '.join(found.low_low) or 'none'}. "
        f"{int((lisa['method'] == 'exact').sum())} villages were counted exactly, "
        f"{int((lisa['method'] == 'permutation').sum())} by permutation (with their "
        f"standard error in the table). Gi* finds {found.hot_spots} hot and "
        f"{found.cold_spots} cold spots.\n\n"
        f"With esda's directed p-value the same data give {found_directed.significant} "
        f"significant villages (High-High: "
        f"{', '.join(found_directed.high_high) or 'none'})."
    )
)

# %%
fig = maps.exact_cluster_maps(
    rates,
    {t("发生率", "incidence"): lisa, t("方向性p值（esda）", "directed p (esda)"): directed},
    alpha=alpha,
    title=t(f"{place}精确条件检验的LISA聚类，{year}年（{weights}）",
            f"LISA clusters by exact conditional tests, {year} ({weights})") + suffix,
    lang=lang,
)  # fmt: skip
_ = plots.save_figure(fig, "exact_cluster_maps", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## What the sampled p-values do: seeds and false positives
#
# The same LISA run by esda with several seeds, and how many villages each kind of
# p-value declares significant when the incidences are shuffled at random over the
# villages (no spatial pattern at all).

# %%
spread, moved, fp = spatial.sampling_facts(
    rates, "incidence", seeds=seeds, weights=weights, permutations=permutations, alpha=alpha
)
_ = outputs.save_table(rates[["name"]].join(spread).reset_index(), "seed_spread", **save)
display(
    Markdown(
        f"{moved.sentence()} The exact p-values above do not depend on the seed.\n\n"
        f"{fp.sentence()}"
    )
)

# %% [markdown]
# ## Rates done right
#
# A raw rate of a small village is noisy, and Moran's I of raw rates can be driven by that
# noise. The empirical Bayes rate (`eb`) shrinks small villages toward the township rate;
# the Assunção–Reis rate (`ar_rate`) divides each village's deviation by its standard
# error (esda `Moran_Rate`). A pattern found on all three does not come from small
# denominators.

# %%
comparison = spatial.rate_comparison(
    rates, {"raw": "incidence", "EB": "eb", "EB-standardised (Assunção–Reis)": "ar_rate"},
    weights=weights, permutations=permutations, seed=seed, alpha=alpha, limit=limit,
)  # fmt: skip
rate_moran = spatial.rate_moran(rates, weights=weights, permutations=permutations, seed=seed)
_ = outputs.save_table(comparison, "rate_comparison", **save)
display(outputs.shown(comparison, "en", min_count=min_count).round(4))
display(
    Markdown(
        f"Moran's I: {comparison.loc[0, 'I']:.3f} on the raw incidence, "
        f"{comparison.loc[1, 'I']:.3f} on the EB rate and {rate_moran.value:.3f} on the "
        f"EB-standardised rate (esda `Moran_Rate`, two-sided p = "
        f"{rate_moran.p_two_sided:.4f}). Exact LISA significant villages: "
        f"{comparison.loc[0, 'significant']}, {comparison.loc[1, 'significant']} and "
        f"{comparison.loc[2, 'significant']}."
    )
)

# %% [markdown]
# ## Bivariate, categorical and Geary
#
# Bivariate Moran's I asks whether villages with high incidence have neighbours with a high
# value of a factor (elevation, distance to the road); join counts whether the designated
# villages (省定贫困村) touch each other more often than chance; Geary's C measures
# similarity from squared differences (below 1: neighbours alike). `p_greater` is the
# p-value of positive association, named before looking; `p_two_sided` either direction.

# %%
tests = {
    "incidence": spatial.moran_test(rates, "incidence", weights=weights,
                                    permutations=permutations, seed=seed),
    "EB-standardised rate": rate_moran,
    "Geary's C": spatial.geary(rates, "incidence", weights=weights,
                               permutations=permutations, seed=seed),
    "designated villages": spatial.join_counts(rates, "designated", weights=weights,
                                               permutations=join_permutations, seed=seed),
}  # fmt: skip
if "elevation_100m" in frame.columns:
    tests["incidence ~ lag(elevation)"] = spatial.bivariate_moran(
        frame, "incidence", "elevation_100m", weights=weights, permutations=permutations,
        seed=seed,
    )  # fmt: skip
if "road_km" in frame.columns:
    tests["incidence ~ lag(road distance)"] = spatial.bivariate_moran(
        frame, "incidence", "road_km", weights=weights, permutations=permutations, seed=seed
    )
global_tests = spatial.global_table(tests)
_ = outputs.save_table(global_tests, "global_tests", **save)
display(outputs.shown(global_tests, "en", min_count=min_count).round(4))
joins = tests["designated villages"]
geary_c = tests["Geary's C"]
display(
    Markdown(
        f"**Designated villages.** {joins.value:.0f} pairs of neighbours are both "
        f"designated, against {joins.expected:.1f} expected if the designation were "
        f"spread at random (p = {joins.p_greater:.3f} ± {joins.p_greater_se:.3f}, "
        f"{joins.permutations:,} permutations): "
        + (
            "the designated villages are clustered."
            if joins.p_greater < alpha
            else f"no evidence at {alpha} that they are clustered beyond chance."
        )
        + f"\n\n**Geary's C** = {geary_c.value:.3f} (1 without association; p of "
        f"positive association {geary_c.p_greater:.4f})."
    )
)

# %%
if "elevation_100m" in frame.columns:
    bivariate = spatial.exact_local_moran(frame, "incidence", lag_of="elevation_100m", **exact)
    geary_local = spatial.exact_local_geary(rates, "incidence", **exact)
    local_more = rates[["name"]].assign(
        bivariate_Ii=bivariate["Ii"], bivariate_p=bivariate["p_value"],
        bivariate_cluster=bivariate["cluster"], geary_c=geary_local["c"],
        geary_p=geary_local["p_value"], geary_association=geary_local["association"],
    )  # fmt: skip
    _ = outputs.save_table(local_more.reset_index(), "bivariate_geary_local", **save)
    fig = maps.exact_cluster_maps(
        rates,
        {t("发生率", "incidence"): lisa,
         t("EB标准化比率", "EB-standardised rate"): spatial.exact_local_moran(
             rates, "ar_rate", **exact),
         t("发生率~邻村海拔", "incidence ~ neighbours' elevation"): bivariate},
        alpha=alpha,
        title=t(f"{place}单变量、比率与双变量LISA，{year}年",
                f"Univariate, rate and bivariate LISA, {year}") + suffix,
        lang=lang,
    )  # fmt: skip
    _ = plots.save_figure(fig, "rate_bivariate_maps", output_dir=output_dir, prefix=figure_prefix)
    display(
        Markdown(
            f"Bivariate LISA (incidence here, elevation of the neighbours): "
            f"{int(bivariate['significant'].sum())} villages significant, High-High "
            f"{', '.join(rates.loc[bivariate['cluster'] == 'High-High', 'name']) or 'none'}. "
            f"Local Geary: {int((geary_local['association'] == 'positive').sum())} villages "
            f"whose neighbours are significantly alike, "
            f"{int((geary_local['association'] == 'negative').sum())} unlike."
        )
    )
else:
    outputs.not_available("bivariate and local Geary LISA against the neighbours' elevation",
                          factors.attrs["unavailable"]["elevation_100m"], output_dir=output_dir,
                          prefix=figure_prefix)  # fmt: skip

# %% [markdown]
# ## The geographical detector (地理探测器)
#
# How much of the variation of incidence between villages does each factor explain? The
# factor detector's *q* is the share of the variance of incidence between the strata of a
# factor (Wang & Xu 2017). Continuous factors must be cut into strata first, and *q*
# depends on the cut: the first table shows *q* for each rule and number of strata, the
# following ones use the rule and number chosen in the parameters. The interaction
# detector compares the overlay of two factors with each alone; the risk detector tests
# the difference of mean incidence between two strata; the ecological detector whether
# two factors explain significantly different shares.

# %%
if factors.empty:
    outputs.not_available(
        "the geographical detector",
        "the geography gives no elevation, road, seat or urban-rural code of the villages",
        output_dir=output_dir, prefix=figure_prefix,
    )  # fmt: skip
else:
    y = rates["incidence"].to_numpy()
    choices = spatial.discretisation_table(y, factors[continuous]) if continuous else None
    factor_strata = spatial.stratify(factors, spatial.factor_rules(factors, rule), k=strata)
    detected = spatial.factor_detector(y, factor_strata, alpha=alpha)
    interactions = spatial.interaction_detector(y, factor_strata)
    risk = spatial.risk_detector(y, factor_strata, alpha=alpha)
    ecological = spatial.ecological_detector(y, factor_strata, alpha=alpha)
    _ = outputs.save_tables(
        {"detector_factor": detected, "detector_interaction": interactions,
         "detector_risk": risk, "detector_ecological": ecological}
        | ({"detector_discretisation": choices} if choices is not None else {}),
        **save,
    )  # fmt: skip
    if choices is not None:
        display(outputs.shown(choices, "en", min_count=min_count).round(3))
    display(outputs.shown(detected, "en", min_count=min_count).round(4))
    display(outputs.shown(interactions, "en", min_count=min_count).round(3))
    display(outputs.shown(ecological, "en", min_count=min_count).round(3))
    facts = spatial.detector_summary(detected, choices, interactions)
    display(
        Markdown(
            f"With {rule} breaks and {strata} strata, **{facts.strongest}** explains the most "
            f"(q = {facts.q:.3f}, p = {facts.p_value:.2g}); significant at {alpha}: "
            f"{', '.join(facts.significant) or 'none'}. "
            + (
                "Over the cuts tried: " + "; ".join(facts.q_range_lines()) + "."
                if facts.q_range
                else ""
            )
            + (
                f" A stratum of a single village inflates q of "
                f"{', '.join(facts.singleton_factors)}."
                if facts.singleton_factors
                else ""
            )
            + (
                " Interactions: " + ", ".join(facts.interaction_lines()) + "."
                if facts.interactions
                else " One factor only: no interaction."
            )
        )
    )

# %% [markdown]
# ## Spatial regression
#
# Ordinary least squares of incidence on the continuous factors, its residuals tested for
# spatial dependence (Lagrange multiplier tests), and the spatial lag or error model only
# where the tests point to one (the rule is `spatial.choose_model`, in `docs/spatial.md`).

# %%
if not continuous:
    outputs.not_available(
        "spatial regression",
        "no continuous factor (elevation, road or seat distance) to regress incidence on",
        output_dir=output_dir, prefix=figure_prefix,
    )  # fmt: skip
else:
    fit = spatial.spatial_regression(frame, "incidence", continuous, weights=weights, alpha=alpha)
    _ = outputs.save_tables(
        {"regression_diagnostics": fit.diagnostics, "regression_coefficients": fit.coefficients,
         "regression_fit": fit.fit},
        **save,
    )  # fmt: skip
    display(outputs.shown(fit.diagnostics, "en", min_count=min_count).round(4))
    display(outputs.shown(fit.coefficients, "en", min_count=min_count).round(4))
    display(
        Markdown(
            f"**Model: {fit.model}.** {fit.reason[0].upper() + fit.reason[1:]}. In it, "
            f"significant at {alpha}: {', '.join(fit.significant(alpha)) or 'no factor'} "
            f"({fit.fit['n'].iloc[0]} villages, {len(continuous)} factors)."
        )
    )

# %% [markdown]
# ## What so few villages can and cannot show

# %%
display(
    Markdown(
        f"* **Reachable significance.** Every village's smallest possible two-sided "
        f"p-value is at most {found.largest_min_p:.4f}; "
        + (
            f"{len(found.cannot_reach_alpha)} villages cannot reach p < {alpha} whatever "
            f"the data ({', '.join(found.cannot_reach_alpha)}); "
            if found.cannot_reach_alpha
            else f"every village can reach p < {alpha}; "
        )
        + (
            f"{len(found.cannot_reach_bonferroni)} can never pass Bonferroni "
            f"({alpha}/{found.villages}): {', '.join(found.cannot_reach_bonferroni)}; "
            if found.cannot_reach_bonferroni
            else "every village could pass Bonferroni; "
        )
        + (
            f"given the others' results, {len(found.cannot_reach_fdr)} could not pass "
            f"the FDR ({', '.join(found.cannot_reach_fdr)})."
            if found.cannot_reach_fdr
            else "given the others' results, every village could pass the FDR."
        )
        + f"\n* **False positives.** Even with no pattern, about "
        f"{fp.expected_two_sided:.1f} villages would be significant at {alpha} "
        f"uncorrected: quote the FDR decisions ({found.significant_fdr} here)."
        + "\n* **The cut decides q.** "
        + ("; ".join(facts.q_range_lines()) if continuous else "no continuous factor")
        + f". With {len(rates)} villages, {strata} strata hold about "
        f"{len(rates) / strata:.0f} villages each"
        + (
            f", and the overlays of two factors have strata of as few as "
            f"{int(interactions['smallest_stratum'].min())} village(s): an interaction "
            "class rests on very few villages."
            if not factors.empty and len(interactions)
            else "."
        )
        + (
            f"\n* **Regression.** {fit.fit['n'].iloc[0]} villages and "
            f"{len(continuous)} factors: the LM tests have little power, so "
            f"\"{fit.model}\" means no stronger model was *found*."
            if continuous
            else ""
        )
    )
)

# %% [markdown]
# ## Caveats
#
# * **Exact, conditionally.** The exact p-values are exact for conditional randomisation
#   (each village's own value fixed, its neighbours any of the others): the same null as
#   esda's and GeoDa's, without their sampling error. They are not exact for other nulls.
# * **Approximate boundaries and schematic roads.** Who neighbours whom and how far a road
#   is are approximations; try `weights="knn:4"`.
# * **Factors are not causes.** Elevation, remoteness and poverty go together in the
#   mountains; the detector and the regression describe association among so few
#   villages, and the factors are correlated with each other.

# %%
if is_synthetic(roster):
    display(Markdown(
        "* **Synthetic data.** With the embedded dataset the pattern (incidence rising with "
        "distance from S221 and with elevation, a planted High-High group) was put there on "
        "purpose. Nothing here describes the real township."
    ))  # fmt: skip
