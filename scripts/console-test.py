#!/usr/bin/env python3
"""Browser test of the web console.

Starts a fresh statehouse server (SigV4 on, port 0, execution log to a file), creates through boto3 a
state machine with every kind of state, a finished, a failed and two running executions, and drives
headless Chromium (chromium-driver through Selenium) over every console page: the login, the state
machine list and page (graph nodes, nesting, Choice labels, dashed Catch edges, definition, versions,
tags), the execution list (status filter, paging through 120 executions), the execution pages (state
colours, why it failed, history rows and details, a live update arriving over server-sent events while
a worker fails the running task, Stop), activities (backlog and waiting pollers) and the cluster. Any
JavaScript console error fails the test. Screenshots go to the output directory.

Prints `ok - <check>` per check and ends with `N passed, N failed`; exits 1 on the first failure.
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config as BotoConfig
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ACCESS_KEY_ID = "AKIDCONSOLETEST"
SECRET_ACCESS_KEY = "console-test-secret-key"
REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/sfn"
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:orders:*"
WAIT_SECONDS = 20
BULK_EXECUTIONS = 120

# The colours of the outcome legend (console.css), as the browser computes them.
FILL = {
    "succeeded": "rgb(230, 244, 234)",
    "failed": "rgb(253, 236, 234)",
    "caught": "rgb(255, 244, 229)",
    "running": "rgb(232, 240, 254)",
    "notreached": "rgb(255, 255, 255)",
}


def orders_definition(activity_arn):
    """A machine with Choice, Parallel, Map, Wait, Pass, Task (Catch and a loop back), Succeed and Fail."""
    return json.dumps({
        "Comment": "Orders: express ones fan out, manual ones wait for approval, others are rejected",
        "StartAt": "CheckKind",
        "States": {
            "CheckKind": {"Type": "Choice", "Choices": [
                {"Variable": "$.kind", "StringEquals": "express", "Next": "Fan"},
                {"Variable": "$.kind", "StringEquals": "manual", "Next": "Approve"}],
                "Default": "Reject"},
            "Fan": {"Type": "Parallel", "Next": "Each", "ResultPath": None, "Branches": [
                {"StartAt": "Price", "States": {"Price": {"Type": "Pass", "Result": 42, "End": True}}},
                {"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 0, "End": True}}}]},
            "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.packed", "Next": "Done",
                     "ItemProcessor": {"StartAt": "Pack", "States": {"Pack": {"Type": "Pass", "End": True}}}},
            "Approve": {"Type": "Task", "Resource": activity_arn, "ResultPath": "$.approval",
                        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
                        "Next": "Done"},
            "Recover": {"Type": "Pass", "Next": "Again?"},
            "Again?": {"Type": "Choice", "Choices": [{"And": [
                {"Variable": "$.again", "IsPresent": True},
                {"Variable": "$.again", "BooleanEquals": True}], "Next": "Approve"}],
                "Default": "Done"},
            "Reject": {"Type": "Fail", "Error": "OrderRejected", "Cause": "Orders of this kind are not taken"},
            "Done": {"Type": "Succeed"},
        },
    })


BULK_DEFINITION = json.dumps({"StartAt": "Note", "States": {"Note": {"Type": "Pass", "End": True}}})


class Failed(Exception):
    """A failed check; `reported` once its `not ok` line is printed."""

    def __init__(self, message, reported=False):
        super().__init__(message)
        self.reported = reported


class Checks:
    def __init__(self):
        self.passed = 0

    def ok(self, name):
        self.passed += 1
        print(f"ok - {name}", flush=True)

    def fail(self, name, detail):
        print(f"not ok - {name}\n  {detail}", flush=True)
        raise Failed(name, reported=True)


class Server:
    """A statehouse process on a free loopback port with its own data directory."""

    def __init__(self, binary, work):
        self.work = work
        self.log_path = work / "execution-log.jsonl"
        config = work / "node.toml"
        config.write_text(f'execution_log = "{self.log_path}"\n')
        env = dict(os.environ, STATEHOUSE_ACCESS_KEY_ID=ACCESS_KEY_ID, STATEHOUSE_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
                   STATEHOUSE_ACTIVITY_POLL_SECONDS="20", RUST_LOG="warn")
        self.out = open(work / "server.out", "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--auth", "sigv4", "--config", str(config),
             "--data-dir", str(work / "data")],
            stdout=self.out, stderr=subprocess.STDOUT, env=env)
        self.address = self._announced()

    def _announced(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for line in (self.work / "server.out").read_text().splitlines():
                if line.startswith("statehouse listening on http://"):
                    return line.split("://", 1)[1]
            if self.process.poll() is not None:
                raise Failed("the server exited: " + (self.work / "server.out").read_text()[-2000:])
            time.sleep(0.05)
        raise Failed("the server did not announce its address within 60 s")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.out.close()


def sfn_client(address):
    return boto3.client(
        "stepfunctions", endpoint_url=f"http://{address}", region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
        config=BotoConfig(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60))


def wait_status(sfn, arn, wanted):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        status = sfn.describe_execution(executionArn=arn)["status"]
        if status == wanted:
            return
        time.sleep(0.05)
    raise Failed(f"{arn} did not reach {wanted} within {WAIT_SECONDS} s (last {status})")


def history_length(sfn, arn):
    return len(sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1100",
                     "--disable-gpu", "--no-first-run"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


class Console:
    """The browser on the console, with the checks a user would make."""

    def __init__(self, driver, base, checks, out):
        self.driver = driver
        self.base = base
        self.checks = checks
        self.out = out
        self.allowed_errors = []

    def open(self, hash_route):
        self.driver.get(f"{self.base}/console/{hash_route}")

    def until(self, name, condition, timeout=WAIT_SECONDS):
        """Waits (bounded) until `condition(driver)` holds; a check that passes or fails the test."""
        last = {}

        def probe(driver):
            try:
                value = condition(driver)
                last["value"] = value
                return value
            except Exception as error:  # noqa: BLE001 — the page may still be drawing
                last["error"] = repr(error)
                return False

        try:
            WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(probe)
        except TimeoutException:
            self.checks.fail(name, f"not true within {timeout} s (last: {last})")
        self.checks.ok(name)

    def css(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def text(self, selector):
        return " ".join(e.text for e in self.css(selector))

    def outcome(self, state):
        nodes = self.css(f'g.state[data-state="{state}"]')
        return nodes[0].get_attribute("data-outcome") if nodes else None

    def fill(self, state):
        return self.driver.execute_script(
            "const r = document.querySelector(`g.state[data-state=\"${arguments[0]}\"] > rect.state-box`);"
            "return r ? getComputedStyle(r).fill : null;", state)

    def coloured(self, state, outcome):
        return self.outcome(state) == outcome and self.fill(state) == FILL[outcome]

    def screenshot(self, name):
        path = self.out / f"{name}.png"
        self.driver.execute_script("window.scrollTo(0, 0)")
        self.driver.save_screenshot(str(path))
        return path

    def no_console_errors(self, page):
        errors = [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]
        unexpected = [e for e in errors if not any(allowed in e["message"] for allowed in self.allowed_errors)]
        if unexpected:
            self.checks.fail(f"no JavaScript console errors on {page}", json.dumps(unexpected, indent=2))
        self.allowed_errors = []
        self.checks.ok(f"no JavaScript console errors on {page}")


def run(binary, out, docs_screenshot, checks):
    work = pathlib.Path(tempfile.mkdtemp(prefix="console-test-"))
    server = Server(binary, work)
    driver = None
    poller = None
    try:
        sfn = sfn_client(server.address)
        activity = sfn.create_activity(name="approve-order")["activityArn"]
        idle = sfn.create_activity(name="idle-work")["activityArn"]
        orders = sfn.create_state_machine(
            name="orders", roleArn=ROLE_ARN, definition=orders_definition(activity),
            loggingConfiguration={"level": "ALL", "includeExecutionData": True,
                                  "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}]},
            tags=[{"key": "team", "value": "payments"}])["stateMachineArn"]
        bulk = sfn.create_state_machine(name="bulk", roleArn=ROLE_ARN, definition=BULK_DEFINITION)["stateMachineArn"]

        def start(name, data):
            return sfn.start_execution(stateMachineArn=orders, name=name, input=json.dumps(data))["executionArn"]

        finished = start("express-order", {"kind": "express", "items": [1, 2, 3]})
        failed = start("bad-order", {"kind": "bogus"})
        running = start("manual-order", {"kind": "manual"})
        wait_status(sfn, finished, "SUCCEEDED")
        wait_status(sfn, failed, "FAILED")
        to_stop = start("stop-me", {"kind": "manual"})
        for i in range(BULK_EXECUTIONS):
            sfn.start_execution(stateMachineArn=bulk, name=f"bulk-{i:03}")
        checks.ok("boto3 made a finished, a failed and two running executions, and 120 more")

        driver = browser()
        console = Console(driver, f"http://{server.address}", checks, out)

        # Login.
        console.open("")
        console.until("the console asks for an access key pair", lambda d: console.css("#login-form"))
        console.css("#access-key-id")[0].send_keys(ACCESS_KEY_ID)
        console.css("#secret-access-key")[0].send_keys("not-the-secret")
        console.css("#login-button")[0].click()
        console.until("a wrong secret is refused with the AWS error",
                      lambda d: "InvalidSignatureException" in console.text(".login-error"))
        console.allowed_errors = ["/console/api/login - Failed to load resource"]
        console.no_console_errors("the refused login")
        console.css("#access-key-id")[0].clear()
        console.css("#access-key-id")[0].send_keys(ACCESS_KEY_ID)
        console.css("#secret-access-key")[0].send_keys(SECRET_ACCESS_KEY)
        console.css("#login-button")[0].click()
        console.until("the right pair logs in", lambda d: console.css("#state-machines"))
        cookie = next((c for c in driver.get_cookies() if c["name"] == "statehouse_session"), None)
        if not cookie or not cookie["httpOnly"] or SECRET_ACCESS_KEY in cookie["value"]:
            checks.fail("the session cookie is HttpOnly and holds no secret", repr(cookie))
        if driver.execute_script("return document.cookie").find("statehouse_session") >= 0:
            checks.fail("scripts cannot read the session cookie", driver.execute_script("return document.cookie"))
        checks.ok("the session cookie is HttpOnly and holds no secret")

        # State machines.
        console.until("the list shows each machine's type, status and creation date", lambda d: all(
            word in console.text("#state-machines") for word in ["orders", "bulk", "STANDARD", "ACTIVE", "20"]))
        console.screenshot("state-machines")
        console.no_console_errors("the state machine list")

        console.css("a.machine-link")[[e.text for e in console.css("a.machine-link")].index("orders")].click()
        expected = {"CheckKind", "Fan", "Price", "Pause", "Each", "Pack", "Approve", "Recover", "Again?", "Reject",
                    "Done"}
        console.until("the graph draws every state, nested ones included",
                      lambda d: {e.get_attribute("data-state") for e in console.css("svg.sfn-graph g.state")} == expected)
        console.until("Parallel branches and the Map processor are boxes inside their state", lambda d: (
            console.css('g.state[data-state="Fan"] g.state[data-state="Price"]')
            and console.css('g.state[data-state="Fan"] g.state[data-state="Pause"]')
            and console.css('g.state[data-state="Each"] g.state[data-state="Pack"]')))
        console.until("Choice branches carry their conditions", lambda d: {
            '$.kind == "express"', '$.kind == "manual"', "Default"} <= {
            e.text for e in console.css('g.edge[data-from="CheckKind"] text.edge-label')})
        console.until("Catch edges are dashed", lambda d: driver.execute_script(
            "const p = document.querySelector('g.edge-catch[data-from=\"Approve\"] path');"
            "return p && getComputedStyle(p).strokeDasharray !== 'none';"))
        console.until("the loop back to Approve is drawn", lambda d: console.css('g.edge-loop[data-to="Approve"]'))
        console.until("the definition JSON is shown", lambda d: '"StartAt": "CheckKind"' in console.text(".definition-json"))
        console.until("versions and aliases show an empty section",
                      lambda d: console.css(".empty-versions") and console.css(".empty-aliases"))
        console.until("tags are listed", lambda d: "team" in console.text("#tag-table") and "payments" in console.text("#tag-table"))
        console.until("the machine's executions are listed", lambda d: all(
            name in console.text("#machine-executions") for name in ["express-order", "bad-order", "manual-order", "stop-me"]))
        console.css('g.state[data-state="Approve"]')[0].click()
        console.until("a clicked state shows its definition", lambda d: "approve-order" in console.text("#state-info"))
        console.screenshot("state-machine")
        console.no_console_errors("the state machine page")

        # Executions: filters and paging.
        console.open(f"#/executions?stateMachineArn={orders}&status=FAILED")
        console.until("the status filter keeps only failed executions",
                      lambda d: [e.text for e in console.css("a.execution-link")] == ["bad-order"])
        console.open(f"#/executions?stateMachineArn={bulk}")
        console.until("the first page holds 100 executions", lambda d: len(console.css("a.execution-link")) == 100)
        console.css("#next-page")[0].click()
        console.until("the second page holds the other 20", lambda d: len(console.css("a.execution-link")) == 20
                      and console.text("#page-number") == "Page 2")
        console.css("#previous-page")[0].click()
        console.until("paging back shows the first 100 again", lambda d: len(console.css("a.execution-link")) == 100
                      and console.text("#page-number") == "Page 1")
        console.screenshot("executions")
        console.no_console_errors("the execution list")

        # The failed execution.
        console.open(f"#/execution/{failed}")
        events = history_length(sfn, failed)
        console.until("the failed execution's history has one row per event",
                      lambda d: len(console.css("#history tr.history-row")) == events)
        console.until("it says why it failed", lambda d: console.text(".failure-error") == "OrderRejected"
                      and console.text(".failed-state") == "Reject" and "not taken" in console.text(".failure-cause"))
        console.until("the graph colours the path: Choice succeeded, Fail failed, the rest not reached", lambda d: (
            console.coloured("CheckKind", "succeeded") and console.coloured("Reject", "failed")
            and console.coloured("Approve", "notreached") and console.coloured("Fan", "notreached")))
        console.css('#history tr.history-row[data-event-id="1"]')[0].click()
        console.until("a history row expands to its details", lambda d: '"kind": "bogus"' in console.text("tr.history-details"))
        shot = console.screenshot("execution-failed")
        if docs_screenshot:
            shutil.copyfile(shot, docs_screenshot)
        console.no_console_errors("the failed execution")

        # The finished execution.
        console.open(f"#/execution/{finished}")
        console.until("every state on the finished path succeeded", lambda d: all(
            console.coloured(s, "succeeded") for s in ["CheckKind", "Fan", "Price", "Pause", "Each", "Pack", "Done"])
            and console.coloured("Approve", "notreached") and console.coloured("Reject", "notreached"))
        console.css('g.state[data-state="Each"] > text.container-title')[0].click()
        console.until("a state shows its input and output", lambda d: '"items"' in console.text("#state-info .state-input")
                      and '"packed"' in console.text("#state-info .state-output"))
        console.until("the finished execution's history is complete",
                      lambda d: len(console.css("#history tr.history-row")) == history_length(sfn, finished))
        console.screenshot("execution-succeeded")
        console.no_console_errors("the finished execution")

        # The running execution, then a live update.
        console.open(f"#/execution/{running}")
        console.until("the waiting task is coloured running", lambda d: console.coloured("Approve", "running")
                      and console.coloured("CheckKind", "succeeded"))
        console.until("a running execution can be stopped, and Redrive is hidden until the API has it",
                      lambda d: console.css("#stop") and not console.css("#redrive"))
        console.until("the page follows the execution live", lambda d: console.css("#live")[0].is_displayed())
        rows_before = len(console.css("#history tr.history-row"))
        task = sfn.get_activity_task(activityArn=activity, workerName="console-test")
        if json.loads(task["input"]).get("kind") != "manual":
            checks.fail("a worker takes the approval task", repr(task))
        sfn.send_task_failure(taskToken=task["taskToken"], error="Declined", cause="the card was declined")
        console.until("the failure arrives live: Approve caught, Recover and Done succeeded", lambda d: (
            console.coloured("Approve", "caught") and console.coloured("Recover", "succeeded")
            and console.coloured("Done", "succeeded") and console.text("#execution-status") == "SUCCEEDED"))
        console.until("the new events were added to the history without a reload",
                      lambda d: len(console.css("#history tr.history-row")) == history_length(sfn, running) > rows_before)
        console.until("the live stream closes with the execution", lambda d: not console.css("#live")[0].is_displayed())
        console.screenshot("execution-live")
        console.no_console_errors("the live execution")

        # Activities: backlog and a waiting poller.
        poller = threading.Thread(target=lambda: sfn_client(server.address).get_activity_task(activityArn=idle))
        poller.start()
        console.open("#/activities")
        console.until("the activity's backlog holds the waiting task", lambda d: console.text(
            'tr[data-activity="approve-order"] td.backlog') == "1")
        console.until("a worker waiting on an idle activity shows as a poller", lambda d: console.text(
            'tr[data-activity="idle-work"] td.pollers') == "1")
        console.screenshot("activities")
        console.no_console_errors("the activities")

        # Stop.
        console.open(f"#/execution/{to_stop}")
        console.until("the Stop button is offered", lambda d: console.css("#stop"))
        console.css("#stop")[0].click()
        console.css("#confirm-stop")[0].click()
        console.until("Stop aborts the execution", lambda d: console.text("#execution-status") == "ABORTED"
                      and console.coloured("Approve", "failed") and not console.css("#stop"))
        if sfn.describe_execution(executionArn=to_stop)["status"] != "ABORTED":
            checks.fail("the API sees the stop", sfn.describe_execution(executionArn=to_stop)["status"])
        checks.ok("the API sees the stop")
        console.no_console_errors("the stopped execution")

        # Cluster.
        console.open("#/cluster")
        console.until("the cluster page shows the leader and its role", lambda d: console.text("#leader") == "1"
                      and console.text('#nodes tr[data-node="1"] td.role') == "leader")
        console.until("the shard map shows 64 shards, all on node 1", lambda d: len(console.css("#shard-map .shard")) == 64
                      and {e.get_attribute("data-owner") for e in console.css("#shard-map .shard")} == {"1"})
        console.until("request rates and commit times are measured", lambda d: console.text(
            '#nodes tr[data-node="1"] td.request-rate').endswith("/s")
            and console.text('#nodes tr[data-node="1"] td.commit-time').endswith("ms"))
        console.screenshot("cluster")
        console.no_console_errors("the cluster")

        # The execution log the machine asked for.
        lines = [json.loads(line) for line in server.log_path.read_text().splitlines()]
        mine = [line for line in lines if line["execution_arn"] == failed]
        if [line["type"] for line in mine][-1:] != ["ExecutionFailed"] or json.loads(mine[0]["details"].get("input", "null")) != {"kind": "bogus"}:
            checks.fail("the execution log has the failed execution's events in CloudWatch format", json.dumps(mine)[:2000])
        checks.ok("the execution log has the failed execution's events in CloudWatch format")
    finally:
        if driver is not None:
            driver.quit()
        if poller is not None:
            poller.join(timeout=30)
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.environ.get("STATEHOUSE_BIN", "target/debug/statehouse"))
    parser.add_argument("--out", default=os.environ.get("CONSOLE_TEST_OUT", "target/console-test"))
    parser.add_argument("--docs-screenshot", help="also save the failed execution's page here (docs/console.png)")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    checks = Checks()
    try:
        run(args.binary, out, args.docs_screenshot, checks)
    except Failed as failure:
        if not failure.reported:
            print(f"not ok - {failure}")
        print(f"{checks.passed} passed, 1 failed")
        return 1
    print(f"screenshots in {out}")
    print(f"{checks.passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
