// Everything the consent rules know about one case, assembled by the services layer from storage for each
// decision (rules are evaluated at the moment of release; nothing here is a cached answer).
#pragma once

#include "common/clock.h"
#include "domain/agreement.h"
#include "domain/court_order.h"
#include "domain/ids.h"
#include "domain/party.h"
#include "domain/roi.h"
#include "domain/types.h"

#include <optional>
#include <string>
#include <vector>

namespace kinvault::domain {

// An amendment switching the process mode applies from `effective_from` on.
struct ModeChange {
    ProcessMode mode{ProcessMode::closed};
    UnixTime effective_from{0};
    DocumentId amendment; // empty for the mode the case opened with
};

// Legal custody known without a court order (e.g. married parents, no order): the clinician records it and
// the basis. A governing court order with custody terms always takes precedence.
struct CustodyRecord {
    CustodyRecordId id;
    PartyId child;
    CustodyKind kind{CustodyKind::joint};
    std::vector<PartyId> holders;
    UnixTime recorded_at{0};
    bool verified{false};
    std::string basis; // in words, e.g. "parents married, no custody order"
};

struct CaseFacts {
    CaseId id;
    std::vector<ModeChange> mode_history; // ordered by effective_from; never empty in a valid case
    std::vector<UserId> clinicians;       // practice clinician accounts assigned to the case
    std::optional<UnixTime> closed_at;
    std::vector<Party> parties;
    std::vector<CustodyRecord> custody_records;
    std::vector<CourtOrder> orders;
    std::vector<Roi> rois;
    std::optional<Agreement> agreement; // the version in force
};

[[nodiscard]] const Party* find_party(const CaseFacts& facts, const PartyId& id);
[[nodiscard]] const Roi* find_roi(const CaseFacts& facts, const RoiId& id);
[[nodiscard]] const CourtOrder* find_order(const CaseFacts& facts, const OrderId& id);
// Closed when the history is empty: the safe default.
[[nodiscard]] ProcessMode mode_at(const CaseFacts& facts, UnixTime at);
// Active child_therapist parties treating `child`.
[[nodiscard]] std::vector<const Party*> therapists_of(const CaseFacts& facts, const PartyId& child);
// "Frank (parent)"; the id when the party is unknown. For plain-language explanations.
[[nodiscard]] std::string party_label(const CaseFacts& facts, const PartyId& id);

} // namespace kinvault::domain
