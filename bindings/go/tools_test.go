package gemmakit

import (
	"strings"
	"testing"
)

var weather = Tool{Name: "get_weather", Description: "Weather of a city",
	Parameters: `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`}

func TestToolsRenderParseAndChat(t *testing.T) {
	m := load(t)
	if f, err := m.ToolFormat(); err != nil || f != ToolFormatGemma3 {
		t.Fatalf("format %v, %v", f, err)
	}
	msgs := []Message{{"user", "Weather in Oslo?"}}
	fg, err := ApplyChatTemplateTools(nil, msgs, []Tool{weather}, ToolFormatFunctionGemma)
	if err != nil || !strings.Contains(fg, "<start_function_declaration>declaration:get_weather{description:<escape>Weather of a city<escape>,") {
		t.Fatalf("%q, %v", fg, err)
	}
	if _, err := ApplyChatTemplateTools(nil, msgs, []Tool{{Name: "f", Parameters: "[1]"}}, ToolFormatGemma3); err == nil {
		t.Fatal("parameters that are not an object were accepted")
	}

	p, err := NewToolParser(ToolFormatGemma3)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var got []ToolCall
	for _, piece := range []string{"ok [get_wea", "ther(city=\"Os", "lo\")] [broken("} {
		calls, err := p.Feed(piece)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, calls...)
	}
	all, text, err := p.Finish()
	if err != nil || len(got) != 1 || len(all) != 1 || got[0] != (ToolCall{"get_weather", `{"city":"Oslo"}`}) ||
		text != "ok  [broken(" {
		t.Fatalf("%v %v %q %v", got, all, text, err)
	}

	s := session(t, m, SessionOptions{})
	zero := Sampling{Temperature: 0, TopK: 64, TopP: 0.95, RepeatPenalty: 1, RepeatLastN: 64}
	r, calls, rest, err := s.ChatTools(msgs, []Tool{weather}, ToolFormatAuto, Options{MaxTokens: 8, Sampling: &zero})
	if err != nil || r.Tokens == 0 {
		t.Fatalf("%v %v", r, err)
	}
	if len(calls) == 0 && rest != r.Text {
		t.Fatalf("no calls, but the text %q is not the output %q", rest, r.Text)
	}
	// Pulled: the same text, and the calls so far never shrink.
	if err := s.BeginChatTools(msgs, []Tool{weather}, ToolFormatAuto, Options{MaxTokens: 8, Sampling: &zero}); err != nil {
		t.Fatal(err)
	}
	var pulled string
	for seen := 0; ; {
		text, finished, err := s.Step(1, 0)
		if err != nil {
			t.Fatal(err)
		}
		pulled += text
		so, _, err := s.ToolCalls()
		if err != nil || len(so) < seen {
			t.Fatalf("%v %v", so, err)
		}
		seen = len(so)
		if finished {
			break
		}
	}
	if pulled != r.Text {
		t.Fatalf("pulled %q, pushed %q", pulled, r.Text)
	}
	msgs = append(msgs, Message{"assistant", `[get_weather(city="Oslo")]`}, Message{"tool", `{"temperature": 3}`})
	if _, _, _, err := s.ChatTools(msgs, []Tool{weather}, ToolFormatAuto, Options{MaxTokens: 8, Sampling: &zero}); err != nil {
		t.Fatal(err)
	}
}
