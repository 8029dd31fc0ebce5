// Command-line options of the form --name value or --flag; repeatable where a command allows.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace cli {

class Args {
 public:
  // Parses argv[first..]. `flags` take no value; every other name in `valued` takes one.
  // Returns false with `error` set on an unknown option or a missing value.
  bool Parse(int argc, char** argv, int first, const std::set<std::string>& valued,
             const std::set<std::string>& flags, std::string& error);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
  // Numeric options; false with `error` set when the value does not parse.
  bool GetInt(const std::string& name, long long fallback, long long& out, std::string& error) const;
  bool GetFloat(const std::string& name, double fallback, double& out, std::string& error) const;

 private:
  std::multimap<std::string, std::string> values_;
};

}  // namespace cli
