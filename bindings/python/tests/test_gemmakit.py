"""The Python bindings on the tiny test model (tests/data/gemma3-tiny: random weights, so the
text is gibberish; the tests compare paths through the API with each other)."""
import gc
import os
import shutil

import pytest

import gemmakit

DATA = os.environ.get("GEMMAKIT_TEST_DATA",
                      os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "data"))
MODEL = os.path.join(DATA, "gemma3-tiny")


@pytest.fixture(scope="module")
def model():
    with gemmakit.Model(MODEL) as m:
        yield m


def test_info_and_version(model):
    assert gemmakit.version().count(".") == 2
    info = model.info
    assert info["architecture"] == "gemma3"
    assert info["vocab_size"] > 0 and info["n_layers"] > 0


def test_tokenize_round_trip(model):
    ids = model.tokenize("Hello world")
    assert ids[0] == model.info["bos_id"]
    assert model.detokenize(ids) == "Hello world"
    assert model.tokenize("Hello world", add_bos=False) == ids[1:]
    long_text = "many words " * 300
    assert model.detokenize(model.tokenize(long_text, add_bos=False)) == long_text


def test_streaming_equals_whole_text_and_seeds_repeat(model):
    whole = model.generate("Once upon a time", max_tokens=16, seed=7, temperature=0.8)
    pieces = list(model.generate("Once upon a time", stream=True, max_tokens=16, seed=7, temperature=0.8))
    assert "".join(pieces) == whole
    assert len(whole) > 0


def test_chat_stream_and_session_reuse(model):
    messages = [{"role": "user", "content": "Hello"}]
    reply = model.chat(messages, max_tokens=8, temperature=0)
    assert "".join(model.chat(messages, stream=True, max_tokens=8, temperature=0)) == reply
    with model.session() as s:
        assert s.chat(messages, max_tokens=8, temperature=0) == reply
        first = s.n_past
        messages += [("assistant", reply), ("user", "More")]
        s.chat(messages, max_tokens=4, temperature=0)
        result = s.result()
        assert s.n_past > first
        assert result.n_prompt_tokens < len(model.tokenize(model.apply_chat_template(messages), add_bos=False,
                                                           parse_special=True)), "the prefix is reused"
        assert result.stop_reason in ("max_tokens", "end_of_turn")


def test_sampling_params_object_and_stop_strings(model):
    params = gemmakit.SamplingParams(temperature=0)
    free = model.generate("The", max_tokens=12, sampling=params)
    assert len(free) >= 4
    stopped = model.generate("The", max_tokens=12, sampling=params, stop=[free[2:4]])
    assert stopped == free[:free.index(free[2:4])]


@pytest.fixture(scope="module")
def advised_greedy(tmp_path_factory):
    """The tiny model with a generation_config.json as transformers writes one for greedy decoding
    (do_sample false), with a top_k that applies once a caller turns sampling on."""
    folder = tmp_path_factory.mktemp("advice") / "gemma3-tiny"
    shutil.copytree(MODEL, folder)
    (folder / "generation_config.json").write_text('{"do_sample": false, "top_k": 20}')
    with gemmakit.Model(folder) as m:
        yield m


def test_the_models_recommended_sampling_fills_what_the_caller_leaves_out(model, advised_greedy):
    advice = advised_greedy.recommended_sampling()
    assert (advice.temperature, advice.top_k, advice.min_p, advice.repeat_last_n) == (0, 20, 0, 64)
    assert advice.top_p == pytest.approx(0.95)  # the file leaves it out: gemmakit's default
    assert advice.seed is None and advice.logit_bias is None
    assert advised_greedy.info["recommended_sampling"] == 1 | 2  # GEMMAKIT_SAMPLING_TEMPERATURE | _TOP_K
    assert model.info["recommended_sampling"] == 0
    assert (model.recommended_sampling().temperature, model.recommended_sampling().top_k) == (1, 64)

    prompt = "Once upon a time"
    greedy = advised_greedy.generate(prompt, max_tokens=12, temperature=0)
    assert advised_greedy.generate(prompt, max_tokens=12, seed=1) == greedy
    assert "".join(advised_greedy.generate(prompt, stream=True, max_tokens=12, seed=2)) == greedy
    assert advised_greedy.generate(prompt, max_tokens=12, sampling=gemmakit.SamplingParams(seed=3)) == greedy
    messages = [{"role": "user", "content": "Hello"}]
    assert advised_greedy.chat(messages, max_tokens=8, seed=4) == advised_greedy.chat(messages, max_tokens=8,
                                                                                      temperature=0)
    # The caller's temperature wins; the model's top_k still applies (same weights as `model`).
    sampled = advised_greedy.generate(prompt, max_tokens=12, seed=1, temperature=1)
    assert sampled != greedy
    assert sampled == model.generate(prompt, max_tokens=12, seed=1, temperature=1, top_k=20)
    with advised_greedy.session() as s:
        s.eval(advised_greedy.tokenize(prompt))
        logits = s.logits()[0]
        assert s.sample() == logits.index(max(logits))


