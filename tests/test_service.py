"""The HTTP service, started for real (uvicorn on a free loopback port) and spoken to over HTTP.

Every answer is checked against the server's own /openapi.json as it arrives, and
each case endpoint is compared byte for byte with the command it stands for, run
in-process through main(argv).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from in_process import run as run_cli
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from reviewrules._scenarios import find_scenarios
from reviewrules.case._synthetic import synthetic_cases
from reviewrules.policy._yaml import load_document

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "york-worked-example.yaml"
FIXTURES = Path(__file__).parent / "fixtures" / "policies"
SCENARIOS = find_scenarios([Path(__file__).parent / "scenarios"])
CHILD = "C-0001"
VARIANT = """\
id: york-variant
title: York with a first review in 15 working days
extends: york
document: {title: A variant of York for the service tests}
rules:
  - id: initial-review
    override: true
    when: {event: became_looked_after}
    emit: {obligation: review.initial, review: 1, from: event, offset: 15 working days after}
    owner: iro
    source: {section: "2", quote: "within 15 working days"}
"""


def example_request(**extra: Any) -> dict[str, Any]:
    doc, _ = load_document(EXAMPLE)
    return {"policy": "york", "case": doc.data, "as_of": "2025-04-01", **extra}


# --- a real server -----------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0]


class Server:
    """``reviewrules serve`` in a child process, its log in a file."""

    def __init__(self, log: Path, *options: str):
        self.log = log
        self.handle = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reviewrules", "serve", "--port", "0", *options],
            stdout=subprocess.DEVNULL,
            stderr=self.handle,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read_text())
            if found:
                self.port = int(found.group(1))
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"the server did not start: {log.read_text()}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("the server did not say where it listens within 30 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            connection.close()


@dataclass
class OpenAPI:
    """Checks each answer (and each request meant to be valid) against the server's /openapi.json."""

    document: dict[str, Any]
    covered: set[tuple[str, str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource("urn:openapi", resource)
        self.templates = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in self.document["paths"]]

    def template(self, path: str) -> str | None:
        bare = path.split("?", 1)[0]
        return next((t for pattern, t in self.templates if pattern.match(bare)), None)

    def errors(self, pointer: list[str], value: Any) -> list[str]:
        ref = "urn:openapi#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in pointer)
        validator = Draft202012Validator({"$ref": ref}, registry=self.registry)
        return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(value)]

    def check_request(self, method: str, path: str, content_type: str, data: Any) -> None:
        template = self.template(path)
        assert template is not None, path
        pointer = ["paths", template, method.lower(), "requestBody", "content", content_type, "schema"]
        assert self.errors(pointer, data) == [], f"request to {path}"

    def check(self, method: str, path: str, reply: Reply) -> None:
        template = self.template(path)
        if template is None:  # no such endpoint: the answer is still a problem document
            assert reply.status == 404 and reply.type == "application/problem+json"
            assert self.errors(["components", "schemas", "Problem"], reply.json()) == []
            return
        operation = self.document["paths"][template].get(method.lower())
        if operation is None:
            assert reply.status == 405 and reply.type == "application/problem+json"
            assert self.errors(["components", "schemas", "Problem"], reply.json()) == []
            self.covered.add((method.upper(), template, "405"))
            return
        responses = operation["responses"]
        status = str(reply.status)
        assert status in responses, f"{method} {template} answered {status}, not in {sorted(responses)}"
        content = responses[status]["content"]
        assert reply.type in content, f"{method} {template} {status}: {reply.type} not in {sorted(content)}"
        pointer = ["paths", template, method.lower(), "responses", status, "content", reply.type, "schema"]
        if reply.type in ("application/json", "application/problem+json"):
            assert self.errors(pointer, reply.json()) == [], f"{method} {path} {status}"
        elif reply.type == "application/x-ndjson":
            for line in reply.text.splitlines():
                assert self.errors(pointer, json.loads(line)) == [], f"{method} {path} {status}"
        self.covered.add((method.upper(), template, status))


class Client:
    def __init__(self, server: Server, spec: OpenAPI | None = None):
        self.server, self.spec = server, spec

    def call(self, method: str, path: str, body: Any = None, *, content_type: str | None = None, accept: str | None = None,
             valid_request: bool = True) -> Reply:
        headers: dict[str, str] = {}
        raw: bytes | None = None
        if isinstance(body, (dict, list)):
            raw, content_type = json.dumps(body).encode(), content_type or "application/json"
            if valid_request and self.spec is not None and content_type == "application/json":
                self.spec.check_request(method, path, content_type, body)
        elif isinstance(body, str):
            raw = body.encode()
        elif isinstance(body, bytes):
            raw = body
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        reply = self.server.request(method, path, raw, headers)
        if self.spec is not None:
            self.spec.check(method, path, reply)
        return reply

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, body, **kw)


