// The text of a deadline reminder e-mail (RequestService::DeliverReminders) in Kazakh, Russian
// or English: the request, whom it went to, the deadline, when it is due in the recipient's zone
// and in the provider's, the rule, and a link to the request.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "requests/mailer.h"

namespace threathub::requests::internal {

struct ReminderMailFacts {
  std::string reference;  // "REQ-12"
  std::string case_number;
  std::string target;  // the provider's name, or the State
  std::string entity;  // the legal entity addressed ("" when the same as target)
  std::string kind;    // DeadlineKindName: preservation_expires, ...
  std::string label;   // Reminder::label: 14_days_before, ...
  std::string rule_id;
  base::Millis due_at = 0;
  std::string provider_zone;  // "" for a State: UTC
  std::string link;           // public URL + "/requests/<id>"
};

// One recipient's message: in `language` (kk, ru, en; Russian for anything else), the due time
// shown in `user_zone` (Asia/Almaty when unknown) and in the provider's zone.
Mail ReminderMail(const ReminderMailFacts& facts, std::string_view language,
                  std::string_view user_zone, std::string address);

}  // namespace threathub::requests::internal
