"""Optional LLM backend: the paper's GPT-3.5 step, on any OpenAI-compatible chat endpoint.

The prompts are the paper's, verbatim (DexGYS A.2.1; ``reference/dexgys-paper.md`` §2.3),
including its typos ("fine-gained", "Your task is generate"). The request is a plain
``POST {base_url}/chat/completions`` made with the standard library, with a timeout,
retries with exponential backoff on network errors, 429 and 5xx, and an on-disk JSON
cache keyed by a hash of (model, system prompt, user prompt), written atomically so that
parallel shards can share it. Replies are validated (one sentence of about 10–20 words
whose contact claims :func:`~dexgys.language.verify.verify_sentence` accepts); the caller
(:func:`~dexgys.language.annotate.annotate`) falls back to the composer otherwise.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dexgys.atomic import atomic_write_text
from dexgys.errors import DexgysError
from dexgys.language.brief import normalize_intent
from dexgys.language.contacts import ContactFacts
from dexgys.language.verify import verify_sentence
from dexgys.language.words import category_phrase, count_words

log = logging.getLogger("dexgys.language")

#: The paper's system prompt, verbatim (A.2.1).
SYSTEM_PROMPT = (
    "You are an assistant in creating language instruction, aimed at guiding robot on how to grasp "
    "objects. Given a brief instruction and a fine-gained interaction information. Your task is "
    "generate a natural and more informative instruction. The instruction should start with the "
    "given brief instruction, which is limited in a sentence and about 10-15 words."
)
#: The paper's user prompt template, verbatim (A.2.1); the <...> slots are filled by :func:`build_prompts`.
USER_TEMPLATE = (
    "Brief instruction: To <brief intention> a <object category>. "
    "Hand-object interaction information: <contact information>."
)
#: Accepted reply length (words): the paper asks for "about 10-15", dexgys for 10–20; a little slack.
LLM_MIN_WORDS = 8
LLM_MAX_WORDS = 25

ENV_BASE_URL = "DEXGYS_LLM_BASE_URL"
ENV_MODEL = "DEXGYS_LLM_MODEL"
ENV_API_KEY = "DEXGYS_LLM_API_KEY"
ENV_CACHE = "DEXGYS_LLM_CACHE"


class LLMUnavailable(Exception):
    """The endpoint could not be reached or gave no usable answer (internal; triggers fall-back)."""


def _default_cache_dir() -> Path:
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dexgys" / "llm"


@dataclass
class LLMConfig:
    """Where and how to ask. Unset ``base_url``/``model``/``api_key`` come from
    ``DEXGYS_LLM_BASE_URL`` / ``DEXGYS_LLM_MODEL`` / ``DEXGYS_LLM_API_KEY``; ``cache_dir``
    from ``DEXGYS_LLM_CACHE`` or ``~/.cache/dexgys/llm`` (``cache=False`` turns it off)."""

    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    temperature: float = 0.7
    max_tokens: int = 80
    cache: bool = True
    cache_dir: str | os.PathLike | None = None
    extra_body: dict = field(default_factory=dict)

    def resolved(self) -> LLMConfig:
        base_url = self.base_url or os.environ.get(ENV_BASE_URL)
        model = self.model or os.environ.get(ENV_MODEL)
        api_key = self.api_key if self.api_key is not None else os.environ.get(ENV_API_KEY)
        if not base_url:
            raise DexgysError(f"LLM backend needs an endpoint: pass base_url or set {ENV_BASE_URL}")
        if not model:
            raise DexgysError(f"LLM backend needs a model name: pass model or set {ENV_MODEL}")
        if self.retries < 0 or self.timeout <= 0:
            raise DexgysError("LLM retries must be >= 0 and timeout > 0")
        return LLMConfig(
            base_url.rstrip("/"),
            model,
            api_key,
            self.timeout,
            self.retries,
            self.backoff,
            self.temperature,
            self.max_tokens,
            self.cache,
            self.cache_dir if self.cache_dir is not None else _default_cache_dir(),
            dict(self.extra_body),
        )


def build_prompts(facts: ContactFacts, category: str, intent: str) -> tuple[str, str]:
    """``(system, user)`` prompts, the user one filled as in the paper's example:
    "Brief instruction: To use a trigger sprayer. Hand-object interaction information: ..."."""
    user = (
        USER_TEMPLATE.replace("<brief intention>", normalize_intent(intent))
        .replace("<object category>", category_phrase(category))
        .replace("<contact information>", facts.to_text())
    )
    return SYSTEM_PROMPT, user


def cache_key(model: str, system: str, user: str) -> str:
    payload = json.dumps({"model": model, "system": system, "user": user}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _cache_path(cfg: LLMConfig, key: str) -> Path:
    return Path(cfg.cache_dir) / f"{key}.json"  # type: ignore[arg-type]


def read_cache(cfg: LLMConfig, key: str) -> str | None:
    if not cfg.cache:
        return None
    path = _cache_path(cfg, key)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        reply = data["reply"]
        return reply if isinstance(reply, str) else None
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring unreadable LLM cache entry %s", path)
        return None


def write_cache(cfg: LLMConfig, key: str, system: str, user: str, reply: str) -> None:
    if not cfg.cache:
        return
    path = _cache_path(cfg, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(
            path,
            json.dumps(
                {"format_version": 1, "model": cfg.model, "system": system, "user": user, "reply": reply},
                indent=1,
                ensure_ascii=False,
            )
            + "\n",
        )
    except OSError as exc:  # a read-only cache must not stop annotation
        log.warning("could not write LLM cache entry %s: %s", path, exc)


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def chat_completion(cfg: LLMConfig, system: str, user: str) -> str:
    """POST one chat completion and return the message text; raises :class:`LLMUnavailable`."""
    url = f"{cfg.base_url}/chat/completions"
    body = {
        "model": cfg.model,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "temperature": cfg.temperature,
        "max_tokens": cfg.max_tokens,
        **cfg.extra_body,
    }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if cfg.api_key:
        headers["Authorization"] = f"Bearer {cfg.api_key}"
    data = json.dumps(body).encode("utf-8")
    # a local server must not be sent through an HTTP proxy from the environment
    opener = (
        urllib.request.build_opener(urllib.request.ProxyHandler({}))
        if _is_loopback(url)
        else urllib.request.build_opener()
    )
    last: Exception | None = None
    for attempt in range(cfg.retries + 1):
        if attempt:
            time.sleep(cfg.backoff * 2 ** (attempt - 1))
        req = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with opener.open(req, timeout=cfg.timeout) as resp:
                payload = json.loads(resp.read().decode("utf-8"))
            content = payload["choices"][0]["message"]["content"]
            if not isinstance(content, str):
                raise LLMUnavailable("reply has no text content")
            return content
        except urllib.error.HTTPError as exc:
            last = exc
            if exc.code != 429 and exc.code < 500:
                break  # 4xx other than rate limiting: asking again will not help
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = exc
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            last = LLMUnavailable(f"malformed reply: {exc!r}")
        except LLMUnavailable as exc:
            last = exc
    raise LLMUnavailable(f"{url}: {last}")


def clean_reply(reply: str) -> str:
    """First non-empty line, without surrounding quotes or a "Instruction:" label, ending in a full stop."""
    lines = [ln.strip() for ln in reply.strip().splitlines() if ln.strip()]
    text = lines[0] if lines else ""
    text = re.sub(r"^(final |fine |new )?(instruction|guidance|answer)\s*:\s*", "", text, flags=re.I)
    text = text.strip().strip("\"'\u201c\u201d\u2018\u2019` ").strip()
    text = re.sub(r"\s+", " ", text)
    if text and text[-1] not in ".!?":
        text += "."
    return text


def validate_reply(sentence: str, facts: ContactFacts, category: str, part_names: Iterable[str]) -> list[str]:
    """Problems with a cleaned LLM sentence (empty list: usable)."""
    problems = []
    n = count_words(sentence)
    if not LLM_MIN_WORDS <= n <= LLM_MAX_WORDS:
        problems.append(f"{n} words (want {LLM_MIN_WORDS}-{LLM_MAX_WORDS})")
    if re.search(r"[.!?]\s+\S", sentence):
        problems.append("more than one sentence")
    problems += verify_sentence(sentence, facts, part_names, category=category)
    return problems


def llm_fine_guidance(
    facts: ContactFacts,
    category: str,
    intent: str,
    config: LLMConfig,
    part_names: Iterable[str] = (),
) -> str:
    """Ask the endpoint (or the cache) for a sentence; raises :class:`LLMUnavailable` when the
    endpoint fails or the reply is not usable (the caller falls back to the composer)."""
    cfg = config.resolved()
    system, user = build_prompts(facts, category, intent)
    key = cache_key(cfg.model, system, user)  # type: ignore[arg-type]
    names = sorted(set(part_names) | set(facts.parts))
    cached = read_cache(cfg, key)
    if cached is not None:
        sentence = clean_reply(cached)
        if not validate_reply(sentence, facts, category, names):
            return sentence
    reply = chat_completion(cfg, system, user)
    sentence = clean_reply(reply)
    problems = validate_reply(sentence, facts, category, names)
    if problems:
        raise LLMUnavailable(f"reply {sentence!r} rejected: {'; '.join(problems)}")
    write_cache(cfg, key, system, user, reply)
    return sentence