@pytest.fixture(scope="session")
def folder(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("policies")
    (where / "york-variant.yaml").write_text(VARIANT)
    shutil.copy(FIXTURES / "versioned.yaml", where / "versioned.yaml")
    return where


@pytest.fixture(scope="session")
def server(tmp_path_factory, folder):
    log = tmp_path_factory.mktemp("log") / "server.log"
    started = Server(log, "--policies", str(folder), "--max-body-bytes", "2000000", "--max-cases", "40")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def spec(server) -> OpenAPI:
    reply = server.request("GET", "/openapi.json")
    assert reply.status == 200
    return OpenAPI(reply.json())


@pytest.fixture(scope="session")
def client(server, spec) -> Client:
    return Client(server, spec)


def assert_problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.text
    assert reply.type == "application/problem+json"
    data = reply.json()
    assert (data["status"], data["code"], data["type"]) == (status, code, f"urn:reviewrules:problem:{code}")
    assert "Traceback" not in reply.text
    return data


# --- health, OpenAPI, policies ---------------------------------------------------


def test_healthz_answers_ok_with_the_number_of_policies(client):
    reply = client.get("/healthz")
    assert (reply.status, reply.json()) == (200, {"status": "ok", "policies": 8})


def test_openapi_describes_cases_and_results_with_the_projects_own_schemas(client, spec):
    assert client.get("/openapi.json").json() == spec.document
    schemas = spec.document["components"]["schemas"]
    for name, body in schemas.items():
        Draft202012Validator.check_schema(body)
    project = json.loads((ROOT / "schemas" / "result.schema.json").read_text())
    assert schemas["Result"]["required"] == project["required"]
    assert schemas["ResultObligation"]["properties"]["status"] == {"$ref": "#/components/schemas/ResultStatus"}
    assert schemas["ResultStatus"] == project["$defs"]["status"]
    case = json.loads((ROOT / "schemas" / "case.schema.json").read_text())
    assert schemas["CaseEvent"]["properties"]["type"] == case["$defs"]["event"]["properties"]["type"]
    assert schemas["Case"]["oneOf"][0] == {"$ref": "#/components/schemas/CaseChild"}
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(spec.document)))
    assert refs <= set(schemas), refs - set(schemas)


def test_the_policy_list_is_the_same_as_the_commands_plus_the_folders_policies(client):
    reply = client.get("/v1/policies")
    code, out, _ = run_cli("policies", "--format", "json")
    bundled = json.loads(out)["policies"]
    served = reply.json()["policies"]
    assert [p for p in served if p["id"] in {b["id"] for b in bundled}] == bundled
    assert [p["id"] for p in served] == sorted(p["id"] for p in served)
    assert {"york-variant", "versioned"} <= {p["id"] for p in served}
    only_bundled = {"policies": bundled}
    assert json.dumps(only_bundled, indent=2, ensure_ascii=False) + "\n" == out


def test_one_policy_is_resolved_with_every_inherited_rule_its_version_and_digest(client):
    data = client.get("/v1/policies/york").json()
    code, out, _ = run_cli("show", "york", "--resolved")
    assert (data["id"], data["version"], data["origin"], data["file"]) == ("york", "v47", "bundled", "policies/york.yaml")
    assert data["lineage"] == ["england", "york"]
    assert f"digest {data['digest']}" in out.splitlines()[0]
    shown_ids = re.findall(r"^  # (\S+), defined in (\S+)$", out, re.M)
    assert [(r["rule"], r["defined_in"]) for r in data["rules"]] == shown_ids
    second = next(r for r in data["rules"] if r["rule"] == "york/second-review")
    assert second["emit"]["offset"] == "91 days after"


def test_a_folder_policy_names_its_file_by_name_and_a_dated_version_is_taken_with_at(client, folder):
    data = client.get("/v1/policies/york-variant").json()
    assert (data["origin"], data["file"]) == ("folder", "york-variant.yaml")
    initial = next(r for r in data["rules"] if r["rule"] == "york-variant/initial-review")
    assert initial["defined_in"] == "york-variant.yaml:6"
    assert str(folder) not in json.dumps(data)
    v1 = client.get("/v1/policies/versioned@v1").json()
    assert (v1["ref"], v1["version"], v1["digest"].endswith("@v1")) == ("versioned@v1", "v1", True)


def test_an_unknown_policy_or_version_is_a_404_naming_what_there_is(client):
    data = assert_problem(client.get("/v1/policies/leeds"), 404, "policy-not-found")
    assert "york" in data["detail"] and data["problems"][0]["code"] == "not-found"
    data = assert_problem(client.get("/v1/policies/york@v12"), 404, "policy-not-found")
    assert "versions: v47" in data["detail"]
    assert_problem(client.get("/v1/policies/..%2F..%2Fetc%2Fpasswd"), 404, "not-found")


