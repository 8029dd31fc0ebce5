// gemmakit serve: runs gemmakit-serve with the same arguments. The server lives in its own
// program (tools/serve) so that the CLI, like any app on the C API, needs no HTTP library.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.h"

namespace cli {

int RunServe(int argc, char** argv) {
  // Next to this program when installed (bin/), in the build tree's tools/serve/ when built, else PATH.
  std::string self(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", self.data(), self.size() - 1);
  self.resize(n > 0 ? static_cast<size_t>(n) : 0);
  const std::string dir = self.substr(0, self.find_last_of('/') + 1);
  std::vector<std::string> candidates = {dir + "gemmakit-serve", dir + "../tools/serve/gemmakit-serve"};
  std::vector<char*> args = {const_cast<char*>("gemmakit-serve")};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  for (const std::string& path : candidates) {
    if (access(path.c_str(), X_OK) == 0) execv(path.c_str(), args.data());
  }
  execvp("gemmakit-serve", args.data());
  std::fprintf(stderr, "gemmakit serve: cannot run gemmakit-serve (%s); it is built when cpp-httplib is installed\n",
               std::strerror(errno));
  return 1;
}

}  // namespace cli
