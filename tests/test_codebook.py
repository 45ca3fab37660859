"""Codebook format: loading, validation with lines, safety, round trips."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.codebook import (
    bundled_codebook_path,
    dump_codebook,
    load_codebook,
    parse_codebook,
    save_codebook,
)
from qualcode.coding.regex_safety import check_regex, required_literals
from qualcode.coding.rules import ALL_SCOPE, Defaults, Negation, Rule, Scope
from qualcode.errors import CodebookError, MissingFileError
from qualcode.model import ROLES, Code, Codebook

REPO = Path(__file__).resolve().parents[1]


def problems_of(text: str) -> set[tuple[int | None, str]]:
    with pytest.raises(CodebookError) as info:
        parse_codebook(textwrap.dedent(text).lstrip("\n"), path="cb.yaml")
    assert all(p.path == "cb.yaml" for p in info.value.problems)
    return {(p.line, p.message) for p in info.value.problems}


# ------------------------------------------------------------------ loading

def test_minimal_codebook_and_hierarchy() -> None:
    cb = load_codebook(textwrap.dedent("""
        codebook: demo
        version: 1.10
        codes:
          - name: barrier
            children:
              - name: no_contract
                children:
                  - name: verbal_only
              - name: low_wage
          - name: advocacy
          - name: late_child
            parent: no_contract
        """))
    assert cb.name == "demo" and cb.version == "1.10"
    assert cb.coder == "auto:demo@1.10"
    assert [(c.name, c.parent) for c in cb.codes] == [
        ("barrier", None), ("no_contract", "barrier"), ("verbal_only", "no_contract"),
        ("late_child", "no_contract"), ("low_wage", "barrier"), ("advocacy", None)]
    assert all(c.codebook == "demo" for c in cb.codes)
    assert [c.name for c in cb.children("barrier")] == ["no_contract", "low_wage"]


def test_rules_become_frozen_rule_objects_with_ids() -> None:
    cb = load_codebook(textwrap.dedent("""
        codebook: demo
        codes:
          - name: contract
            label: Contracts
            color: steelblue
            rules:
              en:
                - phrases: [written agreement, no, 177]
                - lemma: sign contract
                  id: sign
                - near: [[wage, pay], cut]
                  within: 3
                  ordered: true
                - all: [contract, {regex: 'rp\\s?\\d+'}]
              id:
                - regex: '\\bILO\\b'
                  case_sensitive: true
                  negation: {mode: skip, window: 4, after: 2}
        """))
    code = cb["contract"]
    assert code.label == "Contracts" and code.color == "steelblue"
    ids = [r.id for r in code.rules]
    assert ids == ["contract/en/1", "sign", "contract/en/3", "contract/en/4", "contract/id/1"]
    phrase, lemma, near, all_, regex = code.rules
    assert phrase.patterns == ("written agreement", "no", "177")  # YAML words kept as written
    assert (lemma.kind, lemma.patterns) == ("lemma", ("sign contract",))
    assert (near.patterns, near.others, near.within, near.ordered) == (
        ("wage", "pay"), ("cut",), 3, True)
    assert [p.kind for p in all_.parts] == ["lemma", "regex"]
    assert regex.negation == Negation("skip", None, 4, 2) and regex.case_sensitive
    assert Rule.from_dict(near.to_dict(), language="en", id=near.id) == near
    with pytest.raises(AttributeError):
        phrase.kind = "regex"  # type: ignore[misc]


def test_load_from_path_bundled_name_and_save(tmp_path: Path) -> None:
    example = REPO / "codebooks" / "example.yaml"
    cb = load_codebook(example)
    assert cb.source == str(example.resolve())
    assert load_codebook("example") == cb
    assert bundled_codebook_path("example") == example
    with pytest.raises(MissingFileError):
        bundled_codebook_path("no_such_codebook")
    with pytest.raises(MissingFileError):
        load_codebook(str(tmp_path / "missing.yaml"))
    out = save_codebook(cb, tmp_path / "copy.yaml")
    again = load_codebook(out)
    assert again.codes == cb.codes and again.meta == cb.meta


def test_example_codebook_examples_are_plausible() -> None:
    cb = load_codebook("example")
    assert {c.name for c in cb.codes} >= {"written_agreement", "no_written_agreement"}
    assert cb.meta["languages"] == ["en", "id"]
    assert cb.meta["defaults"]["unit"] == "sentence"


# ------------------------------------------------------------------ validation

def test_validation_reports_every_problem_with_its_line() -> None:
    found = problems_of("""
        codebook: bad name
        version: "1"
        languages: [en, fr]
        colour: red
        codes:
          - name: a
            color: "#12345"
            rules:
              en:
                - regex: '(a+)+b'
                - phrase: ""
                - frase: x
          - name: a
            parent: zzz
          - name: b
            rules: {}
            scope: {within: nothing, roles: [boss]}
            unit: word
          - name: c
            rules:
              de: [{phrase: hallo}]
              id: []
            negation: {code: missing}
          - name: d
            parent: e
          - name: e
            parent: d
        """)
    assert found == {
        (1, "codebook name 'bad name' must start with a letter and use only letters, "
            "digits, _ and -"),
        (3, "unknown language 'fr'; expected one of en, id"),
        (4, "unknown key 'colour'; expected one of codebook, name, version, title, "
            "description, references, authors, license, languages, defaults, codes"),
        (7, "bad colour '#12345'; use #RRGGBB, #RGB or a CSS colour name"),
        (10, "regex '(a+)+b': nested quantifier: a repeated part can match the same text "
             "in more than one way (catastrophic backtracking)"),
        (11, "phrase pattern is empty"),
        (12, "unknown rule key 'frase'; expected one of phrase, phrases, lemma, lemmas, "
             "regex, near, all, any, id, within, ordered, negation, negation_window, "
             "case_sensitive"),
        (12, "rule has no pattern: give one of phrase(s), lemma(s), regex, near, all, any"),
        (13, "duplicate code name 'a' (first defined on line 6)"),
        (13, "code 'a' has unknown parent 'zzz'"),
        (16, "rules is empty; give rules for at least one language or leave rules out"),
        (17, "unknown role 'boss' in scope; expected all or one of interviewer, "
             "facilitator, participant, unknown"),
        (15, "code 'b': scope within refers to unknown code 'nothing'"),
        (18, "unknown unit 'word'; expected one of sentence, turn, paragraph, match"),
        (21, "unknown language 'de'; expected one of en, id"),
        (22, "rules for 'id' must be a non-empty list"),
        (19, "code 'c': negation code 'missing' is not a code in this codebook"),
        (24, "parent cycle: d -> e -> d"),
    }


def test_error_message_lists_problems_with_file_and_line() -> None:
    with pytest.raises(CodebookError) as info:
        parse_codebook("codebook: x\ncodes:\n  - name: a\n    color: blu\n", path="x.yaml")
    assert str(info.value).splitlines() == [
        "x.yaml: invalid codebook: 1 problem(s)",
        "  x.yaml:4: bad colour 'blu'; use #RRGGBB, #RGB or a CSS colour name",
    ]
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("text", "expected"), [
    ("codebook: x\ncodes: [\n", "invalid YAML"),
    ("codebook: !!python/object/apply:os.system [ls]\ncodes: []\n", "unsupported YAML tag"),
    ("codebook: x\ncodebook: y\ncodes: []\n", "duplicate key 'codebook' (first on line 1)"),
    ("codebook: x\ncodes: " + "[" * 60 + "]" * 60 + "\n", "nested more than 50 levels"),
    ("", "the file is empty"),
    ("- just\n- a list\n", "a codebook must be a mapping"),
    ("codebook: x\n", "the codebook has no codes"),
])
def test_hostile_or_broken_yaml(text: str, expected: str) -> None:
    with pytest.raises(CodebookError) as info:
        parse_codebook(text)
    assert any(expected in p.message for p in info.value.problems), info.value.problems


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(CodebookError) as info:
        parse_codebook("\n".join(lines) + "\ncodebook: x\ncodes: []\n")
    assert "too large" in info.value.problems[0].message


def test_within_and_negation_cycles_are_reported() -> None:
    found = problems_of("""
        codebook: x
        codes:
          - name: a
            scope: {within: b}
            rules: {en: [{phrase: aa}]}
          - name: b
            scope: {within: a}
            rules: {en: [{phrase: bb}]}
          - name: c
            scope: {within: "other_book:z"}
            rules: {en: [{phrase: cc}]}
        """)
    assert found == {(3, "scope within creates a cycle: a -> b -> a"),
                     (6, "scope within creates a cycle: b -> a -> b")}


def test_near_and_option_problems() -> None:
    found = problems_of("""
        codebook: x
        codes:
          - name: a
            rules:
              en:
                - near: [one]
                - near: [a, b]
                  within: 500
                - phrase: x
                  within: 3
                - phrase: y
                  case_sensitive: true
                - phrase: z
                  regex: z
                - lemma: [p, q]
        """)
    assert found == {
        (6, "near needs exactly two items: near: [A, B]"),
        (8, "near within must be a whole number from 0 to 100, got 500"),
        (10, "within belongs to near rules (for passages use scope: {within: code})"),
        (12, "case_sensitive only applies to regex rules"),
        (13, "rule has more than one pattern key (phrase, regex); split it into separate "
             "rules"),
        (15, "lemma must be one pattern; use lemmas for a list"),
    }


# ------------------------------------------------------------------ regex safety

@pytest.mark.parametrize("pattern", [
    r"(a+)+b", r"(a*)*", r"(a|a)*", r"(.*)*", r"(\w+\s?)+", r"(\s*\w+)*x", r"(a|ab)+c",
    r"^(\w+\s?)*$", r"(x+x+)+y", r"\w+\w+\w+x", "a" * 501, r"(", r"a*",
])
def test_dangerous_or_invalid_regex_rejected(pattern: str) -> None:
    assert check_regex(pattern)


@pytest.mark.parametrize("pattern", [
    r"\bcontract(s|ed)?\b", r"rp\.?\s?\d{1,3}(?:[.,]\d{3})*", r"(\w+\s)+end",
    r"(?:\s\w+){1,5}", r"(?:the|this)+", r"\b(?:upah|gaji)\s+(?:borongan|per\s+potong)\b",
    r"(?:ilo\s*)?c\s*177", r"a++b",
])
def test_safe_regex_accepted(pattern: str) -> None:
    assert check_regex(pattern) == []


def test_required_literals() -> None:
    assert required_literals(r"\bwage\w*\s+paid") in (("wage",), ("paid",))
    assert required_literals(r"[a-z]+") == ()
    assert required_literals(r"ILO", case_sensitive=True) == ("ILO",)


# ------------------------------------------------------------------ round trip

NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,7}", fullmatch=True)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
WORDS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=15).filter(
    lambda s: bool(s.strip()))
REGEXES = st.sampled_from([r"\bkontrak\b", r"rp\s?\d+", r"c\s?177", r"(?:a|b)c"])
NEGATION = st.one_of(
    st.none(),
    st.builds(Negation, st.sampled_from([None, "off", "skip", "require"]), st.none(),
              st.one_of(st.none(), st.integers(1, 50)), st.one_of(st.none(), st.integers(0, 50))
              ).filter(lambda n: n != Negation()),
)


@st.composite
def leaf_rules(draw: st.DrawFn, language: str, rule_id: str) -> Rule:
    kind = draw(st.sampled_from(["phrase", "lemma", "regex", "near"]))
    if kind in ("phrase", "lemma"):
        return Rule(kind, language, rule_id, tuple(draw(st.lists(WORDS, min_size=1, max_size=3))))
    if kind == "regex":
        return Rule(kind, language, rule_id, (draw(REGEXES),), case_sensitive=draw(st.booleans()))
    return Rule(kind, language, rule_id, tuple(draw(st.lists(WORDS, min_size=1, max_size=2))),
                tuple(draw(st.lists(WORDS, min_size=1, max_size=2))),
                within=draw(st.one_of(st.none(), st.integers(0, 100))), ordered=draw(st.booleans()))


@st.composite
def rules_for(draw: st.DrawFn, code: str, taken: set[str]) -> tuple[Rule, ...]:
    out: list[Rule] = []
    for language in draw(st.lists(st.sampled_from(["en", "id"]), unique=True, max_size=2)):
        for n in range(1, draw(st.integers(1, 3)) + 1):
            rule_id = f"{code}/{language}/{n}"
            if draw(st.booleans()):
                rule_id = draw(NAMES.filter(lambda x: x not in taken))
            taken.add(rule_id)
            if draw(st.integers(0, 4)) == 0:
                kind = draw(st.sampled_from(["all", "any"]))
                parts = tuple(draw(leaf_rules(language, f"{rule_id}#{j + 1}"))
                              for j in range(draw(st.integers(1, 3))))
                rule = Rule(kind, language, rule_id, parts=parts)
            else:
                rule = draw(leaf_rules(language, rule_id))
            out.append(Rule(rule.kind, rule.language, rule.id, rule.patterns, rule.others,
                            rule.within, rule.ordered, rule.parts, draw(NEGATION),
                            rule.case_sensitive))
    return tuple(out)


SCOPES = st.one_of(
    st.none(), st.just(ALL_SCOPE),
    st.builds(Scope,
              st.one_of(st.none(), st.just(("all",)),
                        st.lists(st.sampled_from(ROLES), min_size=1, unique=True).map(tuple)),
              st.one_of(st.none(), st.lists(WORDS, max_size=2).map(tuple)),
              st.one_of(st.none(), st.just(("other_book:x",)))),
)


@st.composite
def codebooks(draw: st.DrawFn) -> Codebook:
    book = draw(NAMES)
    names = draw(st.lists(NAMES, min_size=1, max_size=6, unique=True))
    parents = {n: (draw(st.sampled_from(names[:i])) if i and draw(st.booleans()) else None)
               for i, n in enumerate(names)}
    taken: set[str] = set()
    codes: dict[str, Code] = {}
    for n in names:
        codes[n] = Code(
            name=n, parent=parents[n], description=draw(TEXT), color=draw(st.sampled_from(
                [None, "#abc", "#A1B2C3", "crimson"])), inclusion=draw(TEXT), exclusion=draw(TEXT),
            examples=tuple(draw(st.lists(WORDS, max_size=2))), rules=draw(rules_for(n, taken)),
            codebook=book, label=draw(st.one_of(st.none(), WORDS)), scope=draw(SCOPES),
            unit=draw(st.sampled_from([None, "sentence", "turn", "paragraph", "match"])),
            negation=draw(NEGATION))

    def preorder(parent: str | None) -> list[Code]:
        out = []
        for n in names:
            if parents[n] == parent:
                out += [codes[n], *preorder(n)]
        return out

    used = list(dict.fromkeys(r.language for c in codes.values() for r in c.rules))
    defaults = Defaults(draw(SCOPES), draw(st.sampled_from([None, "turn"])), draw(NEGATION),
                        draw(st.one_of(st.none(), st.just({"id": ("tidak", "gak")}))))
    meta = {"title": draw(TEXT), "references": draw(st.lists(WORDS, max_size=2)),
            "authors": draw(st.lists(WORDS, max_size=2)),
            "languages": draw(st.sampled_from([used, ["en", "id"]])),
            "defaults": defaults.to_dict()}
    if draw(st.booleans()):
        meta["license"] = draw(WORDS)
    version = draw(st.from_regex(r"[0-9][0-9a-z.]{0,5}", fullmatch=True))
    return Codebook(book, tuple(preorder(None)), version, draw(TEXT), None, meta)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codebooks())
def test_dump_load_round_trip(cb: Codebook) -> None:
    text = dump_codebook(cb)
    assert load_codebook(text) == cb