def test_the_card_is_the_commands_html_and_the_readings_the_commands_json(client):
    card = client.get("/v1/policies/york/card")
    assert card.headers["content-type"] == "text/html; charset=utf-8"
    assert card.text == run_cli("render", "york", "--format", "html")[1]
    assert client.get("/v1/policies/york/card?format=md").text == run_cli("render", "york", "--format", "md")[1]
    readings = client.get("/v1/policies/york/readings")
    assert readings.text == run_cli("readings", "york", "--format", "json")[1]
    assert_problem(client.get("/v1/policies/york/readings?format=pdf"), 422, "invalid-request")


# --- evaluate ----------------------------------------------------------------------


def test_the_york_example_posted_as_json_is_byte_for_byte_what_evaluate_prints(client):
    reply = client.post("/v1/evaluate", example_request())
    code, out, _ = run_cli("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01")
    assert (reply.status, reply.type, code) == (200, "application/json", 0)
    assert reply.text == out
    second = next(o for o in reply.json()["obligations"] if o["kind"] == "review.second")
    assert (second["due"], second["status"]) == ("2025-05-29", "pending")


def test_the_york_example_file_posted_as_it_is_is_byte_for_byte_what_evaluate_prints(client):
    reply = client.post("/v1/evaluate?policy=york&as_of=2025-04-01", EXAMPLE.read_bytes(), content_type="application/yaml")
    assert reply.text == run_cli("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01")[1]
    explained = client.post("/v1/evaluate?policy=york&as_of=2025-04-01&explain=true", EXAMPLE.read_bytes(), content_type="text/yaml")
    assert explained.text == run_cli("evaluate", str(EXAMPLE), "-p", "york", "--as-of", "2025-04-01", "--explain")[1]


def test_every_bundled_scenario_evaluates_to_the_same_bytes_as_the_command(client, tmp_path):
    assert len(SCENARIOS) > 40
    for path in SCENARIOS:
        doc, _ = load_document(path)
        case_file = tmp_path / "case.json"
        case_file.write_text(json.dumps(doc.data["case"]))
        policy, as_of = doc.data["policy"], doc.data["as_of"]
        reply = client.post("/v1/evaluate", {"policy": policy, "case": doc.data["case"], "as_of": as_of})
        code, out, err = run_cli("evaluate", str(case_file), "--policy", policy, "--as-of", as_of)
        assert (reply.status, code) == (200, 0), (path.name, reply.text, err)
        assert reply.text == out, path.name


def _many(count: int, seed: int = 5) -> list[dict[str, Any]]:
    return list(synthetic_cases(count, seed=seed))


def test_many_cases_answer_results_as_evaluate_does_for_a_file_of_many_children(client, tmp_path):
    cases = _many(6)
    reply = client.post("/v1/evaluate", {"policy": "stoke", "cases": cases, "as_of": "2025-11-01"})
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"children": cases}))
    assert reply.text == run_cli("evaluate", str(path), "--policy", "stoke", "--as-of", "2025-11-01")[1]
    nested = client.post("/v1/evaluate", {"policy": "stoke", "case": {"children": cases}, "as_of": "2025-11-01"})
    assert nested.text == reply.text


def test_many_cases_stream_as_json_lines_one_result_a_line_when_asked(client):
    cases = _many(5)
    request = {"policy": "york", "cases": cases, "as_of": "2025-11-01", "backend": "python"}
    whole = client.post("/v1/evaluate", request).json()["results"]
    lines = client.post("/v1/evaluate", request, accept="application/x-ndjson")
    assert lines.type == "application/x-ndjson"
    assert [json.loads(line) for line in lines.text.splitlines()] == whole
    assert [r["child"] for r in whole] == [c["child"]["id"] for c in cases]


def test_a_dated_version_and_a_folder_policy_evaluate_by_id(client):
    variant = client.post("/v1/evaluate", example_request(policy="york-variant")).json()
    initial = next(o for o in variant["obligations"] if o["kind"] == "review.initial")
    assert (initial["due"], initial["rule"]) == ("2025-02-24", "york-variant/initial-review")  # 15 working days after 3 Feb
    dated = client.post("/v1/evaluate", example_request(policy="york@v47")).json()
    assert dated["policy"]["digest"].endswith("@v47")