def test_pull_steps_in_a_frame_loop(model):
    with model.session() as s:
        s.begin_generate("In the beginning", max_tokens=6, temperature=0)
        texts, frames, done = [], 0, False
        while not done:
            text, done = s.step(max_tokens=2, budget_seconds=0.5)
            texts.append(text)
            frames += 1
        assert frames >= 3
        assert "".join(texts) == s.result().text
        assert s.result().n_tokens == 6


def test_errors_carry_the_library_message(model, tmp_path):
    with pytest.raises(gemmakit.FileError) as e:
        gemmakit.Model(tmp_path / "missing")
    assert "missing" in str(e.value) and e.value.status == -2
    with pytest.raises(gemmakit.InvalidArgumentError) as e:
        model.generate("x", temperature=-1)
    assert "temperature" in str(e.value)
    with pytest.raises(gemmakit.InvalidArgumentError):
        model.detokenize([10**9])
    with gemmakit.Session(model, context_length=4) as s:
        with pytest.raises(gemmakit.ContextFullError):
            s.generate("far too long a prompt for a context of four tokens")


def test_handles_are_freed_and_closed_handles_refuse(model):
    s = model.session()
    s.close()
    s.close()
    assert s.closed
    with pytest.raises(gemmakit.InvalidArgumentError, match="closed"):
        s.generate("x")
    with gemmakit.Model(MODEL) as m:
        with m.session() as session:
            session.eval(m.tokenize("Hi"))
            assert len(session.logits()) == 1
        assert session.closed
    assert m.closed
    dropped = gemmakit.Model(MODEL).session()  # freed by the garbage collector, session first
    del dropped
    gc.collect()


def test_log_callback(model):
    messages = []
    gemmakit.set_log_callback(lambda level, msg: messages.append((level, msg)), "info")
    try:
        gemmakit.Model(MODEL).close()
    finally:
        gemmakit.set_log_callback(None)
    assert any(level == "info" and "gemma3" in msg for level, msg in messages)


VISION = os.path.join(DATA, "gemma3-vision-tiny")


@pytest.fixture(scope="module")
def vision_model():
    with gemmakit.Model(VISION) as m:
        yield m


def test_images_from_file_bytes_and_pixels(vision_model):
    path = os.path.join(VISION, "square.png")
    with gemmakit.Image.load(path) as from_file:
        assert from_file.size == (112, 112)
    with open(path, "rb") as f:
        assert gemmakit.Image.decode(f.read()).size == (112, 112)
    rgba = gemmakit.Image.from_pixels(bytes(range(256)) * 3, width=8, height=24, channels=4)
    assert rgba.size == (8, 24)
    info = vision_model.image_info
    assert info["tokens_per_image"] > 0 and info["image_size"] == 112


def test_chat_with_an_image_streams_like_the_whole_reply(vision_model):
    path = os.path.join(VISION, "square.png")
    with open(path, "rb") as f:
        decoded = gemmakit.Image.decode(f.read())
    loaded = gemmakit.Image.load(path)
    ask = lambda img: [{"role": "user", "content": [img, "What is this?"]}]
    whole = vision_model.chat(ask(loaded), max_tokens=6, temperature=0.0)
    assert whole == vision_model.chat(ask(decoded), max_tokens=6, temperature=0.0)
    assert "".join(vision_model.chat(ask(loaded), stream=True, max_tokens=6, temperature=0.0)) == whole
    # HuggingFace-style part dicts are the same message.
    parts = [{"type": "image", "image": loaded}, {"type": "text", "text": "What is this?"}]
    assert vision_model.chat([{"role": "user", "content": parts}], max_tokens=6, temperature=0.0) == whole
    # A session keeps the image: the follow-up turn reuses it.
    with vision_model.session() as s:
        first = s.chat(ask(loaded), max_tokens=4, temperature=0.0)
        n_after_first = s.n_past
        s.chat(ask(loaded) + [{"role": "model", "content": first}, {"role": "user", "content": "And?"}],
               max_tokens=2, temperature=0.0)
        assert s.n_past > n_after_first
    # Closing a stream early stops the generation and leaves the model usable.
    it = vision_model.chat(ask(loaded), stream=True, max_tokens=50, temperature=0.0)
    next(it, None)
    it.close()
    assert vision_model.chat(ask(loaded), max_tokens=6, temperature=0.0) == whole


