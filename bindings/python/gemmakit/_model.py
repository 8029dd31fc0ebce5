"""Model and Session: handles that free themselves (close(), with-blocks, or garbage collection)."""
import array
import ctypes
import json
import os
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from . import _native
from . import _scoring
from ._model_extras import ModelExtrasMixin
from ._session_state import SessionStateMixin, session_params
from ._errors import InvalidArgumentError, check

_lib = _native.lib



def _weight_type(name: Optional[str]) -> int:
    """GEMMAKIT_WEIGHTS_* by name, from the library's own table (None: as stored); an unknown name raises
    InvalidArgumentError (a ValueError) listing the known ones."""
    if name is None:
        return 0
    value = ctypes.c_int32()
    check(_lib.gemmakit_weight_type_from_name(str(name).encode(), ctypes.byref(value)))
    return value.value

STOP_REASONS = {0: "end_of_turn", 1: "max_tokens", 2: "stop_string", 3: "callback", 4: "context_full"}
SEED_RANDOM = 2**64 - 1


# The fields a checkpoint may recommend (gemmakit_sampling_params_from_model).
_RECOMMENDABLE = ("temperature", "top_k", "top_p", "min_p", "repeat_penalty", "repeat_last_n")


def _model_sampling(model_handle) -> _native.SamplingParams:
    p = _native.SamplingParams()
    check(_lib.gemmakit_sampling_params_from_model(model_handle, ctypes.byref(p), ctypes.sizeof(p)))
    return p


@dataclass
class SamplingParams:
    """How the next token is drawn. temperature 0 is greedy; seed None draws a random seed.

    temperature, top_k, top_p, min_p, repeat_penalty and repeat_last_n left None take the model's
    recommended value (Model.recommended_sampling(): generation_config.json, GGUF
    general.sampling.*), else gemmakit's default: temperature 1, top_k 64, top_p 0.95, min_p 0,
    repeat_penalty 1, repeat_last_n 64.

    logit_bias maps token ids to what is added to their logits (float("-inf") bans one). At most
    one constraint: grammar (GBNF text, starting at grammar_root), json_schema (a JSON schema as
    text or as a dict) or json_mode (any JSON object); an invalid one raises InvalidArgumentError
    saying where."""
    temperature: Optional[float] = None
    top_k: Optional[int] = None
    top_p: Optional[float] = None
    min_p: Optional[float] = None
    repeat_penalty: Optional[float] = None
    repeat_last_n: Optional[int] = None
    seed: Optional[int] = None
    logit_bias: Optional[dict] = None
    grammar: Optional[str] = None
    grammar_root: str = "root"
    json_schema: Union[str, dict, None] = None
    json_mode: bool = False

    def _to_c(self, model_handle) -> _native.SamplingParams:
        """The C struct, the model's recommendation where a field is None; it holds references to
        the arrays and strings it points to."""
        p = _model_sampling(model_handle)
        for field in _RECOMMENDABLE:
            if getattr(self, field) is not None:
                setattr(p, field, getattr(self, field))
        p.seed = SEED_RANDOM if self.seed is None else self.seed
        # The C struct points into these: keep them alive as long as the struct.
        bias = list((self.logit_bias or {}).items())
        p._keep = [(_native.LogitBias * max(1, len(bias)))(*[_native.LogitBias(t, b) for t, b in bias])]
        p.logit_bias, p.n_logit_bias = p._keep[0], len(bias)
        schema = self.json_schema
        if isinstance(schema, dict):
            schema = json.dumps(schema)
        for field, text in (("grammar", self.grammar), ("grammar_root", self.grammar_root), ("json_schema", schema)):
            if text is not None:
                data = text.encode()
                p._keep.append(data)
                setattr(p, field, data)
        p.json_mode = 1 if self.json_mode else 0
        return p


@dataclass
class Result:
    """A finished generation: all its text, why it stopped and how long it took."""
    text: str
    stop_reason: str
    n_tokens: int
    n_prompt_tokens: int
    prompt_seconds: float
    decode_seconds: float
    n_dropped_messages: int = 0  # oldest messages chat left out to fit (context_full="drop_oldest")


