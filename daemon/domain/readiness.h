// Coordination readiness (domain.md): before the clinician coordinates with a child's individual therapist,
// every required authoriser (rule 5) must have an active ROI covering exchange in both directions between the
// clinician and that therapist. The answer says what is missing and from whom, in plain words.
#pragma once

#include "common/clock.h"
#include "domain/authority.h"
#include "domain/case_facts.h"
#include "domain/policy.h"
#include "domain/roi.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::domain {

// Ordered from worst to best; the best state over the matching ROIs is reported.
enum class LinkState { missing, expired, revoked, suspended, pending, expiring, active };

[[nodiscard]] bool link_in_force(LinkState s); // active or expiring

// One authoriser and one direction of exchange for one therapist.
struct AuthoriserLink {
    PartyId authoriser;
    std::string authoriser_name;
    SignerCapacity capacity{SignerCapacity::self};
    Direction direction{Direction::clinician_to_recipient}; // never `both`: one row per direction
    LinkState state{LinkState::missing};
    std::optional<RoiId> roi;        // the ROI the state comes from
    std::optional<UnixTime> ends_at; // active/expiring: when it stops authorising
    std::string detail;
};

struct TherapistReadiness {
    PartyId therapist;
    std::string therapist_name;
    RequirementMode mode{RequirementMode::any_of};
    std::string requirement; // who must sign and why (rule 5)
    bool ready{false};
    std::vector<AuthoriserLink> links;
    std::vector<std::string> missing; // one sentence per gap: what is missing from whom
};

struct ChildReadiness {
    PartyId child;
    std::string child_name;
    bool ready{false};
    std::vector<TherapistReadiness> therapists;
    std::vector<std::string> problems; // e.g. no individual therapist on record
};

struct CaseReadiness {
    bool ready{false};
    bool has_current_order_or_plan{false};
    std::vector<ChildReadiness> children;
    std::vector<std::string> problems; // case-level: no child, no current order or plan
};

// ROIs count when they are about the child, name the therapist (individually or as "therapist of" the child),
// cover the direction, and list coordination_of_care or treatment as a purpose.
[[nodiscard]] CaseReadiness assess_readiness(const CaseFacts& facts, UnixTime now, const Policy& policy = {});

[[nodiscard]] std::string_view to_string(LinkState s);

} // namespace kinvault::domain
