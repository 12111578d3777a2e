// What the consent use cases answer with: a record and the plain-words facts a person reads about it (whether
// an ROI is in force and why, an order's title), with the names of the parties it mentions.
#pragma once

#include "common/clock.h"
#include "domain/court_order.h"
#include "domain/policy.h"
#include "domain/roi.h"
#include "services/consent/records.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kinvault::services {

// Party id -> name for the parties a view mentions.
using PartyNames = std::map<std::string, std::string>;

struct RoiDetail {
    domain::Roi roi;
    std::optional<UnixTime> ends_at; // when it stops authorising (the earlier of date and event)
    bool in_force{false};            // active, valid now, authorised now (rules 5, 8, 10)
    std::string authorisation;       // who must sign and whether they have (plain words)
    std::vector<domain::RoiDefect> defects;
    PartyNames names;
};

struct OrderDetail {
    domain::CourtOrder order;
    std::string title;
    PartyNames names;
};

struct LetterDetail {
    LetterRecord letter;
    PartyNames names;
};

[[nodiscard]] RoiDetail roi_detail(const CaseSnapshot& snapshot, const domain::Roi& roi, UnixTime now,
                                   const domain::Policy& policy);
[[nodiscard]] OrderDetail order_detail(const CaseSnapshot& snapshot, const domain::CourtOrder& order);
[[nodiscard]] LetterDetail letter_detail(const CaseSnapshot& snapshot, const LetterRecord& letter);

} // namespace kinvault::services
