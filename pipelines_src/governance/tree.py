"""The lineage answers as readable trees: each link of the chain nested under the one before it."""

from typing import Any

Node = tuple[str, list["Node"]]


def render(root: Node) -> str:
    label, children = root
    lines = [label]
    _children(children, "", lines)
    return "\n".join(lines) + "\n"


def _children(children: list[Node], indent: str, lines: list[str]) -> None:
    for index, (label, grandchildren) in enumerate(children):
        last = index == len(children) - 1
        lines.append(f"{indent}{'└── ' if last else '├── '}{label}")
        _children(grandchildren, indent + ("    " if last else "│   "), lines)


def _leaf(label: str, value: Any) -> Node:
    return (f"{label}: {value if value not in (None, '') else '(not recorded)'}", [])


def _version(package: dict[str, Any]) -> Node:
    approval = package["approval"]
    if approval.get("by"):
        decision = f"{approval['status']} by {approval['by']} at {approval['at']} (per {approval['source']})"
    elif approval.get("approved_before"):
        decision = f"{approval['status']} before {approval['approved_before']}, approver unknown"
    else:
        decision = approval["status"]
    approval_lines = [_leaf("description", approval.get("description"))]
    if approval.get("note"):
        approval_lines.append((f"note: {approval['note']}", []))
    data = package["data"]
    data_lines = [_leaf("digest", data["digest"]), _leaf("feature encoding", data["feature_encoding"])]
    if data["feature_snapshot"]:
        data_lines.append(("feature snapshot", [_leaf(key, value) for key, value in data["feature_snapshot"].items()]))
    reports = [_leaf(name.replace("_", " "), uri) for name, uri in package["reports"].items()]
    build = package["build"]
    commit = (
        f"git commit {build['git_commit'] or '(not recorded)'}",
        [("training data", data_lines), ("reports", reports)],
    )
    execution = (
        f"build pipeline execution {build['pipeline_execution'] or '(not recorded)'}",
        [_leaf("trigger", build["trigger_reason"]), commit],
    )
    deployments = [
        (f"{entry['stage']}: {entry['endpoint']} ({entry['account']}) at {entry['time']}", [])
        for entry in package["deployments"]
    ]
    return (
        f"model package {package['arn']} (answers as {package['answers_as']})",
        [
            (f"approval: {decision}", approval_lines),
            _leaf("registered", package["created"]),
            ("deployments recorded", deployments) if deployments else _leaf("deployments recorded", None),
            execution,
        ],
    )


def lineage_tree(answer: dict[str, Any]) -> str:
    endpoint = answer["endpoint"]
    served_by = answer["served_by"]
    version = _version(answer["model_package"])
    config = answer["endpoint_config"]
    if config is None:
        chain: Node = ("endpoint config: not retained", [version])
    else:
        model = config["model"]
        chain = (
            f"endpoint config {config['name']} (created {config['created']}, variant {config['variant']})",
            [(f"model {model['name']} (created {model['created']})", [version])],
        )
    evidence = f"version chosen by {served_by['evidence']}"
    if served_by["deployment"]:
        deployment = served_by["deployment"]
        evidence += f"; deployed to {deployment['stage']} at {deployment['time']}"
    inference = answer["inference"]
    if inference is None:
        head = f"endpoint {endpoint['name']} ({endpoint['account']}) " + (
            f"at {answer['at']}" if answer["at"] else "now")
        children = [(evidence, []), chain]
    else:
        head = f"inference {inference['inference_id'] or inference['event_id']} at {inference['time']}"
        children = [
            _leaf("event id", inference["event_id"]),
            (f"captured in {inference['capture_file']} (line {inference['line']})", []),
            (f"endpoint {endpoint['name']} ({endpoint['account']}), variant {inference['variant']}", []),
            _leaf("answered as", inference["answered_as"]),
            (evidence, []),
            chain,
        ]
    children += [(f"note: {note}", []) for note in answer["notes"]]
    return render((head, children))


def predictions_tree(answer: dict[str, Any]) -> str:
    package = answer["model_package"]
    periods = [(f"from {period['from']} until {period['until'] or 'now'}", []) for period in answer["served"]]
    rows = [
        (f"{item['time']}  {item['inference_id'] or '-'}  event {item['event_id'] or '-'}  "
         f"variant {item['variant']}  ({item['evidence']})", [])
        for item in answer["predictions"]
    ]
    shown = f"{len(rows)} shown" + (f", more beyond --limit {answer['limit']}" if answer["truncated"] else "")
    return render((
        f"predictions of {package['arn']} (answers as {package['answers_as']}) on {answer['endpoint']['name']}",
        [
            ("served, per the deployment records", periods) if periods else _leaf("served, per the deployment records", None),
            (f"captured requests ({shown})", rows),
        ],
    ))
