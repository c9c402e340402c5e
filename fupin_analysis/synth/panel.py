"""Yearly rosters 2014–2019 of the synthetic township: the panel around the 2016 roster.

Part of :mod:`fupin_analysis.synth` (which re-exports the public names). The registry
was adjusted every year (动态调整); :func:`true_panel` makes one true roster per year
whose 2016 frame is :func:`~fupin_analysis.synth.roster.true_roster` itself (so every
published 2016 figure stays exact), and plants what happens between frames, each event
recorded in the ground truth (:func:`panel_truth`):

* **backwards from 2016** (2015, 2014): households first identified in 2016 (2015) are
  not there yet; people born or married in since are not there; people who died or
  married out later, and households removed in the 2015–16 review (回头看), are;
  two households are recorded as exited in 2015 and are 未脱贫 again in 2016 without
  a 返贫 mark (an impossible history a check must flag);
* **forwards** (2017–2019): exits (designated villages slower until their 2019 push),
  returns to poverty (返贫; in 2018 a cluster in the four southern villages of
  :data:`RETURN_CLUSTER`), newly identified households, removals, births, deaths,
  marriages, households that die out (自然销户), households that split (分户: a married
  son's family gets its own 户编号) and merge (an old parent living alone joins a
  child's household), and in 2018 every household of 茶冲村 renumbered. Two households
  exited in 2016 have their exit year rewritten as 2017 in the 2017 roster.

Examples
--------
>>> PANEL_YEARS
(2014, 2015, 2016, 2017, 2018, 2019)
>>> panel_file(2016), panel_file(2018)
('zhaishi_roster_2016.xlsx', 'panel/zhaishi_roster_2018.csv')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..reference import poverty_line
from .mess import MessRates
from .roster import (
    _SURNAME_P,
    _SURNAMES,
    DEFAULT_SEED,
    _household_attributes,
    _id_numbers,
    _members,
    _names,
    _person_attributes,
    _phones,
    true_roster,
    village_units,
)

__all__ = [
    "PANEL_YEARS",
    "PANEL_FOLDER",
    "PANEL_TRUTH_FILE",
    "PANEL_MESS",
    "RETURN_CLUSTER",
    "RENUMBERED_VILLAGE",
    "TRANSITION_OF_EVENT",
    "panel_file",
    "true_panel",
    "panel_truth",
    "scale_panel",
]

#: The years of the embedded panel; 2016 is the calibrated roster of ``data/raw/``.
PANEL_YEARS: tuple[int, ...] = (2014, 2015, 2016, 2017, 2018, 2019)
#: Folder (under ``data/raw/``) of the other years' rosters and the panel truth.
PANEL_FOLDER = "panel"
PANEL_TRUTH_FILE = "zhaishi_panel_truth.parquet"
_CSV_YEARS = (2018,)  # written as GB18030 CSV like the 2016 CSV; the others as xlsx
#: Mess of the other years: the cosmetic defects and repeated rows of the 2016 export,
#: but no identity-number defects or unknown villages (the 2016 frame has those).
PANEL_MESS = MessRates(id_mangled=0, id_invalid=0, id_missing=0, unknown_village_households=0)
#: The four southern villages where many exited households return to poverty in 2018.
RETURN_CLUSTER: tuple[tuple[str, str], ...] = (
    ("430527203242", "地林村"),
    ("430527203243", "老团村"),
    ("430527203244", "坪溪村"),
    ("430527203247", "六鹅洞村"),
)
#: The village whose households all get new household numbers in the 2018 roster.
RENUMBERED_VILLAGE: tuple[str, str] = ("430527203225", "茶冲村")

#: Planted event → the transition a correct linker reports when the person enters or
#: leaves the roster through it (``docs/dynamics.md``), with its source.
TRANSITION_OF_EVENT: dict[str, tuple[str, str]] = {
    "born": ("born_or_married_in", "field"),
    "married_in": ("born_or_married_in", "inferred"),
    "new_household": ("new", "field"),
    "readmitted": ("returned", "inferred"),
    "died": ("died_or_married_out", "inferred"),
    "married_out": ("died_or_married_out", "inferred"),
    "removed": ("removed", "inferred"),
    "gone": ("household_gone", "inferred"),
    # refused by the cleaner in 2016 before ever being seen, so first seen in 2017
    "joined_unseen": ("born_or_married_in", "inferred"),
    "new_unseen": ("new", "inferred"),
}

# people and households planted per year (see docs/dataset.md, "The yearly rosters")
_BACKWARD = {  # year of the event: counts of what the earlier frame holds in addition
    2016: {"married_in": 25, "died": 30, "married_out": 20, "removed": 60, "exit_reversed": 2},
    2015: {"married_in": 15, "died": 25, "married_out": 15, "removed": 15},
}
_FORWARD = {
    2017: {"deaths": 30, "gone": 12, "married_out": 20, "married_in": 18, "births": 40,
           "splits": 10, "merges": 0, "removed": 12, "readmitted": 3, "new": 30, "returns": 4,
           "exit_year_changed": 2},
    2018: {"deaths": 30, "gone": 10, "married_out": 18, "married_in": 16, "births": 38,
           "splits": 6, "merges": 6, "removed": 6, "readmitted": 0, "new": 20, "returns": 3,
           "exit_year_changed": 0},
    2019: {"deaths": 28, "gone": 10, "married_out": 16, "married_in": 14, "births": 34,
           "splits": 0, "merges": 0, "removed": 0, "readmitted": 0, "new": 10, "returns": 3,
           "exit_year_changed": 0},
}  # fmt: skip
# share of poor households exiting each year: (designated villages, the others)
_EXIT_SHARE = {2017: (0.22, 0.38), 2018: (0.35, 0.5), 2019: (0.92, 0.85)}
_CLUSTER_RETURN_SHARE = 0.3  # of the cluster's exited households, in 2018
_EXITED = "已脱贫(享受政策)"
_HOUSEHOLD_COLUMNS = (
    "county", "township", "village", "natural_village", "household_id", "main_cause",
    "other_causes", "dilapidated_house", "safe_water", "income_per_capita", "household_phone",
    "first_identified", "identification_standard", "exit_status", "exit_year",
    "household_type", "relocation_mode", "credit_rated", "credit_granted", "village_code",
    "designated", "exited", "planted_exit_case", "meets_exit_criteria",
)  # fmt: skip


def panel_file(year: int) -> str:
    """The roster file of ``year``, relative to ``data/raw/``.

    Examples
    --------
    >>> panel_file(2014)
    'panel/zhaishi_roster_2014.xlsx'
    """
    if year == 2016:
        return "zhaishi_roster_2016.xlsx"
    suffix = "csv" if year in _CSV_YEARS else "xlsx"
    return f"{PANEL_FOLDER}/zhaishi_roster_{year}.{suffix}"


@dataclass
class _Panel:
    """The frames being made, the events planted, and what keeps new numbers unique."""

    frames: dict[int, pd.DataFrame]
    events: list[tuple[int, str, str]] = field(default_factory=list)  # year, id, event
    ids: set[str] = field(default_factory=set)
    next_seq: dict[str, int] = field(default_factory=dict)
    split_lineages: set[str] = field(default_factory=set)
    frozen: set[str] = field(default_factory=set)  # households left alone (2016 quarantine)

    def record(self, year: int, ids, event: str) -> None:
        self.events.extend((year, str(i), event) for i in ids)

    def new_household_id(self, village_code: str) -> str:
        seq = self.next_seq.get(village_code, 1)
        self.next_seq[village_code] = seq + 1
        return f"{village_code}{seq:04d}"


def _year_end(year: int) -> pd.Timestamp:
    return pd.Timestamp(f"{year}-12-31")


def _ages(frame: pd.DataFrame, year: int) -> pd.Series:
    """Completed years at 31 December of ``year`` (birth dates are never 31 December+)."""
    return (year - frame["birth_date"].dt.year).astype("int64")


def _households(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per household (its first row, the head's), indexed by household number."""
    return frame.drop_duplicates("household_id").set_index("household_id")


