#!/usr/bin/env python3
"""Writes src/api/test_state/mock_shapes.json: the output shapes of the AWS APIs whose mocked results
TestState validates (`fieldValidationMode`), taken from botocore's service models.

Usage: python3 scripts/gen-mock-shapes.py  (needs botocore installed)
"""
import gzip
import json
import os

import botocore

SERVICES = ["lambda", "dynamodb", "sqs", "sns", "events", "stepfunctions", "s3", "kms"]


def load(service):
    root = os.path.join(os.path.dirname(botocore.__file__), "data", service)
    version = sorted(os.listdir(root))[-1]
    path = os.path.join(root, version, "service-2.json")
    if os.path.exists(path + ".gz"):
        return json.load(gzip.open(path + ".gz"))
    return json.load(open(path))


def compact(shapes, name, out):
    if name in out:
        return
    shape = shapes[name]
    kind = shape["type"]
    if kind == "structure":
        node = {"type": "structure", "members": {m: v["shape"] for m, v in shape.get("members", {}).items()}}
        if shape.get("required"):
            node["required"] = shape["required"]
        out[name] = node
        for member in node["members"].values():
            compact(shapes, member, out)
    elif kind == "list":
        out[name] = {"type": "list", "member": shape["member"]["shape"]}
        compact(shapes, shape["member"]["shape"], out)
    elif kind == "map":
        out[name] = {"type": "map", "value": shape["value"]["shape"]}
        compact(shapes, shape["value"]["shape"], out)
    else:
        node = {"type": kind}
        for key in ("enum", "min", "max"):
            if key in shape:
                node[key] = shape[key]
        out[name] = node


def main():
    services = {}
    for service in SERVICES:
        model = load(service)
        shapes = model["shapes"]
        operations, out = {}, {}
        for op, spec in sorted(model["operations"].items()):
            if "output" in spec:
                operations[op] = spec["output"]["shape"]
                compact(shapes, spec["output"]["shape"], out)
        services[service] = {"operations": operations, "shapes": out}
    target = os.path.join(os.path.dirname(__file__), "..", "src", "api", "test_state", "mock_shapes.json")
    with open(target, "w") as f:
        json.dump({"botocore": botocore.__version__, "services": services}, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
