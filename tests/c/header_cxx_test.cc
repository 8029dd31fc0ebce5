// capi/gemmakit.h must compile cleanly as C++ (-Wall -Wextra -Werror -pedantic) and give the same
// ABI as it does in C: extern "C" names, the same struct layouts.
#include "gemmakit.h"

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(std::is_standard_layout<gemmakit_model_params>::value, "C struct");
static_assert(std::is_standard_layout<gemmakit_session_params>::value, "C struct");
static_assert(std::is_standard_layout<gemmakit_sampling_params>::value, "C struct");
static_assert(std::is_standard_layout<gemmakit_generate_params>::value, "C struct");
static_assert(std::is_standard_layout<gemmakit_generation>::value, "C struct");
static_assert(std::is_standard_layout<gemmakit_model_info>::value, "C struct");
static_assert(offsetof(gemmakit_model_params, struct_size) == 0, "struct_size comes first");
static_assert(offsetof(gemmakit_session_params, struct_size) == 0, "struct_size comes first");
static_assert(offsetof(gemmakit_sampling_params, struct_size) == 0, "struct_size comes first");
static_assert(offsetof(gemmakit_generate_params, struct_size) == 0, "struct_size comes first");
static_assert(offsetof(gemmakit_generation, struct_size) == 0, "struct_size comes first");
static_assert(offsetof(gemmakit_model_info, struct_size) == 0, "struct_size comes first");
static_assert(std::is_same<gemmakit_status, int32_t>::value, "status is int32_t");

namespace {
int32_t Ignore(const char*, size_t, void*) { return 0; }
}  // namespace

int main() {
  const gemmakit_text_callback cb = Ignore;  // a C++ function converts to the callback type
  gemmakit_generate_params p;
  if (gemmakit_generate_params_init(&p, sizeof p) != GEMMAKIT_OK) return 1;
  p.on_text = cb;
  const char* v = gemmakit_version();
  if (v == nullptr || std::strlen(v) == 0 || gemmakit_abi_version() != GEMMAKIT_ABI_VERSION) return 1;
  std::printf("gemmakit %s (ABI %d) from C++\n", v, gemmakit_abi_version());
  gemmakit_model_free(nullptr);
  gemmakit_session_free(nullptr);
  return 0;
}