def _rows_of(frame: pd.DataFrame, households) -> pd.Series:
    return frame["household_id"].isin(list(households))


def _pick(rng: np.random.Generator, pool, n: int) -> np.ndarray:
    pool = np.asarray(sorted(pool), dtype=object)
    if n > len(pool):
        raise ValueError(f"synth panel: {n} wanted from a pool of {len(pool)}")
    return np.sort(rng.choice(pool, n, replace=False)) if n else pool[:0]


def _new_ids(rng: np.random.Generator, panel: _Panel, birth: pd.Series, male) -> np.ndarray:
    """Valid GB 11643 numbers of 绥宁县, none already used in the panel."""
    ids = _id_numbers(rng, birth.reset_index(drop=True), np.asarray(male))
    while True:
        taken = np.array([i in panel.ids for i in ids])
        if not taken.any():
            break
        again = _id_numbers(rng, birth.reset_index(drop=True)[taken], np.asarray(male)[taken])
        ids[taken] = again
        ids = np.where(pd.Series(ids).duplicated().to_numpy(), "0" * 18, ids)
        taken = pd.Series(ids).duplicated().to_numpy()
    panel.ids.update(ids.tolist())
    return ids


def _birth_in(rng: np.random.Generator, year: np.ndarray) -> pd.Series:
    """Birth dates inside the given calendar years (never on 31 December)."""
    start = pd.to_datetime(pd.Series(np.asarray(year)).astype(str) + "-01-01")
    days = pd.to_timedelta(rng.integers(0, 364, len(start)), unit="D")
    return (start + days).astype("datetime64[us]").reset_index(drop=True)


