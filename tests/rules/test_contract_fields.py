"""Issue 12: "a test fails when any field of a program preset is not read by code".

(a) every column and rules key of every preset row in a migrated database is parsed by
    `bot.rules.periods.contract` strictly (an unknown one is an error) into a field that
    holds the row's value;
(b) every field of `Contract` is read (`.field`) by non-test code in bot/ or handlers/
    outside the `contract()` parser; a read inside bot/rules/periods.py counts only in a
    rule that is itself used;
(c) every public function of bot.rules.periods is used by bot/ or handlers/ code outside
    the module, or by such a rule (no dead rule).
The AST is read, so names in comments, strings or tests do not count.

And `bot.periods.terms.describe`, the reader of the terms that are agreements rather
than checks, in the three languages.
"""

from __future__ import annotations

import ast
import dataclasses
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

from bot.periods.terms import describe
from bot.rules import periods
from bot.rules.periods import COLUMNS, Contract, contract
from messages.i18n import translator
from tests.databases import SqliteDatabases
from tests.rules.test_periods import migrated_rows

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "bot" / "rules" / "periods.py"
MODULE = "bot.rules.periods"
FIELDS = [f.name for f in dataclasses.fields(Contract)]


@pytest.fixture(scope="module")
def rows(_sqlite_databases: SqliteDatabases) -> dict[str, dict]:
    return migrated_rows(_sqlite_databases)


def _default(name: str) -> object:
    field = Contract.__dataclass_fields__[name]
    return None if field.default is dataclasses.MISSING else field.default


# --- (a) every key of every preset row is parsed -------------------------------------------


def test_every_preset_row_is_parsed_strictly_into_fields(rows: dict[str, dict]) -> None:
    assert len(rows) == 6
    for key, row in rows.items():
        terms = contract(row)  # strict: raises on a column or rule nobody reads
        assert terms.unknown == ()
        assert set(row) - {"rules"} <= set(COLUMNS), key
        for name, value in [*((c, row[c]) for c in COLUMNS), *row["rules"].items()]:
            assert name in FIELDS, f"{key}: {name!r} is not a Contract field"
            if value not in (None, False):
                parsed, default = getattr(terms, name), _default(name)
                # (relativedelta != None is False: compare with None by identity)
                assert parsed is not None if default is None else parsed != default, (
                    f"{key}: {name!r} = {value!r} was not parsed into Contract.{name}"
                )


def test_an_unknown_rule_or_column_fails_the_strict_reading(rows: dict[str, dict]) -> None:
    row = rows["job-search"]
    with pytest.raises(ValueError, match="coffee_breaks"):
        contract({**row, "rules": {**row["rules"], "coffee_breaks": 2}})
    with pytest.raises(ValueError, match="price_per_hour"):
        contract({**row, "price_per_hour": 80})
    lenient = contract({**row, "rules": {**row["rules"], "coffee_breaks": 2}}, strict=False)
    assert lenient.unknown == ("coffee_breaks",) and lenient.hour_cap == 35.0


# --- (b) and (c): the code that reads them -------------------------------------------------


def _sources() -> list[Path]:
    found = []
    for folder in ("bot", "handlers"):
        found += [p for p in (ROOT / folder).rglob("*.py") if "tests" not in p.parts]
    return sorted(found)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _attributes(node: ast.AST) -> set[str]:
    return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


@cache
def _rules_module() -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in _parse(RULES).body if isinstance(node, ast.FunctionDef)}


def _used_names(tree: ast.Module) -> set[str]:
    """The functions of bot.rules.periods a module uses: imported by name and then named,
    or reached through the module (`periods.hour_cap`)."""
    imported: dict[str, str] = {}  # local name → the rule's name
    aliases: set[str] = set()  # local names of the module itself
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == MODULE:
            imported |= {a.asname or a.name: a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "bot.rules":
            aliases |= {a.asname or a.name for a in node.names if a.name == "periods"}
        elif isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name == MODULE}
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in imported:
            used.add(imported[node.id])
        elif isinstance(node, ast.Attribute):
            base = node.value
            if (isinstance(base, ast.Name) and base.id in aliases) or ast.unparse(base) == MODULE:
                used.add(node.attr)
    return used


@cache
def _readers() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """The rules in use (closed over the calls between them), and for each attribute
    name the places outside the parser that read it."""
    functions = _rules_module()
    outside: set[str] = set()
    reads: dict[str, set[str]] = defaultdict(set)
    for path in _sources():
        if path == RULES:
            continue
        tree = _parse(path)
        outside |= _used_names(tree)
        for name in _attributes(tree):
            reads[name].add(str(path.relative_to(ROOT)))
    calls = {
        name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in functions}
        for name, node in functions.items()
    }
    alive, todo = set(), [n for n in outside if n in functions]
    while todo:
        name = todo.pop()
        if name not in alive:
            alive.add(name)
            todo += calls[name]
    for name in alive - {"contract"}:
        for attr in _attributes(functions[name]):
            reads[attr].add(f"bot/rules/periods.py:{name}")
    return frozenset(alive), {k: frozenset(v) for k, v in reads.items()}