def test_a_bad_case_is_a_400_with_every_problem_located_in_the_body(client):
    request = example_request()
    request["case"]["events"][1]["date"] = "2025-02-30"
    request["case"]["child"]["dob"] = "2012-13-01"
    text = json.dumps(request, indent=1)
    data = assert_problem(client.post("/v1/evaluate", text, content_type="application/json"), 400, "case-refused")
    by_path = {p["path"]: p for p in data["problems"]}
    assert set(by_path) == {"$.case.events[1].date", "$.case.child.dob"}
    lines = text.splitlines()
    for path, bad in (("$.case.events[1].date", "2025-02-30"), ("$.case.child.dob", "2012-13-01")):
        problem = by_path[path]
        assert (problem["code"], problem["child"], problem["fix"]) == ("date", CHILD, "write a real date as YYYY-MM-DD")
        assert problem["line"] == next(n for n, line in enumerate(lines, 1) if bad in line)
        assert lines[problem["line"] - 1][problem["column"] - 1 :].startswith(f'"{bad}"')
        assert "file" not in problem
    request["case"]["events"].append({"type": "review_helld", "date": "2025-03-01"})
    data = assert_problem(client.post("/v1/evaluate", request, valid_request=False), 400, "case-refused")
    assert data["problems"][0]["path"] == "$.case.events[4].type" and "did you mean 'review_held'" in data["problems"][0]["message"]


def test_a_problem_in_a_large_json_body_keeps_its_path_but_no_line_and_a_ref_is_not_taken_for_one(client):
    request = example_request()
    request["case"]["events"][1].update(date="2025-02-30", ref="MOSAIC:12345")
    located = assert_problem(client.post("/v1/evaluate", request), 400, "case-refused")["problems"][0]
    assert (located["line"], located["path"]) == (1, "$.case.events[1].date")
    request["padding"] = "x" * 1_100_000  # over the size up to which problems are located by line
    data = assert_problem(client.post("/v1/evaluate", request, valid_request=False), 422, "invalid-request")
    assert "unknown field 'padding'" in data["detail"]
    request.pop("padding")
    request["case"]["events"][0]["note"] = "x" * 1_100_000
    problem = assert_problem(client.post("/v1/evaluate", request), 400, "case-refused")["problems"][0]
    assert problem["path"] == "$.case.events[1].date" and "line" not in problem and "file" not in problem


def test_a_bad_child_among_many_refuses_the_request_naming_it_by_its_place_in_cases(client):
    cases = _many(3)
    del cases[2]["events"][0]  # no became_looked_after
    data = assert_problem(client.post("/v1/evaluate", {"policy": "york", "cases": cases, "as_of": "2025-11-01"}), 400, "case-refused")
    assert data["problems"][0]["child"] == cases[2]["child"]["id"]
    assert data["problems"][0]["path"].startswith("$.cases[2]")


def test_a_task_without_its_review_is_refused_before_a_stream_starts(client):
    request = example_request()
    request["case"]["events"].append({"type": "task_completed", "date": "2025-03-05", "task": "post.full_record"})
    data = assert_problem(client.post("/v1/evaluate", request, accept="application/x-ndjson"), 400, "case-refused")
    assert data["problems"][0]["code"] == "task-review"
    assert data["problems"][0]["path"] == "$.case.events[4].task"
    assert client.post("/v1/evaluate", request).status == 400


def test_a_yaml_case_file_with_a_python_tag_or_an_alias_bomb_is_refused_never_applied(client):
    tagged = EXAMPLE.read_text().replace("id: C-0001", "id: !!python/object/apply:os.system [echo]")
    data = assert_problem(client.post("/v1/evaluate?policy=york", tagged, content_type="application/yaml"), 400, "case-refused")
    assert data["problems"][0]["code"] == "yaml-tag" and data["problems"][0]["line"] == 4
    bomb = (FIXTURES / "invalid" / "yaml-bomb.yaml").read_text()
    data = assert_problem(client.post("/v1/evaluate?policy=york", bomb, content_type="application/yaml"), 400, "case-refused")
    assert data["problems"][0]["code"] == "too-large"


# --- what a request may not be ------------------------------------------------------


def test_a_body_that_is_not_json_or_holds_a_key_twice_is_a_400(client):
    data = assert_problem(client.post("/v1/evaluate", '{"policy": "york",', content_type="application/json"), 400, "bad-request")
    assert data["problems"][0]["line"] == 1
    twice = '{"policy": "york", "policy": "stoke", "case": {}}'
    data = assert_problem(client.post("/v1/evaluate", twice, content_type="application/json"), 400, "bad-request")
    assert data["problems"][0]["code"] == "duplicate-key"
    assert_problem(client.post("/v1/evaluate", b'{"a": "\xff"}', content_type="application/json"), 400, "bad-request")


