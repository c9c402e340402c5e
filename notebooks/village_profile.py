# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 村级扶贫档案：建档立卡户、两不愁三保障、脱贫与项目（2016）
# *Village profile: registered households, two assurances, exits and programmes, 2016*
#
# One village of 寨市乡: its registered poor households by attribute and cause, the
# age-sex pyramid of its registered poor, the 两不愁三保障 status of its households, its
# exits, relocation and education aid, each beside the township. The report runner fans
# this notebook out over villages through the `village` parameter.

# %% tags=["parameters"]
village: str = "430527203222"  # 12-digit code or any crosswalked name (e.g. 表田村, 下铁坡)
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # registration roster (xlsx, csv, parquet)
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # village registry: population
year: int = 2016  # year whose poverty line and exits are used
k: float = 0.4  # Alkire-Foster cut-off, share of weighted dimensions (0.4: two of five)
output_dir: str = ""  # report run folder (empty: write nothing)
figure_prefix: str = "village_profile"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from fupin_analysis import assurances, clean_roster, indicators, outputs, plots, reference, schema
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster, registry)


def t(zh: str, en: str) -> str:
    """A label in the notebook's language (romanised when no CJK font)."""
    return plots.tr(zh) if lang == "zh" else en


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=indicators.HEADERS_ZH) if lang == "zh" else frame


# %%
ref = load_reference()
code = reference.resolve_village(village)
name = ref.village_name(code)
clean = clean_roster(roster)
reg = reference.read_village_registry(registry)
hh = clean.households[clean.households["village_code"] == code]
mem = clean.members[clean.members["village_code"] == code]
info = ref.villages.set_index("code").loc[code]
population = int(reg.set_index("code")["population"].get(code, 0))
display(
    Markdown(
        f"## {name} ({code})\n\n"
        f"{'省定贫困村 (provincial-designated poor village)' if info['designated'] else '非省定贫困村'}"
        f"; registered population {population:,}; {len(hh):,} registered poor households with "
        f"{len(mem):,} people ({len(mem) / population:.1%} of the population)."
        if population
        else f"## {name} ({code})\n\n{len(hh):,} registered poor households, {len(mem):,} people."
    )
)

# %% [markdown]
# ## Households by attribute and cause

# %%
by_type = indicators.households_by(hh, "household_type")
by_cause = indicators.households_by(hh, "main_cause")
display(shown(by_type))
display(shown(by_cause))
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), layout="constrained")
for ax, table, column, title in (
    (axes[0], by_type, "household_type", t("贫困户属性", "Household type")),
    (axes[1], by_cause, "main_cause", t("主要致贫原因", "Main cause of poverty")),
):
    terms = [
        t(v, "not recorded" if v == "未填" else schema.label(column, v))
        for v in table["value_zh"]
    ]
    ax.barh(terms, table["households"], color="#3b6ea8")
    ax.invert_yaxis()
    ax.set_xlabel(t("户数", "households"))
    ax.set_title(title)