def _people(
    rng: np.random.Generator,
    panel: _Panel,
    template: pd.DataFrame,
    relation: np.ndarray,
    male: np.ndarray,
    birth_year: np.ndarray,
    year: int,
) -> pd.DataFrame:
    """New people in the households of ``template`` (one template row each): household
    fields from the template, person fields drawn, a new identity number each."""
    rows = template.reset_index(drop=True).copy()
    birth = _birth_in(rng, birth_year)
    age = year - birth.dt.year.to_numpy()
    attrs = _person_attributes(rng, pd.DataFrame({"age": age}))
    married_in = np.isin(relation, ["配偶", "之儿媳", "之父", "之母"])
    surname = rows["name"].str[0].to_numpy(dtype=object)
    own = _SURNAMES[rng.choice(len(_SURNAMES), len(rows), p=_SURNAME_P / _SURNAME_P.sum())]
    surname = np.where(married_in, own, surname)
    rows["name"] = np.char.add(surname.astype(str), _names(rng, len(rows)).astype(str))
    rows["id_number"] = _new_ids(rng, panel, birth, male)
    rows["sex"] = np.where(male, "男", "女")
    rows["relation"] = relation
    rows["birth_date"] = birth
    rows["age"] = age.astype("int64")
    for col in ("education", "school_status", "health", "labour_skill", "months_worked",
                "medical_insurance", "critical_illness_insurance"):  # fmt: skip
        rows[col] = attrs[col].to_numpy()
    adult = age >= 18
    phones = pd.Series(np.where(adult & (rng.random(len(rows)) < 0.3), _phones(rng, len(rows)),
                                None), dtype="str")  # fmt: skip
    rows["person_phone"] = phones
    rows["person_identified"] = np.maximum(
        rows["first_identified"].to_numpy(), rows["birth_date"].to_numpy()
    )
    return rows.astype(template.dtypes.to_dict())


def _new_households(
    rng: np.random.Generator,
    panel: _Panel,
    template: pd.DataFrame,
    n: int,
    year: int,
    identified: int,
    *,
    young: bool = True,
) -> pd.DataFrame:
    """``n`` new poor households (true-roster rows), first identified in ``identified``,
    in villages drawn by their poor counts; ``young``: at least one member under 65."""
    units = village_units()
    out = []
    while sum(len(f["household_id"].unique()) for f in out) < n:
        sizes = np.minimum(1 + rng.poisson(2.2, 1), 7)
        m = _members(rng, sizes)
        if young and m["age"].min() >= 60:
            continue
        hh = _household_attributes(rng, sizes)
        village = rng.choice(units.index, p=units["poor_people"] / units["poor_people"].sum())
        code = units.loc[village, "code"]
        hid = panel.new_household_id(code)
        base = template.iloc[[0] * len(m)].reset_index(drop=True).copy()
        base["village_code"] = code
        base["village"] = units.loc[village, "name"]
        base["designated"] = bool(units.loc[village, "designated"])
        base["household_id"] = hid
        for col in ("natural_village", "household_type", "main_cause", "other_causes",
                    "identification_standard", "dilapidated_house", "safe_water",
                    "income_per_capita", "household_phone"):  # fmt: skip
            base[col] = hh[col].iloc[0]
        first = pd.Timestamp(f"{identified}-04-01") + pd.Timedelta(days=int(rng.integers(0, 200)))
        base["first_identified"] = first
        base[["exit_status", "exited", "relocation_mode"]] = ["未脱贫", False, pd.NA]
        base["exit_year"] = pd.array([pd.NA] * len(m), dtype="Int64")
        base["planted_exit_case"] = pd.NA
        base["meets_exit_criteria"] = False
        people = _people(
            rng, panel, base, m["relation"].to_numpy(), m["male"].to_numpy(),
            year - m["age"].to_numpy(), year,
        )  # fmt: skip
        out.append(people)
    return pd.concat(out, ignore_index=True)


