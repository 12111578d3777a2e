#include "services/release_gate.h"

#include "domain/types.h"

namespace kinvault::services {

ReleaseGate::ReleaseGate(storage::Store& store, const Clock& clock) : m_store(store), m_clock(clock) {}

Result<CaseAccess> ReleaseGate::case_access(const Principal& principal, const std::string& case_id) {
    const Error hidden = make_error(Errc::not_found, "No such case.");
    auto c = m_store.case_by_id(case_id);
    if (!c) {
        return std::move(c).error();
    }
    if (!c->has_value()) {
        return hidden;
    }
    auto parties = m_store.parties_of_user(principal.user_id);
    if (!parties) {
        return std::move(parties).error();
    }
    CaseAccess access;
    access.case_id = case_id;
    access.case_record = **c;
    access.principal = principal;
    for (const auto& p : *parties) {
        if (p.case_id == case_id && p.status == "active") {
            access.my_parties.push_back(p);
            if (p.role == domain::to_string(domain::Role::clinician) && principal.is_clinician()) {
                access.is_case_clinician = true;
            }
        }
    }
    if (access.my_parties.empty()) {
        return hidden;
    }
    return access;
}

AccessDecision ReleaseGate::decide(const CaseAccess& access, const storage::DocumentRecord& document,
                                   AccessAction action) const {
    if (document.case_id != access.case_id) {
        return {false, "R1.deny-by-default", "", "The document belongs to another case.", {}};
    }
    if (access.is_case_clinician) {
        return {true, "R0.case-clinician", "", "The case's clinician sees every document of the case.", {}};
    }
    if (action == AccessAction::read_old_version) {
        return {false, "R0.old-versions-clinician-only", "",
                "Earlier versions of a document are kept for the clinician only.", {}};
    }
    if (document.created_by == access.principal.user_id) {
        return {true, "R1.own-record", "", "A person may see the documents they uploaded.", {}};
    }
    return {false, "R1.deny-by-default", "",
            "No release of information or court order gives this person access to this document.", {}};
}

} // namespace kinvault::services