fig.suptitle(t(f"{name} {year}年建档立卡户", f"{name}: registered households, {year}"))
_ = plots.save_figure(fig, "households", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## Age-sex pyramid of the registered poor

# %%
pyr = indicators.age_sex_pyramid(mem)
wide = pyr.pivot(index="age_group", columns="sex", values="people").reindex(columns=["男", "女"])
fig, ax = plt.subplots(figsize=(6, 5))
ages = [str(a) for a in wide.index]
ax.barh(ages, -wide["男"], color="#3b6ea8", label=t("男", "male"))
ax.barh(ages, wide["女"], color="#c0392b", label=t("女", "female"))
ax.axvline(0, color="black", lw=0.6)
ticks = ax.get_xticks()
ax.set_xticks(ticks, [f"{abs(int(x))}" for x in ticks])
ax.set_xlabel(t("人数", "people"))
ax.set_ylabel(t("年龄组", "age group"))
ax.legend(loc="upper right")
ax.set_title(t(f"{name}建档立卡人口年龄性别结构（{year}年）", f"{name}: registered poor by age and sex, {year}"))
_ = plots.save_figure(fig, "age_sex_pyramid", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## 两不愁三保障 status
#
# Share of the village's registered households deprived in each dimension, beside the
# township. A criterion the roster does not record counts as not met.

# %%
status = assurances.two_assurances(clean.members, clean.households, year, ref)
own = status[status["village_code"] == code]
af_village = assurances.alkire_foster(own, k=k)
af_town = assurances.alkire_foster(status, k=k)
compare = pd.DataFrame(
    {
        "dimension": [assurances.DIMENSION_LABELS_ZH[d] for d in assurances.DIMENSIONS],
        "village": af_village.dimensions["headcount"].to_numpy(),
        "township": af_town.dimensions["headcount"].to_numpy(),
    }
)
display(compare.round(3))
fig, ax = plt.subplots(figsize=(7, 4))
y = range(len(compare))
ax.barh([i - 0.2 for i in y], compare["village"], height=0.4, color="#3b6ea8", label=plots.tr(name))
ax.barh([i + 0.2 for i in y], compare["township"], height=0.4, color="#bbbbbb", label=t("全乡", "township"))
ax.set_yticks(list(y), [t(z, e) for z, e in zip(compare["dimension"], assurances.DIMENSIONS, strict=True)])
ax.invert_yaxis()
ax.xaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
ax.set_xlabel(t("剥夺户占比", "share of households deprived"))
ax.legend(loc="lower right")
ax.set_title(t(f"{name}两不愁三保障（{year}年）", f"{name}: two assurances, {year}"))
_ = plots.save_figure(fig, "two_assurances", output_dir=output_dir, prefix=figure_prefix)
display(
    Markdown(
        f"Multidimensional poverty (k = {k:.2f}): H = {af_village.index.loc[0, 'H']:.1%}, "
        f"M0 = {af_village.index.loc[0, 'M0']:.3f} in {name}; township H = "
        f"{af_town.index.loc[0, 'H']:.1%}, M0 = {af_town.index.loc[0, 'M0']:.3f}."
    )
)

# %% [markdown]
# ## Exits

# %%
checks = assurances.exit_checks(own)
exits = indicators.exits_by_village(mem, hh, year, ref, total=False)
line = assurances.village_exit_line(mem, hh, reg[reg["code"] == code], ref)
display(shown(exits))
display(shown(line))
flagged = checks[checks["false_exit"] | checks["eligible_not_exited"]]
display(
    Markdown(
        f"{int(checks['exited'].sum())} households exited; "
        f"{int(checks['false_exit'].sum())} of them fail a criterion and "
        f"{int(checks['eligible_not_exited'].sum())} households meet every criterion but are "
        f"still registered. Remaining incidence "
        f"{line['incidence_remaining'].iloc[0]:.1%} against the "
        f"{ref.policy.village_exit_incidence:.0%} village exit line."
    )
)
display(
    flagged.assign(household=lambda d: d["household_key"].astype(str).str[:8])[
        ["household", "exited", "failed", "false_exit", "eligible_not_exited"]
    ]
)
_ = outputs.save_table(flagged, "exit_checks", output_dir=output_dir, prefix=figure_prefix,
                  headers_zh=indicators.HEADERS_ZH)

# %% [markdown]
# ## Relocation and education aid

# %%
relocation = indicators.relocation_progress(mem, hh, ref, total=False)
education = indicators.education_aid(mem, ref, total=False)
credit = indicators.credit_coverage(hh, ref, total=False)
display(shown(relocation) if len(relocation) else Markdown("No relocated households."))
display(shown(education))
display(shown(credit))
for table_name, table in (("relocation", relocation), ("education_aid", education),
                          ("credit", credit), ("exits", exits)):
    outputs.save_table(table, table_name, output_dir=output_dir, prefix=figure_prefix,
                      headers_zh=indicators.HEADERS_ZH)
