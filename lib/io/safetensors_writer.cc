#include "io/safetensors_writer.h"

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "gemmakit/status.h"

namespace gemmakit {

void WriteSafetensors(const std::string& path, const std::vector<SafetensorsSpec>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  std::vector<size_t> sizes;
  for (const auto& t : tensors) {
    if (IsQuantized(t.dtype)) Fail(Status::kInvalidArgument, "safetensors cannot hold " + std::string(DTypeName(t.dtype)));
    size_t numel = 1;
    for (int64_t d : t.shape) numel *= static_cast<size_t>(d);
    const size_t bytes = DTypeBytes(t.dtype, numel);
    header[t.name] = {{"dtype", DTypeName(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    sizes.push_back(bytes);
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned, as HF's writer does
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) Fail(Status::kIoError, "cannot create " + path);
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(text.size()) >> (8 * i));
  bool ok = std::fwrite(len, 1, 8, f.get()) == 8 && std::fwrite(text.data(), 1, text.size(), f.get()) == text.size();
  std::vector<uint8_t> buf;
  for (size_t i = 0; ok && i < tensors.size(); ++i) {
    buf.resize(sizes[i]);
    tensors[i].fill(buf.data(), buf.size());
    ok = std::fwrite(buf.data(), 1, buf.size(), f.get()) == buf.size();
  }
  if (!ok || std::fflush(f.get()) != 0) Fail(Status::kIoError, "cannot write " + path);
}

}  // namespace gemmakit
