#include "domain/agreement.h"

#include "domain/case_facts.h"

#include <string>

namespace kinvault::domain {

bool agreement_transition_allowed(AgreementState from, AgreementState to) {
    using S = AgreementState;
    switch (from) {
    case S::draft:
        return to == S::sent || to == S::terminated;
    case S::sent:
        return to == S::partially_signed || to == S::executed || to == S::terminated;
    case S::partially_signed:
        return to == S::executed || to == S::terminated;
    case S::executed:
        return to == S::superseded || to == S::terminated;
    case S::superseded:
    case S::terminated:
        return false;
    }
    return false;
}

Status transition_agreement(Agreement& agreement, AgreementState to, UnixTime at) {
    if (!agreement_transition_allowed(agreement.state, to)) {
        return make_error(Errc::conflict, "an agreement that is " + std::string(to_string(agreement.state)) +
                                              " cannot become " + std::string(to_string(to)));
    }
    agreement.state = to;
    agreement.state_changed_at = at;
    if (to == AgreementState::executed) {
        agreement.executed_at = at;
    }
    return {};
}

Status apply_mode_amendment(CaseFacts& facts, const Agreement& amendment, UnixTime effective_from,
                            UnixTime now) {
    if (amendment.state != AgreementState::executed) {
        return make_error(Errc::conflict,
                          "a process mode change needs an amendment signed by all parties; this "
                          "one is " +
                              std::string(to_string(amendment.state)));
    }
    if (amendment.document.empty()) {
        return make_error(Errc::invalid_input, "the amendment must name its document");
    }
    if (effective_from < now) {
        return make_error(Errc::invalid_input,
                          "a process mode change applies only going forward; it cannot take "
                          "effect before now");
    }
    for (const auto& change : facts.mode_history) {
        if (change.effective_from > effective_from) {
            return make_error(Errc::conflict, "a later process mode change is already recorded");
        }
    }
    if (!facts.mode_history.empty() && mode_at(facts, effective_from) == amendment.mode) {
        return make_error(Errc::conflict,
                          "the case is already " + std::string(to_string(amendment.mode)) + " at that date");
    }
    facts.mode_history.push_back(ModeChange{amendment.mode, effective_from, amendment.document});
    return {};
}

} // namespace kinvault::domain
