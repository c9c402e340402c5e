# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 易地扶贫搬迁安置点选址：relocation site choices
#
# Households registered for relocation (易地扶贫搬迁) move either within their home village
# (scattered, "山上搬山下、山上搬路边") or to a concentrated site. Were the sites good choices by
# the criteria of the policy and the literature, and how far is the chosen site from what
# a location model would pick? Method and sources: `docs/relocation.md`.

# %% tags=["parameters"]
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # registration roster (xlsx/csv/parquet)
geography: str = "../data/raw/zhaishi_geography.gpkg"  # villages, seat, roads, sites, hazards
reference: str = ""  # reference folder (fupin init); empty for the embedded tables
columns: str = ""  # header mapping (YAML: your header → column, as fupin clean --columns)
p: int = 1  # number of sites the location model opens
radius_m: float = 3000.0  # MCLP service radius, metres
weight: str = "people"  # what an origin village weighs: people | households
floors: float = 2.0  # housing assumption: storeys of the resettlement houses
coverage: float = 0.5  # housing assumption: share of site land covered by houses
hazard_buffer_m: float = 200.0  # a site this close to a hazard zone counts as near it
max_road_m: float = 1000.0  # screening: farthest acceptable distance to a road, metres
max_seat_m: float = 5000.0  # screening: farthest acceptable distance to the seat, metres
sensitivity_p: list = [1, 2]  # values of p tried in the sensitivity table
sensitivity_radii_m: list = [2000.0, 3000.0, 5000.0]  # radii tried in the sensitivity table
min_count: int = 3  # disclosure threshold: smaller counts of people or households read <3
lang: str = "zh"  # labels: zh | en
output_dir: str = ""  # where figures/ and tables/ go; empty: write nothing
figure_prefix: str = "04_relocation_sites"  # file name prefix of figures and tables

# %%
from IPython.display import Markdown, display

from fupin_analysis import (
    clean_roster,
    findings,
    indicators,
    inputs,
    maps,
    outputs,
    plots,
    relocation_findings,
)
from fupin_analysis import relocation as rl
from fupin_analysis.provenance import is_synthetic
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster=roster, geography=geography)
t = plots.translator(lang)
synthetic = is_synthetic(roster) or is_synthetic(geography)
ref = load_reference(reference)
display(Markdown(findings.place_heading(ref)))
outputs.show_rule(min_count, lang)
display(Markdown(findings.published_relocation(ref)))

# %% [markdown]
# ## Relocated households and their origins
#
# A roster has no coordinates: each household's origin is its village's representative
# point, and its elevation the village's mean elevation.

# %%
cr = clean_roster(roster, reference=reference, columns=columns or None)
no_relocation = inputs.missing_fields(cr, "relocation_mode")
if no_relocation:
    outputs.not_available("relocation", no_relocation, output_dir=output_dir,
                          prefix=figure_prefix, rest=True)  # fmt: skip
relocated = cr.households.dropna(subset=["relocation_mode"])
display(outputs.shown(indicators.households_by(relocated, "relocation_mode"), lang,
                      indicators.HEADERS_ZH, min_count))  # fmt: skip

# %%
geo, no_geography = inputs.geography(geography, reference)
if no_geography:
    outputs.not_available("origins, site criteria, location models and maps", no_geography,
                          output_dir=output_dir, prefix=figure_prefix, rest=True)  # fmt: skip
orig = rl.origins(cr, geo)
sites = geo.sites.to_crs(orig.crs)

# %% [markdown]
# ## Criteria per site
#
# One row per site, chosen and candidate; the demand is the concentrated households.
# Sources of each criterion below the table.

# %%
housing = rl.HousingAssumption(floors=floors, coverage=coverage)
crit = rl.evaluate_sites(orig, geo, hazard_buffer_m=hazard_buffer_m, housing=housing)
_ = outputs.save_table(crit, "site_criteria", output_dir=output_dir, prefix=figure_prefix,
                       headers_zh=rl.HEADERS_ZH, min_count=min_count)
outputs.shown(crit, lang, rl.HEADERS_ZH, min_count).round(1)