def test_image_errors_carry_the_library_message(model):
    with pytest.raises(gemmakit.GemmakitError) as e:
        gemmakit.Image.decode(b"\x89PNG\r\n\x1a\n not really a png")
    assert str(e.value)
    img = gemmakit.Image.load(os.path.join(VISION, "square.png"))
    with pytest.raises(gemmakit.GemmakitError) as e:
        model.chat([{"role": "user", "content": [img, "hi"]}], max_tokens=2)
    assert "image" in str(e.value)
    with pytest.raises(gemmakit.GemmakitError):
        model.image_info
    with pytest.raises(ValueError):
        gemmakit.Model(MODEL, precision="sloppy")
    with pytest.raises(ValueError) as e:
        gemmakit.Model(MODEL, weight_type="q9")
    assert "q4_k_m" in str(e.value)  # the library lists the names it knows


def test_matformer_slice_at_load(tmp_path):
    """A Gemma 3n checkpoint cut to fewer layers at load; a bad spec names its field."""
    spec = tmp_path / "slice.json"
    spec.write_text('{"layers_skipped": [20, 21, 22, 23, 24]}')
    with gemmakit.Model(os.path.join(DATA, "gemma3n-tiny"), slice=spec) as m:
        assert m.info["n_layers"] == 30
        assert len(m.generate("Hi", max_tokens=3, temperature=0)) > 0
    spec.write_text('{"layers_skipped": [35]}')
    with pytest.raises(gemmakit.InvalidArgumentError) as e:
        gemmakit.Model(os.path.join(DATA, "gemma3n-tiny"), slice=spec)
    assert "layers_skipped" in str(e.value)


# Audio on tests/data/gemma3n-audio-tiny (a tiny random Gemma 3n with an audio tower) and its
# golden.json: case "audio_question" is a chat turn [speech.wav, question] as ids (32 audio
# placeholders), the reference's logits at every position and its greedy continuation.
AUDIO = os.path.join(DATA, "gemma3n-audio-tiny")
SPEECH = os.path.join(AUDIO, "speech.wav")


@pytest.fixture(scope="module")
def audio_model():
    with gemmakit.Model(AUDIO) as m:
        yield m


@pytest.fixture(scope="module")
def audio_golden():
    import array
    import json
    with open(os.path.join(AUDIO, "golden.json")) as f:
        golden = json.load(f)
    case = next(c for c in golden["cases"] if c["name"] == "audio_question")
    logits = array.array("f")
    with open(os.path.join(AUDIO, case["logits_file"]), "rb") as f:
        logits.frombytes(f.read())
    rows, vocab = case["shape"]
    assert len(logits) == rows * vocab and rows == len(case["ids"])
    case["logits"] = [logits[r * vocab:(r + 1) * vocab] for r in range(rows)]
    case["tolerance"] = golden["tolerance_abs"]
    return case


def _max_diff(a, b):
    assert len(a) == len(b)
    return max(abs(x - y) for x, y in zip(a, b))


def test_audio_info_and_clips_from_file_bytes_and_pcm(audio_model):
    info = audio_model.audio_info
    assert info["audio_token_id"] == 770 and info["tokens_per_clip"] == 32 and info["window_seconds"] > 0
    with gemmakit.Audio.load(SPEECH) as clip:
        assert 57000 <= clip.n_samples <= 58200 and len(clip) == clip.n_samples  # 3.6 s at 16 kHz
        assert abs(clip.duration - clip.n_samples / 16000) < 1e-9
        samples = clip.samples()
        assert len(samples) == clip.n_samples
    with open(SPEECH, "rb") as f:
        assert gemmakit.Audio.decode(f.read()).samples() == samples
    assert gemmakit.Audio.from_pcm_f32(samples, 16000).samples() == samples
    assert gemmakit.Audio.from_pcm_f32(samples.tobytes(), 16000).samples() == samples


