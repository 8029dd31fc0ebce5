// gemmakit-serve's pieces without HTTP: request mapping, text streaming with stop strings and
// UTF-8, access control, response chunks, the session pool's prefix choice.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "access_control.h"
#include "api_error.h"
#include "openai_request.h"
#include "openai_response.h"
#include "session_pool.h"
#include "text_stream.h"

namespace gemmakit_serve {
namespace {

struct ModelDeleter {
  void operator()(gemmakit_model* m) const { gemmakit_model_free(m); }
};

std::unique_ptr<gemmakit_model, ModelDeleter> LoadMini() {
  gemmakit_model* m = nullptr;
  EXPECT_EQ(gemmakit_model_load(GEMMAKIT_TEST_DATA "/gemma3-mini", nullptr, &m), GEMMAKIT_OK) << gemmakit_last_error();
  return std::unique_ptr<gemmakit_model, ModelDeleter>(m);
}

std::vector<int32_t> Tokens(const gemmakit_model* m, const std::string& text) {
  std::vector<int32_t> ids(text.size() + 8);
  size_t n = 0;
  EXPECT_EQ(gemmakit_tokenize(m, text.data(), text.size(), 0, ids.data(), ids.size(), &n), GEMMAKIT_OK);
  ids.resize(n);
  return ids;
}

std::string ErrorCode(const std::string& body) {
  try {
    ParseChatRequest(body, "m");
  } catch (const ApiError& e) {
    return std::to_string(e.status) + " " + e.code;
  }
  return "accepted";
}

TEST(ServeRequest, MapsOpenAiFields) {
  const ParsedRequest p = ParseChatRequest(
      R"({"model":"m","messages":[{"role":"developer","content":"Be brief."},
          {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],
          "n":2,"seed":5,"stop":"END","max_completion_tokens":7,"temperature":0.5,"top_p":0.9,
          "logprobs":true,"top_logprobs":3,"stream":true,"stream_options":{"include_usage":true},
          "response_format":{"type":"text"},"presence_penalty":0})",
      "m");
  const GenerationRequest& g = p.generation;
  EXPECT_TRUE(g.chat && p.stream && p.include_usage);
  ASSERT_EQ(g.messages.size(), 2u);
  EXPECT_EQ(g.messages[0].role, "system");
  EXPECT_EQ(g.messages[1].parts.size(), 2u);
  EXPECT_EQ(g.n, 2);
  EXPECT_EQ(*g.seed, 5u);
  EXPECT_EQ(g.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(g.max_tokens, 7);
  EXPECT_FLOAT_EQ(g.temperature.value_or(-1), 0.5f);
  EXPECT_FLOAT_EQ(g.top_p.value_or(-1), 0.9f);
  EXPECT_EQ(g.logprobs, 3);
  const GenerationRequest top_p_0 =
      ParseChatRequest(R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_p":0})", "m").generation;
  EXPECT_EQ(top_p_0.temperature.value_or(-1), 0.f);
  EXPECT_FALSE(top_p_0.top_p);  // the sampler takes no top_p of 0; greedy needs none
  const GenerationRequest unset =
      ParseChatRequest(R"({"model":"m","messages":[{"role":"user","content":"x"}]})", "m").generation;
  EXPECT_FALSE(unset.temperature || unset.top_p || unset.top_k || unset.min_p || unset.repeat_penalty ||
               unset.repeat_last_n);  // the server's defaults apply
  const GenerationRequest llama =
      ParseCompletionRequest(
          R"({"model":"m","prompt":"x","top_k":1,"min_p":0.05,"repeat_penalty":1.3,"repeat_last_n":-1})", "m")
          .generation;
  EXPECT_EQ(llama.top_k.value_or(-1), 1);
  EXPECT_FLOAT_EQ(llama.min_p.value_or(-1), 0.05f);
  EXPECT_FLOAT_EQ(llama.repeat_penalty.value_or(-1), 1.3f);
  EXPECT_EQ(llama.repeat_last_n.value_or(-1), INT32_MAX);  // llama-server's -1: the whole context
  const GenerationRequest json_object = ParseChatRequest(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"},
          "logit_bias":{"7":-100,"9":2.5}})", "m").generation;
  EXPECT_TRUE(json_object.json_mode);
  ASSERT_EQ(json_object.logit_bias.size(), 2u);
  EXPECT_EQ(json_object.logit_bias[0].token, 7);
  EXPECT_FLOAT_EQ(json_object.logit_bias[0].bias, -100.f);
  const GenerationRequest schema = ParseChatRequest(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],
          "response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"object"}}}})", "m")
                                       .generation;
  EXPECT_EQ(nlohmann::json::parse(schema.json_schema), nlohmann::json({{"type", "object"}}));
  const ParsedRequest c = ParseCompletionRequest(R"({"model":"m","prompt":"Once","logprobs":2})", "m");
  EXPECT_FALSE(c.generation.chat);
  EXPECT_EQ(c.generation.max_tokens, 16);
  EXPECT_EQ(c.generation.logprobs, 2);
}