def test_a_request_without_the_fields_an_endpoint_takes_is_a_422_naming_what_is_allowed(client):
    cases = [
        ({"case": {}}, "missing field 'policy'"),
        ({"policy": "york"}, "give exactly one of 'case' or 'cases'"),
        ({"policy": "york", "case": {}, "cases": []}, "give exactly one of"),
        ({"policy": "york", "case": [], "as_of": "2025-04-01"}, "'case' must be a JSON object"),
        ({"policy": "york", "case": {}, "path": "/etc/passwd"}, "unknown field 'path' (allowed: policy, case, cases"),
        ({"policy": "york", "case": {}, "as_of": "1 April"}, "as_of: as-of date must be an ISO date"),
        ({"policy": "york", "case": {}, "backend": "drools"}, "backend 'drools' is not one of auto, durable, python"),
        ({"policy": "york", "case": {}, "explain": "yes"}, "'explain' must be true or false"),
    ]
    for body, message in cases:
        data = assert_problem(client.post("/v1/evaluate", body, valid_request=False), 422, "invalid-request")
        assert message in data["detail"], (body, data["detail"])
    data = assert_problem(client.post("/v1/evaluate?policy=york", example_request()), 422, "invalid-request")
    assert "unknown query parameter 'policy'" in data["detail"]


def test_a_body_over_the_size_limit_is_a_413_and_too_many_cases_a_413_too(client):
    big = {"policy": "york", "case": {"child": {"id": "A"}, "events": []}, "as_of": "2025-04-01", "pad": "x" * 2_100_000}
    data = assert_problem(client.post("/v1/evaluate", big, valid_request=False), 413, "too-large")
    assert "2,000,000-byte limit" in data["detail"]
    data = assert_problem(client.post("/v1/evaluate", {"policy": "york", "cases": _many(41), "as_of": "2025-11-01"}), 413, "too-many-cases")
    assert "limit of 40" in data["detail"]
    lines = "\n".join(json.dumps(c) for c in _many(41))
    assert_problem(client.post("/v1/caseload?policy=york", lines, content_type="application/x-ndjson"), 413, "too-many-cases")


def test_a_wrong_content_type_is_a_415_saying_which_are_taken(client):
    data = assert_problem(client.post("/v1/evaluate", json.dumps(example_request()), content_type="text/plain"), 415, "unsupported-media-type")
    assert "application/json" in data["detail"]
    assert_problem(client.post("/v1/evaluate", json.dumps(example_request())), 415, "unsupported-media-type")
    assert_problem(client.post("/v1/caseload?policy=york", "{}", content_type="text/csv"), 415, "unsupported-media-type")
    assert_problem(client.post("/v1/validate", VARIANT, content_type="text/plain"), 415, "unsupported-media-type")


def test_an_unknown_endpoint_is_a_404_and_a_wrong_method_a_405_both_problem_documents(client):
    assert_problem(client.get("/v1/evaluat"), 404, "not-found")
    data = assert_problem(client.get("/v1/evaluate"), 405, "method-not-allowed")
    assert "POST" in data["detail"]
    assert_problem(client.call("DELETE", "/v1/policies/york"), 405, "method-not-allowed")


# --- caseload, explain, validate, diff ----------------------------------------------


def _lines(cases: list[Any]) -> str:
    return "".join(json.dumps(c) + "\n" for c in cases)


def test_the_caseload_gives_the_commands_csv_and_json_lines_byte_for_byte(client):
    cases = _many(8, seed=11)
    cases[3]["events"][0]["date"] = "2025-13-01"  # one child refused; the others evaluated
    body = _lines(cases[::-1]) + "not json\n"
    for fmt in ("csv", "jsonl"):
        reply = client.post(f"/v1/caseload?policy=york&as_of=2025-11-01&format={fmt}", body, content_type="application/x-ndjson")
        code, out, err = run_cli("caseload", "-", "--policy", "york", "--as-of", "2025-11-01", "--format", fmt, stdin=body)
        assert reply.text == out, fmt
        assert err.splitlines()[-1] == "7 children evaluated, 2 refused"
        assert (reply.headers["reviewrules-children-evaluated"], reply.headers["reviewrules-children-refused"]) == ("7", "2")
    assert reply.type == "application/x-ndjson"
    assert sum(1 for line in reply.text.splitlines() if '"record":"refused"' in line) == 2


