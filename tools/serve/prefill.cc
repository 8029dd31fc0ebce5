#include "prefill.h"

#include <string>

#include "api_error.h"
#include "tool_calls.h"

namespace gemmakit_serve {
namespace {

void Check(gemmakit_status st) {
  if (st != GEMMAKIT_OK) throw FromLibraryStatus(st, gemmakit_last_error());
}

std::vector<int32_t> Tokenize(const gemmakit_model* model, const std::string& text, int32_t flags) {
  std::vector<int32_t> ids(text.size() + 16);
  size_t n = 0;
  gemmakit_status st = gemmakit_tokenize(model, text.data(), text.size(), flags, ids.data(), ids.size(), &n);
  if (st == GEMMAKIT_ERR_BUFFER_TOO_SMALL) {
    ids.resize(n);
    st = gemmakit_tokenize(model, text.data(), text.size(), flags, ids.data(), ids.size(), &n);
  }
  Check(st);
  ids.resize(n);
  return ids;
}

std::string JoinedText(const Message& m) {
  std::string text;
  for (const MessagePart& p : m.parts) text += p.text;
  return text;
}

}  // namespace

std::vector<int32_t> PromptTokens(const gemmakit_model* model, const GenerationRequest& request) {
  if (!request.chat) return Tokenize(model, request.prompt, GEMMAKIT_TOKENIZE_ADD_BOS);
  if (request.with_tools()) return Tokenize(model, RenderToolPrompt(model, request), GEMMAKIT_TOKENIZE_PARSE_SPECIAL);
  if (request.has_images()) return {};
  std::vector<std::string> texts;
  std::vector<gemmakit_chat_message> messages;
  texts.reserve(request.messages.size());
  for (const Message& m : request.messages) texts.push_back(JoinedText(m));
  for (size_t i = 0; i < texts.size(); ++i) messages.push_back({request.messages[i].role.c_str(), texts[i].c_str()});
  std::string rendered(4096, '\0');
  size_t needed = 0;
  gemmakit_status st = gemmakit_apply_chat_template(model, messages.data(), messages.size(), 1, rendered.data(),
                                                    rendered.size(), &needed);
  if (st == GEMMAKIT_ERR_BUFFER_TOO_SMALL) {
    rendered.resize(needed);
    st = gemmakit_apply_chat_template(model, messages.data(), messages.size(), 1, rendered.data(), rendered.size(),
                                      &needed);
  }
  Check(st);
  rendered.resize(needed - 1);
  return Tokenize(model, rendered, GEMMAKIT_TOKENIZE_PARSE_SPECIAL);
}

int64_t EvaluatePrompt(gemmakit_session* session, const GenerationRequest& request, const std::vector<int32_t>& held,
                       const std::vector<int32_t>& prompt) {
  if (!request.chat || request.with_tools()) {
    // Raw text, or a conversation the tools template rendered: continue the session when it holds a prefix of the prompt, else start over.
    size_t start = held.size();
    bool prefix = held.size() < prompt.size();
    for (size_t i = 0; prefix && i < held.size(); ++i) prefix = held[i] == prompt[i];
    int64_t n_past = 0;
    Check(gemmakit_session_n_past(session, &n_past));
    if (!prefix || n_past != static_cast<int64_t>(held.size())) {
      Check(gemmakit_session_reset(session));
      start = 0;
    }
    Check(gemmakit_session_eval(session, prompt.data() + start, prompt.size() - start, GEMMAKIT_LOGITS_LAST));
    return static_cast<int64_t>(prompt.size());
  }
  // A conversation: the library renders it, reuses what the session holds, and evaluates the
  // rest; a generation of zero tokens stops right after the prompt.
  std::vector<std::vector<gemmakit_content_part>> parts(request.messages.size());
  std::vector<gemmakit_content_turn> turns;
  for (size_t i = 0; i < request.messages.size(); ++i) {
    for (const MessagePart& p : request.messages[i].parts) {
      gemmakit_content_part part{};
      part.struct_size = sizeof part;
      part.type = p.image ? GEMMAKIT_PART_IMAGE : GEMMAKIT_PART_TEXT;
      part.text = p.image ? nullptr : p.text.c_str();
      part.image = p.image.get();
      parts[i].push_back(part);
    }
    gemmakit_content_turn turn{};
    turn.struct_size = sizeof turn;
    turn.role = request.messages[i].role.c_str();
    turn.parts = parts[i].data();
    turn.n_parts = parts[i].size();
    turns.push_back(turn);
  }
  gemmakit_generate_params params;
  Check(gemmakit_generate_params_init(&params, sizeof params));
  params.max_tokens = 0;
  Check(gemmakit_session_begin_chat_content(session, turns.data(), turns.size(), &params));
  gemmakit_chunk chunk{};
  chunk.struct_size = sizeof chunk;
  do {
    Check(gemmakit_session_step(session, 0, 0, &chunk));
  } while (!chunk.finished);
  int64_t n_past = 0;
  Check(gemmakit_session_n_past(session, &n_past));
  return n_past;
}

}  // namespace gemmakit_serve