def test_audio_from_pcm():
    import array
    i16 = gemmakit.Audio.from_pcm_i16([16384, -16384, 0, 32767], 16000)
    assert list(i16.samples()) == pytest.approx([0.5, -0.5, 0.0, 32767 / 32768], abs=1e-6)
    assert gemmakit.Audio.from_pcm_i16(array.array("h", [16384, -16384]), 16000).samples() == i16.samples()[:2]
    assert gemmakit.Audio.from_pcm_i16(array.array("h", [16384, -16384]).tobytes(), 16000).samples() == \
        i16.samples()[:2]
    stereo = gemmakit.Audio.from_pcm_f32([[0.25, 0.75]] * 800, 16000, channels=2)  # frames of channels
    assert stereo.n_samples == 800 and stereo.samples()[400] == pytest.approx(0.5)
    assert gemmakit.Audio.from_pcm_f32(array.array("f", [0.25, 0.75] * 800), 16000, 2).samples() == stereo.samples()
    assert 15990 <= gemmakit.Audio.from_pcm_i16(bytes(16000), 8000).n_samples <= 16010  # resampled to 16 kHz
    with pytest.raises(gemmakit.InvalidArgumentError):
        gemmakit.Audio.from_pcm_f32([0.0, 0.0, 0.0], 16000, channels=2)  # a partial frame
    with pytest.raises(gemmakit.InvalidArgumentError):
        gemmakit.Audio.from_pcm_f32([0.0] * 16, 16000, channels=0)
    with pytest.raises(gemmakit.InvalidArgumentError):
        gemmakit.Audio.from_pcm_f32(b"\x00\x00\x00", 16000)  # not whole float32 samples
    clip = gemmakit.Audio.from_pcm_i16([0] * 1600, 16000)
    clip.close()
    with pytest.raises(gemmakit.InvalidArgumentError, match="closed"):
        clip.samples()


def test_eval_with_audio_matches_the_golden_logits(audio_model, audio_golden):
    clip = gemmakit.Audio.load(SPEECH)
    want, tol = audio_golden["logits"], audio_golden["tolerance"]
    with audio_model.session() as s:
        s.eval(audio_golden["ids"], all_logits=True, media=[clip])
        got = s.logits()
        assert len(got) == len(want)
        for r in range(len(want)):
            assert _max_diff(got[r], want[r]) <= tol, f"position {r}"
        assert s.n_past == len(audio_golden["ids"])
    with audio_model.session() as s:
        s.eval(audio_golden["ids"], media=[{"type": "audio", "audio": clip}])
        (last,) = s.logits()
        assert _max_diff(last, want[-1]) <= tol


def _text_of(model, ids):
    """The text of ids, those past the tokenizer's pieces (the golden continuation has one:
    generated, but no text) left out."""
    text = ""
    for i in ids:
        try:
            text += model.detokenize([i])
        except gemmakit.InvalidArgumentError:
            pass
    return text


def _question(model, ids):
    """The text between "<end_of_audio>\\n\\n" and "<end_of_turn>" in the golden prompt."""
    return model.detokenize(ids[ids.index(769) + 3:ids.index(5)])


def test_chat_with_audio_gives_the_golden_reply(audio_model, audio_golden):
    ids, greedy_ids = audio_golden["ids"], audio_golden["greedy_ids"]
    question = _question(audio_model, ids)
    assert question
    clip = gemmakit.Audio.load(SPEECH)
    ask = [{"role": "user", "content": [clip, question]}]
    n = len(greedy_ids)
    with audio_model.session() as s:
        reply = s.chat(ask, max_tokens=n, temperature=0.0)
        assert reply and reply == _text_of(audio_model, greedy_ids)
        assert s.result().n_prompt_tokens == len(ids) and s.result().n_tokens == n
        # A follow-up turn reuses the clip the session holds.
        s.chat(ask + [{"role": "model", "content": reply}, {"role": "user", "content": "And?"}], max_tokens=2,
               temperature=0.0)
        assert 0 < s.result().n_prompt_tokens < len(ids)
    assert "".join(audio_model.chat(ask, stream=True, max_tokens=n, temperature=0.0)) == reply
    parts = [{"type": "audio", "audio": clip}, {"type": "text", "text": question}]
    assert audio_model.chat([{"role": "user", "content": parts}], max_tokens=n, temperature=0.0) == reply
    prompt = f"<start_of_turn>user\n<start_of_audio>{question}<end_of_turn>\n<start_of_turn>model\n"
    assert audio_model.generate(prompt, media=[clip], max_tokens=n, temperature=0.0) == reply
    assert "".join(audio_model.generate(prompt, stream=True, media=[clip], max_tokens=n, temperature=0.0)) == reply
    clip.close()  # the session shares what it holds: nothing dangles
    with pytest.raises(gemmakit.InvalidArgumentError, match="closed"):
        audio_model.chat([{"role": "user", "content": [clip, question]}], max_tokens=2)


