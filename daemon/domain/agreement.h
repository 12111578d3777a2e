// The reunification agreement (domain.md): its lifecycle, and the release terms the engine needs from it --
// what reaches attorneys and the court in a closed process (rule 6), and who receives reports in an open one.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "domain/document.h"
#include "domain/ids.h"
#include "domain/types.h"

#include <optional>
#include <string_view>
#include <vector>

namespace kinvault::domain {

struct CaseFacts;

enum class AgreementState { draft, sent, partially_signed, executed, superseded, terminated };

enum class AllowanceScope {
    whole_case,  // every document of the listed categories
    client_only, // counsel: only documents about their own client
};

// "attendance and payment may go to the attorneys": recipients by role, information by category.
struct AgreementAllowance {
    std::vector<Role> recipient_roles; // attorney, minors_counsel, court
    std::vector<InfoCategory> categories;
    AllowanceScope scope{AllowanceScope::client_only};
};

struct Agreement {
    DocumentId document;
    int version{1};
    AgreementState state{AgreementState::draft};
    UnixTime state_changed_at{0};
    std::optional<UnixTime> executed_at;
    ProcessMode mode{ProcessMode::closed};             // the mode this version records
    std::vector<AgreementAllowance> closed_allowances; // what may leave a closed process
    std::vector<AgreementAllowance> open_allowances;   // who receives what in an open process
    std::optional<OrderId> implements_order;
    std::optional<DocumentId> supersedes; // the earlier version this amendment replaces
};

// draft -> sent -> partially_signed -> executed -> superseded | terminated; an unexecuted agreement may be
// terminated (void). Executed agreements are never edited: an amendment is a new version.
[[nodiscard]] bool agreement_transition_allowed(AgreementState from, AgreementState to);
Status transition_agreement(Agreement& agreement, AgreementState to, UnixTime at);

// Switching open/closed is an amendment signed by all parties (executed) that applies only going forward:
// `effective_from` may not lie before `now`. Appends to the case's mode history.
Status apply_mode_amendment(CaseFacts& facts, const Agreement& amendment, UnixTime effective_from,
                            UnixTime now);

[[nodiscard]] std::string_view to_string(AgreementState s);
[[nodiscard]] std::optional<AgreementState> parse_agreement_state(std::string_view text);
[[nodiscard]] std::string_view to_string(AllowanceScope s);
[[nodiscard]] std::optional<AllowanceScope> parse_allowance_scope(std::string_view text);

} // namespace kinvault::domain
