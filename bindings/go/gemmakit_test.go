package gemmakit

import (
	"errors"
	"os"
	"path/filepath"
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
