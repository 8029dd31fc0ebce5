package gemmakit

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// Saved sessions, forks, batched decoding, KV options, cancellation from another goroutine, the
// log callback and the tooling calls, on the tiny model (paths compared with each other).

func greedySampling() Sampling {
	sp := DefaultSampling()
	sp.Temperature = 0
	return sp
}

func greedyContinuation(t *testing.T, s *Session, n int) []int32 {
	t.Helper()
	var out []int32
	for i := 0; i < n; i++ {
		tok, err := s.Sample(greedySampling(), false)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Eval([]int32{tok}, false); err != nil {
			t.Fatal(err)
		}
		out = append(out, tok)
	}
	return out
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSaveLoadAndForkContinueAlike(t *testing.T) {
	m := load(t)
	ids, _ := m.Tokenize("The quick brown fox", true)
	s := session(t, m, SessionOptions{})
	if err := s.Eval(ids, false); err != nil {
		t.Fatal(err)
	}
	blob, err := s.SaveState()
	if err != nil || len(blob) == 0 {
		t.Fatalf("save: %d bytes, %v", len(blob), err)
	}
	path := filepath.Join(t.TempDir(), "session.bin")
	if err := s.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	fork, err := s.Fork()
	if err != nil {
		t.Fatal(err)
	}
	defer fork.Close()
	want := greedyContinuation(t, s, 6)
	if got := greedyContinuation(t, fork, 6); !equalIDs(got, want) {
		t.Fatalf("fork continued %v, want %v", got, want)
	}
	fromBlob := session(t, m, SessionOptions{})
	if err := fromBlob.LoadState(blob); err != nil {
		t.Fatal(err)
	}
	if got := greedyContinuation(t, fromBlob, 6); !equalIDs(got, want) {
		t.Fatalf("restored blob continued %v, want %v", got, want)
	}
	fromFile := session(t, m, SessionOptions{})
	if err := fromFile.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if got := greedyContinuation(t, fromFile, 6); !equalIDs(got, want) {
		t.Fatalf("restored file continued %v, want %v", got, want)
	}

	other := session(t, m, SessionOptions{})
	if err := other.Eval(ids[:2], false); err != nil {
		t.Fatal(err)
	}
	corrupt := append([]byte(nil), blob...)
	corrupt[len(corrupt)/2] ^= 0xff
	if err := other.LoadState(corrupt); !errors.Is(err, ErrFormat) {
		t.Fatalf("corrupt blob: %v", err)
	}
	if err := other.LoadState(blob[:10]); !errors.Is(err, ErrFormat) {
		t.Fatalf("truncated blob: %v", err)
	}
	if err := other.LoadFile(filepath.Join(t.TempDir(), "missing.bin")); err == nil {
		t.Fatal("a missing file loaded")
	}
	if n, _ := other.NPast(); n != 2 {
		t.Fatalf("a refused load changed the session: n_past %d", n)
	}
}

func TestBatchDecodeMatchesOneTokenEvals(t *testing.T) {
	m := load(t)
	var sessions, singles []*Session
	var tokens []int32
	for _, p := range []string{"Once upon a time", "The weather today", "In a galaxy"} {
		s := session(t, m, SessionOptions{})
		ids, _ := m.Tokenize(p, true)
		if err := s.Eval(ids, false); err != nil {
			t.Fatal(err)
		}
		single, err := s.Fork()
		if err != nil {
			t.Fatal(err)
		}
		defer single.Close()
		tok, err := s.Sample(greedySampling(), false)
		if err != nil {
			t.Fatal(err)
		}
		sessions, singles, tokens = append(sessions, s), append(singles, single), append(tokens, tok)
	}
	if err := BatchDecode(sessions, tokens); err != nil {
		t.Fatal(err)
	}
	if err := BatchDecode([]*Session{sessions[0], sessions[0]}, tokens[:2]); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("a repeated session: %v", err)
	}
	for i, s := range sessions {
		if err := singles[i].Eval([]int32{tokens[i]}, false); err != nil {
			t.Fatal(err)
		}
		batched, _ := s.Logits()
		alone, _ := singles[i].Logits()
		worst := 0.0
		for j := range alone[0] {
			worst = math.Max(worst, math.Abs(float64(batched[0][j]-alone[0][j])))
		}
		if worst > 1e-3 {
			t.Fatalf("session %d: batched logits differ by %g", i, worst)
		}
	}
}

