"""Language layer: contact facts, brief guidance, the fine-guidance composer, the claim checker, the LLM backend."""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from dexgys.errors import DexgysError
from dexgys.language import (
    CONTACT_THRESHOLD,
    FINGERS,
    INTENTS,
    SYSTEM_PROMPT,
    ContactFacts,
    LLMConfig,
    action_id_from_intent,
    annotate,
    brief_guidance,
    build_prompts,
    check_instruction,
    compose,
    count_words,
    intent_from_action_id,
    verify_sentence,
)

# object parts per category (a realistic spread, plus parts with odd names)
PARTS = {
    "mug": ["body", "handle"],
    "trigger_sprayer": ["bottle", "head", "trigger", "nozzle"],
    "lotion_pump": ["bottle", "pump_head", "nozzle"],
    "knife": ["blade", "handle"],
    "hammer": ["handle", "head"],
    "bottle": ["body", "neck", "cap"],
    "scissors": ["blades", "handle_loops"],
    "wineglass": ["bowl", "stem", "base"],
    "power_drill": ["body", "handle", "trigger", "battery"],
    "teapot": ["body", "handle", "lid", "spout"],
    "flashlight": ["body", "head", "button"],
    "pen": ["barrel", "cap", "tip"],
    "apple": ["body"],
    "cameras": ["body", "lens", "shutter_button"],
    "fryingpan": ["pan", "handle"],
    "headphones": ["headband", "earcups"],
    "eyeglasses": ["frame", "temples", "lenses"],
    "stapler": ["top", "base"],
    "gamecontroller": ["grip", "buttons", "joystick"],
    "my_gadget": ["thumb_rest", "ring", "side_panel"],
}
# the part a receiver needs, for "hand over"
FREE = {
    "mug": ["handle"],
    "knife": ["handle"],
    "hammer": ["handle"],
    "scissors": ["handle_loops"],
    "trigger_sprayer": ["trigger", "head"],
    "power_drill": ["handle"],
    "teapot": ["handle"],
    "fryingpan": ["handle"],
    "headphones": ["earcups"],
}


def random_case(rng: random.Random):
    """Random category, intent and facts: 1-6 hand parts (single fingers and palm-only included)."""
    cat = rng.choice(sorted(PARTS))
    parts = PARTS[cat]
    k = rng.choice([1, 1, 2, 3, 4, 5, 5, 6])
    hand = rng.sample(FINGERS, k)
    facts = ContactFacts({f: rng.sample(parts, min(len(parts), rng.choice([1, 1, 1, 2]))) for f in hand})
    intent = rng.choice(INTENTS)
    free = FREE.get(cat) if intent == "hand over" else None
    return cat, intent, facts, free


TRIGGER_USE = ContactFacts(
    {"forefinger": ["trigger"], "thumb": ["head"], "middle": ["head"], "ring": ["head"], "little": ["head"]}
)


# ---- contact facts ---------------------------------------------------------------------------
def test_contact_text_groups_fingers_with_grammar():
    assert TRIGGER_USE.to_text() == (
        "forefinger touches the trigger; thumb, middle finger, ring finger and little finger touch the head"
    )
    f = ContactFacts({"thumb": ["cap"], "index finger": {"cap"}, "Palm": "body", "pinky": ["body", "neck"]})
    assert f.to_text() == (
        "little finger touches the body and the neck; palm touches the body; thumb and forefinger touch the cap"
    )
    assert ContactFacts({"thumb": ["pump_head"]}).to_text() == "thumb touches the pump head"
    assert (
        ContactFacts({"ring": ["handle_loops"], "middle": ["handle_loops"]}).to_text()
        == "middle finger and ring finger touch the handle loops"
    )


def test_contact_facts_are_canonical_and_hashable():
    a = ContactFacts({"palm": ["body"], "thumb": ["handle", "body"], "ring": []})
    b = ContactFacts.from_dict({"thumb": ("body", "handle"), "palm": {"body"}})
    assert a == b and hash(a) == hash(b)
    assert a.contacts == (("thumb", ("body", "handle")), ("palm", ("body",)))
    assert a.fingers == ("thumb", "palm") and a.parts == ("body", "handle")
    assert a.fingers_on("body") == ("thumb", "palm") and a.fingers_on("body", digits_only=True) == ("thumb",)
    assert a.touches("thumb", "handle") and not a.touches("ring", "body")
    assert a.as_dict() == {"thumb": ["body", "handle"], "palm": ["body"]}
    with pytest.raises(DexgysError):
        ContactFacts({"sixth finger": ["body"]})
    with pytest.raises(DexgysError):
        ContactFacts({"thumb": ["bad/name"]})