def test_the_caseloads_filters_and_input_order_are_the_commands(client):
    body = _lines(_many(6, seed=12))
    query = "policy=cumbria&as_of=2025-11-01&status=overdue&status=pending&kind=review.&due_from=2025-06-01&order=input"
    reply = client.post(f"/v1/caseload?{query}", body, content_type="application/jsonl")
    argv = ["--status", "overdue", "--status", "pending", "--kind", "review.", "--due-from", "2025-06-01", "--order", "input"]
    assert reply.text == run_cli("caseload", "-", "-p", "cumbria", "--as-of", "2025-11-01", *argv, stdin=body)[1]
    assert reply.type == "text/csv" and reply.text.startswith("child,period,kind,review,due,done,status,owner,rule\n")
    sources = client.post("/v1/caseload?policy=york&as_of=2025-11-01&format=jsonl&sources=true&strict=true", body, content_type="application/x-ndjson")
    argv = ["--format", "jsonl", "--sources", "--strict"]
    assert sources.text == run_cli("caseload", "-", "-p", "york", "--as-of", "2025-11-01", *argv, stdin=body)[1]


def test_the_caseload_refuses_bad_query_parameters_and_an_empty_body(client):
    for query, message in [
        ("", "missing query parameter 'policy'"),
        ("policy=york&status=done", "status=done: not a status"),
        ("policy=york&format=xlsx", "format=xlsx: not one of csv, jsonl"),
        ("policy=york&file=/etc/passwd", "unknown query parameter 'file'"),
        ("policy=york&as_of=2025-02-30", "impossible date"),
    ]:
        data = assert_problem(client.post(f"/v1/caseload?{query}", "{}\n", content_type="application/x-ndjson"), 422, "invalid-request")
        assert message in data["detail"], query
    assert_problem(client.post("/v1/caseload?policy=york", "\n\n", content_type="application/x-ndjson"), 400, "bad-request")
    assert_problem(client.post("/v1/caseload?policy=leeds", "{}\n", content_type="application/x-ndjson"), 404, "policy-not-found")


def test_explain_answers_the_trace_as_the_command_does(client):
    reply = client.post("/v1/explain", {**example_request(), "obligation": "prep.invitations:2"})
    code, out, _ = run_cli("explain", str(EXAMPLE), "-p", "york", "--as-of", "2025-04-01", "-o", "prep.invitations:2", "--format", "json")
    assert reply.text == out
    steps = reply.json()["items"][0]["trace"]
    assert steps[-1]["arithmetic"] == "2025-05-19 - 10 working days = 2025-05-02 (bank holidays skipped: 2025-05-05 May Day)"


def test_explain_answers_404_for_an_obligation_or_child_not_there_and_422_for_a_bad_spec(client):
    data = assert_problem(client.post("/v1/explain", {**example_request(), "obligation": "review.tenth"}), 404, "obligation-not-found")
    assert "kinds in the result" in data["detail"]
    request = {**example_request(), "obligation": "review.second:2", "child": "C-9"}
    assert_problem(client.post("/v1/explain", request), 404, "child-not-found")
    request = {**example_request(), "obligation": "review.second:two"}
    assert_problem(client.post("/v1/explain", request, valid_request=False), 422, "invalid-request")
    many = {"policy": "york", "case": {"children": _many(2)}, "obligation": "review.initial", "as_of": "2025-11-01"}
    data = assert_problem(client.post("/v1/explain", many), 422, "invalid-request")
    assert "say which with 'child'" in data["detail"]
    many["child"] = many["case"]["children"][1]["child"]["id"]
    assert client.post("/v1/explain", many).json()["child"] == many["child"]


def test_validate_answers_ok_for_a_good_policy_and_every_problem_located_for_a_bad_one(client):
    ok = client.post("/v1/validate", VARIANT, content_type="application/yaml")
    assert ok.json() == {"file": "<request>", "kind": "policy", "ok": True, "problems": []}
    bad = (FIXTURES / "invalid" / "offset-no-unit.yaml").read_text()
    data = assert_problem(client.post("/v1/validate", bad, content_type="application/yaml"), 400, "policy-refused")
    code, out, _ = run_cli("validate", str(FIXTURES / "invalid" / "offset-no-unit.yaml"), "--format", "json")
    expected = json.loads(out)["files"][0]["problems"]
    assert [{k: v for k, v in p.items() if k != "file"} for p in data["problems"]] == [{k: v for k, v in p.items() if k != "file"} for p in expected]
    problem = data["problems"][0]
    assert (problem["code"], problem["line"], problem["column"], problem["path"]) == ("offset-unit", 11, 15, "$.rules[0].emit.offset")
    assert problem["fix"]