# %%
rl.criteria_sources()

# %%
chosen = rl.chosen_site(crit)
display(Markdown(
    f"The chosen site **{chosen['name']}** is {chosen['people_distance_m'] / 1000:.1f} km "
    f"on average (per person) from the concentrated households' villages, at most "
    f"{chosen['max_distance_m'] / 1000:.1f} km; {chosen['road_distance_m']:.0f} m from a road "
    f"and {chosen['seat_distance_m']:.0f} m from the township seat; "
    f"{'inside' if chosen['in_hazard'] else 'outside'} the hazard zones "
    f"({chosen['hazard_distance_m']:.0f} m from the nearest); "
    f"{abs(chosen['elevation_change_m']):.0f} m "
    f"{'lower' if chosen['elevation_change_m'] < 0 else 'higher'} than the origins on average. "
    f"Its {chosen['area_mu']:g} mu give {chosen['land_m2_per_person']:.1f} m² of land per "
    f"person; with houses of {floors:g} storeys on {coverage:.0%} of the land (an assumption, "
    f"plot ratio {housing.plot_ratio:g}) that is {chosen['floor_m2_per_person']:.1f} m² of "
    f"floor per person, {chosen['floor_to_cap']:.0%} of the "
    f"{ref.policy.housing_cap_m2_per_person:g} m² cap."
))

# %%
planned = ref.published_value("concentrated_people")
site_mu = ref.published_value("concentrated_site_mu")
if planned == planned and site_mu == site_mu:
    display(Markdown(
        f"With the published plan of {planned:,.0f} people on {site_mu:g} mu the land is "
        f"{rl.land_per_person(site_mu, planned):.1f} m² per person."
    ))  # fmt: skip

# %% [markdown]
# ## The chosen site against the optimum
#
# p-median: least total (people- or household-weighted) straight-line distance; MCLP: most
# weight within the radius; the capacitated p-median lets no site take more households
# than its capacity. `gap` is the chosen site's relative shortfall (0: it is the optimum).

# %%
best = rl.optimal_sites(orig, sites, p=p, weight=weight, radius_m=radius_m)
cover = rl.optimal_sites(orig, sites, p=p, weight=weight, model="mclp", radius_m=radius_m)
# capacities are in households, so the capacitated run weighs households
capped = rl.optimal_sites(orig, sites, p=p, weight="households", radius_m=radius_m,
                          capacity="capacity_households")
runs = {"p-median": best, "mclp": cover, "capacitated p-median (households)": capped}
summary = rl.optimality_table(runs)
_ = outputs.save_table(summary, "optimality_gap", output_dir=output_dir, prefix=figure_prefix,
                       min_count=min_count)  # fmt: skip
summary

# %%
if best.gap is None:
    text = (f"{len(best.selected)} optimal sites against a different number of chosen "
            "sites: no gap is defined; set p to the number of chosen sites.")
elif best.gap < 1e-9:
    text = (f"With p = {p} and origins weighted by {weight}, the chosen site **is** the "
            "p-median optimum among the candidates.")
else:
    text = (f"With p = {p} and origins weighted by {weight}, the p-median picks "
            f"{' + '.join(best.selected['name'])}; the chosen site makes the {weight} travel "
            f"{best.gap:.0%} more in total (straight-line distance) than that optimum.")
if cover.gap is not None:
    text += (f" Within {radius_m / 1000:g} km, the chosen site covers "
             f"{cover.actual_coverage:.0%} of the {weight}, the best {p} candidate(s) "
             f"{cover.weighted_coverage:.0%}.")
display(Markdown(text))

# %% [markdown]
# The p-median weighs distance only. Screening the candidates by the other criteria first
# (thresholds are parameters: the sources say "accessible", "outside hazard zones", "down
# the mountain", without numbers) asks a fairer question: among the sites that pass, which
# is nearest to the people?

# %%
screen = rl.screen_sites(crit, max_road_m=max_road_m, max_seat_m=max_seat_m)
_ = outputs.save_table(screen, "site_screening", output_dir=output_dir, prefix=figure_prefix,
                       min_count=min_count)  # fmt: skip
