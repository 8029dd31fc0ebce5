package gemmakit

/*
#include <stdlib.h>
#include "gemmakit.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// ToolFormat is how tools are written into the prompt and calls read from the output.
type ToolFormat int32

const (
	ToolFormatAuto          ToolFormat = C.GEMMAKIT_TOOL_FORMAT_AUTO // FunctionGemma when the vocabulary has its tokens
	ToolFormatGemma3        ToolFormat = C.GEMMAKIT_TOOL_FORMAT_GEMMA3
	ToolFormatFunctionGemma ToolFormat = C.GEMMAKIT_TOOL_FORMAT_FUNCTIONGEMMA
)

// Tool declares a function: Parameters is a JSON Schema object as text ("" for none).
type Tool struct{ Name, Description, Parameters string }

// ToolCall is a call the model made: Arguments is a JSON object as text.
type ToolCall struct{ Name, Arguments string }

// ToolFormat is the format ToolFormatAuto resolves to for this model.
func (m *Model) ToolFormat() (ToolFormat, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.p == nil {
		return 0, &Error{Status: -1, Message: "model is closed"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var f C.int32_t
	err := check(C.gemmakit_model_tool_format(m.p, &f))
	return ToolFormat(f), err
}

// toolParams converts the declarations into C memory owned by a.
func (a *cArgs) toolParams(tools []Tool, format ToolFormat) *C.gemmakit_tool_params {
	p := (*C.gemmakit_tool_params)(a.alloc(1, unsafe.Sizeof(C.gemmakit_tool_params{})))
	C.gemmakit_tool_params_init(p, C.size_t(unsafe.Sizeof(*p)))
	p.format = C.int32_t(format)
	if len(tools) > 0 {
		arr := (*[1 << 20]C.gemmakit_tool)(a.alloc(uintptr(len(tools)), unsafe.Sizeof(C.gemmakit_tool{})))
		for i, t := range tools {
			arr[i].struct_size = C.uint32_t(unsafe.Sizeof(arr[i]))
			arr[i].name, arr[i].description = a.str(t.Name), a.str(t.Description)
			if t.Parameters != "" {
				arr[i].parameters_json = a.str(t.Parameters)
			}
		}
		p.tools, p.n_tools = &arr[0], C.size_t(len(tools))
	}
	return p
}

func (a *cArgs) messages(messages []Message) *C.gemmakit_chat_message {
	if len(messages) == 0 {
		return nil
	}
	arr := (*[1 << 20]C.gemmakit_chat_message)(a.alloc(uintptr(len(messages)), unsafe.Sizeof(C.gemmakit_chat_message{})))
	for i, m := range messages {
		arr[i].role, arr[i].content = a.str(m.Role), a.str(m.Content)
	}
	return &arr[0]
}

func toolCalls(calls *C.gemmakit_tool_call, n C.size_t) []ToolCall {
	out := make([]ToolCall, int(n))
	for i, c := range unsafe.Slice(calls, int(n)) {
		out[i] = ToolCall{Name: C.GoString(c.name), Arguments: C.GoString(c.arguments_json)}
	}
	return out
}

// ApplyChatTemplateTools renders a conversation with tools (Role "tool" carries a function's
// result). m may be nil when format is not ToolFormatAuto.
func ApplyChatTemplateTools(m *Model, messages []Message, tools []Tool, format ToolFormat) (string, error) {
	var a cArgs
	defer a.free()
	var mp *C.gemmakit_model
	if m != nil {
		a.rlock(&m.mu)
		mp = m.p
	}
	msgs, params := a.messages(messages), a.toolParams(tools, format)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var needed C.size_t
	st := C.gemmakit_apply_chat_template_tools(mp, msgs, C.size_t(len(messages)), params, 1, nil, 0, &needed)
	if st != C.GEMMAKIT_ERR_BUFFER_TOO_SMALL {
		return "", check(st)
	}
	buf := (*C.char)(a.alloc(uintptr(needed), 1))
	if err := check(C.gemmakit_apply_chat_template_tools(mp, msgs, C.size_t(len(messages)), params, 1, buf, needed,
		&needed)); err != nil {
		return "", err
	}
	return C.GoString(buf), nil
}

// ChatTools generates the model's reply to the conversation with tools: the result, the calls
// it made and its text without them. To stream calls, feed Step's pieces to a ToolParser.
func (s *Session) ChatTools(messages []Message, tools []Tool, format ToolFormat, o Options) (Result, []ToolCall, string, error) {
	var a cArgs
	defer a.free()
	msgs, tp, gp := a.messages(messages), a.toolParams(tools, format), a.generation(o)
	var g C.gemmakit_generation
	g.struct_size = C.uint32_t(unsafe.Sizeof(g))
	err := s.call(func() C.gemmakit_status {
		return C.gemmakit_session_chat_tools(s.p, msgs, C.size_t(len(messages)), tp, gp, &g)
	})
	if err != nil {
		return Result{}, nil, "", err
	}
	r := resultOf(&g)
	calls, text, err := s.ToolCalls()
	return r, calls, text, err
}

// BeginChatTools starts the model's reply to the conversation with tools; advance it with Step
// and read the calls completed so far with ToolCalls after each step.
func (s *Session) BeginChatTools(messages []Message, tools []Tool, format ToolFormat, o Options) error {
	var a cArgs
	defer a.free()
	msgs, tp, gp := a.messages(messages), a.toolParams(tools, format), a.generation(o)
	return s.call(func() C.gemmakit_status {
		return C.gemmakit_session_begin_chat_tools(s.p, msgs, C.size_t(len(messages)), tp, gp)
	})
}

// ToolCalls are the calls of the last chat with tools (so far, when pulled) and its text without them.
func (s *Session) ToolCalls() ([]ToolCall, string, error) {
	var calls *C.gemmakit_tool_call
	var n C.size_t
	var text *C.char
	if err := s.call(func() C.gemmakit_status { return C.gemmakit_session_tool_calls(s.p, &calls, &n, &text) }); err != nil {
		return nil, "", err
	}
	return toolCalls(calls, n), C.GoString(text), nil
}

// ToolParser finds calls in output fed piece by piece. Free it with Close.
type ToolParser struct{ p *C.gemmakit_tool_parser }

// NewToolParser makes a parser for ToolFormatGemma3 or ToolFormatFunctionGemma.
func NewToolParser(format ToolFormat) (*ToolParser, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var p *C.gemmakit_tool_parser
	if err := check(C.gemmakit_tool_parser_create(C.int32_t(format), &p)); err != nil {
		return nil, err
	}
	return &ToolParser{p}, nil
}

// Feed adds output and returns the calls it completed.
func (t *ToolParser) Feed(text string) ([]ToolCall, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c := C.CString(text)
	defer C.free(unsafe.Pointer(c))
	var nNew, n C.size_t
	var calls *C.gemmakit_tool_call
	if err := check(C.gemmakit_tool_parser_feed(t.p, c, C.size_t(len(text)), &nNew)); err != nil {
		return nil, err
	}
	if err := check(C.gemmakit_tool_parser_calls(t.p, &calls, &n, nil)); err != nil {
		return nil, err
	}
	all := toolCalls(calls, n)
	return all[len(all)-int(nNew):], nil
}

// Finish ends the output and returns all calls and the text without them.
func (t *ToolParser) Finish() ([]ToolCall, string, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var n C.size_t
	var calls *C.gemmakit_tool_call
	var text *C.char
	if err := check(C.gemmakit_tool_parser_finish(t.p)); err != nil {
		return nil, "", err
	}
	if err := check(C.gemmakit_tool_parser_calls(t.p, &calls, &n, &text)); err != nil {
		return nil, "", err
	}
	return toolCalls(calls, n), C.GoString(text), nil
}

// Close frees the parser.
func (t *ToolParser) Close() {
	C.gemmakit_tool_parser_free(t.p)
	t.p = nil
}
