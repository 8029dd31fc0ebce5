#include "args.h"

#include <cerrno>
#include <cstdlib>

namespace cli {

bool Args::Parse(int argc, char** argv, int first, const std::set<std::string>& valued,
                 const std::set<std::string>& flags, std::string& error) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      error = "unexpected argument '" + a + "'";
      return false;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (flags.count(name)) {
      values_.emplace(name, "1");
    } else if (valued.count(name)) {
      if (!inline_value) {
        if (i + 1 >= argc) {
          error = "--" + name + " needs a value";
          return false;
        }
        value = argv[++i];
      }
      values_.emplace(name, value);
    } else {
      error = "unknown option --" + name;
      return false;
    }
  }
  return true;
}

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  auto range = values_.equal_range(name);
  if (range.first == range.second) return fallback;
  return std::prev(range.second)->second;  // the last one given wins
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

bool Args::GetInt(const std::string& name, long long fallback, long long& out, std::string& error) const {
  if (!Has(name)) {
    out = fallback;
    return true;
  }
  const std::string v = Get(name);
  char* end = nullptr;
  errno = 0;
  out = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0) {
    error = "--" + name + " expects an integer, got '" + v + "'";
    return false;
  }
  return true;
}

bool Args::GetFloat(const std::string& name, double fallback, double& out, std::string& error) const {
  if (!Has(name)) {
    out = fallback;
    return true;
  }
  const std::string v = Get(name);
  char* end = nullptr;
  errno = 0;
  out = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || errno != 0) {
    error = "--" + name + " expects a number, got '" + v + "'";
    return false;
  }
  return true;
}

}  // namespace cli