func TestKVTypeAndContextOptions(t *testing.T) {
	m := load(t)
	ids, _ := m.Tokenize(strings.Repeat("a few words to fill the cache ", 3), true)
	var sizes []int64
	for _, kv := range []KVType{KVF32, KVBF16, KVQ8_0} {
		o := SessionOptions{KVType: kv}
		s := session(t, m, o)
		if err := s.Eval(ids, false); err != nil {
			t.Fatal(err)
		}
		got, err := s.KVBytes()
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := m.KVBytes(int64(len(ids)), o); got != want {
			t.Fatalf("kv type %d: session holds %d bytes, model says %d", kv, got, want)
		}
		sizes = append(sizes, got)
	}
	if !(sizes[2] < sizes[1] && sizes[1] < sizes[0]) {
		t.Fatalf("KV sizes f32, bf16, q8_0: %v", sizes)
	}
	small := session(t, m, SessionOptions{ContextLength: 8, ContextFull: ContextFullStop})
	if err := small.Eval([]int32{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, false); !errors.Is(err, ErrContextFull) {
		t.Fatalf("12 ids in a context of 8: %v", err)
	}
}

func TestCancelFromAnotherGoroutine(t *testing.T) {
	m := load(t)
	ids, _ := m.Tokenize("Tell me a story", true)
	s := session(t, m, SessionOptions{})
	if err := s.Cancel(); err != nil {
		t.Fatal(err)
	}
	if err := s.Eval(ids, false); !errors.Is(err, ErrCancelled) {
		t.Fatalf("eval after cancel: %v", err)
	}
	if err := s.Eval(ids, false); err != nil {
		t.Fatalf("the session is usable again: %v", err)
	}
	sp := greedySampling()
	if err := s.BeginGenerate("", Options{MaxTokens: 1000, Sampling: &sp}); err != nil {
		t.Fatal(err)
	}
	if _, finished, err := s.Step(1, 0); err != nil || finished {
		t.Fatalf("first step: finished %v, %v", finished, err)
	}
	done := make(chan error)
	go func() { done <- s.Cancel() }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for {
		_, finished, err := s.Step(1, 0)
		if errors.Is(err, ErrCancelled) {
			break
		}
		if err != nil || finished {
			t.Fatalf("cancel not seen: finished %v, %v", finished, err)
		}
	}
	s.Close()
	if err := s.Cancel(); err != nil {
		t.Fatalf("cancel after close: %v", err)
	}
}

func TestLogCallbackAndTooling(t *testing.T) {
	var messages []string
	if err := SetLogCallback(func(level LogLevel, msg string) { messages = append(messages, msg) }, LogInfo); err != nil {
		t.Fatal(err)
	}
	m := load(t)
	if err := SetLogCallback(nil, LogInfo); err != nil {
		t.Fatal(err)
	}
	if len(messages) == 0 {
		t.Fatal("loading a model logged nothing")
	}
	config, err := m.ResolvedConfig()
	if err != nil || !strings.HasPrefix(config, "config_class ") {
		t.Fatalf("resolved config %q, %v", config, err)
	}
	_ = KernelsUsed()
	info, _ := m.Info()
	if ids, err := m.TokenizeWith("<bos>", false, true); err != nil || len(ids) != 1 || ids[0] != info.BOS {
		t.Fatalf("<bos> parsed as %v, %v; want [%d]", ids, err, info.BOS)
	}
	if ids, _ := m.TokenizeWith("<bos>", false, false); len(ids) == 1 && ids[0] == info.BOS {
		t.Fatal("<bos> as text became the <bos> id")
	}
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	if err := m.SaveGGUF(path); err != nil {
		t.Fatal(err)
	}
	again, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	a, _ := again.Info()
	b, _ := m.Info()
	if a.VocabSize != b.VocabSize {
		t.Fatalf("GGUF round trip: vocab %d, want %d", a.VocabSize, b.VocabSize)
	}
}

func TestChatTemplateResetAndABIVersion(t *testing.T) {
	if ABIVersion() != 1 {
		t.Fatalf("ABI version %d", ABIVersion())
	}
	m := load(t)
	text, err := m.ApplyChatTemplate([]Message{{"user", "Hi"}}, true)
	if err != nil || !strings.HasPrefix(text, "<bos>") ||
		!strings.HasSuffix(text, "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n") {
		t.Fatalf("template %q, %v", text, err)
	}
	s := session(t, m, SessionOptions{})
	if err := s.Eval([]int32{2, 10, 11}, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.NPast(); n != 0 {
		t.Fatalf("n_past %d after reset", n)
	}
}

func TestGrammarJSONModeAndLogitBias(t *testing.T) {
	m := load(t)
	generate := func(sp Sampling) (string, error) {
		s := session(t, m, SessionOptions{})
		r, err := s.Generate("Answer:", Options{MaxTokens: 24, Sampling: &sp}, nil)
		return r.Text, err
	}
	sp := greedySampling()
	sp.Grammar = `root ::= "yes" | "no"`
	if text, err := generate(sp); err != nil || (text != "yes" && text != "no") {
		t.Fatalf("under a yes/no grammar: %q, %v", text, err)
	}
	sp = greedySampling()
	sp.JSONMode = true
	if text, err := generate(sp); err != nil || !strings.HasPrefix(strings.TrimLeft(text, " \n\t"), "{") {
		t.Fatalf("JSON mode: %q, %v", text, err)
	}
	sp = greedySampling()
	sp.Grammar = "root ::= ("
	if _, err := generate(sp); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "grammar") {
		t.Fatalf("a broken grammar: %v", err)
	}
	s := session(t, m, SessionOptions{})
	ids, _ := m.Tokenize("The quick brown fox", true)
	if err := s.Eval(ids, false); err != nil {
		t.Fatal(err)
	}
	best, _ := s.Sample(greedySampling(), false)
	banned := greedySampling()
	banned.LogitBias = map[int32]float32{best: float32(math.Inf(-1))}
	if next, err := s.Sample(banned, false); err != nil || next == best {
		t.Fatalf("banned token %d drawn again: %d, %v", best, next, err)
	}
}

func TestContextFullDropOldestKeepsTheSystemPrompt(t *testing.T) {
	m := load(t)
	conv := []Message{{"system", "You answer briefly."}}
	for i := 0; i < 8; i++ {
		conv = append(conv, Message{"user", fmt.Sprintf("Question number %d: what is the colour of the sky?", i)})
		if i+1 < 8 {
			conv = append(conv, Message{"model", fmt.Sprintf("Blue, as it was %d times before.", i)})
		}
	}
	sp := greedySampling()
	o := Options{MaxTokens: 8, Sampling: &sp}
	stop := session(t, m, SessionOptions{ContextLength: 128})
	if _, err := stop.Chat(conv, o, nil); !errors.Is(err, ErrContextFull) {
		t.Fatalf("a long chat in 128 positions: %v", err)
	}
	drop := session(t, m, SessionOptions{ContextLength: 128, ContextFull: ContextFullDropOldest})
	r, err := drop.Chat(conv, o, nil)
	if err != nil || r.DroppedMessages <= 0 || r.DroppedMessages%2 != 0 {
		t.Fatalf("dropped %d messages, %v", r.DroppedMessages, err)
	}
}