Message = Union[dict, Sequence[str]]


PRECISIONS = {"exact": 0, "fast": 1}


def _has_parts(messages) -> bool:
    return any(not isinstance(m["content"] if isinstance(m, dict) else m[1], str) for m in messages)


def _fill_part(c, part, keep):
    """One part into the C struct c: a str, an Image, an Audio, or a HuggingFace-style dict
    ({"type": "text", "text": ..}, {"type": "image", "image": Image}, {"type": "audio", "audio": Audio})."""
    if isinstance(part, dict):
        kind = part.get("type", "text")
        if kind in ("image", "audio"):
            part = part.get(kind)
            if not isinstance(part, Image if kind == "image" else Audio):
                raise TypeError(f'a {{"type": "{kind}"}} part needs a gemmakit.{kind.capitalize()} under "{kind}", '
                                f"not {type(part).__name__}")
        else:
            part = part.get("text", "")
    c.struct_size = ctypes.sizeof(c)
    if isinstance(part, Image):
        c.type, c.image = _native.PART_IMAGE, part._handle().value
    elif isinstance(part, Audio):
        c.type, c.audio = _native.PART_AUDIO, part._handle().value
    else:
        text = str(part).encode()
        c.type, c.text = _native.PART_TEXT, text
        keep.append(text)  # alive until the call returns


def _parts(parts, keep):
    """A list of parts as a C array of gemmakit_content_part."""
    parts = list(parts)
    c_parts = (_native.ContentPart * max(1, len(parts)))()
    for i, part in enumerate(parts):
        _fill_part(c_parts[i], part, keep)
    keep.append(c_parts)
    return c_parts, len(parts)


def _turns(messages):
    """Messages whose content is a str or a list of parts (see _fill_part) as a C array of content
    turns, and everything it points to. The library copies what it keeps (media it shares), so
    all of it need only outlive the call."""
    keep, turns = [], []
    for m in messages:
        role, content = (m["role"], m["content"]) if isinstance(m, dict) else m
        c_parts, n = _parts([content] if isinstance(content, (str, dict, Image, Audio)) else content, keep)
        r = str(role).encode()
        keep.append(r)
        turns.append(_native.ContentTurn(ctypes.sizeof(_native.ContentTurn), r, c_parts, n))
    array_ = (_native.ContentTurn * max(1, len(turns)))(*turns)
    return array_, len(turns), keep


def _media(media):
    """A media list (Image and Audio objects, or their dicts) as a C array of content parts."""
    keep = []
    c_parts, n = _parts(media, keep)
    return c_parts, n, keep