def test_validate_refuses_tags_alias_bombs_duplicate_keys_and_an_extends_that_is_a_path(client, tmp_path):
    for name, code in [("python-tag", "yaml-tag"), ("yaml-bomb", "too-large"), ("duplicate-key", "duplicate-key")]:
        text = (FIXTURES / "invalid" / f"{name}.yaml").read_text()
        data = assert_problem(client.post("/v1/validate", text, content_type="text/yaml"), 400, "policy-refused")
        assert code in [p["code"] for p in data["problems"]], name
    secret = tmp_path / "secret.yaml"
    secret.write_text("id: secret\n")
    for parent in (str(secret), "../secret", "secret.yaml"):
        data = assert_problem(client.post("/v1/validate", VARIANT.replace("extends: york", f"extends: {parent}"), content_type="application/yaml"), 400, "policy-refused")
        assert data["problems"][0]["code"] == "extends" and "by its id only" in data["problems"][0]["message"]
    child_of_folder = "id: york-variant-2\ntitle: T\nextends: york-variant\ndocument: {title: T}\nrules: []\n"
    assert client.post("/v1/validate", child_of_folder, content_type="application/yaml").status == 200  # found in the folder, by id
    data = assert_problem(client.post("/v1/validate", child_of_folder.replace("extends: york-variant", "extends: leeds"), content_type="application/yaml"), 400, "policy-refused")
    assert "no policy 'leeds' to extend" in data["detail"]


def test_diff_over_the_bundled_scenarios_is_the_commands_json(client, monkeypatch):
    reply = client.post("/v1/diff", {"a": "york", "b": "cumbria"})
    code, out, _ = run_cli("diff", "york", "cumbria", "--format", "json")
    assert code == 1
    assert reply.text == out
    assert reply.json()["differs"] is True


def test_diff_over_the_cases_given_and_between_versions(client):
    cases = _many(4, seed=13)
    data = client.post("/v1/diff", {"a": "york", "b": "york-variant", "cases": cases, "as_of": "2025-11-01"}).json()
    assert data["cases"] == 4 and [r["id"] for r in data["rules"]] == ["initial-review"]
    assert {d["case"] for d in data["dates"]} <= {"request"}
    same = client.post("/v1/diff", {"a": "versioned@v1", "b": "versioned@v1", "cases": cases}).json()
    assert same["differs"] is False
    assert_problem(client.post("/v1/diff", {"a": "york", "b": "cumbria", "as_of": "2025-01-01"}), 422, "invalid-request")
    assert_problem(client.post("/v1/diff", {"a": "york", "b": "leeds"}), 404, "policy-not-found")


# --- reload, the log, the time limit, the unexpected ---------------------------------


def test_reload_swaps_in_a_folder_that_loads_and_keeps_the_old_set_when_one_file_does_not(client, folder):
    added = folder / "stoke-copy.yaml"
    broken = folder / "broken.yaml"
    try:
        added.write_text(VARIANT.replace("id: york-variant", "id: stoke-copy").replace("extends: york", "extends: stoke"))
        broken.write_text((FIXTURES / "invalid" / "offset-no-unit.yaml").read_text())
        data = assert_problem(client.post("/v1/reload"), 422, "reload-failed")
        assert [(p["code"], p["file"], p["line"]) for p in data["problems"]] == [("offset-unit", "broken.yaml", 11)]
        assert_problem(client.get("/v1/policies/stoke-copy"), 404, "policy-not-found")  # nothing was half-loaded
        assert client.get("/v1/policies/york-variant").status == 200
        broken.write_text(VARIANT)  # the same id as york-variant.yaml: refused too
        data = assert_problem(client.post("/v1/reload"), 422, "reload-failed")
        problem = data["problems"][0]
        assert (problem["file"], problem["message"]) == ("york-variant.yaml", "policy id 'york-variant' is taken by broken.yaml; give this policy its own id")
        broken.write_text(VARIANT.replace("id: york-variant", "id: york"))  # nor the id of a bundled policy
        data = assert_problem(client.post("/v1/reload"), 422, "reload-failed")
        assert "policy id 'york' is taken by a bundled policy" in data["problems"][0]["message"]
        broken.unlink()
        reply = client.post("/v1/reload").json()
        assert (reply["added"], reply["removed"], reply["changed"]) == (["stoke-copy"], [], [])
        assert client.post("/v1/evaluate", example_request(policy="stoke-copy")).status == 200
    finally:
        added.unlink(missing_ok=True)
        broken.unlink(missing_ok=True)
        assert client.post("/v1/reload").json()["removed"] == ["stoke-copy"]


def test_the_log_has_method_path_status_count_and_time_and_never_a_child_or_a_date(client, server):
    client.post("/v1/evaluate", example_request())
    client.post("/v1/caseload?policy=york&as_of=2025-11-01", _lines(_many(3)), content_type="application/x-ndjson")
    client.get(f"/v1/policies/{CHILD}")  # a client that puts a child in a path
    client.get(f"/v1/children/{CHILD}/2025-02-03")
    log = server.log.read_text()
    assert "GET /v1/policies/{policy} 404 " in log and "GET - 404 " in log
    assert re.search(r"INFO POST /v1/evaluate 200 children=1 \d+\.\dms$", log, re.M)
    assert re.search(r"INFO POST /v1/caseload 200 children=3 ", log)
    assert "as_of" not in log and "?" not in log
    for secret in (CHILD, "SYN-", "2025-02-03", "2025-04-01", "2025-11-01"):
        assert secret not in log, secret


