// What every consent use case asks first: may this principal know of this case, this ROI, this document? The
// answers come from the release gate (the one decision point) over facts assembled for this request; anything
// the caller may not see is answered "no such ..." (domain.md rule 11).
#pragma once

#include "common/result.h"
#include "domain/authority.h"
#include "domain/roi.h"
#include "services/consent/records.h"
#include "services/context.h"
#include "services/release_gate.h"
#include "storage/store.h"

#include <algorithm>
#include <string>
#include <vector>

namespace kinvault::services {

// The answers for objects the caller may not know of: the same as for objects that do not exist.
[[nodiscard]] const Error& hidden_roi();
[[nodiscard]] const Error& hidden_order();
[[nodiscard]] const Error& hidden_letter();
[[nodiscard]] const Error& hidden_document();
[[nodiscard]] const Error& hidden_party();

// Refusal for a use case only the case's clinician may perform ("Only the case's clinician can <what>.").
[[nodiscard]] Error clinician_only(const std::string& what);

// The requester is this case's clinician (a clinician account with a clinician party in the case).
[[nodiscard]] bool is_clinician(const CaseAccess& access);

[[nodiscard]] inline bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// The item with this id in a snapshot's list, to change it in place; nullptr when absent.
template <typename T>
[[nodiscard]] T* find_mut(std::vector<T>& items, const std::string& id) {
    for (auto& i : items) {
        if (i.id == id) {
            return &i;
        }
    }
    return nullptr;
}

// The court order or custody record an ROI signature relies on, by id; an empty id relies on none.
[[nodiscard]] Result<domain::AuthorityRef> authority_for(const domain::CaseFacts& facts,
                                                         const std::string& id);

class ConsentAccess {
public:
    explicit ConsentAccess(ReleaseGate& gate);

    [[nodiscard]] Result<CaseAccess> case_for(const Principal& who, const std::string& case_id);
    // The access's facts with the parties named, for answers a person reads.
    [[nodiscard]] Result<CaseSnapshot> named(const CaseAccess& access) const;
    // The case of the sealed record `kind`/`id` as the principal may see it; `hidden` when the record does
    // not exist or the principal has no standing in its case.
    [[nodiscard]] Result<CaseAccess> load_visible(const Principal& who, const char* kind,
                                                  const std::string& id, const Error& hidden);
    [[nodiscard]] bool may_see_roi(const CaseAccess& access, const domain::Roi& roi) const;
    // load_visible for an ROI the principal may also see (may_see_roi); hidden_roi() otherwise.
    [[nodiscard]] Result<CaseAccess> load_visible_roi(const Principal& who, const std::string& roi_id);
    [[nodiscard]] bool may_read_document(const CaseAccess& access, const std::string& document_id) const;
    // The document `document_id` when it belongs to the case; `what` names the field in the error.
    [[nodiscard]] Result<storage::DocumentRecord> document_in_case(const std::string& document_id,
                                                                   const std::string& case_id,
                                                                   const std::string& what) const;

    // A document the case's clinician acts on (classify it, explain a decision about it): "no such
    // document" for anyone who may not read it, "clinicians only" (naming `what`) for those who may.
    struct ClinicianDocument {
        storage::DocumentRecord document;
        CaseAccess access;
    };
    [[nodiscard]] Result<ClinicianDocument>
    clinician_document(const Principal& who, const std::string& document_id, const std::string& what);

    [[nodiscard]] ReleaseGate& gate() const { return m_gate; }
    [[nodiscard]] const domain::Policy& policy() const { return m_gate.policy(); }

private:
    ReleaseGate& m_gate;
    storage::Store& m_store;
    ConsentRecords& m_records;
};

} // namespace kinvault::services
