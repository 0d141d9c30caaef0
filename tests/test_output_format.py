"""What `clawkb match` prints for machines: JSON Lines with a schema the repository keeps, and SARIF."""
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from clawkb.kb.output_schema import OUTPUT_SCHEMA, output_schema_json

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "gateway-billing-lockout.log"


def match(*args):
    p = subprocess.run([sys.executable, "-m", "clawkb", "match", *map(str, args)], capture_output=True, text=True,
                       cwd=ROOT, timeout=600)
    assert p.returncode in (0, 1), p.stderr
    return p.stdout


def test_the_repository_keeps_the_schema_the_code_has():
    assert (ROOT / "docs" / "match-output.schema.json").read_text(encoding="utf-8") == output_schema_json()
    jsonschema.Draft202012Validator.check_schema(OUTPUT_SCHEMA)


def test_every_field_of_the_schema_is_documented():
    doc = (ROOT / "docs" / "output-format.md").read_text(encoding="utf-8")
    fields = set(OUTPUT_SCHEMA["properties"])
    for part in ("diagnoses", "closest"):
        fields |= set(OUTPUT_SCHEMA["properties"][part]["items"]["properties"])
    diag = OUTPUT_SCHEMA["properties"]["diagnoses"]["items"]["properties"]
    fields |= set(diag["version"]["properties"]) | set(diag["evidence"]["items"]["properties"])
    missing = sorted(f for f in fields if f"`{f}`" not in doc)
    assert not missing, missing


@pytest.mark.parametrize("detail", [False, True])
def test_every_record_on_the_corpus_is_valid(dev_cases, tmp_path, detail):
    paths = []
    for i, case in enumerate(dev_cases):
        path = tmp_path / f"c{i}.log"
        path.write_text(case["text"], encoding="utf-8")
        paths.append(path)
    lines = match("--format", "json", *(["--detail"] if detail else []), *paths).splitlines()
    assert len(lines) == len(paths)
    validator = jsonschema.Draft202012Validator(OUTPUT_SCHEMA)
    for line in lines:
        record = json.loads(line)
        assert record["schema_version"] == 1
        errors = list(validator.iter_errors(record))
        assert not errors, (record["input"], errors[0].message, list(errors[0].path))


def test_doctor_json_is_valid_too(tmp_path):
    from state_trees import build

    root = build(tmp_path, "split")
    p = subprocess.run([sys.executable, "-m", "clawkb", "doctor", "--state-dir", str(root), "--format", "json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    jsonschema.validate(json.loads(p.stdout), OUTPUT_SCHEMA)


def test_sarif_is_one_log_with_a_rule_per_failure_and_results_at_the_evidence_lines(kb):
    sarif_pydantic = pytest.importorskip("sarif_pydantic")
    log = json.loads(match("--format", "sarif", SAMPLE, ROOT / "examples" / "healthy-gateway.log"))
    sarif_pydantic.Sarif.model_validate(log)  # the SARIF 2.1.0 object model
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == kb.ids and all(r["helpUri"] == kb.url(r["id"]) for r in rules)
    results = run["results"]
    expected = json.loads(match("--format", "json", SAMPLE))
    assert [r["ruleId"] for r in results] == [d["id"] for d in expected["diagnoses"]]
    for r, d in zip(results, expected["diagnoses"]):
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        region = r["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == d["evidence"][0]["line"]
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("gateway-billing-lockout.log")
        assert r["properties"]["confidence"] == d["confidence"]
    assert len(run["artifacts"]) == 2  # the healthy log was read, and has no result