def test_contacts_from_distances_apply_the_threshold():
    assert CONTACT_THRESHOLD == 0.005
    d = {
        "thumb": {"cap": 0.004, "body": 0.02},
        "forefinger": {"cap": -0.001},
        "middle": {"cap": 0.005},
        "ring": {"body": 0.0051},
        "palm": {"body": float("inf")},
    }
    f = ContactFacts.from_distances(d)
    assert f.as_dict() == {"thumb": ["cap"], "forefinger": ["cap"], "middle": ["cap"]}
    assert ContactFacts.from_distances(d, threshold=0.03).touches("palm", "body") is False
    assert ContactFacts.from_distances(d, threshold=0.03).touches("ring", "body")
    with pytest.raises(DexgysError):
        ContactFacts.from_distances({"thumb": {"cap": float("nan")}})


# ---- brief guidance ----------------------------------------------------------------------------
def test_brief_guidance_and_action_ids():
    assert brief_guidance("use", "trigger_sprayer") == "use the trigger sprayer"
    assert brief_guidance("hand_over", "mug") == "hand over the mug"
    assert brief_guidance("lift", "power_drill") == "lift the power drill"
    assert brief_guidance("hold", "fryingpan") == "hold the frying pan"
    assert brief_guidance("hand over", "trigger_sprayer", keep_underscores=True) == "hand over the trigger_sprayer"
    for i, name in enumerate(["use", "hold", "lift", "hand over"], start=1):
        assert intent_from_action_id(f"{i:04d}") == name == intent_from_action_id(i)
        assert action_id_from_intent(name) == f"{i:04d}"
    for bad in ("0005", "x", 0):
        with pytest.raises(DexgysError):
            intent_from_action_id(bad)
    with pytest.raises(DexgysError):
        brief_guidance("throw", "mug")


# ---- composer ----------------------------------------------------------------------------------
def test_composer_paper_example_is_true_and_starts_from_the_brief():
    for seed in range(20):
        s = compose(TRIGGER_USE, "trigger_sprayer", "use", seed=seed)
        assert 10 <= count_words(s) <= 20, s
        assert "trigger sprayer" in s and s[0].isupper() and s.endswith(".")
        assert verify_sentence(s, TRIGGER_USE, PARTS["trigger_sprayer"], category="trigger_sprayer") == [], s


def test_composer_word_count_truth_determinism_and_variety():
    rng = random.Random(0)
    sentences = []
    for i in range(500):
        cat, intent, facts, free = random_case(rng)
        s = compose(facts, cat, intent, seed=i, free_parts=free)
        n = count_words(s)
        assert 10 <= n <= 20, (n, s)
        names = PARTS[cat]
        assert verify_sentence(s, facts, names, category=cat) == [], (facts.to_text(), s)
        if i % 50 == 0:
            assert compose(facts, cat, intent, seed=i, free_parts=free) == s  # deterministic
        sentences.append(s)
    assert len(set(sentences)) / len(sentences) >= 0.7


def test_composer_single_finger_and_palm_only():
    for d, cat in [({"palm": ["body"]}, "apple"), ({"little": ["handle"]}, "mug"), ({"thumb": ["cap"]}, "bottle")]:
        f = ContactFacts(d)
        for intent in INTENTS:
            for seed in range(5):
                s = compose(f, cat, intent, seed=seed)
                assert 10 <= count_words(s) <= 20 and verify_sentence(s, f, PARTS[cat], category=cat) == [], s
    with pytest.raises(DexgysError):
        compose(ContactFacts({}), "mug", "use")


def test_composer_seeds_vary_the_phrasing():
    outs = {compose(TRIGGER_USE, "trigger_sprayer", "use", seed=s) for s in range(30)}
    assert len(outs) >= 20
    openings = {s.split()[0] for s in outs}
    assert len(openings) >= 3  # "To", "Use", "When", "For"...


