// Dates as feeds write them: RSS 2.0's RFC 822 ("Sat, 07 Sep 2002 00:00:01 GMT", RFC 2822
// section 3.3 with its obsolete zone names) and Atom's RFC 3339 ("2026-03-01T09:30:00+05:00").
#pragma once

#include <string_view>

#include "base/clock.h"

namespace threathub::collect::internal {

// Milliseconds since the epoch for an RFC 822/2822 date-time; false when it is not one. A date
// without a zone is read as UTC; two-digit years are 19xx from 50 and 20xx below.
bool ParseRfc822Date(std::string_view text, base::Millis& out);

// RFC 822 or RFC 3339, whichever the text is.
bool ParseFeedDate(std::string_view text, base::Millis& out);

// Days since 1970-01-01 of a proleptic Gregorian date (no range checks).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

}  // namespace threathub::collect::internal