TEST(ServeRequest, RefusesWhatItCannotHonour) {
  const std::string msgs = R"("messages":[{"role":"user","content":"x"}])";
  EXPECT_EQ(ErrorCode("{"), "400 invalid_json");
  EXPECT_EQ(ErrorCode("[1]"), "400 invalid_json");
  EXPECT_EQ(ErrorCode("{" + msgs + "}"), "400 missing_required_parameter");
  EXPECT_EQ(ErrorCode(R"({"model":"other",)" + msgs + "}"), "404 model_not_found");
  EXPECT_EQ(ErrorCode(R"({"model":"m","messages":[]})"), "400 missing_required_parameter");
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + R"(,"functions":[]})"), "400 unsupported_parameter");
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + R"(,"response_format":{"type":"xml"}})"), "400 invalid_value");
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + R"(,"logit_bias":{"abc":1}})"), "400 invalid_value");
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + R"(,"logit_bias":{"5":101}})"), "400 invalid_value");
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + R"(,"frequency_penalty":0.5})"), "400 unsupported_parameter");
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + R"(,"temperature":"hot"})"), "400 invalid_type");
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + R"(,"n":0})"), "400 invalid_value");
  for (const char* bad : {R"("top_k":-1)", R"("min_p":1.5)", R"("repeat_penalty":0)", R"("repeat_penalty":-1)",
                          R"("repeat_last_n":-2)"}) {
    EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + "," + bad + "}"), "400 invalid_value") << bad;
  }
  for (const char* bad : {R"("top_k":2.5)", R"("top_k":"40")", R"("min_p":"0.1")", R"("repeat_penalty":true)",
                          R"("repeat_last_n":64.5)"}) {
    EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + "," + bad + "}"), "400 invalid_type") << bad;
  }
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + R"(,"stop":["a","b","c","d","e"]})"), "400 invalid_type");
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + R"(,"stop":""})"), "400 invalid_value");
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + R"(,"top_logprobs":2})"), "400 invalid_value");
  EXPECT_EQ(ErrorCode(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})"), "400 invalid_value");
  EXPECT_EQ(ErrorCode(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url",
            "image_url":{"url":"https://example.com/a.png"}}]}]})"),
            "400 invalid_image_url");
  EXPECT_EQ(ErrorCode(R"({"model":"m",)" + msgs + "}"), "accepted");
}

TEST(ServeTextStream, StopStringSplitAcrossTokensIsCutAndNeverSent) {
  const auto model = LoadMini();
  const std::string text = "Hello world, please stop here and go on";
  const std::vector<int32_t> ids = Tokens(model.get(), text);
  TextStream stream(model.get(), {"stop here"});
  std::string sent;
  bool stopped = false;
  for (int32_t id : ids) {
    sent += stream.Push(id, stopped);
    EXPECT_EQ(sent.find("sto"), std::string::npos) << "a stop string's beginning was sent: " << sent;
    if (stopped) break;
  }
  EXPECT_TRUE(stopped);
  EXPECT_EQ(sent, Detokenize(model.get(), ids.data(), ids.size()).substr(0, sent.size()));
  EXPECT_EQ(sent.substr(sent.size() - 7), "please ");
}

TEST(ServeTextStream, SendsWholeCharactersAndEverythingAtTheEnd) {
  const auto model = LoadMini();
  const std::string text = "a\xe8\xaf\xad b \xe2\x82\xac c";  // "a语 b € c": byte pieces in a tiny vocabulary
  const std::vector<int32_t> ids = Tokens(model.get(), text);
  TextStream stream(model.get(), {"zzz"});
  std::string sent;
  bool stopped = false;
  for (int32_t id : ids) {
    const std::string piece = stream.Push(id, stopped);
    // Every piece ends on a character boundary: never a lead or continuation byte left open.
    if (!piece.empty()) {
      const auto last = static_cast<unsigned char>(piece.back());
      EXPECT_TRUE(last < 0x80 || piece.size() >= 2) << "piece ends inside a character";
      EXPECT_LT(last, 0xC0) << "piece ends with a lead byte";
    }
    sent += piece;
  }
  sent += stream.Flush();
  EXPECT_FALSE(stopped);
  EXPECT_EQ(sent, Detokenize(model.get(), ids.data(), ids.size()));
}

TEST(ServeAccess, KeysAndPerKeyRates) {
  AccessControl open({}, 0);
  EXPECT_EQ(open.Admit("", "127.0.0.1"), "127.0.0.1");
  AccessControl keyed({"k1", "k2"}, 2);
  auto status = [&](const std::string& auth) {
    try {
      keyed.Admit(auth, "127.0.0.1");
      return std::string("ok");
    } catch (const ApiError& e) {
      return std::to_string(e.status) + " " + e.code;
    }
  };
  EXPECT_EQ(status(""), "401 missing_api_key");
  EXPECT_EQ(status("Bearer nope"), "401 invalid_api_key");
  EXPECT_EQ(status("Bearer k1"), "ok");
  EXPECT_EQ(status("Bearer k1"), "ok");
  EXPECT_EQ(status("Bearer k1"), "429 rate_limit_exceeded");
  EXPECT_EQ(status("Bearer k2"), "ok");  // each key has its own budget
}