def _pcm(pcm, code, ctype):
    """Interleaved PCM as a ctypes array of ctype: bytes of native-endian samples, an object with
    the buffer protocol (array.array, numpy; any shape, C order), or a sequence of numbers."""
    size = ctypes.sizeof(ctype)
    if isinstance(pcm, (bytes, bytearray)):
        if len(pcm) % size:
            raise InvalidArgumentError(-1, f"{len(pcm)} bytes are not a whole number of {size}-byte samples")
        return (ctype * (len(pcm) // size)).from_buffer_copy(pcm)
    try:
        view = memoryview(pcm)
    except TypeError:
        view = None
    if view is not None:
        if view.format.lstrip("@=<") == code and view.itemsize == size and view.c_contiguous:
            return (ctype * (view.nbytes // size)).from_buffer_copy(view)
        pcm = view.tolist()
    flat = []
    stack = [iter(pcm)]
    while stack:  # flattens nested lists (frames of channels)
        for x in stack[-1]:
            if isinstance(x, (list, tuple)):
                stack.append(iter(x))
                break
            flat.append(x)
        else:
            stack.pop()
    return (ctype * len(flat))(*flat)


def _messages(messages: Iterable[Message]):
    """[{"role": .., "content": ..}] or [(role, content)] as a C array (and the bytes it points to)."""
    keep, items = [], []
    for m in messages:
        role, content = (m["role"], m["content"]) if isinstance(m, dict) else m
        r, c = str(role).encode(), str(content).encode()
        keep += [r, c]
        items.append(_native.ChatMessage(r, c))
    array = (_native.ChatMessage * len(items))(*items)
    return array, len(items), keep


class _GenerateArgs:
    """gemmakit_generate_params and everything it points to, alive as long as this object."""

    def __init__(self, model, max_tokens=256, stop=(), sampling=None, **sampling_fields):
        if sampling is None:
            sampling = SamplingParams(**sampling_fields)
        elif sampling_fields:
            raise TypeError("pass either sampling= or sampling fields, not both")
        self.sampling = sampling._to_c(model._handle())
        self.stop_bytes = [s.encode() for s in stop]
        self.stop = (ctypes.c_char_p * max(1, len(self.stop_bytes)))(*self.stop_bytes)
        self.params = _native.GenerateParams()
        check(_lib.gemmakit_generate_params_init(ctypes.byref(self.params), ctypes.sizeof(self.params)))
        self.params.max_tokens = max_tokens
        self.params.sampling = ctypes.pointer(self.sampling)
        self.params.stop = self.stop
        self.params.n_stop = len(self.stop_bytes)


class _Handle:
    _free = None

    def __init__(self):
        self._h = ctypes.c_void_p()

    @property
    def closed(self) -> bool:
        return not self._h.value

    @classmethod
    def _made(cls, make, *args):
        """A new handle filled by make(*args, &handle), a gemmakit_*_load / _decode function."""
        obj = cls()
        check(make(*args, ctypes.byref(obj._h)))
        return obj

    def _handle(self):
        if not self._h.value:
            raise InvalidArgumentError(-1, f"this {type(self).__name__} is closed")
        return self._h

    def close(self) -> None:
        """Frees the C handle now (idempotent)."""
        if self._h.value:
            type(self)._free(self._h)
            self._h = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Image(_Handle):
    """An image as 8-bit RGB pixels, for chat parts. Immutable: share it across sessions and
    threads. Image.load(path) (JPEG, PNG), Image.decode(data), Image.from_pixels(...)."""
    _free = _lib.gemmakit_image_free

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Image":
        return cls._made(_lib.gemmakit_image_load, os.fsencode(path))

    @classmethod
    def decode(cls, data: bytes) -> "Image":
        data = bytes(data)
        return cls._made(_lib.gemmakit_image_decode, data, len(data))

    @classmethod
    def from_pixels(cls, pixels: bytes, width: int, height: int, channels: int = 3,
                    stride: Optional[int] = None) -> "Image":
        """Rows of RGB (channels=3) or RGBA (4, alpha dropped) bytes, stride bytes apart."""
        img = cls()
        pixels = bytes(pixels)
        stride = width * channels if stride is None else stride
        if len(pixels) < stride * max(0, height - 1) + width * channels:
            raise InvalidArgumentError(-1, f"{len(pixels)} bytes are too few for {height} rows of stride {stride}")
        check(_lib.gemmakit_image_from_pixels(pixels, width, height, stride, channels, ctypes.byref(img._h)))
        return img

    @property
    def size(self) -> Tuple[int, int]:
        """(width, height)."""
        w, h = ctypes.c_int32(), ctypes.c_int32()
        check(_lib.gemmakit_image_size(self._handle(), ctypes.byref(w), ctypes.byref(h)))
        return w.value, h.value


class Audio(_Handle):
    """An audio clip as mono float32 samples at 16 kHz, for chat parts and media lists (Gemma 3n).
    Immutable: share it across sessions and threads. Audio.load(path) (WAV, FLAC, Ogg),
    Audio.decode(data), Audio.from_pcm_f32(...), Audio.from_pcm_i16(...)."""
    _free = _lib.gemmakit_audio_free
    SAMPLE_RATE = 16000

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Audio":
        """Decodes an audio file; channels are averaged, other rates resampled to 16 kHz."""
        return cls._made(_lib.gemmakit_audio_load, os.fsencode(path))

    @classmethod
    def decode(cls, data: bytes) -> "Audio":
        """The same from the bytes of an audio file."""
        data = bytes(data)
        return cls._made(_lib.gemmakit_audio_decode, data, len(data))

    @classmethod
    def _from_pcm(cls, fn, pcm, sample_rate, channels):
        frames = len(pcm)
        if channels > 0:
            if len(pcm) % channels:
                raise InvalidArgumentError(-1, f"{len(pcm)} samples are not whole frames of {channels} channels")
            frames //= channels
        clip = cls()
        check(fn(pcm, frames, sample_rate, channels, ctypes.byref(clip._h)))
        return clip

    @classmethod
    def from_pcm_f32(cls, pcm, sample_rate: int, channels: int = 1) -> "Audio":
        """Copies interleaved float32 PCM (nominally in [-1, 1]): array.array("f"), a float32
        numpy array (frames or frames x channels), bytes of native float32, or a sequence of numbers."""
        return cls._from_pcm(_lib.gemmakit_audio_from_pcm_f32, _pcm(pcm, "f", ctypes.c_float), sample_rate, channels)

    @classmethod
    def from_pcm_i16(cls, pcm, sample_rate: int, channels: int = 1) -> "Audio":
        """Copies interleaved signed 16-bit PCM: array.array("h"), an int16 numpy array, bytes of
        native int16 (what wave.readframes gives for 16-bit WAV), or a sequence of ints."""
        return cls._from_pcm(_lib.gemmakit_audio_from_pcm_i16, _pcm(pcm, "h", ctypes.c_int16), sample_rate, channels)

    def _samples(self):
        ptr, n = ctypes.POINTER(ctypes.c_float)(), ctypes.c_size_t()
        check(_lib.gemmakit_audio_samples(self._handle(), ctypes.byref(ptr), ctypes.byref(n)))
        return ptr, n.value

    @property
    def n_samples(self) -> int:
        """The number of 16 kHz mono samples."""
        return self._samples()[1]

    def __len__(self):
        return self.n_samples

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.n_samples / self.SAMPLE_RATE

    def samples(self) -> "array.array":
        """A copy of the 16 kHz mono samples, as array.array("f")."""
        ptr, n = self._samples()
        out = array.array("f")
        if n:
            out.frombytes(ctypes.string_at(ptr, n * ctypes.sizeof(ctypes.c_float)))
        return out


class Model(ModelExtrasMixin, _Handle):
    """Immutable weights and vocabulary: share one across threads and sessions. A model must
    outlive its sessions; each Session keeps a reference, so that holds in Python."""
    _free = _lib.gemmakit_model_free

    def __init__(self, path: Union[str, os.PathLike], weight_type: Optional[str] = None, n_threads: int = 0,
                 mmproj: Optional[Union[str, os.PathLike]] = None, precision: str = "exact",
                 slice: Optional[Union[str, os.PathLike]] = None, merge_adapters: Sequence = ()):
        """mmproj: llama.cpp's vision projector GGUF next to a text GGUF; precision "fast" computes as llama.cpp
        does: one 8-bit activation term against Q8_0 / Q4_0 weights (about 2x faster prompts) and,
        on AVX512_BF16, bf16 products for BF16 weights and attention (much faster prompts, images);
        slice: a MatFormer slicing spec (JSON) that cuts a smaller Gemma 3n out of this one at load;
        merge_adapters: PEFT LoRA folders (paths, or (path, scale) pairs) folded into the weights at load."""
        super().__init__()
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {sorted(PRECISIONS)}")
        p = _native.ModelParams()
        check(_lib.gemmakit_model_params_init(ctypes.byref(p), ctypes.sizeof(p)))
        p.weight_type, p.n_threads, p.precision = _weight_type(weight_type), n_threads, PRECISIONS[precision]
        p.mmproj_path = os.fsencode(mmproj) if mmproj is not None else None
        p.slice_path = os.fsencode(slice) if slice is not None else None
        merges = [(m, 1.0) if isinstance(m, (str, bytes, os.PathLike)) else tuple(m) for m in merge_adapters]
        paths = (ctypes.c_char_p * max(1, len(merges)))(*[os.fsencode(m[0]) for m in merges])
        scales = (ctypes.c_float * max(1, len(merges)))(*[float(m[1]) for m in merges])
        p.merge_adapters, p.merge_adapter_scales, p.n_merge_adapters = paths, scales, len(merges)
        check(_lib.gemmakit_model_load(os.fsencode(path), ctypes.byref(p), ctypes.byref(self._h)))

    @property
    def image_info(self) -> dict:
        """image_token_id, tokens_per_image, image_size; UnsupportedError for a model without a vision tower."""
        tid, per, side = ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int32()
        check(_lib.gemmakit_model_image_info(self._handle(), ctypes.byref(tid), ctypes.byref(per), ctypes.byref(side)))
        return {"image_token_id": tid.value, "tokens_per_image": per.value, "image_size": side.value}

    @property
    def audio_info(self) -> dict:
        """audio_token_id (the placeholder of audio soft tokens in id lists), tokens_per_clip (per clip
        or window), window_seconds; UnsupportedError for a model without an audio tower."""
        tid, per, window = ctypes.c_int32(), ctypes.c_int32(), ctypes.c_double()
        check(_lib.gemmakit_model_audio_info(self._handle(), ctypes.byref(tid), ctypes.byref(per),
                                             ctypes.byref(window)))
        return {"audio_token_id": tid.value, "tokens_per_clip": per.value, "window_seconds": window.value}

    @property
    def info(self) -> dict:
        i = _native.ModelInfo()
        i.struct_size = ctypes.sizeof(i)
        check(_lib.gemmakit_model_get_info(self._handle(), ctypes.byref(i)))
        return {name: (v.decode() if isinstance(v, bytes) else v)
                for name, v in ((f, getattr(i, f)) for f, _ in i._fields_ if f != "struct_size")}

    def recommended_sampling(self) -> SamplingParams:
        """What generation uses for the sampling fields a call leaves None: the checkpoint's
        recommendation, else gemmakit's defaults. info["recommended_sampling"] has a
        GEMMAKIT_SAMPLING_* bit (capi/gemmakit.h) for each field the checkpoint sets."""
        p = _model_sampling(self._handle())
        return SamplingParams(**{field: getattr(p, field) for field in _RECOMMENDABLE})

    def tokenize(self, text: str, add_bos: bool = True, parse_special: bool = False) -> List[int]:
        data = text.encode()
        flags = (1 if add_bos else 0) | (2 if parse_special else 0)
        n = ctypes.c_size_t()
        capacity = len(data) + 2
        ids = (ctypes.c_int32 * capacity)()
        check(_lib.gemmakit_tokenize(self._handle(), data, len(data), flags, ids, capacity, ctypes.byref(n)))
        return list(ids[:n.value])

    def detokenize(self, ids: Sequence[int]) -> str:
        arr = (ctypes.c_int32 * len(ids))(*ids)
        needed = ctypes.c_size_t()
        status = _lib.gemmakit_detokenize(self._handle(), arr, len(ids), None, 0, ctypes.byref(needed))
        if status not in (0, -8):
            check(status)
        buf = ctypes.create_string_buffer(needed.value)
        check(_lib.gemmakit_detokenize(self._handle(), arr, len(ids), buf, needed.value, ctypes.byref(needed)))
        return buf.value.decode("utf-8", "replace")

    def apply_chat_template(self, messages: Iterable[Message], add_generation_prompt: bool = True) -> str:
        array, n, _keep = _messages(messages)
        needed = ctypes.c_size_t()
        status = _lib.gemmakit_apply_chat_template(self._handle(), array, n, int(add_generation_prompt), None, 0,
                                                   ctypes.byref(needed))
        if status not in (0, -8):
            check(status)
        buf = ctypes.create_string_buffer(needed.value)
        check(_lib.gemmakit_apply_chat_template(self._handle(), array, n, int(add_generation_prompt), buf,
                                                needed.value, ctypes.byref(needed)))
        return buf.value.decode()

    def shieldgemma_classify(self, user_prompt: str, policies: Sequence[str] = (), policy_texts: Sequence[str] = (),
                             n_threads: int = 0, response: Optional[str] = None) -> float:
        """ShieldGemma: P(Yes) that user_prompt (or, given, the model's response to it) violates the
        policies, as the model card computes it. policies: "dangerous", "harassment", "hate", "sexual";
        policy_texts: guidelines of your own ('"No Spam": The prompt shall not ...'), listed after the
        named ones."""
        return _scoring.shieldgemma_classify(self._handle(), user_prompt, policies, policy_texts, n_threads, response)
    @property
    def embedding_dim(self) -> int:
        """The full embedding width of an embedding model (EmbeddingGemma); UnsupportedError for another model."""
        dim = ctypes.c_int32()
        check(_lib.gemmakit_model_embedding_dim(self._handle(), ctypes.byref(dim)))
        return dim.value

    def embed(self, texts: Union[str, Sequence[str]], prompt_name: Optional[str] = None, dim: int = 0,
              n_threads: int = 0) -> Union[List[float], List[List[float]]]:
        """Embedding vectors of one text (a list of floats) or of a list of texts (a list of them).
        prompt_name: one of the model's named prompts ("query", "document", "STS", ...) put before each
        text; dim: keep the first dim values, renormalised (Matryoshka: 512, 256, 128); 0 keeps all."""
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        if not batch:
            return []
        p = _native.EmbedParams()
        check(_lib.gemmakit_embed_params_init(ctypes.byref(p), ctypes.sizeof(p)))
        p.prompt_name = prompt_name.encode() if prompt_name else None
        p.dim, p.n_threads = dim, n_threads
        width = dim if dim > 0 else self.embedding_dim
        encoded = (ctypes.c_char_p * len(batch))(*(t.encode() for t in batch))
        out = (ctypes.c_float * (len(batch) * width))()
        check(_lib.gemmakit_embed(self._handle(), encoded, len(batch), ctypes.byref(p), out, len(out)))
        rows = [list(out[i * width:(i + 1) * width]) for i in range(len(batch))]
        return rows[0] if single else rows

    def session(self, **options) -> "Session":
        return Session(self, **options)

    def generate(self, prompt: str, stream: bool = False, media: Optional[Sequence] = None,
                 **generate_args: Any) -> Union[str, Iterator[str]]:
        """Raw continuation of prompt in a fresh session: the text, or with stream=True an iterator of
        pieces. media: see Session.generate."""
        return Session(self)._run(lambda s, a: s.begin_generate(prompt, a, media=media), stream, generate_args,
                                  own=True)

    def chat(self, messages: Iterable[Message], stream: bool = False,
             **generate_args: Any) -> Union[str, Iterator[str]]:
        """The model's reply to a conversation, in a fresh session (see Session.chat to keep one)."""
        messages = list(messages)
        return Session(self)._run(lambda s, a: s.begin_chat(messages, a), stream, generate_args, own=True)


class Adapter(_Handle):
    """A PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) loaded for one
    model; immutable, so any number of sessions may use it. Session.set_adapters activates it."""
    _free = _lib.gemmakit_adapter_free

    def __init__(self, model: Model, path: Union[str, os.PathLike]):
        super().__init__()
        self.model = model  # the adapter's factors are checked against, and used with, this model
        check(_lib.gemmakit_adapter_load(model._handle(), os.fsencode(path), ctypes.byref(self._h)))

    @property
    def rank(self) -> int:
        r = ctypes.c_int32()
        check(_lib.gemmakit_adapter_info(self._handle(), ctypes.byref(r), None))
        return r.value

    @property
    def scaling(self) -> float:
        """PEFT's scaling at scale 1: lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora."""
        s = ctypes.c_double()
        check(_lib.gemmakit_adapter_info(self._handle(), None, ctypes.byref(s)))
        return s.value


class Session(SessionStateMixin, _Handle):
    """One conversation (KV cache, sampler state). Use from one thread at a time."""
    _free = _lib.gemmakit_session_free

    def __init__(self, model: Model, n_threads: int = 0, context_length: int = 0, batch_size: int = 256,
                 kv_type: str = "f32", context_full: str = "stop"):
        """kv_type: "f32", "bf16", "f16" or "q8_0" (the KV cache's element type); context_full:
        "stop" (raise ContextFullError) or "drop_oldest" (chat drops the oldest turns)."""
        super().__init__()
        self.model = model  # keeps the model alive as long as the session
        p = session_params(n_threads, context_length, batch_size, kv_type, context_full)
        check(_lib.gemmakit_session_create(model._handle(), ctypes.byref(p), ctypes.byref(self._h)))
        self._args: Optional[_GenerateArgs] = None

    def _adopt(self, source: "Session") -> None:
        """An empty handle for a copy of source (fork)."""
        _Handle.__init__(self)
        self.model = source.model
        self._args = None

    @property
    def n_past(self) -> int:
        n = ctypes.c_int64()
        check(_lib.gemmakit_session_n_past(self._handle(), ctypes.byref(n)))
        return n.value

    def reset(self) -> None:
        check(_lib.gemmakit_session_reset(self._handle()))

    def score(self, prompt: Sequence[int], continuations: Sequence[Sequence[int]] = (),
              next_tokens: Sequence[int] = ()) -> "_scoring.Scores":
        """Log-probabilities of each continuation (ids) and of each candidate next token after the
        prompt (at least one id), evaluated after the session's tokens. Afterwards the session holds
        the prompt, as after eval(prompt); the continuations leave no trace."""
        return _scoring.score(self._handle(), prompt, continuations, next_tokens)

    def set_adapters(self, adapters: Sequence = ()):
        """Activates adapters (Adapter objects, or (Adapter, scale) pairs; scale 1 = as trained) for
        later evaluations; () returns to the base model. A different set forgets the session's tokens."""
        pairs = [(a, 1.0) if isinstance(a, Adapter) else tuple(a) for a in adapters]
        handles = (ctypes.c_void_p * max(1, len(pairs)))(*[a._handle().value for a, _ in pairs])
        scales = (ctypes.c_float * max(1, len(pairs)))(*[float(sc) for _, sc in pairs])
        check(_lib.gemmakit_session_set_adapters(self._handle(), handles, scales, len(pairs)))

    def eval(self, ids: Sequence[int], all_logits: bool = False, media: Optional[Sequence] = None) -> None:
        """Evaluates ids after the session's tokens; keeps the logits of the last one, or of all of
        them. media: Image and Audio objects; every run of a kind's placeholder id in ids
        (image_info["image_token_id"], audio_info["audio_token_id"]) takes the soft tokens of
        that kind's next item, in order."""
        ids = list(ids)
        arr = (ctypes.c_int32 * len(ids))(*ids)
        mode = _native.LOGITS_ALL if all_logits else _native.LOGITS_LAST
        if media is None:
            check(_lib.gemmakit_session_eval(self._handle(), arr, len(ids), mode))
            return
        parts, n, _keep = _media(media)
        check(_lib.gemmakit_session_eval_content(self._handle(), arr, len(ids), parts, n, mode))

    def logits(self) -> List[List[float]]:
        """Logits of the last eval: one list of vocab_size floats per kept row."""
        ptr, rows, vocab = ctypes.POINTER(ctypes.c_float)(), ctypes.c_size_t(), ctypes.c_size_t()
        check(_lib.gemmakit_session_logits(self._handle(), ctypes.byref(ptr), ctypes.byref(rows), ctypes.byref(vocab)))
        flat = ptr[:rows.value * vocab.value]
        return [flat[r * vocab.value:(r + 1) * vocab.value] for r in range(rows.value)]

    # Pull generation: what stream=True and frame loops use.
    def begin_generate(self, prompt: str, args: Optional[_GenerateArgs] = None, media: Optional[Sequence] = None,
                       **generate_args: Any) -> None:
        self._args = args or _GenerateArgs(self.model, **generate_args)
        if media is None:
            check(_lib.gemmakit_session_begin_generate(self._handle(), prompt.encode(),
                                                       ctypes.byref(self._args.params)))
            return
        parts, n, _keep = _media(media)
        check(_lib.gemmakit_session_begin_generate_content(self._handle(), prompt.encode(), parts, n,
                                                           ctypes.byref(self._args.params)))

    def begin_chat(self, messages: Iterable[Message], args: Optional[_GenerateArgs] = None,
                   **generate_args: Any) -> None:
        self._args = args or _GenerateArgs(self.model, **generate_args)
        messages = list(messages)
        if _has_parts(messages):
            turns, n, _keep = _turns(messages)
            check(_lib.gemmakit_session_begin_chat_content(self._handle(), turns, n, ctypes.byref(self._args.params)))
            return
        array_, n, _keep = _messages(messages)
        check(_lib.gemmakit_session_begin_chat(self._handle(), array_, n, ctypes.byref(self._args.params)))

    def step(self, max_tokens: int = 1, budget_seconds: float = 0.0) -> Tuple[str, bool]:
        """Advances the begun generation: (text that became final, finished)."""
        c = _native.Chunk()
        c.struct_size = ctypes.sizeof(c)
        check(_lib.gemmakit_session_step(self._handle(), max_tokens, budget_seconds, ctypes.byref(c)))
        return ctypes.string_at(c.text, c.text_len).decode("utf-8", "replace"), bool(c.finished)

    def result(self) -> Result:
        """Totals of the generation begun last."""
        g = _native.Generation()
        g.struct_size = ctypes.sizeof(g)
        check(_lib.gemmakit_session_step_result(self._handle(), ctypes.byref(g)))
        return Result(ctypes.string_at(g.text, g.text_len).decode("utf-8", "replace"), STOP_REASONS[g.stop_reason],
                      g.n_tokens, g.n_prompt_tokens, g.prompt_seconds, g.decode_seconds, g.n_dropped_messages)

    def _stream(self, own: bool) -> Iterator[str]:
        try:
            finished = False
            while not finished:
                text, finished = self.step(1, 0.0)
                if text:
                    yield text
        finally:
            if own:
                self.close()

    def _run(self, begin, stream, generate_args, own=False):
        try:
            begin(self, _GenerateArgs(self.model, **generate_args))
        except BaseException:
            if own:
                self.close()
            raise
        if stream:
            return self._stream(own)
        text = "".join(self._stream(own=False))
        if own:
            self.close()
        return text

    def generate(self, prompt: str, stream: bool = False, media: Optional[Sequence] = None,
                 **generate_args: Any) -> Union[str, Iterator[str]]:
        """Continues the session with raw text. Returns the text, or with stream=True an iterator
        of pieces as they become final. media: Image and Audio objects; each "<start_of_image>" /
        "<start_of_audio>" in prompt stands for the next one of that kind. generate_args:
        max_tokens, stop, sampling or its fields (those not given take the model's recommended
        values: Model.recommended_sampling())."""
        return self._run(lambda s, a: s.begin_generate(prompt, a, media=media), stream, generate_args)

    def chat(self, messages: Iterable[Message], stream: bool = False,
             **generate_args: Any) -> Union[str, Iterator[str]]:
        """The model's reply to the whole conversation so far; tokens the session already holds
        are reused, so a growing conversation only evaluates its new turns (and images and audio
        clips it holds are not encoded again). A message's content is a str, or a list of parts:
        str, Image or Audio (or {"type": "text"/"image"/"audio", ...} dicts)."""
        messages = list(messages)
        return self._run(lambda s, a: s.begin_chat(messages, a), stream, generate_args)