def test_hand_over_says_what_is_left_free_only_when_it_is():
    holds_body = ContactFacts({"thumb": ["body"], "forefinger": ["body"], "middle": ["body"], "palm": ["body"]})
    said = [compose(holds_body, "mug", "hand over", seed=s, free_parts=["handle"]) for s in range(20)]
    assert sum("handle" in s for s in said) >= 15
    for s in said:
        assert verify_sentence(s, holds_body, PARTS["mug"], category="mug") == []
    holds_handle = ContactFacts({"thumb": ["handle"], "forefinger": ["handle"]})
    for s in range(10):
        sent = compose(holds_handle, "mug", "hand over", seed=s, free_parts=["handle"])
        assert "free" not in sent and "untouched" not in sent


def test_free_parts_for_other_intents_name_no_receiver():
    f = ContactFacts({"thumb": ["handle"], "forefinger": ["handle"], "middle": ["handle"]})
    said = [compose(f, "teapot", "use", seed=s, free_parts=["spout"]) for s in range(20)]
    assert any("spout" in s for s in said)
    assert not any("receiver" in s or "person" in s for s in said)


def test_composer_does_not_depend_on_hash_seed():
    code = (
        "from dexgys.language import compose, ContactFacts as C;"
        "print(compose(C({'ring':['body','neck'],'thumb':['cap'],'forefinger':['cap'],'palm':['body']}),"
        "'bottle','use',seed=7))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": h},
        ).stdout
        for h in ("1", "2")
    }
    assert len(outs) == 1


# ---- the claim checker -----------------------------------------------------------------------------
def test_verify_sentence_reads_claims():
    parts = PARTS["trigger_sprayer"]
    ok = [
        "To use a trigger sprayer, press the trigger with your forefinger and hold the head with your other fingers.",
        "With your index finger, pull the trigger while the other four fingers wrap around the head.",
        "Use the sprayer with your forefinger on the trigger and your thumb, middle, ring and little fingers around the head.",
        "Pull the trigger with your forefinger, keeping the nozzle free.",
    ]
    for s in ok:
        assert verify_sentence(s, TRIGGER_USE, parts, category="trigger_sprayer") == [], s
    bad = {
        "To use a trigger sprayer, press the trigger with your thumb and hold the head with your other fingers.": "claims thumb touches trigger",
        "To use a trigger sprayer, press the trigger with your forefinger and wrap your other fingers around the bottle.": "claims thumb touches bottle",
        "Pinch the trigger between your thumb and forefinger.": "claims thumb touches trigger",
        "Cradle the head in your palm and press the trigger with your forefinger.": "claims palm touches head",
        "Squeeze the trigger with your forefinger, leaving the head free.": "claims head is free, but thumb touches it",
        "Hold the sprayer by the nozzle and pull the trigger with your index finger.": "claims the hand touches nozzle",
    }
    for s, problem in bad.items():
        assert problem in verify_sentence(s, TRIGGER_USE, parts, category="trigger_sprayer"), s
    # without the category, "trigger sprayer" itself reads as the trigger
    assert verify_sentence("Use the trigger sprayer with your thumb.", ContactFacts({"thumb": ["head"]}), parts)


# ---- annotate and the LLM backend ----------------------------------------------------------------
class _FakeLLM:
    """An OpenAI-style chat endpoint on 127.0.0.1 returning canned replies."""

    def __init__(self, replies: list[tuple[int, str]]):
        self.replies = list(replies)
        self.requests: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                code, text = owner.replies.pop(0) if len(owner.replies) > 1 else owner.replies[0]
                payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/v1"


GOOD = "To use a trigger sprayer, press the trigger with your forefinger and hold the head with your other fingers."


def test_annotate_composer_backend():
    a = annotate({"forefinger": ["trigger"], "thumb": ["head"]}, "trigger_sprayer", "use", seed=3)
    assert a.backend == "composer" and a.action_id == "0001" and a.brief == "use the trigger sprayer"
    assert a.contacts == "thumb touches the head; forefinger touches the trigger"
    assert 10 <= count_words(a.fine) <= 20 and a.note is None
    with pytest.raises(DexgysError):
        annotate(TRIGGER_USE, "mug", "use", backend="gpt")


