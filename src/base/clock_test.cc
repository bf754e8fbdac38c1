#include "base/clock.h"

#include <gtest/gtest.h>

namespace threathub::base {
namespace {

TEST(FormatUtc, WritesMillisecondsAndZ) {
  EXPECT_EQ(FormatUtc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatUtc(1'795'739'078'123), "2026-11-27T00:24:38.123Z");
}

TEST(ParseUtc, ReadsWhatFormatUtcWrites) {
  Millis parsed = 0;
  ASSERT_TRUE(ParseUtc("2026-11-27T00:24:38.123Z", parsed));
  EXPECT_EQ(parsed, 1'795'739'078'123);
}

TEST(ParseUtc, AppliesOffsetsAndAcceptsDates) {
  Millis parsed = 0;
  ASSERT_TRUE(ParseUtc("2026-11-27T05:24:38+05:00", parsed));
  EXPECT_EQ(parsed, 1'795'739'078'000);
  ASSERT_TRUE(ParseUtc("2026-11-27", parsed));
  EXPECT_EQ(FormatUtc(parsed), "2026-11-27T00:00:00.000Z");
}

TEST(ParseUtc, RefusesMalformedTimes) {
  Millis parsed = 0;
  for (const char* bad : {"", "2026", "2026-13-01", "2026-11-27T25:00Z", "2026-11-27T10:00",
                          "2026-11-27T10:00:00Zjunk", "yesterday"}) {
    EXPECT_FALSE(ParseUtc(bad, parsed)) << bad;
  }
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.NowMillis(), 1000);
  clock.Advance(500);
  EXPECT_EQ(clock.NowMillis(), 1500);
}

}  // namespace
}  // namespace threathub::base
