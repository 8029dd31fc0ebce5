package gemmakit

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// LoRA adapters on tests/data/gemma3-lora-tiny: two PEFT folders and PEFT's logits per case.
func loraDir() string { return filepath.Join(filepath.Dir(modelDir()), "gemma3-lora-tiny") }

func loraCase(t *testing.T, name string) (ids []int32, logits []float32) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(loraDir(), "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Name       string  `json:"name"`
			IDs        []int32 `json:"ids"`
			LogitsFile string  `json:"logits_file"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Cases {
		if c.Name != name {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(loraDir(), c.LogitsFile))
		if err != nil {
			t.Fatal(err)
		}
		logits = make([]float32, len(raw)/4)
		for i := range logits {
			logits[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return c.IDs, logits
	}
	t.Fatalf("no case %s", name)
	return nil, nil
}

func maxDiff(rows [][]float32, want []float32) float64 {
	d, i := 0.0, 0
	for _, row := range rows {
		for _, v := range row {
			d = math.Max(d, math.Abs(float64(v-want[i])))
			i++
		}
	}
	return d
}

func TestLoraAdaptersMatchPeft(t *testing.T) {
	m, err := Load(loraDir())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	a1, err := m.LoadAdapter(filepath.Join(loraDir(), "adapters", "adapter1"))
	if err != nil {
		t.Fatal(err)
	}
	defer a1.Close()
	a2, err := m.LoadAdapter(filepath.Join(loraDir(), "adapters", "adapter2"))
	if err != nil {
		t.Fatal(err)
	}
	if r, sc, err := a2.Info(); err != nil || r != 4 || sc != 4 {
		t.Fatalf("adapter2: rank %d scaling %v, %v", r, sc, err)
	}
	s := session(t, m, SessionOptions{})
	for _, c := range []struct {
		name   string
		active []ActiveAdapter
	}{
		{"chat/adapter1_scale0.5", []ActiveAdapter{{a1, 0.5}}},
		{"chat/adapter1+adapter2", []ActiveAdapter{{a1, 1}, {a2, 1}}},
		{"chat/base", nil},
	} {
		ids, want := loraCase(t, c.name)
		if err := s.SetAdapters(c.active...); err != nil {
			t.Fatal(err)
		}
		if err := s.Eval(ids, true); err != nil {
			t.Fatal(err)
		}
		got, err := s.Logits()
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(got, want); d > 1e-3 {
			t.Errorf("%s: logits differ by %g", c.name, d)
		}
	}
	a2.Close() // the session keeps what it uses
	if err := s.SetAdapters(ActiveAdapter{a2, 1}); err == nil {
		t.Error("a closed adapter was accepted")
	}

	merged, err := LoadWith(loraDir(), LoadOptions{MergeAdapters: []MergedAdapter{{Dir: filepath.Join(loraDir(), "adapters", "adapter1"), Scale: 0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	defer merged.Close()
	ms := session(t, merged, SessionOptions{})
	ids, want := loraCase(t, "chat/adapter1_scale0.5")
	if err := ms.Eval(ids, true); err != nil {
		t.Fatal(err)
	}
	got, _ := ms.Logits()
	if d := maxDiff(got, want); d > 0.1 {
		t.Errorf("merged at load: logits differ by %g", d)
	}
}

func TestLoraErrors(t *testing.T) {
	m := load(t) // gemma3-tiny: another base
	_, err := m.LoadAdapter(filepath.Join(loraDir(), "adapters", "adapter1"))
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "lora_A.weight") {
		t.Errorf("another base's adapter: %v", err)
	}
	if _, err := m.LoadAdapter(filepath.Join(loraDir(), "no-such-adapter")); !errors.Is(err, ErrIO) {
		t.Errorf("missing folder: %v", err)
	}
}