outputs.shown(screen, lang, rl.HEADERS_ZH, min_count)

# %%
eligible = rl.eligible_sites(sites, screen)
facts = relocation_findings.screening_facts(crit, screen)
if len(eligible) < p:
    text = (f"Only {len(eligible)} site(s) pass every criterion, fewer than p = {p}: "
            "loosen the thresholds or lower p.")
elif not facts.comparison_possible:
    text = (f"Only the chosen site ({', '.join(facts.eligible)}) passes every criterion, of "
            f"{facts.sites} sites: the p-median among the sites that pass can only pick it, "
            "so this screening compares nothing. Loosen `max_road_m` or `max_seat_m` to "
            "compare the chosen site with others.")
else:
    screened = rl.optimal_sites(orig, eligible, p=p, weight=weight)
    text = (f"{len(eligible)} of {len(sites)} sites pass every criterion "
            f"({', '.join(eligible['site_id'])}); among them the p-median picks "
            f"{' + '.join(screened.selected['site_id'])}")
    if screened.gap is not None:
        text += f", and the chosen site's gap to it is {screened.gap:.0%}."
    else:
        text += "; the chosen site is not among them, or p differs from the sites chosen."
if facts.same_road_and_seat:
    text += (f" For {', '.join(facts.same_road_and_seat)} the distance to the road equals the "
             "distance to the seat (the nearest road passes through the seat): for these "
             "sites the two thresholds are one criterion.")
display(Markdown(text))

# %% [markdown]
# ## Map: origins, flows and sites

# %%
fig = maps.relocation_map(
    geo,
    orig,
    best,
    title=t(
        f"{ref.place.short}易地扶贫搬迁：迁出村与安置点",
        f"{ref.place.short} relocation: origins and sites",
    )
    + (t("（合成数据）", " (synthetic data)") if synthetic else ""),
    lang=lang,
    min_count=min_count,
)
_ = plots.save_figure(fig, "map_origins_sites", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## Sensitivity of the optimum
#
# The optimum re-solved for each weight, p and radius (uncapacitated). A site that stays
# optimal across rows is a robust choice; one that changes with the weight means large and
# small households pull in different directions.

# %%
sens = rl.sensitivity(orig, sites, p_values=sensitivity_p, radii_m=sensitivity_radii_m)
_ = outputs.save_table(sens, "sensitivity", output_dir=output_dir, prefix=figure_prefix,
                       min_count=min_count)  # fmt: skip
sens.round(3)

# %% [markdown]
# ## Scattered moves
#
# For each village with scattered moves: the new place (the `scattered` layer) against the
# village's point. "山上搬路边" holds where the new place is nearer the road.

# %%
moves = rl.scattered_moves(orig, geo)
_ = outputs.save_table(moves, "scattered_moves", output_dir=output_dir, prefix=figure_prefix,
                       headers_zh=rl.HEADERS_ZH, min_count=min_count)
outputs.shown(moves, lang, rl.HEADERS_ZH, min_count).round(0)

# %%
display(Markdown(findings.scattered_moves(rl.scattered_summary(moves), min_count=min_count)))

# %% [markdown]
# ## Caveats
#
# - **Approximate geography**: the distances are only as good as the layers; in the
#   embedded dataset village polygons are Voronoi cells of geocoded points (some imputed)
#   and roads are schematic lines.
# - **Origins are village points** and distances are straight lines in metres (the
#   CGCS2000 Gauss–Krüger zone of the township's longitude),
#   not travel along mountain roads, which is longer, and more so for remote villages.
# - **Land per person against the 25 m² cap** depends on the housing assumption (storeys ×
#   built share); the work summary gives only the land.
# - The optimum is the best **of the candidate sites**, not of every place in the township.

# %%
if synthetic:
    display(Markdown(
        "- **Synthetic data**: the embedded roster and geography are synthetic, calibrated to "
        "the work summary's figures; candidate sites, hazard zones and elevations are "
        "invented. Results on them demonstrate the method and say nothing about the real "
        "township."
    ))  # fmt: skip
