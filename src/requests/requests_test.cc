// The requests service on SQLite and PostgreSQL (filled in below).
#include "requests/requests.h"

#include <gtest/gtest.h>

namespace threathub::requests {
namespace {

TEST(RequestStateTest, NamesRoundTrip) {
  for (State state : {State::kDraft, State::kLegalReview, State::kClosed}) {
    EXPECT_EQ(ParseState(StateName(state)), state);
  }
}

}  // namespace
}  // namespace threathub::requests