@pytest.mark.parametrize("field", FIELDS)
def test_every_contract_field_is_read_by_code(field: str) -> None:
    _, reads = _readers()
    assert reads.get(field), (
        f"Contract.{field} is read by no code in bot/ or handlers/ outside contract() "
        f"(nor by a rule in use): a program preset carries a rule nobody obeys"
    )


PUBLIC = sorted(name for name in _rules_module() if not name.startswith("_"))


@pytest.mark.parametrize("rule", PUBLIC)
def test_every_rule_of_the_periods_module_is_used(rule: str) -> None:
    alive, _ = _readers()
    assert rule in alive, (
        f"bot.rules.periods.{rule} is used by no code in bot/ or handlers/ (nor by a rule "
        f"in use): a dead rule"
    )


def test_the_checks_see_what_they_claim() -> None:
    """The walk itself: an import by name, through the module, and the closure."""
    tree = ast.parse(
        "from bot.rules.periods import hour_cap as cap\nfrom bot.rules import periods\n"
        "cap(1)\nperiods.default_end(t, d)\nhour_cap = 3\n"
    )
    assert _used_names(tree) == {"hour_cap", "default_end"}
    alive, reads = _readers()
    assert "contract" in alive and "duration" in alive  # terms_of → contract → duration
    assert "bot/rules/periods.py:contract" not in reads.get("min_goals_reached", set())


# --- describe: the terms in plain words -------------------------------------------------------


def test_describe_is_shown_to_the_coach() -> None:
    """describe() is the one reader of the billing and meeting terms: its reads count
    only when some handler or feature shows its lines (the coach's period view)."""
    terms = ROOT / "bot" / "periods" / "terms.py"
    users = []
    for path in _sources():
        if path == terms:
            continue
        tree = _parse(path)
        names = {
            a.asname or a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "bot.periods.terms"
            for a in node.names
            if a.name == "describe"
        }
        if any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(tree)) or any(
            isinstance(n, ast.Attribute) and n.attr == "describe" and "terms" in ast.unparse(n)
            for n in ast.walk(tree)
        ):
            users.append(path)
    assert users, "bot.periods.terms.describe is shown nowhere (the period view should)"


def test_describe_names_the_terms_of_every_preset(rows: dict[str, dict]) -> None:
    t = translator("en")
    said = {key: describe(contract(row), t) for key, row in rows.items()}
    assert said["on-the-job"][1:3] == [
        "In employment: at least 18 h of work a week",
        "Billing: 500 € + VAT a realised month; +200 € for partial work ability; 1,500 € "
        "bonus for a job of at least 18 h a week on the open labour market within 3 months",
    ]
    assert said["on-the-job"][-1] == "Service description: 000"
    assert said["job-coaching"] == [
        "Length: 2 weeks – 4 months; at most 2 periods in a row; at most 8 months in any 12 months",
        "Meet at least 1–2 times a week, face to face",
        "Billing: as the contract says",
        "At the end: at least 2 goals or results reached, or concrete next steps",
        "Service description: 001",
    ]
    assert said["job-search"][0] == (
        "Length: within 6 months of the start; the caseworker may extend it by at most "
        "2 months; may be suspended for up to 1 month; the end moves with it"
    )
    assert "Billing: by the coaching hour" in said["job-search"]
    assert "only after Job-search coaching that led to a job" in said["job-retention"][0]
    assert said["work-activity"][1:3] == [
        "Work days of 4 or 6 hours, 08:00–17:00 on working days, 2–5 days a week; "
        "2 leave days a month with at least 14 attendance days",
        "Work allowance to the client for each day attended: 8 € for a 4-hour day, "
        "12 € for a 6-hour day; nothing for sick days",
    ]
    assert "Employer contacts are logged." in said["ips"]
    assert said["ips"][0] == "Length: open-ended, as long as it serves the client"


def test_describe_follows_the_data_not_the_preset_names(rows: dict[str, dict]) -> None:
    """Another contract's numbers show as they are: a program is data."""
    row = rows["on-the-job"]
    terms = contract({**row, "rules": {**row["rules"], "monthly_fee_eur": 620.5}})
    assert describe(terms, translator("en"))[2].startswith(
        "Billing: 620.5 € + VAT a realised month; +200 € for partial work ability"
    )
    other = dataclasses.replace(
        contract(rows["work-activity"]),
        work_allowance_eur={"6": 13.0, "4": 9.0},
        day_hours=(4, 5, 6),
        min_length=relativedelta(months=1, weeks=2),
    )
    lines = describe(other, translator("en"))
    assert lines[0] == "Length: 1 month 2 weeks – 1 year"
    assert lines[1].startswith("Work days of 4 or 5 or 6 hours")
    assert "9 € for a 4-hour day, 13 € for a 6-hour day" in lines[2]


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_describe_speaks_the_readers_language(rows: dict[str, dict], language: str) -> None:
    t = translator(language)
    lines = describe(contract(rows["on-the-job"]), t)
    assert "1\xa0500 €" in lines[2]  # Finnish and Swedish group thousands with a space
    work = describe(contract(rows["work-activity"]), t)
    assert "8.00–17.00" in work[1]
    assert periods.__name__ == MODULE