def _sizes_and_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Order rows by household (head first), set 人数 and 人编号 from the rows."""
    frame = frame.copy()
    frame["_head"] = frame["relation"] != "户主"
    frame = frame.sort_values(["household_id", "_head"], kind="stable").drop(columns="_head")
    frame = frame.reset_index(drop=True)
    frame["household_size"] = frame.groupby("household_id")["household_id"].transform("size")
    frame["household_size"] = frame["household_size"].astype("int64")
    pos = frame.groupby("household_id").cumcount() + 1
    frame["person_id"] = frame["household_id"] + pos.map("{:02d}".format)
    return frame


def _set_income(rng: np.random.Generator, frame: pd.DataFrame, year: int) -> None:
    """Incomes on the right side of the year's line: below for the poor, above for the
    exited (in place; a household keeps its income when it is already on that side)."""
    line = poverty_line(year)
    hh = _households(frame)
    income = hh["income_per_capita"]
    poor = ~hh["exited"]
    wrong = (poor & (income >= line)) | (~poor & (income <= line))
    new = pd.Series(
        np.where(
            poor[wrong],
            np.round(rng.uniform(1400, line - 20, wrong.sum()), -1),
            np.round(rng.uniform(line + 60, 6800, wrong.sum()), -1),
        ),
        index=hh.index[wrong],
    )
    rows = frame["household_id"].isin(new.index)
    frame.loc[rows, "income_per_capita"] = frame.loc[rows, "household_id"].map(new).to_numpy()


def _backward(rng: np.random.Generator, panel: _Panel, year: int) -> pd.DataFrame:
    """The frame of ``year`` from the frame of ``year + 1``: undo the events of year+1."""
    later = panel.frames[year + 1]
    event_year = year + 1
    plan = _BACKWARD[event_year]
    hh = _households(later)
    new = hh.index[hh["first_identified"].dt.year == event_year]
    panel.record(event_year, later.loc[_rows_of(later, new), "id_number"], "new_household")
    frame = later[~_rows_of(later, new)]
    born = frame["birth_date"].dt.year == event_year
    panel.record(event_year, frame.loc[born, "id_number"], "born")
    frame = frame[~born]
    free = frame[~frame["household_id"].isin(panel.frozen)]
    pool = free.index[
        free["relation"].isin(["配偶", "之儿媳"]) & _ages(free, event_year).between(20, 32)
    ]
    married_in = _pick(rng, pool, plan["married_in"])
    panel.record(event_year, frame.loc[married_in, "id_number"], "married_in")
    frame = frame.drop(index=married_in)

    heads = frame[(frame["relation"] == "户主") & ~frame["household_id"].isin(panel.frozen)]
    # old parents who die in event_year, daughters who marry out in event_year
    took = _pick(rng, heads.index[_ages(heads, year).between(30, 58)], plan["died"])
    template = frame.loc[took]
    male = rng.random(len(took)) < 0.45
    old = _people(rng, panel, template, np.where(male, "之父", "之母"), male,
                  year - rng.integers(74, 93, len(took)), year)  # fmt: skip
    panel.record(event_year, old["id_number"], "died")
    parents = heads.drop(index=took)
    took = _pick(rng, parents.index[_ages(parents, year).between(44, 66)], plan["married_out"])
    daughters = _people(rng, panel, frame.loc[took], np.full(len(took), "之女"),
                        np.zeros(len(took), bool), year - rng.integers(19, 28, len(took)),
                        year)  # fmt: skip
    panel.record(event_year, daughters["id_number"], "married_out")
    removed = _new_households(rng, panel, frame, plan["removed"], year, 2014)
    panel.record(event_year, removed["id_number"], "removed")
    frame = pd.concat([frame, old, daughters, removed], ignore_index=True)
    frame["age"] = _ages(frame, year)
    exited = frame["exit_year"] == event_year
    frame.loc[exited.fillna(False), ["exit_status", "exited"]] = ["未脱贫", False]
    frame.loc[exited.fillna(False), "exit_year"] = pd.NA
    frame["relocation_mode"] = pd.Series(
        pd.NA, index=frame.index, dtype=frame["relocation_mode"].dtype
    )
    if plan.get("exit_reversed"):
        hh = _households(frame)
        pool = hh.index[
            ~hh["exited"]
            & ~hh.index.isin(panel.frozen)
            & ~hh.index.isin(removed["household_id"])
            & (hh["first_identified"].dt.year <= year)
        ]
        reversed_ = _pick(rng, pool, plan["exit_reversed"])
        rows = _rows_of(frame, reversed_)
        frame.loc[rows, ["exit_status", "exited"]] = [_EXITED, True]
        frame.loc[rows, "exit_year"] = year
        panel.record(event_year, frame.loc[rows, "id_number"], "exit_reversed")
    _set_income(rng, frame, year)
    return _sizes_and_numbers(frame)


def _forward(rng: np.random.Generator, panel: _Panel, year: int) -> pd.DataFrame:
    """The frame of ``year`` from the frame of ``year - 1``: the events of ``year``."""
    plan = _FORWARD[year]
    frame = panel.frames[year - 1].copy()
    frame["age"] = _ages(frame, year)
    hh = _households(frame)
    size = frame.groupby("household_id").size()
    youngest = frame.groupby("household_id")["age"].min()
    busy: set[str] = set()  # households with a structural event this year

    # exits, returns and rewritten exit years (household fields only)
    poor = hh.index[~hh["exited"]]
    share = np.where(hh.loc[poor, "designated"], *_EXIT_SHARE[year])
    exits = poor[rng.random(len(poor)) < share]
    rows = _rows_of(frame, exits)
    changed = set(exits)  # households whose state changes this year move nowhere
    frame.loc[rows, ["exit_status", "exited"]] = [_EXITED, True]
    frame.loc[rows, "exit_year"] = year
    was_exited = hh.index[hh["exited"] & (hh["exit_status"] != "返贫")].difference(list(busy))
    returns = list(_pick(rng, was_exited, plan["returns"]))
    if year == 2018:
        cluster = [c for c, _ in RETURN_CLUSTER]
        local = was_exited[hh.loc[was_exited, "village_code"].isin(cluster)].difference(returns)
        returns += list(local[rng.random(len(local)) < _CLUSTER_RETURN_SHARE])
    rows = _rows_of(frame, returns)
    frame.loc[rows, ["exit_status", "exited"]] = ["返贫", False]
    panel.record(year, frame.loc[rows, "id_number"], "returned")
    exited_2016 = hh.index[(hh["exit_year"] == 2016).fillna(False) & hh["exited"]]
    rewritten = _pick(rng, exited_2016.difference(returns).difference(list(busy)),
                      plan["exit_year_changed"])  # fmt: skip
    frame.loc[_rows_of(frame, rewritten), "exit_year"] = year
    panel.record(year, frame.loc[_rows_of(frame, rewritten), "id_number"], "exit_year_changed")
    busy |= set(returns) | set(rewritten)
    changed |= set(returns)

    # households leaving whole: removed (someone under 65), died out (one old person)
    hh = _households(frame)
    candidates = hh.index.difference(list(busy))
    removed = _pick(rng, candidates[~hh.loc[candidates, "exited"] & (youngest[candidates] < 60)],
                    plan["removed"])  # fmt: skip
    panel.record(year, frame.loc[_rows_of(frame, removed), "id_number"], "removed")
    busy |= set(removed)
    candidates = hh.index.difference(list(busy))
    alone_old = candidates[(size[candidates] == 1) & (youngest[candidates] >= 70)]
    gone = _pick(rng, alone_old, plan["gone"])
    panel.record(year, frame.loc[_rows_of(frame, gone), "id_number"], "gone")
    busy |= set(gone)
    frame = frame[~_rows_of(frame, [*removed, *gone])]

    # merges: an old parent living alone joins a household of the same village and state
    hh = _households(frame)
    size = frame.groupby("household_id").size()
    candidates = hh.index.difference(list(busy | changed))
    alone = _pick(rng, candidates[(size[candidates] == 1) & (frame.groupby("household_id")[
        "age"].min()[candidates] >= 65)], plan["merges"])  # fmt: skip
    busy |= set(alone)
    has_parent = frame.groupby("household_id")["relation"].agg(
        lambda r: bool(r.isin(["之父", "之母"]).any())
    )
    for hid in alone:
        person = frame.index[frame["household_id"] == hid][0]
        hosts = hh.index.difference(list(busy | changed))
        hosts = hosts[
            (hh.loc[hosts, "village_code"] == hh.loc[hid, "village_code"])
            & (hh.loc[hosts, "exited"] == hh.loc[hid, "exited"])
            & ~has_parent[hosts]
            & (size[hosts] >= 2)
        ]
        host = _pick(rng, hosts, 1)[0]
        busy.add(host)
        head = frame[(frame["household_id"] == host) & (frame["relation"] == "户主")].iloc[0]
        frame.loc[person, list(_HOUSEHOLD_COLUMNS)] = head[list(_HOUSEHOLD_COLUMNS)].to_numpy()
        frame.loc[person, "lineage"] = head["lineage"]
        male = frame.loc[person, "sex"] == "男"
        frame.loc[person, "relation"] = "之父" if male else "之母"
        panel.record(year, [frame.loc[person, "id_number"]], "merged")

    # splits: a married son, his wife and their children get a household of their own
    hh = _households(frame)
    married_son = frame.groupby("household_id")["relation"].agg(
        lambda r: bool((r == "之子").any() and (r == "之儿媳").any())
    )
    candidates = hh.index.difference(list(busy))
    splits = _pick(rng, candidates[married_son[candidates].to_numpy()], plan["splits"])
    busy |= set(splits)
    for hid in splits:
        rows = frame.index[frame["household_id"] == hid]
        relation = frame.loc[rows, "relation"]
        son = relation.index[relation == "之子"][0]
        moving = [son, *relation.index[relation.isin(["之儿媳", "之孙子", "之孙女"])]]
        new_id = panel.new_household_id(frame.loc[son, "village_code"])
        frame.loc[moving, "household_id"] = new_id
        frame.loc[moving, "lineage"] = f"{year}-{new_id}"
        frame.loc[moving, "household_phone"] = _phones(rng, 1)[0]
        frame.loc[moving, "relation"] = (
            relation[moving]
            .map({"之子": "户主", "之儿媳": "配偶", "之孙子": "之子", "之孙女": "之女"})
            .to_numpy()
        )
        panel.split_lineages.add(f"{year}-{new_id}")
        panel.record(year, frame.loc[moving, "id_number"], "split")

    # people: deaths (a successor heads the household), marriages, births
    stable = frame[~frame["household_id"].isin(busy)]
    size = stable.groupby("household_id").size()
    multi = stable[stable["household_id"].map(size) >= 2]
    died = _pick(rng, multi.index[multi["age"] >= 62], plan["deaths"])
    died = pd.Index(died)[~frame.loc[died, "household_id"].duplicated().to_numpy()]
    panel.record(year, frame.loc[died, "id_number"], "died")
    dead_heads = frame.loc[died][frame.loc[died, "relation"] == "户主"]
    busy |= set(frame.loc[died, "household_id"])
    frame = frame.drop(index=died)
    for hid in dead_heads["household_id"]:
        rest = frame[frame["household_id"] == hid]
        spouse = rest.index[rest["relation"] == "配偶"]
        successor = spouse[0] if len(spouse) else rest["age"].idxmax()
        frame.loc[successor, "relation"] = "户主"
    stable = frame[~frame["household_id"].isin(busy)]
    daughters = stable.index[(stable["relation"] == "之女") & stable["age"].between(19, 30)]
    married_out = _pick(rng, daughters, plan["married_out"])
    panel.record(year, frame.loc[married_out, "id_number"], "married_out")
    frame = frame.drop(index=married_out)
    stable = frame[~frame["household_id"].isin(busy)]
    relation = stable.groupby("household_id")["relation"]
    no_wife = relation.agg(lambda r: not (r == "之儿媳").any())
    sons = stable[(stable["relation"] == "之子") & stable["age"].between(22, 38)]
    sons = sons[no_wife[sons["household_id"]].to_numpy()].drop_duplicates("household_id")
    took = _pick(rng, sons.index, plan["married_in"])
    wives = _people(rng, panel, frame.loc[took], np.full(len(took), "之儿媳"),
                    np.zeros(len(took), bool), year - rng.integers(20, 31, len(took)),
                    year)  # fmt: skip
    panel.record(year, wives["id_number"], "married_in")
    mothers = stable[
        stable["relation"].isin(["配偶", "之儿媳"]) & stable["age"].between(20, 40)
        & (stable["sex"] == "女")
    ].drop_duplicates("household_id")  # fmt: skip
    took = _pick(rng, mothers.index, plan["births"])
    male = rng.random(len(took)) < 0.52
    grand = (frame.loc[took, "relation"] == "之儿媳").to_numpy()
    relation = np.where(grand, np.where(male, "之孙子", "之孙女"), np.where(male, "之子", "之女"))
    babies = _people(rng, panel, frame.loc[took], relation, male, np.full(len(took), year), year)
    panel.record(year, babies["id_number"], "born")

    # households: readmitted after removal, newly identified
    earlier = panel.frames[year - 2] if year - 2 in panel.frames else frame.iloc[:0]
    removed_before = earlier[~earlier["household_id"].isin(panel.frames[year - 1]["household_id"])]
    removed_before = removed_before[removed_before["exit_status"] == "未脱贫"]
    back = _pick(rng, removed_before["household_id"].unique(), plan["readmitted"])
    readmitted = removed_before[removed_before["household_id"].isin(back)].copy()
    panel.record(year, readmitted["id_number"], "readmitted")
    new = _new_households(rng, panel, frame, plan["new"], year, year)
    new["lineage"] = f"{year}-" + new["household_id"]
    panel.record(year, new["id_number"], "new_household")
    frame = pd.concat([frame, wives, babies, readmitted, new], ignore_index=True)
    frame["age"] = _ages(frame, year)
    if year == 2018:
        code = RENUMBERED_VILLAGE[0]
        rows = frame["village_code"] == code
        seq = frame.loc[rows, "household_id"].str[-4:].astype(int) + 5000
        frame.loc[rows, "household_id"] = code + seq.map("{:04d}".format)
        panel.record(year, frame.loc[rows, "id_number"], "renumbered")
    _set_income(rng, frame, year)
    return _sizes_and_numbers(frame)


def _frozen(messy_truth: pd.DataFrame | None) -> set[str]:
    """Households of the 2016 roster with a person refused by the cleaner."""
    if messy_truth is None:
        return set()
    refused = (messy_truth["expected_outcome"] == "quarantine") & messy_truth["counts_as_person"]
    return set(messy_truth.loc[refused, "true_household_id"].astype(str))


def true_panel(
    seed: int = DEFAULT_SEED, messy_truth: pd.DataFrame | None = None
) -> tuple[dict[int, pd.DataFrame], pd.DataFrame]:
    """The true roster of every year of :data:`PANEL_YEARS`, and the events planted.

    Parameters
    ----------
    seed : int
        Seed of the 2016 roster and of the other years.
    messy_truth : pandas.DataFrame, optional
        The ground truth of the 2016 export (:func:`~fupin_analysis.synth.messy_roster`):
        households with a person refused there get no planted event in 2016 or 2017, so
        that whatever a linker cannot see in 2016 is only that refusal.

    Returns
    -------
    frames : dict of int to pandas.DataFrame
        Year → true roster (the columns of :func:`~fupin_analysis.synth.true_roster`,
        ages at 31 December of the year, plus ``lineage``: the household followed across
        years, ``"<first year>-<户编号 then>"``). The 2016 frame is ``true_roster(seed)``
        with ``lineage`` added.
    events : pandas.DataFrame
        ``year``, ``id_number``, ``event``: what happened to whom (``born``,
        ``married_in``, ``new_household``, ``readmitted``, ``died``, ``married_out``,
        ``removed``, ``gone``, ``returned``, ``exit_reversed``, ``exit_year_changed``,
        ``split``, ``merged``, ``renumbered``).

    Examples
    --------
    >>> frames, events = true_panel()  # doctest: +SKIP
    >>> sorted(frames), len(frames[2016])  # doctest: +SKIP
    ([2014, 2015, 2016, 2017, 2018, 2019], 6066)
    """
    t16 = true_roster(seed).copy()
    panel = _Panel(frames={2016: t16}, frozen=_frozen(messy_truth))
    panel.ids.update(t16["id_number"].tolist())
    seq = t16["household_id"].str[-4:].astype(int)
    panel.next_seq = (seq.groupby(t16["village_code"]).max() + 1).to_dict()
    for year in (2015, 2014):
        panel.frames[year] = _backward(np.random.default_rng([seed, 20, year]), panel, year)
    first_year = {}
    for year in (2014, 2015, 2016):
        for hid in panel.frames[year]["household_id"].unique():
            first_year.setdefault(hid, year)
    for year in (2014, 2015, 2016):
        frame = panel.frames[year]
        frame["lineage"] = frame["household_id"].map(lambda h: f"{first_year[h]}-{h}")
    for year in (2017, 2018, 2019):
        panel.frames[year] = _forward(np.random.default_rng([seed, 20, year]), panel, year)
    panel.frames[2016] = t16.assign(lineage=panel.frames[2016]["lineage"])
    events = pd.DataFrame(panel.events, columns=["year", "id_number", "event"])
    events.attrs["split_lineages"] = sorted(panel.split_lineages)
    return dict(sorted(panel.frames.items())), events


def _state(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(np.where(frame["exited"], "exited", "poor"), index=frame["id_number"])


def panel_truth(
    frames: dict[int, pd.DataFrame], events: pd.DataFrame, messy_truth: pd.DataFrame
) -> pd.DataFrame:
    """The ground truth of the panel: one row per person and year, what a linker must say.

    A row for every person in a year's roster, and for every person who left it since
    the previous year. The state a linker can see (``state``) is the true state except
    in 2016, where the people the cleaner refuses (``messy_truth``) are ``unobserved``
    when they were in the 2015 roster, and not there (``absent``) when they were not:
    a linker knows nothing of a person it has never seen (``docs/dynamics.md``).

    Returns
    -------
    pandas.DataFrame
        ``year``, ``true_id_number``, ``true_household_id`` (户编号 that year; NA when
        not in the roster), ``lineage`` (the household followed across years, by the
        rule of ``docs/dynamics.md``), ``household_link`` (``first``, ``continued``,
        ``renumbered``, ``split``, ``new``), ``from_state`` / ``state`` (``poor``,
        ``exited``, ``absent``, ``unobserved``), ``transition``, ``source`` (``field``
        or ``inferred``; NA for the first year), ``event`` (what was planted, NA when
        nothing), ``village_code``, ``designated``, ``exit_status``, ``exit_year``.
    """
    refused = (messy_truth["expected_outcome"] == "quarantine") & messy_truth["counts_as_person"]
    refused_2016 = set(messy_truth.loc[refused, "true_id_number"].astype(str))
    event_of = events.groupby(["year", "id_number"])["event"].agg(lambda e: ";".join(sorted(e)))
    years = sorted(frames)
    seen: dict[str, str] = {}  # lineage → household number last seen
    out = []
    for i, year in enumerate(years):
        frame = frames[year]
        if year == 2016:
            before = set(frames[2015]["id_number"])
            frame = frame[~frame["id_number"].isin(refused_2016 - before)]
        rows = pd.DataFrame({"year": year, "true_id_number": frame["id_number"].to_numpy(),
                             "true_household_id": frame["household_id"].to_numpy(),
                             "lineage": frame["lineage"].to_numpy(),
                             "state": np.where(frame["exited"], "exited", "poor"),
                             "village_code": frame["village_code"].to_numpy(),
                             "designated": frame["designated"].to_numpy(),
                             "exit_status": frame["exit_status"].to_numpy(),
                             "exit_year": frame["exit_year"].to_numpy()})  # fmt: skip
        if year == 2016:
            rows.loc[rows["true_id_number"].isin(refused_2016), "state"] = "unobserved"
        observed = rows[rows["state"] != "unobserved"]
        links = {}
        for lineage, hid in zip(observed["lineage"], observed["true_household_id"], strict=True):
            if i == 0:
                links[lineage] = "first"
            elif lineage in seen:
                links[lineage] = "continued" if seen[lineage] == hid else "renumbered"
            else:
                links[lineage] = "split" if lineage in events.attrs["split_lineages"] else "new"
        rows["household_link"] = rows["lineage"].map(links)
        seen_before = set(seen)
        seen.update(dict(zip(observed["lineage"], observed["true_household_id"], strict=True)))
        if i == 0:
            rows["from_state"] = pd.NA
            out.append(rows)
            continue
        before = out[-1].set_index("true_id_number")["state"]
        before = before[before != "absent"]
        rows["from_state"] = rows["true_id_number"].map(before).fillna("absent")
        left = before[~before.index.isin(rows["true_id_number"])]
        gone = pd.DataFrame({"year": year, "true_id_number": left.index, "state": "absent",
                             "from_state": left.to_numpy(), "household_link": pd.NA})  # fmt: skip
        rows = pd.concat([rows, gone], ignore_index=True)
        rows["event"] = [event_of.get((year, p), pd.NA) for p in rows["true_id_number"]]
        if year == 2017:  # refused in 2016 before ever being seen: enter now, as a linker sees
            late = rows["true_id_number"].isin(refused_2016) & (rows["from_state"] == "absent")
            known = rows.loc[late, "lineage"].isin(seen_before)
            rows.loc[late, "event"] = np.where(known, "joined_unseen", "new_unseen").astype(object)
        rows[["transition", "source"]] = [
            _expected(f, s, e, x, y, year)
            for f, s, e, x, y in zip(
                rows["from_state"], rows["state"], rows["event"], rows["exit_status"],
                rows["exit_year"], strict=True,
            )
        ]  # fmt: skip
        out.append(rows[rows["from_state"].ne("absent") | rows["state"].ne("absent")])
    truth = pd.concat(out, ignore_index=True)
    truth["year"] = truth["year"].astype("int64")
    truth["exit_year"] = truth["exit_year"].astype("Int64")
    for col in ("true_id_number", "true_household_id", "lineage", "household_link",
                "from_state", "state", "transition", "source", "event", "village_code",
                "exit_status"):  # fmt: skip
        truth[col] = truth[col].astype("str")
    truth["designated"] = truth["designated"].astype("boolean")
    return truth[
        ["year", "true_id_number", "true_household_id", "lineage", "household_link",
         "from_state", "state", "transition", "source", "event", "village_code", "designated",
         "exit_status", "exit_year"]
    ]  # fmt: skip


def _expected(from_state, state, event, exit_status, exit_year, year):
    """The transition and source a correct linker reports (``docs/dynamics.md``)."""
    if "unobserved" in (from_state, state):
        return "unobserved", "inferred"
    if from_state == "absent" or state == "absent":
        moves = [e for e in str(event).split(";") if e in TRANSITION_OF_EVENT]
        if len(moves) != 1:
            raise ValueError(f"synth panel: a person enters or leaves through {event!r}")
        return TRANSITION_OF_EVENT[moves[0]]
    if from_state == "poor" and state == "poor":
        return "stayed", "field"
    if from_state == "poor":
        return "exited", "field" if exit_year == year else "inferred"
    if state == "exited":
        return "still_exited", "field"
    return "returned", "field" if exit_status == "返贫" else "inferred"


def scale_panel(households: int, seed: int = DEFAULT_SEED) -> dict:
    """Yearly rosters of many townships for benchmarks: :data:`PANEL_YEARS`, vectorised.

    Start from :func:`~fupin_analysis.synth.mess.scale_roster` of about 1.1 × ``households``
    households (its light mess included) and let them change: 88% of households are
    there from 2014, the others enter in a later year (first identified then); 3% are
    removed in a random later year; 4% of people leave (die or marry out) and 2% arrive
    (born or married in) in a random year; households exit in a random year (5% never);
    3% get a new household number from 2017 on. Ages advance with the year.

    Parameters
    ----------
    households : int
        Households of the 2014 roster (about 3.3 people each).
    seed : int
        Random seed.

    Returns
    -------
    dict of int to pyarrow.Table
        Year → its roster (canonical column names, every value text).

    Examples
    --------
    >>> tables = scale_panel(40)
    >>> sorted(tables) == list(PANEL_YEARS), tables[2014].num_rows < tables[2019].num_rows + 80
    (True, True)
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from .mess import scale_roster

    rng = np.random.default_rng([seed, 30])
    base = scale_roster(int(households * 1.1) + 1, seed)
    hh_codes, hh_ids = pd.factorize(base["household_id"].to_numpy(zero_copy_only=False))
    n_hh, n = len(hh_ids), base.num_rows
    later = rng.random(n_hh) >= 0.88
    enters = np.where(later, rng.integers(2015, 2020, n_hh), 2014)
    leaves = np.where(rng.random(n_hh) < 0.03, rng.integers(2015, 2021, n_hh), 9999)
    leaves = np.maximum(leaves, enters + 1)
    exits = np.where(rng.random(n_hh) < 0.95, rng.integers(2015, 2020, n_hh), 9999)
    exits = np.maximum(exits, enters)
    renumbered = rng.random(n_hh) < 0.03
    person_leaves = np.where(rng.random(n) < 0.04, rng.integers(2015, 2020, n), 9999)
    person_enters = np.where(rng.random(n) < 0.02, rng.integers(2015, 2020, n), 0)
    age = pd.to_numeric(
        pd.Series(base["age"].to_numpy(zero_copy_only=False)).str.translate(
            str.maketrans("０１２３４５６７８９", "0123456789")
        ),
        errors="coerce",
    ).to_numpy()
    household_id = base["household_id"].to_numpy(zero_copy_only=False).astype(str)
    new_id = np.char.replace(household_id, "4305", "4395", count=1)
    out = {}
    for year in PANEL_YEARS:
        h = hh_codes
        rows = (
            (enters[h] <= year) & (leaves[h] > year) & (person_leaves > year)
            & (person_enters <= year)
        )  # fmt: skip
        exited = exits[h] <= year
        table = base.filter(pa.array(rows))
        take = np.flatnonzero(rows)
        columns = {
            "age": pa.array(np.where(np.isnan(age[take]), "", (age[take] + year - 2016)
                                     .astype("int64").astype(str))),
            "exit_status": pa.array(np.where(exited[take], "已脱贫(享受政策)", "未脱贫")),
            "exit_year": pa.array(np.where(exited[take], exits[h][take].astype(str), "")),
            "household_id": pa.array(
                np.where(renumbered[h][take] & (year >= 2017), new_id[take], household_id[take])
            ),
            "first_identified": pa.array(np.char.add(enters[h][take].astype(str), "-05-01")),
        }  # fmt: skip
        for name, values in columns.items():
            table = table.set_column(table.schema.get_field_index(name), name, values)
        table = table.set_column(
            table.schema.get_field_index("person_id"), "person_id",
            pc.binary_join_element_wise(table["household_id"], pa.array(
                np.char.zfill((np.arange(len(take)) % 100).astype(str), 2)), ""),
        )  # fmt: skip
        out[year] = table
    return out