def test_audio_on_a_text_only_model_is_unsupported(model):
    clip = gemmakit.Audio.load(SPEECH)
    with pytest.raises(gemmakit.UnsupportedError):
        model.audio_info
    with model.session() as s:
        with pytest.raises(gemmakit.UnsupportedError) as e:
            s.chat([{"role": "user", "content": [clip, "What is said?"]}], max_tokens=2)
        assert e.value.status == -4 and str(e.value)
        assert s.n_past == 0
        with pytest.raises(gemmakit.UnsupportedError):
            s.generate("<start_of_audio>", media=[clip], max_tokens=2)
    with pytest.raises(gemmakit.FileError):
        gemmakit.Audio.load(os.path.join(AUDIO, "missing.wav"))
    with pytest.raises(gemmakit.GemmakitError):
        gemmakit.Audio.decode(b"RIFF\x00\x00\x00\x00WAVE not really")
    with pytest.raises(TypeError):
        model.chat([{"role": "user", "content": [{"type": "audio", "audio": SPEECH}]}])


def test_score_continuations_and_next_tokens(model):
    import math
    prompt = model.tokenize("The quick brown fox")
    cont = model.tokenize(" jumps over", add_bos=False)
    with model.session() as s:
        scores = s.score(prompt, [cont, cont[:1]], next_tokens=[cont[0], 7])
        assert s.n_past == len(prompt)
        # The first token's log-probability is the log-softmax of the prompt's last logits.
        row = s.logits()[-1]
        top = max(row)
        want = row[cont[0]] - top - math.log(sum(math.exp(v - top) for v in row))
    first = scores.continuations[0]
    assert len(first.token_logprobs) == len(cont)
    assert abs(first.token_logprobs[0] - want) < 1e-4
    assert abs(scores.next_tokens[0] - want) < 1e-4
    assert abs(first.logprob - sum(first.token_logprobs)) < 1e-9
    assert scores.continuations[1].token_logprobs == first.token_logprobs[:1]
    with model.session() as s, pytest.raises(gemmakit.InvalidArgumentError):
        s.score(prompt, [[100000]])


def test_shieldgemma_classify():
    import json
    shield = os.path.join(DATA, "shieldgemma-tiny")
    with open(os.path.join(shield, "golden.json")) as f:
        golden = json.load(f)
    case = next(c for c in golden["cases"] if len(c["policies"]) == 2)
    assert gemmakit.shieldgemma_prompt(case["user_prompt"], case["policies"]) == case["text"]
    with gemmakit.Model(shield) as m:
        p_yes = m.shieldgemma_classify(case["user_prompt"], case["policies"])
        assert abs(p_yes - case["p_yes"]) < 1e-3
        texts = [golden["guidelines"][name] for name in case["policies"]]
        assert m.shieldgemma_classify(case["user_prompt"], policy_texts=texts) == p_yes
        with pytest.raises(gemmakit.InvalidArgumentError):
            m.shieldgemma_classify("hi", ["violence"])
        # Prompt-response mode: the response in the prompt, the chatbot's guideline, another P(Yes).
        text = gemmakit.shieldgemma_prompt("How do I pick a lock?", ["dangerous"], response="Use a pick.")
        assert "Chatbot Response: Use a pick.\n" in text and "The chatbot shall not generate" in text
        p_response = m.shieldgemma_classify("How do I pick a lock?", ["dangerous"], response="Use a pick.")
        assert 0 < p_response < 1 and p_response != m.shieldgemma_classify("How do I pick a lock?", ["dangerous"])


def _f32(path):
    import array as _array
    a = _array.array("f")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return list(a)


def test_embed_matches_the_golden_and_truncates():
    import json
    folder = os.path.join(DATA, "embeddinggemma-tiny")
    cases = {c["name"]: c for c in json.load(open(os.path.join(folder, "golden.json")))["cases"]}
    with gemmakit.Model(folder) as m:
        assert m.embedding_dim == 64
        query = cases["query_planet"]
        want = _f32(os.path.join(folder, query["embedding_file"]))
        got = m.embed(query["text"], prompt_name="query")
        assert max(abs(a - b) for a, b in zip(got, want)) < 1e-5
        plain = cases["plain_short"]
        rows = m.embed([plain["text"], query["text"]], prompt_name=None)
        assert len(rows) == 2
        assert max(abs(a - b) for a, b in zip(rows[0], _f32(os.path.join(folder, plain["embedding_file"])))) < 1e-5
        short = m.embed(query["text"], prompt_name="query", dim=16)
        norm = sum(v * v for v in want[:16]) ** 0.5
        assert max(abs(a - b / norm) for a, b in zip(short, want[:16])) < 1e-5
        with pytest.raises(gemmakit.InvalidArgumentError):
            m.embed("x", prompt_name="no such prompt")


