"""The nemesis's steady mixed load and its record of everything clients were told.

Starters start executions of one state machine through every node: an activity task with heartbeats,
a Wait and an inline Map. Workers long-poll the activity through every node, heartbeat, and complete with
SendTaskSuccess; one task in ten is taken and abandoned, so its heartbeat timeout must fire. Every call is
recorded with its send time and answer, for the checker and for availability figures."""
import json
import random
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from dataclasses import field

HEARTBEAT_SECONDS = 6
WAIT_SECONDS = 2
ABANDON_EVERY = 10

DEFINITION = {
    "StartAt": "Work",
    "States": {
        "Work": {"Type": "Task", "Resource": None, "HeartbeatSeconds": HEARTBEAT_SECONDS, "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": WAIT_SECONDS, "Next": "Fanout"},
        "Fanout": {
            "Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.fanout",
            "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}},
            "End": True,
        },
    },
}


class CallFailed(Exception):
    """A call that got no answer (`code` is `unreachable` or `timeout`) or an AWS error (`code`)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(f"{code}: {message}")
        self.code = code


def call(api: str, operation: str, body: dict, timeout: float = 5.0) -> dict:
    request = urllib.request.Request(
        f"http://{api}/", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AWSStepFunctions.{operation}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        try:
            error = json.loads(e.read())
            raise CallFailed(error.get("__type", f"HTTP {e.code}").split("#")[-1], error.get("message", ""))
        except ValueError:
            raise CallFailed(f"HTTP {e.code}")
    except TimeoutError:
        raise CallFailed("timeout")
    except (urllib.error.URLError, OSError) as e:
        raise CallFailed("timeout" if "timed out" in str(e) else "unreachable", str(e))


@dataclass
class Attempt:
    """One call as the client saw it: when it was sent, when the answer came, and the answer's code."""
    operation: str
    node: int
    sent: float
    answered: float
    code: str  # "ok" or an error code


@dataclass
class Record:
    """What clients were told, shared by the load threads."""
    attempts: list = field(default_factory=list)
    started: dict = field(default_factory=dict)  # execution ARN -> input, acknowledged StartExecution
    maybe_started: set = field(default_factory=set)  # execution ARNs whose StartExecution got no answer
    successes: dict = field(default_factory=dict)  # execution ARN -> output of an acknowledged SendTaskSuccess
    maybe_successes: dict = field(default_factory=dict)  # execution ARN -> output sent without an answer
    heartbeats: dict = field(default_factory=dict)  # execution ARN -> (send time, node) of the last acknowledged heartbeat
    tokens_seen: dict = field(default_factory=dict)  # task token -> times GetActivityTask handed it out
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attempt(self, operation: str, node: int, sent: float, code: str) -> None:
        with self.lock:
            self.attempts.append(Attempt(operation, node, sent, time.time(), code))


class Load:
    """Starters and workers against `apis` (node id -> API address) until `stop()`."""

    def __init__(self, apis: dict, rate: float, workers: int, record: Record):
        self.apis, self.rate, self.record = apis, rate, record
        self.stopping = threading.Event()
        self.starting = threading.Event()
        self.starting.set()
        self.sequence = 0
        self.threads = [threading.Thread(target=self.starter, daemon=True)]
        self.threads += [threading.Thread(target=self.worker, args=(w,), daemon=True) for w in range(workers)]

    def setup(self) -> str:
        api = next(iter(self.apis.values()))
        activity = call(api, "CreateActivity", {"name": "nemesis-work"})["activityArn"]
        definition = json.loads(json.dumps(DEFINITION))
        definition["States"]["Work"]["Resource"] = activity
        self.machine = call(api, "CreateStateMachine", {
            "name": "nemesis-mixed", "definition": json.dumps(definition),
            "roleArn": "arn:aws:iam::123456789012:role/nemesis",
        })["stateMachineArn"]
        self.activity = activity
        return self.machine

    def run(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop_starting(self) -> None:
        self.starting.clear()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=75)

    def pick(self) -> tuple:
        node = random.choice(list(self.apis))
        return node, self.apis[node]

    def timed(self, operation: str, body: dict, timeout: float = 5.0) -> tuple:
        node, api = self.pick()
        sent = time.time()
        try:
            answer = call(api, operation, body, timeout)
            self.record.attempt(operation, node, sent, "ok")
            return answer, None, sent, node
        except CallFailed as e:
            self.record.attempt(operation, node, sent, e.code)
            return None, e.code, sent, node

    def starter(self) -> None:
        next_at = time.monotonic()
        while not self.stopping.is_set():
            next_at += 1.0 / self.rate
            time.sleep(max(0.0, next_at - time.monotonic()))
            if not self.starting.is_set():
                continue
            self.sequence += 1
            name = f"n{self.sequence:06d}"
            arn = self.machine.replace(":stateMachine:", ":execution:") + f":{name}"
            document = {"id": self.sequence, "abandon": self.sequence % ABANDON_EVERY == 0, "items": [1, 2, 3]}
            answer, code, _, _ = self.timed("StartExecution", {
                "stateMachineArn": self.machine, "name": name, "input": json.dumps(document)})
            with self.record.lock:
                if answer:
                    self.record.started[arn] = document
                elif code in ("timeout", "unreachable", "ServiceUnavailable", "InternalError"):
                    self.record.maybe_started.add(arn)

    def worker(self, number: int) -> None:
        while not self.stopping.is_set():
            task, code, _, _ = self.timed("GetActivityTask", {"activityArn": self.activity, "workerName": f"w{number}"},
                                       timeout=70)
            if not task or not task.get("taskToken"):
                if code:
                    time.sleep(0.2)
                continue
            token, document = task["taskToken"], json.loads(task["input"])
            arn = self.machine.replace(":stateMachine:", ":execution:") + f":n{document['id']:06d}"
            with self.record.lock:
                self.record.tokens_seen[token] = self.record.tokens_seen.get(token, 0) + 1
            if document["abandon"]:
                continue
            for _ in range(2):
                time.sleep(1.0)
                answer, _, sent, node = self.timed("SendTaskHeartbeat", {"taskToken": token})
                if answer is not None:
                    with self.record.lock:
                        self.record.heartbeats[arn] = (sent, node)
            output = json.dumps({"id": document["id"], "worker": number, "items": document["items"]})
            answer, code, _, _ = self.timed("SendTaskSuccess", {"taskToken": token, "output": output})
            with self.record.lock:
                if answer is not None:
                    self.record.successes[arn] = output
                elif code in ("timeout", "unreachable", "ServiceUnavailable", "InternalError"):
                    self.record.maybe_successes[arn] = output
