#include <gtest/gtest.h>

#include "runtime/stop_strings.h"

namespace gemmakit {
namespace {

TEST(StopMatcher, HoldsBackPossibleStartsAndCutsAtTheStop) {
  StopMatcher m({"STOP", "\n\n"});
  bool stopped = false;
  EXPECT_EQ(m.Push("Hello S", stopped), "Hello ");
  EXPECT_FALSE(stopped);
  EXPECT_EQ(m.Push("T", stopped), "");
  EXPECT_EQ(m.Push("OP and more", stopped), "");
  EXPECT_TRUE(stopped);
}

TEST(StopMatcher, ReleasesHeldTextWhenItTurnsOutNotToBeAStop) {
  StopMatcher m({"STOP"});
  bool stopped = false;
  EXPECT_EQ(m.Push("ST", stopped), "");
  EXPECT_EQ(m.Push("ART", stopped), "START");
  EXPECT_EQ(m.Push("S", stopped), "");
  EXPECT_EQ(m.Flush(), "S");
}

TEST(StopMatcher, EarliestStopWins) {
  StopMatcher m({"world", "lo"});
  bool stopped = false;
  EXPECT_EQ(m.Push("hello world", stopped), "hel");
  EXPECT_TRUE(stopped);
}

TEST(StopMatcher, NoStopsPassesEverythingThrough) {
  StopMatcher m({});
  bool stopped = false;
  EXPECT_EQ(m.Push("abc", stopped), "abc");
  EXPECT_EQ(m.Flush(), "");
}

}  // namespace
}  // namespace gemmakit
