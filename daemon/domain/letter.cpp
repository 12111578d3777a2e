#include "domain/letter.h"

#include "domain/algo.h"
#include "domain/case_facts.h"

#include <string>

namespace kinvault::domain {

bool letter_is_released(LetterState s) {
    return s == LetterState::released || s == LetterState::archived;
}

bool letter_transition_allowed(LetterState from, LetterState to) {
    using S = LetterState;
    switch (from) {
    case S::draft:
        return to == S::submitted || to == S::withdrawn;
    case S::submitted:
        return to == S::revisions_requested || to == S::approved || to == S::withdrawn;
    case S::revisions_requested:
        return to == S::revised || to == S::withdrawn;
    case S::revised:
        return to == S::revisions_requested || to == S::approved || to == S::withdrawn;
    case S::approved:
        return to == S::released || to == S::withdrawn;
    case S::released:
        return to == S::archived;
    case S::archived:
    case S::withdrawn:
        return false;
    }
    return false;
}

namespace {

Status move(ClarificationLetter& letter, LetterState to, UnixTime at) {
    if (!letter_transition_allowed(letter.state, to)) {
        return make_error(Errc::conflict, "a clarification letter that is " +
                                              std::string(to_string(letter.state)) + " cannot become " +
                                              std::string(to_string(to)));
    }
    letter.state = to;
    letter.state_changed_at = at;
    return {};
}

} // namespace

Status submit_letter(ClarificationLetter& letter, UnixTime at) {
    return move(letter, LetterState::submitted, at);
}
Status request_letter_revisions(ClarificationLetter& letter, UnixTime at) {
    return move(letter, LetterState::revisions_requested, at);
}
Status revise_letter(ClarificationLetter& letter, UnixTime at) {
    return move(letter, LetterState::revised, at);
}
Status approve_letter(ClarificationLetter& letter, UnixTime at) {
    return move(letter, LetterState::approved, at);
}

Status release_letter(ClarificationLetter& letter, const std::vector<PartyId>& targets,
                      const CaseFacts& facts, UnixTime at) {
    if (!letter_transition_allowed(letter.state, LetterState::released)) {
        return make_error(Errc::conflict,
                          "only an approved clarification letter can be released; this one is " +
                              std::string(to_string(letter.state)));
    }
    if (targets.empty()) {
        return make_error(Errc::invalid_input,
                          "a release needs a target: the child and/or the child's therapist");
    }
    const auto therapists = therapists_of(facts, letter.child);
    for (const auto& target : targets) {
        const bool is_child = target == letter.child;
        const bool is_therapist = std::any_of(therapists.begin(), therapists.end(),
                                              [&target](const Party* p) { return p->id == target; });
        if (!is_child && !is_therapist) {
            return make_error(Errc::invalid_input, party_label(facts, target) +
                                                       " is neither the letter's child nor an individual "
                                                       "therapist of that child");
        }
    }
    KV_TRY(move(letter, LetterState::released, at));
    letter.release_targets = targets;
    letter.released_at = at;
    return {};
}

} // namespace kinvault::domain
