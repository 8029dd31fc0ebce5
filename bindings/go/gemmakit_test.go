package gemmakit

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The tiny test model (random weights: gibberish text); tests compare paths through the API.
func modelDir() string {
	if d := os.Getenv("GEMMAKIT_TEST_DATA"); d != "" {
		return filepath.Join(d, "gemma3-tiny")
	}
	return filepath.Join("..", "..", "tests", "data", "gemma3-tiny")
}

func load(t *testing.T) *Model {
	t.Helper()
	m, err := Load(modelDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func session(t *testing.T, m *Model, o SessionOptions) *Session {
	t.Helper()
	s, err := m.NewSession(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func seeded(seed uint64, maxTokens int32) Options {
	sp := DefaultSampling()
	sp.Temperature = 0.8
	sp.Seed = &seed
	return Options{MaxTokens: maxTokens, Sampling: &sp}
}

func TestInfoAndTokens(t *testing.T) {
	m := load(t)
	info, err := m.Info()
	if err != nil || info.Architecture != "gemma3" {
		t.Fatalf("info %+v, %v", info, err)
	}
	ids, err := m.Tokenize("Hello world", true)
	if err != nil || ids[0] != info.BOS {
		t.Fatalf("ids %v, %v", ids, err)
	}
	text, err := m.Detokenize(ids)
	if err != nil || text != "Hello world" {
		t.Fatalf("detokenize %q, %v", text, err)
	}
	if !strings.HasPrefix(Version(), "0.") {
		t.Fatal(Version())
	}
}

func TestCallbackChannelAndStepsAgree(t *testing.T) {
	m := load(t)
	var pieces []string
	r, err := session(t, m, SessionOptions{}).Generate("Once upon", seeded(5, 12), func(s string) bool {
		pieces = append(pieces, s)
		return true
	})
	if err != nil || r.Text == "" || strings.Join(pieces, "") != r.Text {
		t.Fatalf("%+v %v %q", r, err, pieces)
	}

	s := session(t, m, SessionOptions{})
	if err := s.BeginGenerate("Once upon", seeded(5, 12)); err != nil {
		t.Fatal(err)
	}
	var streamed strings.Builder
	for p := range s.Stream(nil) {
		if p.Err != nil {
			t.Fatal(p.Err)
		}
		streamed.WriteString(p.Text)
	}
	if streamed.String() != r.Text {
		t.Fatalf("channel %q, callback %q", streamed.String(), r.Text)
	}

	f := session(t, m, SessionOptions{})
	if err := f.BeginGenerate("Once upon", seeded(5, 12)); err != nil {
		t.Fatal(err)
	}
	var frames strings.Builder
	for n := 0; ; n++ {
		text, finished, err := f.Step(3, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		frames.WriteString(text)
		if finished {
			break
		}
	}
	if frames.String() != r.Text {
		t.Fatalf("frames %q, callback %q", frames.String(), r.Text)
	}
}

func TestChatReusesTheSession(t *testing.T) {
	m := load(t)
	s := session(t, m, SessionOptions{})
	greedy := DefaultSampling()
	greedy.Temperature = 0
	conv := []Message{{"user", "Hello"}}
	r1, err := s.Chat(conv, Options{MaxTokens: 6, Sampling: &greedy}, nil)
	if err != nil {
		t.Fatal(err)
	}
	conv = append(conv, Message{"assistant", r1.Text}, Message{"user", "And?"})
	r2, err := s.Chat(conv, Options{MaxTokens: 4, Sampling: &greedy}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r2.PromptTokens >= r1.PromptTokens+int64(r1.Tokens)+10 || r2.PromptTokens <= 0 {
		t.Fatalf("second turn evaluated %d prompt tokens", r2.PromptTokens)
	}
}

func TestErrors(t *testing.T) {
	_, err := Load("/nonexistent/gemmakit/model")
	if !errors.Is(err, ErrIO) || !strings.Contains(err.Error(), "/nonexistent/gemmakit/model") {
		t.Fatalf("%v", err)
	}
	m := load(t)
	small := session(t, m, SessionOptions{ContextLength: 4})
	if _, err := small.Generate("a prompt much longer than four tokens", Options{MaxTokens: 2}, nil); !errors.Is(err, ErrContextFull) {
		t.Fatalf("want context full, got %v", err)
	}
	bad := DefaultSampling()
	bad.Temperature = -1
	_, err = session(t, m, SessionOptions{}).Generate("x", Options{Sampling: &bad}, nil)
	var gerr *Error
	if !errors.As(err, &gerr) || !strings.Contains(gerr.Message, "temperature") {
		t.Fatalf("%v", err)
	}
	s := session(t, m, SessionOptions{})
	s.Close()
	s.Close()
	if _, _, err := s.Step(1, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("closed session: %v", err)
	}
}

// advisedGreedy loads a copy of the tiny model with a generation_config.json as transformers writes
// one for greedy decoding (do_sample false), with a top_k that applies once a caller samples.
func advisedGreedy(t *testing.T) *Model {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(modelDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(modelDir(), e.Name()))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	config := []byte(`{"do_sample": false, "top_k": 20}`)
	if err := os.WriteFile(filepath.Join(dir, "generation_config.json"), config, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestTheModelsRecommendedSamplingIsTheDefault(t *testing.T) {
	m, advised := load(t), advisedGreedy(t)
	advice, err := advised.RecommendedSampling()
	if err != nil || advice.Temperature != 0 || advice.TopK != 20 || advice.TopP != 0.95 || advice.RepeatLastN != 64 {
		t.Fatalf("advice %+v, %v", advice, err)
	}
	if info, err := advised.Info(); err != nil || info.RecommendedSampling != SamplingTemperature|SamplingTopK {
		t.Fatalf("advised info %+v, %v", info, err)
	}
	if info, err := m.Info(); err != nil || info.RecommendedSampling != 0 {
		t.Fatalf("info %+v, %v", info, err)
	}
	if plain, err := m.RecommendedSampling(); err != nil || !reflect.DeepEqual(plain, DefaultSampling()) {
		t.Fatalf("without advice %+v, %v", plain, err)
	}

	generate := func(m *Model, sp *Sampling) string {
		r, err := session(t, m, SessionOptions{}).Generate("Once upon a time", Options{MaxTokens: 12, Sampling: sp}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.Text
	}
	zero := greedySampling()
	greedy := generate(advised, &zero)
	if got := generate(advised, nil); got != greedy {
		t.Fatalf("nil Sampling gave %q, the model's greedy %q", got, greedy)
	}
	chat := func(sp *Sampling) string {
		conv := []Message{{"user", "Hello"}}
		r, err := session(t, advised, SessionOptions{}).Chat(conv, Options{MaxTokens: 8, Sampling: sp}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.Text
	}
	if got, want := chat(nil), chat(&zero); got != want {
		t.Fatalf("chat with nil Sampling %q, greedy %q", got, want)
	}
	// From the recommendation, the caller's temperature wins and the model's top_k stays.
	seed := uint64(1)
	sampled := advice
	sampled.Temperature, sampled.Seed = 1, &seed
	explicit := DefaultSampling()
	explicit.Temperature, explicit.TopK, explicit.Seed = 1, 20, &seed
	if a, b := generate(advised, &sampled), generate(m, &explicit); a == greedy || a != b {
		t.Fatalf("sampled %q, explicit top_k 20 %q, greedy %q", a, b, greedy)
	}
}

// Images through the package, on tests/data/gemma3-vision-tiny (a tiny random multimodal Gemma 3):
// the same reply for an image from a file and from its bytes, pieces adding up to the result, an
// early stop by the callback, clear errors.
func TestChatWithImages(t *testing.T) {
	dir := filepath.Join(filepath.Dir(modelDir()), "gemma3-vision-tiny")
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if info, err := m.ImageInfo(); err != nil || info.TokensPerImage <= 0 {
		t.Fatalf("image info %+v, %v", info, err)
	}
	path := filepath.Join(dir, "square.png")
	loaded, err := LoadImage(path)
	if err != nil {
		t.Fatal(err)
	}
	defer loaded.Close()
	data, _ := os.ReadFile(path)
	decoded, err := DecodeImage(data)
	if err != nil {
		t.Fatal(err)
	}
	if w, h, _ := decoded.Size(); w != 112 || h != 112 {
		t.Fatalf("size %dx%d", w, h)
	}
	px, err := ImageFromPixels(make([]byte, 5*6*4), 5, 6, 20, 4)
	if err != nil {
		t.Fatal(err)
	}
	if w, h, _ := px.Size(); w != 5 || h != 6 {
		t.Fatalf("pixels size %dx%d", w, h)
	}
	if _, err := ImageFromPixels(make([]byte, 10), 5, 6, 20, 4); err == nil {
		t.Fatal("a short pixel buffer was accepted")
	}
	greedy := Options{MaxTokens: 6, Sampling: &Sampling{Temperature: 0, TopK: 1, TopP: 1, RepeatPenalty: 1}}
	ask := func(img *Image) []Turn {
		return []Turn{{Role: "user", Parts: []Part{{Image: img}, {Text: "What is it?"}}}}
	}
	var pieces strings.Builder
	a, err := session(t, m, SessionOptions{}).ChatParts(ask(loaded), greedy, func(s string) bool {
		pieces.WriteString(s)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Tokens == 0 || pieces.String() != a.Text {
		t.Fatalf("result %+v, pieces %q", a, pieces.String())
	}
	b, err := session(t, m, SessionOptions{}).ChatParts(ask(decoded), greedy, nil)
	if err != nil || b.Text != a.Text {
		t.Fatalf("decoded image: %q vs %q (%v)", b.Text, a.Text, err)
	}
	calls := 0
	stopped, err := session(t, m, SessionOptions{}).ChatParts(ask(loaded), greedy, func(string) bool { calls++; return false })
	if err != nil || calls != 1 || stopped.StopReason != StopCallback {
		t.Fatalf("early stop: %d calls, %+v, %v", calls, stopped, err)
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("the callback's panic came back as %v", r)
			}
		}()
		session(t, m, SessionOptions{}).ChatParts(ask(loaded), greedy, func(string) bool { panic("boom") })
	}()
	if _, err := DecodeImage([]byte("\x89PNG\r\n\x1a\n not a png")); err == nil {
		t.Fatal("corrupt bytes decoded")
	}
	text := load(t)
	_, err = session(t, text, SessionOptions{}).ChatParts(ask(loaded), greedy, nil)
	if err == nil || !strings.Contains(err.Error(), "image") {
		t.Fatalf("text-only model: %v", err)
	}
}

// The library's table of type names: "q8_0" converts the matrices; an unknown name lists the known ones.
func TestWeightsConvertedAtLoadByName(t *testing.T) {
	m, err := LoadWith(modelDir(), LoadOptions{WeightType: "q8_0"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := m.Info()
	if err != nil || info.WeightType != "Q8_0" {
		t.Fatalf("converted model: %+v, %v", info, err)
	}
	m.Close()
	if _, err := LoadWith(modelDir(), LoadOptions{WeightType: "q9"}); err == nil || !strings.Contains(err.Error(), "q4_k_m") {
		t.Fatalf("unknown type: %v", err)
	}
}

// A Gemma 3n checkpoint cut to fewer layers at load; a bad spec names its field.
func TestMatFormerSliceAtLoad(t *testing.T) {
	dir := filepath.Join(filepath.Dir(modelDir()), "gemma3n-tiny")
	spec := filepath.Join(t.TempDir(), "slice.json")
	if err := os.WriteFile(spec, []byte(`{"layers_skipped": [20, 21, 22, 23, 24]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := LoadWith(dir, LoadOptions{Slice: spec})
	if err != nil {
		t.Fatal(err)
	}
	info, err := m.Info()
	if err != nil || info.Layers != 30 {
		t.Fatalf("sliced model: %+v, %v", info, err)
	}
	m.Close()
	if err := os.WriteFile(spec, []byte(`{"layers_skipped": [35]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadWith(dir, LoadOptions{Slice: spec}); err == nil || !strings.Contains(err.Error(), "layers_skipped") {
		t.Fatalf("bad spec: %v", err)
	}
}

// Audio on tests/data/gemma3n-audio-tiny (a tiny random Gemma 3n with an audio tower) and its
// golden.json: case "audio_question" is a chat turn [speech.wav, question] as ids (32 audio
// placeholders), the reference's logits at every position and its greedy continuation.
func audioDir() string { return filepath.Join(filepath.Dir(modelDir()), "gemma3n-audio-tiny") }

type audioGolden struct {
	AudioTokenID int32   `json:"audio_token_id"`
	Tolerance    float64 `json:"tolerance_abs"`
	Cases        []struct {
		Name       string  `json:"name"`
		IDs        []int32 `json:"ids"`
		LogitsFile string  `json:"logits_file"`
		Shape      []int   `json:"shape"`
		GreedyIDs  []int32 `json:"greedy_ids"`
		Audio      string  `json:"audio"`
	} `json:"cases"`
}

func loadAudioGolden(t *testing.T) (ids []int32, logits [][]float32, greedy []int32, tol float64) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(audioDir(), "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g audioGolden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Cases {
		if c.Name != "audio_question" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(audioDir(), c.LogitsFile))
		if err != nil {
			t.Fatal(err)
		}
		rows, vocab := c.Shape[0], c.Shape[1]
		if len(raw) != 4*rows*vocab || rows != len(c.IDs) {
			t.Fatalf("%s: %d bytes for shape %v", c.LogitsFile, len(raw), c.Shape)
		}
		logits = make([][]float32, rows)
		for r := range logits {
			logits[r] = make([]float32, vocab)
			for v := range logits[r] {
				logits[r][v] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(r*vocab+v):]))
			}
		}
		return c.IDs, logits, c.GreedyIDs, g.Tolerance
	}
	t.Fatal("golden.json has no case audio_question")
	return
}

func maxAbsDiff(a, b []float32) float64 {
	d := math.Inf(1)
	if len(a) == len(b) {
		d = 0
		for i := range a {
			d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
		}
	}
	return d
}

func greedyOptions(maxTokens int32) Options {
	return Options{MaxTokens: maxTokens, Sampling: &Sampling{Temperature: 0, TopK: 1, TopP: 1, RepeatPenalty: 1}}
}

// Eval with the clip reproduces the reference's logits at every position; a clip from a file,
// from its bytes and from its own samples as PCM are the same clip.
func TestAudioEvalMatchesGolden(t *testing.T) {
	ids, want, _, tol := loadAudioGolden(t)
	m, err := Load(audioDir())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	info, err := m.AudioInfo()
	if err != nil || info.AudioTokenID != 770 || info.TokensPerClip != 32 || info.WindowSeconds <= 0 {
		t.Fatalf("audio info %+v, %v", info, err)
	}
	path := filepath.Join(audioDir(), "speech.wav")
	clip, err := LoadAudio(path)
	if err != nil {
		t.Fatal(err)
	}
	defer clip.Close()
	n, err := clip.SampleCount()
	if err != nil || n < 57000 || n > 58200 {
		t.Fatalf("speech.wav: %d samples, %v", n, err)
	}
	samples, err := clip.Samples()
	if err != nil || len(samples) != n {
		t.Fatalf("samples: %d, %v", len(samples), err)
	}
	data, _ := os.ReadFile(path)
	decoded, err := DecodeAudio(data)
	if err != nil {
		t.Fatal(err)
	}
	defer decoded.Close()
	fromPCM, err := AudioFromPCMF32(samples, AudioSampleRate, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer fromPCM.Close()
	for name, a := range map[string]*Audio{"file": clip, "bytes": decoded, "pcm": fromPCM} {
		if got, _ := a.Samples(); maxAbsDiff(got, samples) != 0 {
			t.Fatalf("%s: other samples", name)
		}
		s := session(t, m, SessionOptions{})
		if err := s.EvalMedia(ids, []Part{{Audio: a}}, true); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := s.Logits()
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s: %d rows, %v", name, len(got), err)
		}
		for r := range want {
			if d := maxAbsDiff(got[r], want[r]); d > tol {
				t.Fatalf("%s: position %d differs from the golden logits by %g", name, r, d)
			}
		}
	}
	last := session(t, m, SessionOptions{})
	if err := last.EvalMedia(ids, []Part{{Audio: clip}}, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := last.Logits(); len(got) != 1 || maxAbsDiff(got[0], want[len(want)-1]) > tol {
		t.Fatalf("last-position logits: %d rows", len(got))
	}
}

// textOf is the text of ids, those past the tokenizer's pieces (the golden continuation has one:
// generated, but no text) left out.
func textOf(t *testing.T, m *Model, ids []int32) string {
	t.Helper()
	var b strings.Builder
	for _, id := range ids {
		if piece, err := m.Detokenize([]int32{id}); err == nil {
			b.WriteString(piece)
		}
	}
	return b.String()
}

// A chat turn [audio, text] is the golden prompt: its greedy reply is the reference's; raw
// generation with a "<start_of_audio>" marker, pull steps and a reused session agree.
func TestChatWithAudio(t *testing.T) {
	ids, _, greedyIDs, _ := loadAudioGolden(t)
	m, err := Load(audioDir())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	clip, err := LoadAudio(filepath.Join(audioDir(), "speech.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer clip.Close()
	// The question is the text between "<end_of_audio>\n\n" and "<end_of_turn>".
	start, end := 0, 0
	for i, id := range ids {
		if id == 769 {
			start = i + 3
		}
		if id == 5 && end == 0 {
			end = i
		}
	}
	question, err := m.Detokenize(ids[start:end])
	if err != nil || question == "" {
		t.Fatalf("question %q, %v", question, err)
	}
	wantText := textOf(t, m, greedyIDs)
	turns := []Turn{{Role: "user", Parts: []Part{{Audio: clip}, {Text: question}}}}
	var pieces strings.Builder
	r, err := session(t, m, SessionOptions{}).ChatParts(turns, greedyOptions(int32(len(greedyIDs))), func(s string) bool {
		pieces.WriteString(s)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Text == "" || r.Text != wantText || pieces.String() != r.Text || r.PromptTokens != int64(len(ids)) ||
		r.Tokens != len(greedyIDs) {
		t.Fatalf("chat: %+v (pieces %q), want %q after %d prompt tokens", r, pieces.String(), wantText, len(ids))
	}

	pull := session(t, m, SessionOptions{})
	if err := pull.BeginChatParts(turns, greedyOptions(int32(len(greedyIDs)))); err != nil {
		t.Fatal(err)
	}
	var streamed strings.Builder
	for p := range pull.Stream(nil) {
		if p.Err != nil {
			t.Fatal(p.Err)
		}
		streamed.WriteString(p.Text)
	}
	if streamed.String() != r.Text {
		t.Fatalf("pull chat %q, push chat %q", streamed.String(), r.Text)
	}

	prompt := "<start_of_turn>user\n<start_of_audio>" + question + "<end_of_turn>\n<start_of_turn>model\n"
	g, err := session(t, m, SessionOptions{}).GenerateMedia(prompt, []Part{{Audio: clip}},
		greedyOptions(int32(len(greedyIDs))), nil)
	if err != nil || g.Text != r.Text {
		t.Fatalf("generate with media: %+v, %v; chat %q", g, err, r.Text)
	}

	// A follow-up turn reuses the clip the session holds.
	s := session(t, m, SessionOptions{})
	first, err := s.ChatParts(turns, greedyOptions(4), nil)
	if err != nil {
		t.Fatal(err)
	}
	turns = append(turns, Turn{Role: "model", Parts: []Part{{Text: first.Text}}}, Turn{Role: "user", Parts: []Part{{Text: "And?"}}})
	second, err := s.ChatParts(turns, greedyOptions(2), nil)
	if err != nil || second.PromptTokens <= 0 || second.PromptTokens >= first.PromptTokens {
		t.Fatalf("follow-up evaluated %d prompt tokens (first %d), %v", second.PromptTokens, first.PromptTokens, err)
	}
}

// A text-only model refuses audio with ErrUnsupported; bad clips and parts are refused clearly.
func TestAudioErrors(t *testing.T) {
	clip, err := LoadAudio(filepath.Join(audioDir(), "speech.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer clip.Close()
	text := load(t)
	if _, err := text.AudioInfo(); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("audio info of a text model: %v", err)
	}
	turns := []Turn{{Role: "user", Parts: []Part{{Audio: clip}, {Text: "What is said?"}}}}
	s := session(t, text, SessionOptions{})
	if _, err := s.ChatParts(turns, greedyOptions(2), nil); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("chat with audio on a text model: %v", err)
	}
	if n, _ := s.NPast(); n != 0 {
		t.Fatalf("the refused chat left %d tokens", n)
	}
	if err := s.BeginChatParts(turns, greedyOptions(2)); err == nil {
		if _, _, err = s.Step(0, 0); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("pull chat with audio on a text model: %v", err)
		}
	} else if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("pull chat with audio on a text model: %v", err)
	}
	if _, err := session(t, text, SessionOptions{}).GenerateMedia("<start_of_audio>", []Part{{Audio: clip}}, greedyOptions(2), nil); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("generate with audio on a text model: %v", err)
	}
	if _, err := LoadAudio(filepath.Join(audioDir(), "missing.wav")); !errors.Is(err, ErrIO) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := DecodeAudio([]byte("RIFF\x00\x00\x00\x00WAVE not really")); err == nil {
		t.Fatal("corrupt bytes decoded")
	}
	if _, err := session(t, text, SessionOptions{}).ChatParts([]Turn{{Role: "user", Parts: []Part{{Audio: clip, Image: &Image{}}}}},
		greedyOptions(2), nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("a part with two media: %v", err)
	}
	closed, _ := AudioFromPCMI16(make([]int16, 1600), 16000, 1)
	closed.Close()
	if _, err := closed.SampleCount(); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("closed clip: %v", err)
	}
	if _, err := session(t, text, SessionOptions{}).ChatParts([]Turn{{Role: "user", Parts: []Part{{Audio: closed}}}},
		greedyOptions(2), nil); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("chat with a closed clip: %v", err)
	}
}

// PCM constructors: int16 scaled to [-1, 1), channels averaged, other rates resampled to 16 kHz.
func TestAudioFromPCM(t *testing.T) {
	i16, err := AudioFromPCMI16([]int16{16384, -16384, 0, 32767}, 16000, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer i16.Close()
	got, err := i16.Samples()
	if err != nil || maxAbsDiff(got, []float32{0.5, -0.5, 0, 32767.0 / 32768}) > 1e-6 {
		t.Fatalf("int16 samples %v, %v", got, err)
	}
	stereo := make([]float32, 2*800)
	for i := 0; i < 800; i++ {
		stereo[2*i], stereo[2*i+1] = 0.25, 0.75
	}
	mixed, err := AudioFromPCMF32(stereo, 16000, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer mixed.Close()
	got, _ = mixed.Samples()
	if len(got) != 800 || math.Abs(float64(got[400])-0.5) > 1e-6 {
		t.Fatalf("stereo: %d samples, middle %v", len(got), got[len(got)/2])
	}
	low, err := AudioFromPCMI16(make([]int16, 8000), 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer low.Close()
	if n, err := low.SampleCount(); err != nil || n < 15990 || n > 16010 {
		t.Fatalf("8 kHz second resampled to %d samples, %v", n, err)
	}
	if _, err := AudioFromPCMF32(make([]float32, 3), 16000, 2); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("a partial frame: %v", err)
	}
	if _, err := AudioFromPCMF32(make([]float32, 16), 16000, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("zero channels: %v", err)
	}
	if _, err := AudioFromPCMF32([]float32{float32(math.NaN())}, 16000, 1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NaN sample: %v", err)
	}
}

func TestScoreMatchesEvalLogits(t *testing.T) {
	m := load(t)
	prompt, _ := m.Tokenize("The quick brown fox", true)
	cont, _ := m.Tokenize(" jumps over", false)
	plain, err := m.NewSession(SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.Eval(prompt, false); err != nil {
		t.Fatal(err)
	}
	rows, _ := plain.Logits()
	row := rows[0]
	top := math.Inf(-1)
	for _, v := range row {
		top = math.Max(top, float64(v))
	}
	sum := 0.0
	for _, v := range row {
		sum += math.Exp(float64(v) - top)
	}
	want := float64(row[cont[0]]) - top - math.Log(sum)

	s, err := m.NewSession(SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	scores, err := s.Score(prompt, [][]int32{cont, cont[:1]}, []int32{cont[0]})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.NPast(); n != int64(len(prompt)) {
		t.Errorf("n_past %d after scoring, want %d", n, len(prompt))
	}
	first := scores.Continuations[0]
	if len(first.TokenLogprobs) != len(cont) || math.Abs(first.TokenLogprobs[0]-want) > 1e-6 ||
		math.Abs(scores.NextTokens[0]-want) > 1e-6 || scores.Continuations[1].TokenLogprobs[0] != first.TokenLogprobs[0] {
		t.Errorf("scores %+v, first token's log-probability should be %v", scores, want)
	}
	total := 0.0
	for _, v := range first.TokenLogprobs {
		total += v
	}
	if math.Abs(total-first.Logprob) > 1e-9 {
		t.Errorf("sum %v, tokens add to %v", first.Logprob, total)
	}
	if _, err := s.Score(prompt, [][]int32{{100000}}, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("out-of-range id: %v", err)
	}
}

func TestShieldGemmaClassify(t *testing.T) {
	dir := filepath.Join(filepath.Dir(modelDir()), "shieldgemma-tiny")
	user := "Explain how vaccines train the immune system."
	prompt, err := ShieldGemmaPrompt(user, []string{"sexual", "dangerous"}, nil)
	if err != nil || !strings.HasPrefix(prompt, "You are a policy expert") || !strings.Contains(prompt, "\n* \"No Dangerous Content\"") {
		t.Fatalf("prompt %q, %v", prompt, err)
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	pYes, err := m.ShieldGemmaClassify(user, []string{"sexual", "dangerous"}, nil, 0)
	if err != nil || math.Abs(pYes-0.3892505) > 1e-3 {
		t.Errorf("P(Yes) %v, %v; want 0.3892505", pYes, err)
	}
	if _, err := m.ShieldGemmaClassify(user, []string{"violence"}, nil, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown policy: %v", err)
	}
}

func TestEmbedMatchesTheGoldenAndTruncates(t *testing.T) {
	dir := filepath.Join(filepath.Dir(modelDir()), "embeddinggemma-tiny")
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if d, err := m.EmbeddingDim(); err != nil || d != 64 {
		t.Fatalf("EmbeddingDim = %d, %v", d, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "query_planet.embedding.f32"))
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, len(raw)/4)
	for i := range want {
		want[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	text := "Which planet is known as the Red Planet?"
	rows, err := m.Embed([]string{text, "Hello"}, EmbedOptions{PromptName: "query"})
	if err != nil || len(rows) != 2 {
		t.Fatalf("Embed: %d rows, %v", len(rows), err)
	}
	for i, v := range rows[0] {
		if math.Abs(float64(v-want[i])) > 1e-5 {
			t.Fatalf("value %d: %g, golden %g", i, v, want[i])
		}
	}
	cut, err := m.Embed([]string{text}, EmbedOptions{PromptName: "query", Dim: 16})
	if err != nil {
		t.Fatal(err)
	}
	var norm float64
	for _, v := range want[:16] {
		norm += float64(v) * float64(v)
	}
	for i, v := range cut[0] {
		if math.Abs(float64(v)-float64(want[i])/math.Sqrt(norm)) > 1e-5 {
			t.Fatalf("truncated value %d: %g", i, v)
		}
	}
	if _, err := m.Embed([]string{"x"}, EmbedOptions{PromptName: "no such prompt"}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("unknown prompt: %v", err)
	}
	if _, err := load(t).Embed([]string{"Hello"}, EmbedOptions{}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("a causal model embedded: %v", err)
	}
}
