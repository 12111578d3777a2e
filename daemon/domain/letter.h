// Clarification letters (domain.md, "Document types and lifecycles"): a parent's letter to the child, seen
// only by its author and the clinician until the clinician approves and releases it, then only by the release
// target (the child and/or the child's therapist).
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "domain/ids.h"

#include <optional>
#include <string_view>
#include <vector>

namespace kinvault::domain {

struct CaseFacts;

enum class LetterState {
    draft,
    submitted,
    revisions_requested,
    revised,
    approved,
    released,
    archived,
    withdrawn,
};

struct ClarificationLetter {
    PartyId author;
    PartyId child;
    LetterState state{LetterState::draft};
    std::vector<PartyId> release_targets; // set by release_letter
    UnixTime state_changed_at{0};
    std::optional<UnixTime> released_at;
};

// Released and archived letters have reached their target; nothing before release leaves author + clinician.
[[nodiscard]] bool letter_is_released(LetterState s);
[[nodiscard]] bool letter_transition_allowed(LetterState from, LetterState to);

// Each returns Errc::conflict naming the current state when the move is not allowed.
Status submit_letter(ClarificationLetter& letter, UnixTime at);
Status request_letter_revisions(ClarificationLetter& letter, UnixTime at);
Status revise_letter(ClarificationLetter& letter, UnixTime at);
Status approve_letter(ClarificationLetter& letter, UnixTime at);
// Targets must be the letter's child or an active individual therapist of that child (Errc::invalid_input).
Status release_letter(ClarificationLetter& letter, const std::vector<PartyId>& targets,
                      const CaseFacts& facts, UnixTime at);

[[nodiscard]] std::string_view to_string(LetterState s);
[[nodiscard]] std::optional<LetterState> parse_letter_state(std::string_view text);

} // namespace kinvault::domain
