// Helpers shared by the unit tests: paths of the bundled test data, scratch files.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gemmakit/status.h"

namespace gemmakit::test {

// tests/data/<name>
std::string DataPath(const std::string& name);
// A fresh empty directory under the system temp dir, removed by nothing: tests name it uniquely.
std::string MakeTempDir(const std::string& tag);
void WriteFile(const std::string& path, const std::string& bytes);
// Fresh temp folders (MakeTempDir) that are removed with their owner.
class ScratchDirs {
 public:
  ScratchDirs() = default;
  ScratchDirs(const ScratchDirs&) = delete;
  ScratchDirs& operator=(const ScratchDirs&) = delete;
  ~ScratchDirs();
  std::string Make(const std::string& tag);

 private:
  std::vector<std::string> dirs_;
};
// A fresh folder (made by scratch) with links to every file of tests/data/<model> and, unless
// generation_config is empty, a generation_config.json of that text: the same weights with other
// sampling advice.
std::string LinkModelWithGenerationConfig(ScratchDirs& scratch, const std::string& model,
                                          const std::string& generation_config);
std::string ReadFile(const std::string& path);
std::vector<float> ReadF32File(const std::string& path);
// Recomputes a saved session's payload checksum after a test edited the payload, so that the
// parser's own checks (not the checksum) must catch the edit.
void ResealSessionBlob(std::vector<uint8_t>& blob);
// One case of a golden folder's golden.json (../shared/golden/README.md): the ids fed, the greedy
// continuation, the media files it names (none for text cases) and the logits of every position;
// `fields` keeps the whole entry for the keys a folder adds.
struct GoldenCase {
  std::vector<int32_t> ids, greedy;
  std::vector<std::string> images;
  std::vector<float> logits;
  nlohmann::json fields;
};
// tests/data/<dir>/golden.json's case `name`. Throws std::runtime_error when there is none.
GoldenCase LoadGoldenCase(const std::string& dir, const std::string& name);
// The status of the Error fn throws; Status::kOk when it returns.
Status StatusOf(const std::function<void()>& fn);
// Model::Load(dir) fails with `status` and a message containing `needle` (a gtest failure if not).
void ExpectLoadError(const std::string& dir, Status status, const std::string& needle);

}  // namespace gemmakit::test
