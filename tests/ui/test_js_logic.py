"""The client's pure JavaScript modules, under Node's own test runner.

Node is a development tool here, never needed at run time."""

import shutil
import subprocess
from pathlib import Path

import pytest

JS_TESTS = Path(__file__).resolve().parent / "js"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed; the JS logic tests need it")
def test_client_logic_under_node():
    result = subprocess.run(
        ["node", "--test", *sorted(str(p) for p in JS_TESTS.glob("*.test.mjs"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_pages_codes_mirror_messenger_errors():
    import re

    from messenger import errors

    source = (Path(__file__).resolve().parents[2] / "static/js/lib/codes.js").read_text()
    error_block = source.split("export const ERROR", 1)[1].split("});", 1)[0]
    close_block = source.split("export const CLOSE", 1)[1].split("});", 1)[0]
    page_errors = dict(re.findall(r"(\w+): \"(\w+)\"", error_block))
    page_closes = {name: int(code) for name, code in re.findall(r"(\w+): (\d+)", close_block)}
    server_errors = {name: value for name, value in vars(errors).items() if name.isupper() and isinstance(value, str)}
    server_closes = {
        name.removeprefix("CLOSE_"): value
        for name, value in vars(errors).items()
        if name.startswith("CLOSE_") and isinstance(value, int)
    }
    assert page_errors == server_errors
    assert page_closes == server_closes
