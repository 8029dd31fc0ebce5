"""Saved sessions, forks, batched decoding, KV options, cancellation and the typing surface of the
Python bindings, on the tiny test model (random weights: the tests compare paths with each other)."""
import os
import threading

import pytest

import gemmakit

DATA = os.environ.get("GEMMAKIT_TEST_DATA",
                      os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "data"))
MODEL = os.path.join(DATA, "gemma3-tiny")
GREEDY = gemmakit.SamplingParams(temperature=0)


@pytest.fixture(scope="module")
def model():
    with gemmakit.Model(MODEL) as m:
        yield m


def greedy_continuation(session, n):
    """n greedy tokens, each evaluated after it is drawn."""
    out = []
    for _ in range(n):
        token = session.sample(GREEDY)
        out.append(token)
        session.eval([token])
    return out


def test_version_and_type_marker():
    assert gemmakit.__version__ == gemmakit.version()
    assert gemmakit.__version__.count(".") == 2
    assert os.path.isfile(os.path.join(os.path.dirname(gemmakit.__file__), "py.typed"))


def test_save_load_and_fork_continue_alike(model, tmp_path):
    ids = model.tokenize("The quick brown fox")
    with model.session() as s:
        s.eval(ids)
        blob = s.save()
        path = tmp_path / "session.bin"
        s.save_file(path)
        fork = s.fork()
        want = greedy_continuation(s, 6)
    assert fork.n_past == len(ids)
    assert greedy_continuation(fork, 6) == want
    fork.close()
    for restore in (lambda r: r.load(blob), lambda r: r.load_file(path)):
        with model.session() as r:
            restore(r)
            assert r.n_past == len(ids)
            assert greedy_continuation(r, 6) == want


def test_corrupt_or_missing_state_is_refused_and_leaves_the_session(model, tmp_path):
    with model.session() as s:
        s.eval(model.tokenize("Hello"))
        blob = bytearray(s.save())
        blob[len(blob) // 2] ^= 0xFF
        with model.session() as r:
            r.eval(model.tokenize("Hi there"))
            n = r.n_past
            with pytest.raises(gemmakit.FileError):
                r.load(bytes(blob))
            with pytest.raises(gemmakit.FileError):
                r.load(blob[:10])
            with pytest.raises(gemmakit.FileError):
                r.load_file(tmp_path / "missing.bin")
            assert r.n_past == n


def test_batch_decode_matches_one_token_evals(model):
    prompts = ["Once upon a time", "The weather today", "In a galaxy"]
    sessions = [model.session() for _ in prompts]
    for s, p in zip(sessions, prompts):
        s.eval(model.tokenize(p))
    singles = [s.fork() for s in sessions]
    tokens = [s.sample(GREEDY) for s in sessions]
    gemmakit.batch_decode(sessions, tokens)
    for s, single, t in zip(sessions, singles, tokens):
        single.eval([t])
        batched, alone = s.logits()[0], single.logits()[0]
        assert max(abs(a - b) for a, b in zip(batched, alone)) < 1e-3
        assert s.n_past == single.n_past
    with pytest.raises(gemmakit.InvalidArgumentError):
        gemmakit.batch_decode([sessions[0], sessions[0]], tokens[:2])  # repeated session
    with pytest.raises(gemmakit.InvalidArgumentError):
        gemmakit.batch_decode(sessions, tokens[:2])
    for s in sessions + singles:
        s.close()


def test_kv_type_and_context_options(model):
    ids = model.tokenize("a few words to fill the cache " * 3)
    sizes = {}
    for kv_type in ("f32", "bf16", "q8_0"):
        with model.session(kv_type=kv_type) as s:
            s.eval(ids)
            sizes[kv_type] = s.kv_bytes
            assert s.kv_bytes == model.kv_bytes(len(ids), kv_type=kv_type)
    assert sizes["q8_0"] < sizes["bf16"] < sizes["f32"]
    with pytest.raises(gemmakit.InvalidArgumentError):
        model.session(kv_type="f8")
    with model.session(context_length=8) as s:
        with pytest.raises(gemmakit.ContextFullError):
            s.eval(list(range(2, 14)))
        assert s.n_past == 0


def test_cancel_before_a_call_and_from_another_thread(model):
    ids = model.tokenize("Tell me a story")
    with model.session() as s:
        s.cancel()
        with pytest.raises(gemmakit.CancelledError):
            s.eval(ids)
        s.eval(ids)  # usable again
        s.begin_generate("", max_tokens=1000, temperature=0)
        text, finished = s.step(1)
        assert not finished
        canceller = threading.Thread(target=s.cancel)
        canceller.start()
        canceller.join()
        with pytest.raises(gemmakit.CancelledError):
            while True:
                s.step(1)
        assert s.n_past >= len(ids)
        s.eval(model.tokenize("more", add_bos=False))


def test_model_extras(model, tmp_path):
    config = model.resolved_config()
    assert config.startswith("config_class ")
    assert model.info["lookup_bytes"] == 0  # only Gemma 3n has per-layer embedding tables
    model.generate("Hi", max_tokens=2)
    assert isinstance(gemmakit.kernels_used(), str)
    assert model.kv_bytes(16) > 0
    path = tmp_path / "tiny.gguf"
    model.save_gguf(path)
    with gemmakit.Model(path) as again:
        assert again.info["vocab_size"] == model.info["vocab_size"]
        assert again.info["format"] == "gguf"


def test_sample_honours_logit_bias(model):
    with model.session() as s:
        s.eval(model.tokenize("The quick brown fox"))
        best = s.sample(GREEDY)
        banned = gemmakit.SamplingParams(temperature=0, logit_bias={best: float("-inf")})
        assert s.sample(banned) != best


def long_conversation(turns):
    conv = [("system", "You answer briefly.")]
    for i in range(turns):
        conv.append(("user", f"Question number {i}: what is the colour of the sky?"))
        if i + 1 < turns:
            conv.append(("model", f"Blue, as it was {i} times before."))
    return conv


def test_context_full_drop_oldest_keeps_the_system_prompt(model):
    conv = long_conversation(8)
    with model.session(context_length=128) as s:
        with pytest.raises(gemmakit.ContextFullError):
            s.chat(conv, max_tokens=8, temperature=0)
    with model.session(context_length=128, context_full="drop_oldest") as s:
        s.chat(conv, max_tokens=8, temperature=0)
        dropped = s.result().n_dropped_messages
        assert dropped > 0 and dropped % 2 == 0, "whole user/model turns go"
        assert s.n_past <= 128