@pytest.fixture(scope="module")
def hurried(tmp_path_factory):
    started = Server(tmp_path_factory.mktemp("hurried") / "server.log", "--timeout", "1.5", "--threads", "1")
    yield Client(started)
    started.stop()


def _long_histories(count: int) -> list[dict[str, Any]]:
    """Children in care from birth with 34 reviews held and no task ever recorded: a few
    events to read, hundreds of obligations each to compute (about 60 times the work)."""
    return [
        {"child": {"id": f"LONG-{k:04d}", "dob": "2007-12-15"},
         "events": [{"type": "became_looked_after", "date": f"2008-{1 + k % 12:02d}-{1 + k % 28:02d}", "legal_status": "ico"}]
         + [{"type": "review_held", "date": f"{2008 + j // 2}-{3 + 6 * (j % 2):02d}-{1 + k % 28:02d}"} for j in range(34)]}
        for k in range(count)
    ]


def test_a_request_over_the_time_limit_is_a_503_and_a_stream_is_cut_so_the_client_sees_it(hurried):
    # Reading and checking these 500 children takes about a tenth of a second, evaluating them
    # several seconds: the 1.5-second limit falls between the two on a fast or a slow machine.
    request = {"policy": "york", "cases": _long_histories(500), "as_of": "2025-11-01", "backend": "python"}
    data = assert_problem(hurried.post("/v1/evaluate", request), 503, "time-limit")
    assert "1.5-second limit" in data["detail"]
    with pytest.raises(http.client.IncompleteRead):
        hurried.post("/v1/evaluate", request, accept="application/x-ndjson")
    assert hurried.get("/healthz").status == 200
    assert "aborted: the request took longer" in hurried.server.log.read_text()


def _asgi_get(app, path: str) -> tuple[int, bytes]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    # On a thread of its own: a session's browser (Playwright) keeps an event loop running on this one.
    failed: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(app(scope, receive, send))
        except BaseException as exc:  # re-raised on the test's thread
            failed.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the app did not answer within 60 s"
    if failed:
        raise failed[0]
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_an_unexpected_error_is_a_500_problem_document_with_no_internals_and_logged_without_its_message(monkeypatch, caplog):
    from reviewrules.server import _routes_policies, create_app

    def broken(policy, fmt):
        raise RuntimeError(f"{CHILD} born 2012-05-01")

    monkeypatch.setattr(_routes_policies, "render_card", broken)
    status, body = _asgi_get(create_app(), "/v1/policies/york/card")
    data = json.loads(body)
    assert (status, data["code"], data["status"]) == (500, "internal", 500)
    assert CHILD not in body.decode() and "RuntimeError" not in body.decode()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "internal error RuntimeError at " in logged and "_routes_policies.py" in logged
    assert CHILD not in logged and "2012-05-01" not in logged


def test_serve_without_the_server_extra_says_how_to_install_it_in_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    code, out, err = run_cli("serve")
    assert (code, out) == (2, "")
    assert err == "reviewrules serve: the server extra is not installed: pip install 'reviewrules[server]'\n"


def test_serve_refuses_a_bad_limit_a_missing_folder_and_a_folder_policy_that_does_not_load(tmp_path):
    assert run_cli("serve", "--max-cases", "0")[2] == "reviewrules serve: --max-cases: must be at least 1, not 0\n"
    assert "no such folder" in run_cli("serve", "--policies", str(tmp_path / "none"))[2]
    shutil.copy(FIXTURES / "invalid" / "offset-no-unit.yaml", tmp_path / "bad.yaml")
    code, _, err = run_cli("serve", "--policies", str(tmp_path), "--port", "0")
    assert code == 2 and "offset of 20 has no unit" in err


def test_serve_binds_to_loopback_by_default():
    import argparse

    from reviewrules.cli._serve_command import add_serve_command

    parser = argparse.ArgumentParser()
    add_serve_command(parser.add_subparsers())
    assert parser.parse_args(["serve"]).host == "127.0.0.1"


def test_every_endpoint_and_every_status_it_declares_was_exercised_and_matched_the_openapi(spec):
    declared = {(m.upper(), p) for p, ops in spec.document["paths"].items() for m in ops}
    seen = {(m, p) for m, p, s in spec.covered if s != "405"}
    assert declared - seen == set()
    statuses = {s for _, _, s in spec.covered}
    assert {"200", "400", "404", "405", "413", "415", "422"} <= statuses