TEST(ServeResponse, StreamChunksCarryRoleOnceThenUsageAndDone) {
  ParsedRequest p = ParseChatRequest(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,
                                         "stream_options":{"include_usage":true}})",
                                     "m");
  ResponseWriter w(p, true);
  auto json_of = [](const std::string& sse) { return nlohmann::json::parse(sse.substr(6)); };
  Event a(Event::kDelta);
  a.text = "Hi";
  const auto first = json_of(w.Stream(a));
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(first["choices"][0]["delta"]["content"], "Hi");
  a.text = "!";
  EXPECT_FALSE(json_of(w.Stream(a))["choices"][0]["delta"].contains("role"));
  Event done(Event::kChoiceDone);
  done.finish_reason = "stop";
  EXPECT_EQ(json_of(w.Stream(done))["choices"][0]["finish_reason"], "stop");
  Event all(Event::kDone);
  all.usage = {3, 2};
  const std::string tail = w.Stream(all);
  EXPECT_EQ(json_of(tail.substr(0, tail.find("\n\n")))["usage"]["total_tokens"], 5);
  EXPECT_NE(tail.find("data: [DONE]\n\n"), std::string::npos);
}

TEST(ServeSessionPool, ReusesTheSessionWithTheLongestCommonPrefix) {
  const auto model = LoadMini();
  gemmakit_session_params params;
  gemmakit_session_params_init(&params, sizeof params);
  SessionPool pool(model.get(), params, 2);
  int64_t shared = -1;
  Lease a = pool.Acquire({1, 2, 3}, {}, &shared);
  EXPECT_EQ(shared, 0);
  Lease b = pool.Acquire({1, 5}, {}, &shared);
  gemmakit_session* a_session = a.session;
  a.tokens = {1, 2, 3};
  b.tokens = {1, 5};
  pool.Release(std::move(a));
  pool.Release(std::move(b));
  Lease c = pool.Acquire({1, 2, 3, 4}, {}, &shared);
  EXPECT_EQ(c.session, a_session);
  EXPECT_EQ(shared, 3);
  pool.Release(std::move(c));
  Lease d = pool.Acquire({1, 2, 7}, {}, &shared);  // a third session would pass max_idle: the oldest goes
  Lease e = pool.Acquire({9}, {}, &shared);
  EXPECT_EQ(shared, 0);
  pool.Release(std::move(d));
  pool.Release(std::move(e));
  EXPECT_EQ(pool.idle(), 2u);
}

// A session's keys carry its adapters' deltas: a prefix is reused only under the same set; a session
// taken for another set gets that set and forgets its tokens.
TEST(ServeSessionPool, MatchesSessionsByAdapterSet) {
  gemmakit_model* m = nullptr;
  ASSERT_EQ(gemmakit_model_load(GEMMAKIT_TEST_DATA "/gemma3-lora-tiny", nullptr, &m), GEMMAKIT_OK);
  const std::unique_ptr<gemmakit_model, ModelDeleter> model(m);
  gemmakit_adapter* adapter = nullptr;
  ASSERT_EQ(gemmakit_adapter_load(m, GEMMAKIT_TEST_DATA "/gemma3-lora-tiny/adapters/adapter1", &adapter), GEMMAKIT_OK);
  gemmakit_session_params params;
  gemmakit_session_params_init(&params, sizeof params);
  {
    SessionPool pool(m, params, 2, {adapter});
    const AdapterSet lora = {{0, 1.f}};
    int64_t shared = -1;
    Lease a = pool.Acquire({2, 3, 4}, lora, &shared);
    EXPECT_EQ(a.adapters, lora);
    a.tokens = {2, 3, 4};
    gemmakit_session* session = a.session;
    pool.Release(std::move(a));
    Lease b = pool.Acquire({2, 3, 4, 5}, {}, &shared);
    EXPECT_EQ(b.session, session);  // the only idle one, its adapters switched off
    EXPECT_EQ(shared, 0);
    EXPECT_TRUE(b.adapters.empty());
    EXPECT_TRUE(b.tokens.empty());
    b.tokens = {2, 3, 4};
    pool.Release(std::move(b));
    Lease c = pool.Acquire({2, 3, 4, 5}, lora, &shared);
    EXPECT_EQ(shared, 0);
    EXPECT_EQ(c.adapters, lora);
    c.tokens = {2, 3, 4};
    pool.Release(std::move(c));
    Lease d = pool.Acquire({2, 3, 4, 9}, lora, &shared);
    EXPECT_EQ(shared, 3);
    pool.Release(std::move(d));
    EXPECT_THROW(pool.Acquire({2}, {{1, 1.f}}, &shared), ApiError);  // no adapter 1
  }
  gemmakit_adapter_free(adapter);
}

}  // namespace
}  // namespace gemmakit_serve
