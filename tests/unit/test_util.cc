#include "test_util.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "gemmakit/model.h"
#include "runtime/model_identity.h"

namespace gemmakit::test {

std::string DataPath(const std::string& name) { return std::string(GEMMAKIT_TEST_DATA) + "/" + name; }

std::string MakeTempDir(const std::string& tag) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/gemmakit_" + tag + "_XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  return std::string(buf.data());
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

GoldenCase LoadGoldenCase(const std::string& dir, const std::string& name) {
  const nlohmann::json g = nlohmann::json::parse(ReadFile(DataPath(dir + "/golden.json")));
  for (const nlohmann::json& c : g.at("cases")) {
    if (c.at("name") != name) continue;
    GoldenCase out;
    out.ids = c.at("ids").get<std::vector<int32_t>>();
    out.greedy = c.at("greedy_ids").get<std::vector<int32_t>>();
    if (c.contains("images")) out.images = c.at("images").get<std::vector<std::string>>();
    out.logits = ReadF32File(DataPath(dir + "/" + c.at("logits_file").get<std::string>()));
    out.fields = c;
    return out;
  }
  throw std::runtime_error("no golden case " + name + " in " + dir);
}

std::string LinkModelWithGenerationConfig(ScratchDirs& scratch, const std::string& model,
                                          const std::string& generation_config) {
  const std::string dir = scratch.Make("generation_config");
  for (const auto& entry : std::filesystem::directory_iterator(DataPath(model))) {
    if (entry.path().filename() == "generation_config.json") continue;
    std::filesystem::create_symlink(entry.path(), dir + "/" + entry.path().filename().string());
  }
  if (!generation_config.empty()) WriteFile(dir + "/generation_config.json", generation_config);
  return dir;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<float> ReadF32File(const std::string& path) {
  const std::string bytes = ReadFile(path);
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

Status StatusOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.status();
  }
  return Status::kOk;
}

void ResealSessionBlob(std::vector<uint8_t>& blob) {
  constexpr size_t kHeader = 48, kChecksumAt = 32;  // runtime/session_state.h
  if (blob.size() < kHeader) throw std::runtime_error("not a session blob");
  Hash64 h;
  h.Add(blob.data() + kHeader, blob.size() - kHeader);
  const uint64_t sum = h.value();
  std::memcpy(blob.data() + kChecksumAt, &sum, sizeof sum);
}

ScratchDirs::~ScratchDirs() {
  for (const std::string& d : dirs_) {
    std::error_code ec;
    std::filesystem::remove_all(d, ec);
  }
}

std::string ScratchDirs::Make(const std::string& tag) {
  dirs_.push_back(MakeTempDir(tag));
  return dirs_.back();
}

void ExpectLoadError(const std::string& dir, Status status, const std::string& needle) {
  try {
    Model::Load(dir);
    ADD_FAILURE() << "loaded " << dir << ", expected an error mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), status) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace gemmakit::test