def test_embed_refuses_a_causal_model(model):
    with pytest.raises(gemmakit.UnsupportedError):
        model.embed("Hello")
def test_grammar_json_schema_and_logit_bias(model):
    import json
    text = model.generate("Answer:", max_tokens=50, seed=1, grammar='root ::= ("yes" | "no") "!"')
    assert text in ("yes!", "no!")
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"],
              "additionalProperties": False}
    out = json.loads(model.generate("JSON:", max_tokens=60, seed=2, json_schema=schema))
    assert isinstance(out["ok"], bool) and list(out) == ["ok"]
    with pytest.raises(gemmakit.InvalidArgumentError, match="line 1, column 10"):
        model.generate("x", grammar="root ::= [")
    greedy = model.generate("The", max_tokens=1, temperature=0)
    first = model.tokenize(greedy, add_bos=False)[0]
    banned = model.generate("The", max_tokens=1, temperature=0, logit_bias={first: float("-inf")})
    assert banned != greedy
    assert model.generate("JSON:", max_tokens=20, temperature=0, json_mode=True).startswith("{")
# LoRA adapters on tests/data/gemma3-lora-tiny: two PEFT folders and PEFT's logits per case.
LORA = os.path.join(DATA, "gemma3-lora-tiny")


def _lora_case(name):
    import array
    import json
    with open(os.path.join(LORA, "golden.json")) as f:
        case = next(c for c in json.load(f)["cases"] if c["name"] == name)
    logits = array.array("f")
    with open(os.path.join(LORA, case["logits_file"]), "rb") as f:
        logits.frombytes(f.read())
    return case, logits


def test_lora_adapters_match_peft_and_hot_swap():
    with gemmakit.Model(LORA) as m:
        a1 = gemmakit.Adapter(m, os.path.join(LORA, "adapters", "adapter1"))
        a2 = gemmakit.Adapter(m, os.path.join(LORA, "adapters", "adapter2"))
        assert (a1.rank, a1.scaling, a2.rank, a2.scaling) == (8, 2.0, 4, 4.0)
        s = m.session()
        for name, active in [("english/adapter1_scale0.5", [(a1, 0.5)]), ("english/adapter1+adapter2", [a1, a2]),
                             ("english/base", [])]:
            case, want = _lora_case(name)
            s.set_adapters(active)
            assert s.n_past == 0  # another set forgets the tokens
            s.eval(case["ids"], all_logits=True)
            got = [v for row in s.logits() for v in row]
            assert max(abs(g - w) for g, w in zip(got, want)) <= 1e-3, name
    case, want = _lora_case("english/adapter2")
    with gemmakit.Model(LORA, merge_adapters=[os.path.join(LORA, "adapters", "adapter2")]) as merged:
        s = merged.session()
        s.eval(case["ids"], all_logits=True)
        got = [v for row in s.logits() for v in row]
        assert max(abs(g - w) for g, w in zip(got, want)) <= 0.1  # bf16-rounded merged sums, as PEFT merges a bf16 model


def test_lora_errors_carry_the_library_message(model, tmp_path):
    import json
    import shutil
    with pytest.raises(gemmakit.FileError) as e:
        gemmakit.Adapter(model, os.path.join(LORA, "adapters", "adapter1"))  # another base's shapes
    assert "lora_A.weight" in str(e.value)
    src = os.path.join(LORA, "adapters", "adapter2")
    shutil.copy(os.path.join(src, "adapter_model.safetensors"), tmp_path)
    with open(os.path.join(src, "adapter_config.json")) as f:
        cfg = json.load(f)
    cfg["use_dora"] = True
    (tmp_path / "adapter_config.json").write_text(json.dumps(cfg))
    with gemmakit.Model(LORA) as m:
        with pytest.raises(gemmakit.UnsupportedError) as e:
            gemmakit.Adapter(m, tmp_path)
        assert "DoRA" in str(e.value)