def test_llm_backend_uses_paper_prompts_and_caches(tmp_path):
    with _FakeLLM([(200, f'"{GOOD}"')]) as srv:
        cfg = LLMConfig(base_url=srv.url, model="test-model", api_key="k", cache_dir=tmp_path, backoff=0)
        a = annotate(
            TRIGGER_USE, "trigger_sprayer", "use", backend="llm", llm_config=cfg, part_names=PARTS["trigger_sprayer"]
        )
        assert a.backend == "llm" and a.fine == GOOD
        assert len(srv.requests) == 1
        req = srv.requests[0]
        assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer k"
        msgs = req["body"]["messages"]
        assert req["body"]["model"] == "test-model"
        assert msgs[0] == {"role": "system", "content": SYSTEM_PROMPT}
        assert (
            msgs[1]["content"]
            == build_prompts(TRIGGER_USE, "trigger_sprayer", "use")[1]
            == (
                "Brief instruction: To use a trigger sprayer. Hand-object interaction information: forefinger "
                "touches the trigger; thumb, middle finger, ring finger and little finger touch the head."
            )
        )
        again = annotate(TRIGGER_USE, "trigger_sprayer", "use", backend="llm", llm_config=cfg)
        assert again.fine == GOOD and again.backend == "llm"
        assert len(srv.requests) == 1  # served from the cache
        assert len(list(tmp_path.glob("*.json"))) == 1


def test_llm_backend_retries_server_errors(tmp_path):
    with _FakeLLM([(503, "busy"), (200, GOOD)]) as srv:
        cfg = LLMConfig(base_url=srv.url, model="m", cache_dir=tmp_path, backoff=0, retries=2)
        a = annotate(TRIGGER_USE, "trigger_sprayer", "use", backend="llm", llm_config=cfg)
        assert a.backend == "llm" and len(srv.requests) == 2


def test_llm_falls_back_when_endpoint_is_down(tmp_path, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends
    cfg = LLMConfig(
        base_url=f"http://127.0.0.1:{port}/v1", model="m", cache_dir=tmp_path, retries=1, backoff=0, timeout=2
    )
    with caplog.at_level(logging.WARNING, logger="dexgys.language"):
        a = annotate(TRIGGER_USE, "trigger_sprayer", "use", seed=1, backend="llm", llm_config=cfg)
    assert a.backend == "composer" and a.note and a.fine == compose(TRIGGER_USE, "trigger_sprayer", "use", seed=1)
    assert any("LLM not used" in r.getMessage() for r in caplog.records)


def test_llm_falls_back_when_reply_claims_a_false_contact(tmp_path, caplog):
    lie = "To use a trigger sprayer, pull the trigger with your thumb and wrap your other fingers around the head."
    with _FakeLLM([(200, lie)]) as srv:
        cfg = LLMConfig(base_url=srv.url, model="m", cache_dir=tmp_path, backoff=0)
        with caplog.at_level(logging.WARNING, logger="dexgys.language"):
            a = annotate(TRIGGER_USE, "trigger_sprayer", "use", backend="llm", llm_config=cfg)
        assert a.backend == "composer" and "thumb touches trigger" in a.note
        assert any("LLM not used" in r.getMessage() for r in caplog.records)
        assert not list(tmp_path.glob("*.json"))  # a rejected reply is not cached


def test_llm_config_comes_from_environment(monkeypatch):
    monkeypatch.delenv("DEXGYS_LLM_BASE_URL", raising=False)
    with pytest.raises(DexgysError, match="DEXGYS_LLM_BASE_URL"):
        annotate(TRIGGER_USE, "trigger_sprayer", "use", backend="llm")
    monkeypatch.setenv("DEXGYS_LLM_BASE_URL", "http://127.0.0.1:1/v1/")
    monkeypatch.setenv("DEXGYS_LLM_MODEL", "env-model")
    cfg = LLMConfig().resolved()
    assert cfg.base_url == "http://127.0.0.1:1/v1" and cfg.model == "env-model"


# ---------------------------------------------------------------------- the instruction check
def test_check_instruction_strips_valid_text():
    assert check_instruction("  use the sprayer: press the trigger \n") == "use the sprayer: press the trigger"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("   \t\n", "empty"),
        (None, "must be a string"),
        (42, "must be a string"),
        ("用食指按下喷雾器的扳机", "not English"),
        ("возьми кружку за ручку", "not English"),
        ("x" * 1001, "1001 characters"),
        ("1234 !!! ???", "no words"),
    ],
)
def test_check_instruction_errors(text, message):
    with pytest.raises(DexgysError, match=message):
        check_instruction(text)
