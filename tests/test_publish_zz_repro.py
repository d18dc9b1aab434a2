from typing import Any
from tests.test_publish import Desk
from tests.test_publish_ordering import perform, final_state, forget_state, forget_everything
import itertools

def test_repro(aws: dict[str, Any]) -> None:
    desk = Desk(aws)
    kinds = ["article", "broken", "draft", "delete article", "ebook", "pdf", "delete pdf"]
    for n in (1, 2, 3):
        for ops in itertools.product(kinds, repeat=n):
            if n == 3 and len(set(ops)) < 3: continue
            forget_everything(desk)
            records = perform(desk, list(ops))
            desk.send(*records)
            expected = final_state(desk)
            for perm in itertools.permutations(records):
                forget_state(desk)
                desk.send(*perm, *perm)
                got = final_state(desk)
                if got != expected:
                    print(ops, [r["s3"]["object"]["sequencer"][-2:] for r in perm])
                    for k in expected["reports"]:
                        if expected["reports"][k] != got["reports"].get(k): print("REPORT", k, expected["reports"][k], got["reports"].get(k))
                    for k in set(expected["items"]) | set(got["items"]):
                        if expected["items"].get(k) != got["items"].get(k): print("ITEM", k, expected["items"].get(k), got["items"].get(k))
                    raise AssertionError
