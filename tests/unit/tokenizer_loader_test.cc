// Which vocabulary and chat template a checkpoint folder gives the model
// (runtime/tokenizer_loader.h), on copies of the bundled gemma3-mini.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gemmakit.h"
#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "test_util.h"
#include "tokenizer/gemma_chat_templates.h"

namespace gemmakit {
namespace {

using nlohmann::json;

class TokenizerLoaderTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& d : dirs_) std::filesystem::remove_all(d);
  }

  // gemma3-mini's config and weights, plus the named tokenizer files.
  std::string Folder(const std::string& tag, bool with_model, bool with_json) {
    const std::string dir = test::MakeTempDir("tokload_" + tag);
    dirs_.push_back(dir);
    for (const char* f : {"config.json", "model.safetensors"}) Copy("gemma3-mini/" + std::string(f), dir + "/" + f);
    if (with_model) Copy("gemma3-mini/tokenizer.model", dir + "/tokenizer.model");
    if (with_json) Copy("tokenizer-json/gemma3-mini.tokenizer.json", dir + "/tokenizer.json");
    return dir;
  }
  static void Copy(const std::string& from, const std::string& to) {
    test::WriteFile(to, test::ReadFile(test::DataPath(from)));
  }
  static void WriteConfig(const std::string& dir, const json& chat_template) {
    const json config = {{"bos_token", "<bos>"}, {"chat_template", chat_template}};
    test::WriteFile(dir + "/tokenizer_config.json", config.dump());
  }

 private:
  std::vector<std::string> dirs_;
};

const char kChatMl[] = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}";

TEST_F(TokenizerLoaderTest, TokenizerJsonWinsOverTokenizerModel) {
  const auto both = Model::Load(Folder("both", true, true));
  EXPECT_EQ(both->info().tokenizer_source, "tokenizer.json");
  const auto model_only = Model::Load(Folder("model", true, false));
  EXPECT_EQ(model_only->info().tokenizer_source, "tokenizer.model");
  const auto json_only = Model::Load(Folder("json", false, true));
  EXPECT_EQ(json_only->info().tokenizer_source, "tokenizer.json");
  // The golden prompts tokenize to the golden ids from either file.
  const json golden = json::parse(test::ReadFile(test::DataPath("gemma3-mini/golden.json")));
  for (const json& c : golden["cases"]) {
    auto ids = json_only->tokenizer().Encode(c["text"].get<std::string>());
    ids.insert(ids.begin(), json_only->tokenizer().special().bos);
    EXPECT_EQ(ids, c["ids"].get<std::vector<int32_t>>()) << c["name"];
    EXPECT_EQ(model_only->tokenizer().Encode(c["text"].get<std::string>()),
              std::vector<int32_t>(ids.begin() + 1, ids.end()));
  }
}

// The chosen file must load: a broken tokenizer.json is an error, not a silent fallback to
// tokenizer.model.
TEST_F(TokenizerLoaderTest, BrokenTokenizerJsonIsAnErrorEvenWithTokenizerModel) {
  const std::string dir = Folder("broken", true, true);
  const std::string text = test::ReadFile(dir + "/tokenizer.json");
  test::WriteFile(dir + "/tokenizer.json", text.substr(0, text.size() / 2));
  try {
    Model::Load(dir);
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kFormatError);
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
  gemmakit_model* m = nullptr;
  EXPECT_EQ(gemmakit_model_load(dir.c_str(), nullptr, &m), GEMMAKIT_ERR_FORMAT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("tokenizer.json"), std::string::npos);
}

TEST_F(TokenizerLoaderTest, OfficialTemplatesAreRecognised) {
  const std::string none = Folder("none", true, false);
  EXPECT_EQ(Model::Load(none)->info().chat_template, "none");
  const std::string g3 = Folder("g3", true, false);
  WriteConfig(g3, kGemma3ChatTemplate);
  EXPECT_EQ(Model::Load(g3)->info().chat_template, "gemma3");
  const std::string g2 = Folder("g2", true, false);
  WriteConfig(g2, json::array({{{"name", "default"}, {"template", kGemma2ChatTemplate}},
                               {{"name", "rag"}, {"template", "x"}}}));
  EXPECT_EQ(Model::Load(g2)->info().chat_template, "gemma");
  // chat_template.jinja comes before tokenizer_config.json, as in transformers.
  const std::string jinja = Folder("jinja", true, false);
  WriteConfig(jinja, kChatMl);
  test::WriteFile(jinja + "/chat_template.jinja", kGemma3ChatTemplate);
  EXPECT_EQ(Model::Load(jinja)->info().chat_template, "gemma3");
}

// A template gemmakit does not know: the model loads and generates from raw text, but chat says
// clearly why it will not format the conversation.
TEST_F(TokenizerLoaderTest, UnrecognisedTemplateRefusesChat) {
  const std::string dir = Folder("chatml", true, false);
  WriteConfig(dir, kChatMl);
  const auto model = Model::Load(dir);
  EXPECT_EQ(model->info().chat_template, "unrecognized");
  try {
    model->ApplyChatTemplate({{"user", "hi"}}, true);
    ADD_FAILURE() << "formatted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not an official Gemma template"), std::string::npos) << e.what();
  }
  Session session(model);
  GenerateOptions o;
  o.max_tokens = 2;
  EXPECT_THROW(session.Chat({{"user", "hi"}}, o), Error);
  EXPECT_EQ(session.Generate("hi", o).tokens.size(), 2u);

  gemmakit_model* m = nullptr;
  ASSERT_EQ(gemmakit_model_load(dir.c_str(), nullptr, &m), GEMMAKIT_OK);
  gemmakit_chat_message turn = {"user", "hi"};
  char buf[256];
  size_t needed = 0;
  EXPECT_EQ(gemmakit_apply_chat_template(m, &turn, 1, 1, buf, sizeof buf, &needed), GEMMAKIT_ERR_UNSUPPORTED);
  EXPECT_NE(std::string(gemmakit_last_error()).find("Gemma"), std::string::npos);
  gemmakit_model_free(m);
}

TEST_F(TokenizerLoaderTest, CorruptTokenizerConfigIsAFormatError) {
  const std::string dir = Folder("badconfig", true, false);
  test::WriteFile(dir + "/tokenizer_config.json", "{\"chat_template\": \"{{ bos");
  EXPECT_THROW(Model::Load(dir), Error);
  test::WriteFile(dir + "/tokenizer_config.json", "{\"chat_template\": 42}");
  try {
    Model::Load(dir);
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kFormatError);
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json"), std::string::npos) << e.what();
  }
}

TEST_F(TokenizerLoaderTest, ImagePartsAreNotSupportedInGeneration) {
  const auto model = Model::Load(Folder("image", true, false));
  Session session(model);
  GenerateOptions o;
  o.max_tokens = 1;
  try {
    session.Chat({{"user", std::vector<ChatPart>{ChatPart::Image(), ChatPart::Text("what?")}}}, o);
    ADD_FAILURE() << "generated";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("image"), std::string::npos);
  }
}

}  // namespace
}  // namespace gemmakit
