// The C++ API in a few lines: load, chat, stream. Errors arrive as gemmakit::Error.
#include <iostream>

#include "gemmakit/session.h"
#include "gemmakit/status.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " MODEL_DIR QUESTION\n";
    return 2;
  }
  try {
    auto model = gemmakit::Model::Load(argv[1]);
    gemmakit::Session session(model);
    gemmakit::GenerateOptions opts;
    opts.max_tokens = 64;
    opts.on_text = [](std::string_view t) {
      std::cout << t << std::flush;
      return true;
    };
    session.Chat({{"system", "Answer briefly."}, {"user", argv[2]}}, opts);
    std::cout << "\n";
  } catch (const gemmakit::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
